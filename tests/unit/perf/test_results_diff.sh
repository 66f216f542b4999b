#!/usr/bin/env bash
# perf/results-diff.py on small results files: equal files agree; time
# columns are ignored; a deterministic column (equal across the two base
# runs) that differs in work fails and is named; a routing column that also
# differs between the base runs is only reported; a missing row fails.
#   tests/unit/perf/test_results_diff.sh SOURCE_ROOT
set -euo pipefail
root=${1:-$(cd "$(dirname "$0")/../../.." && pwd)}
diff=$root/perf/results-diff.py
tmp=$(mktemp -d /tmp/xroute-rdiff-test.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fails=0
h='signal_id,line,status,venue,e2e_ns'
printf '%s\n1,2,filled,a,100\n2,3,rejected,,200\n' "$h" >"$tmp/base.csv"
printf '%s\n1,2,filled,b,999\n2,3,rejected,,250\n' "$h" >"$tmp/again.csv"
printf '%s\n1,2,filled,a,555\n2,3,rejected,,1\n' "$h" >"$tmp/same.csv"
printf '%s\n1,2,filled,b,100\n2,3,filled,c,200\n' "$h" >"$tmp/status.csv"
printf '%s\n1,2,filled,a,100\n' "$h" >"$tmp/short.csv"

# expect NAME STATUS PATTERN ARGS...
expect() {
	local name=$1 want=$2 pat=$3 rc=0
	shift 3
	"$diff" "$@" >"$tmp/out" 2>&1 || rc=$?
	if [ "$rc" -ne "$want" ] || ! grep -qE -- "$pat" "$tmp/out"; then
		echo "FAIL $name: exit $rc (expected $want), /$pat/:"; sed 's/^/    /' "$tmp/out"
		fails=$((fails + 1)); return
	fi
	echo "ok $name"
}
expect times_ignored 0 'results-diff: agree' "$tmp/base.csv" "$tmp/same.csv"
expect routing_noise 0 'venue +1 +1$' "$tmp/base.csv" "$tmp/again.csv" --again "$tmp/again.csv"
expect any_diff_without_floor 1 'results-diff: differ' "$tmp/base.csv" "$tmp/again.csv"
expect deterministic_column 1 'status +1 +0  DIFFERS' "$tmp/base.csv" "$tmp/status.csv" --again "$tmp/again.csv"
expect missing_row 1 'in one file only 1' "$tmp/base.csv" "$tmp/short.csv"
expect no_file 2 'nope.csv' "$tmp/base.csv" "$tmp/nope.csv"
[ "$fails" -eq 0 ] || { echo "$fails failure(s)"; exit 1; }
echo "all passed"
