#!/usr/bin/env bash
# perf/check-stage-budget.sh against synthetic measurements (no valgrind):
# a stage 10% over its budget fails and is named with budget, measured and
# % over; stages within 4% pass; a stage 6% under passes with a note to lower
# the budget; a stage missing from the budget, or from the measurement,
# fails; the median of three runs ignores one outlier; --write-budget writes
# a file the check then passes against.
#   tests/unit/perf/test_check_stage_budget.sh SOURCE_ROOT
set -euo pipefail
root=${1:-$(cd "$(dirname "$0")/../../.." && pwd)}
check=$root/perf/check-stage-budget.sh
tmp=$(mktemp -d /tmp/xroute-budget-test.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fails=0

cat >"$tmp/budget" <<'B'
# a test budget
ingress    1000.0
route      2000.0   # a comment after a figure
output     4000.0
B

# measured NAME ingress route output [extra-stage]: JSON lines as
# callgrind-stages.sh --json writes them (the fields the check reads).
measured() {
	local f=$tmp/$1.json
	printf '{"kind": "meta", "signals": 20000}\n' >"$f"
	printf '{"kind": "stage", "stage": "ingress", "work_ir_per_signal": %s}\n' "$2" >>"$f"
	[ "$3" = - ] || printf '{"kind": "stage", "stage": "route", "work_ir_per_signal": %s}\n' "$3" >>"$f"
	printf '{"kind": "stage", "stage": "output", "work_ir_per_signal": %s}\n' "$4" >>"$f"
	[ -z "${5:-}" ] || printf '{"kind": "stage", "stage": "%s", "work_ir_per_signal": 10}\n' "$5" >>"$f"
	printf '{"kind": "stage_total", "work_ir_per_signal": 1}\n' >>"$f"
}

# expect NAME STATUS PATTERN... -- ARGS: run the check, compare its exit
# status and grep its output for each pattern.
expect() {
	local name=$1 want=$2 rc=0
	shift 2
	local pats=()
	while [ "$1" != -- ]; do pats+=("$1"); shift; done
	shift
	"$check" --budget "$tmp/budget" "$@" >"$tmp/out" 2>&1 || rc=$?
	if [ "$rc" -ne "$want" ]; then
		echo "FAIL $name: exit $rc, expected $want"; sed 's/^/    /' "$tmp/out"; fails=$((fails + 1)); return
	fi
	for p in "${pats[@]}"; do
		if ! grep -qE -- "$p" "$tmp/out"; then
			echo "FAIL $name: no line matching /$p/"; sed 's/^/    /' "$tmp/out"; fails=$((fails + 1)); return
		fi
	done
	echo "ok   $name"
}

measured over 1000.0 2200.0 4000.0
expect "10% over fails, naming stage, budget, measured, %" 1 \
	'FAIL: stage route: 2200.0 Ir/signal, budget 2000.0: 10.0% over \(limit 5%\)' 'FAILED: 1 stage over' \
	-- --measured "$tmp/over.json"

measured within 1040.0 1920.0 4159.0
expect "within 4% passes" 0 'OK: 3 stages within \+5%' -- --measured "$tmp/within.json"
if grep -q 'note:' "$tmp/out"; then echo "FAIL within: a note within 4%"; fails=$((fails + 1)); fi

measured under 1000.0 2000.0 3760.0
expect "6% under passes with a note" 0 \
	'note: stage output: 3760.0 Ir/signal, budget 4000.0: 6.0% under; lower the budget' 'OK:' \
	-- --measured "$tmp/under.json"

measured extra 1000.0 2000.0 4000.0 newstage
expect "a stage without a budget fails" 1 'FAIL: stage newstage .* has no budget line' \
	-- --measured "$tmp/extra.json"

measured missing 1000.0 - 4000.0
expect "a budgeted stage not measured fails" 1 'FAIL: stage route has a budget .* but was not measured' \
	-- --measured "$tmp/missing.json"

measured a 1000.0 2000.0 4000.0
measured b 1001.0 2300.0 4001.0
measured c 999.0 2001.0 3999.0
expect "median of three ignores one outlier" 0 'OK:' 'route +2000.0 +2001.0' \
	-- --measured "$tmp/a.json" --measured "$tmp/b.json" --measured "$tmp/c.json"

measured over3 1000.0 2110.0 4000.0
expect "median of three over fails" 1 'FAIL: stage route' \
	-- --measured "$tmp/over3.json" --measured "$tmp/over3.json" --measured "$tmp/a.json"

printf 'ingress 1000\nroute two\n' >"$tmp/bad"
rc=0
"$check" --budget "$tmp/bad" --measured "$tmp/a.json" >"$tmp/out" 2>&1 || rc=$?
if [ "$rc" -eq 2 ] && grep -q "bad:2: \"route two\"" "$tmp/out"; then
	echo "ok   a malformed budget line is named with file:line"
else
	echo "FAIL malformed budget: exit $rc"; sed 's/^/    /' "$tmp/out"; fails=$((fails + 1))
fi

cp "$tmp/budget" "$tmp/budget.orig"
expect "--write-budget writes the measured medians" 0 'wrote' \
	-- --measured "$tmp/over.json" --write-budget
if grep -q '^route  *2200.0$' "$tmp/budget" && grep -q 'perf/check-stage-budget.sh -b build-cg --write-budget' "$tmp/budget"; then
	echo "ok   the written budget holds the figures and how to regenerate it"
else
	echo "FAIL written budget:"; sed 's/^/    /' "$tmp/budget"; fails=$((fails + 1))
fi
expect "the check passes against the budget just written" 0 'OK:' -- --measured "$tmp/over.json"

[ "$fails" -eq 0 ] || { echo "$fails failed"; exit 1; }
echo "all passed"
