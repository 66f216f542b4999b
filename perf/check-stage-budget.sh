#!/usr/bin/env bash
# The instruction budget per stage: CI's regression guard on engine work.
#
# Measures each stage's work Ir per signal with perf/callgrind-stages.sh
# (callgrind instruction counts: the same work gives the same count on a
# noisy host, where times move by more than the changes being judged) and
# compares it with perf/stage-budget:
#   - a stage more than --tolerance (5%) over its budget fails the check;
#   - a stage more than --tolerance under it is reported, and the budget
#     should be lowered (--write-budget, in a reviewed commit);
#   - a stage measured without a budget line, or budgeted and not measured,
#     fails (a new or renamed stage needs a budget).
#
#   perf/check-stage-budget.sh -b build-cg                 the check
#   perf/check-stage-budget.sh -b build-cg --write-budget  a fresh budget
#   perf/check-stage-budget.sh --measured a.json --measured b.json
#                                  compare runs already made (JSON lines of
#                                  callgrind-stages.sh --json); no valgrind
#
# The measurement: `perf/callgrind-stages.sh -c perf/pipeline.ini --repeatable
# -n SIGNALS --no-breakdown` (the pipeline benchmark's workload, its stages on
# one thread, latency out of routing), --runs times; each stage's figure is
# the median over the runs of its work Ir/signal (Ir of its do_work minus
# the calls of idle loops and minus clock-driven snapshot publication). The
# build must be debugoptimized (-O2 -g), as CI builds it:
#   meson setup build-cg -Dbuildtype=debugoptimized -Dtests=disabled
#   ninja -C build-cg tools/xroute
# See docs/perf-callgrind.md, "The stage budget".
#
# Exit status: 0 within budget, 1 over budget (or the stages do not match
# the budget's), 2 usage error, missing tool, or a measurement that failed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

usage() {
	cat <<'EOF'
usage: perf/check-stage-budget.sh [-b BUILD] [--budget FILE] [-n SIGNALS] [--runs R]
                                  [--tolerance PCT] [-w WORKDIR] [--write-budget]
                                  [--measured FILE]...

  -b, --build DIR       build directory holding tools/xroute, debugoptimized
                        (default: build/ of this source tree)
      --budget FILE     the budget (default: perf/stage-budget)
  -n, --signals N       signals per measurement run (default: 20000)
      --runs R          measurement runs; the median counts (default: 3)
      --tolerance PCT   allowed growth over the budget, % (default: 5)
  -w, --workdir DIR     where the runs go (default: a new /tmp/xroute-budget.XXXXXX)
      --write-budget    write the measured figures to the budget file instead
                        of checking them
      --measured FILE   take a run's figures from FILE (callgrind-stages.sh
                        --json output) instead of measuring; repeat for more
  -h, --help            print this and exit
EOF
}

build=
budget=$root/perf/stage-budget
signals=20000
runs=3
tolerance=5
workdir=
write=0
measured=()
while [ $# -gt 0 ]; do
	case "$1" in
	-b | --build) build=${2:?}; shift 2 ;;
	--build=*) build=${1#*=}; shift ;;
	--budget) budget=${2:?}; shift 2 ;;
	--budget=*) budget=${1#*=}; shift ;;
	-n | --signals) signals=${2:?}; shift 2 ;;
	--signals=*) signals=${1#*=}; shift ;;
	--runs) runs=${2:?}; shift 2 ;;
	--runs=*) runs=${1#*=}; shift ;;
	--tolerance) tolerance=${2:?}; shift 2 ;;
	--tolerance=*) tolerance=${1#*=}; shift ;;
	-w | --workdir) workdir=${2:?}; shift 2 ;;
	--workdir=*) workdir=${1#*=}; shift ;;
	--write-budget) write=1; shift ;;
	--measured) measured+=("${2:?}"); shift 2 ;;
	--measured=*) measured+=("${1#*=}"); shift ;;
	-h | --help) usage; exit 0 ;;
	*) echo "check-stage-budget: unknown argument: $1" >&2; usage >&2; exit 2 ;;
	esac
done
say() { echo "check-stage-budget: $*" >&2; }
for v in signals runs; do
	case "${!v}" in '' | *[!0-9]* | 0) say "--$v: \"${!v}\" is not a positive number"; exit 2 ;; esac
done
case "$tolerance" in '' | *[!0-9.]* | *.*.*) say "--tolerance: \"$tolerance\" is not a number"; exit 2 ;; esac
command -v python3 >/dev/null || { say "python3 not found"; exit 2; }
build=${build:-$root/build}

t0=$SECONDS
if [ ${#measured[@]} -eq 0 ]; then
	if [ -z "$workdir" ]; then
		workdir=$(mktemp -d /tmp/xroute-budget.XXXXXX)
	else
		mkdir -p "$workdir"
	fi
	for i in $(seq 1 "$runs"); do
		say "run $i/$runs: perf/callgrind-stages.sh -b $build -c perf/pipeline.ini --repeatable -n $signals --no-breakdown"
		rc=0
		"$root/perf/callgrind-stages.sh" -b "$build" -c "$root/perf/pipeline.ini" --repeatable \
			-n "$signals" --no-breakdown -w "$workdir/run$i" --json "$workdir/run$i.json" \
			>"$workdir/run$i.txt" 2>"$workdir/run$i.log" || rc=$?
		if [ "$rc" -ne 0 ]; then
			cat "$workdir/run$i.log" >&2
			say "run $i: callgrind-stages.sh exited $rc (report $workdir/run$i.txt)"
			exit 2
		fi
		measured+=("$workdir/run$i.json")
	done
	say "measured in $((SECONDS - t0)) s; runs in $workdir"
fi

export CB_BUDGET=$budget CB_TOLERANCE=$tolerance CB_WRITE=$write CB_SIGNALS=$signals CB_RUNS=$runs
python3 - "${measured[@]}" <<'EOF'
import json, os, statistics, sys

budget_path = os.environ["CB_BUDGET"]
tol = float(os.environ["CB_TOLERANCE"])
say = lambda m: print("check-stage-budget: " + m, file=sys.stderr)

# Each file: JSON lines of callgrind-stages.sh --json; its "stage" lines.
runs, metas = [], []
for path in sys.argv[1:]:
    stages = {}
    try:
        with open(path) as f:
            for n, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    o = json.loads(line)
                except ValueError as e:
                    say("%s:%d: not JSON: %s" % (path, n, e))
                    sys.exit(2)
                if o.get("kind") == "meta":
                    metas.append(o)
                elif o.get("kind") == "stage":
                    if "work_ir_per_signal" not in o:
                        say("%s:%d: stage %s has no work_ir_per_signal (an older callgrind-stages.sh?)"
                            % (path, n, o.get("stage")))
                        sys.exit(2)
                    stages[o["stage"]] = float(o["work_ir_per_signal"])
    except OSError as e:
        say("%s: %s" % (path, e.strerror))
        sys.exit(2)
    if not stages:
        say("%s: no stage lines" % path)
        sys.exit(2)
    runs.append(stages)

order = list(runs[0])
for r in runs[1:]:
    order += [s for s in r if s not in order]
med, spread = {}, {}
for s in order:
    v = [r[s] for r in runs if s in r]
    if len(v) != len(runs):
        say("stage %s is missing from %d of %d runs" % (s, len(runs) - len(v), len(runs)))
        sys.exit(2)
    med[s] = statistics.median(v)
    spread[s] = 100.0 * (max(v) - min(v)) / min(v) if min(v) > 0 else 0.0

if os.environ["CB_WRITE"] == "1":
    m = metas[0] if metas else {}
    with open(budget_path, "w") as f:
        f.write("""\
# Instruction budget per stage: callgrind Ir per signal of each stage's work
# (its do_work, minus the calls of idle loops and clock-driven snapshot
# publication), on perf/pipeline.ini's workload with its stages on one thread
# (perf/callgrind-stages.sh --repeatable), %s signals, median of %d runs.
# CI (tools/run-tests.sh) fails when a stage grows more than 5%% over its line,
# and reports a stage more than 5%% under it (docs/perf-callgrind.md).
#
# Regenerate from a debugoptimized build of the tree to be budgeted:
#   meson setup build-cg -Dbuildtype=debugoptimized -Dtests=disabled
#   ninja -C build-cg tools/xroute
#   perf/check-stage-budget.sh -b build-cg --write-budget
# Changing this file is a reviewed edit: its commit says why each figure moved.
#
# stage  work Ir/signal
""" % ("{:,}".format(int(m.get("signals", os.environ["CB_SIGNALS"]))), len(runs)))
        for s in order:
            f.write("%-10s %.1f\n" % (s, med[s]))
    print("check-stage-budget: wrote %s (%d stages, median of %d runs)" % (budget_path, len(order), len(runs)))
    for s in order:
        print("  %-10s %10.1f Ir/signal   spread over runs %.2f%%" % (s, med[s], spread[s]))
    sys.exit(0)

budget, border = {}, []
try:
    with open(budget_path) as f:
        for n, line in enumerate(f, 1):
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            parts = line.split()
            try:
                if len(parts) != 2:
                    raise ValueError
                budget[parts[0]] = float(parts[1])
                border.append(parts[0])
            except ValueError:
                say('%s:%d: "%s": expected "STAGE IR_PER_SIGNAL"' % (budget_path, n, line))
                sys.exit(2)
except OSError as e:
    say("%s: %s" % (budget_path, e.strerror))
    sys.exit(2)

print("stage budget: %s, tolerance +-%g%%, median of %d run%s"
      % (budget_path, tol, len(runs), "" if len(runs) == 1 else "s"))
print("%-10s %12s %12s %9s %10s  %s" % ("stage", "budget", "measured", "diff", "run spread", "verdict"))
over, under, problems = [], [], []
for s in border + [s for s in order if s not in budget]:
    b = budget.get(s)
    m = med.get(s)
    if m is None:
        print("%-10s %12.1f %12s %9s %10s  FAIL (not measured)" % (s, b, "-", "-", "-"))
        problems.append("stage %s has a budget (%.1f Ir/signal) but was not measured" % (s, b))
        continue
    if b is None:
        print("%-10s %12s %12.1f %9s %9.2f%%  FAIL (no budget)" % (s, "-", m, "-", spread[s]))
        problems.append("stage %s (%.1f Ir/signal) has no budget line in %s" % (s, m, budget_path))
        continue
    d = 100.0 * (m - b) / b if b > 0 else float("inf")
    verdict = "ok"
    if d > tol:
        verdict = "FAIL (over)"
        over.append((s, b, m, d))
    elif d < -tol:
        verdict = "under: lower the budget"
        under.append((s, b, m, d))
    print("%-10s %12.1f %12.1f %+8.1f%% %9.2f%%  %s" % (s, b, m, d, spread[s], verdict))
    if len(runs) > 1 and spread[s] > tol / 2:
        say("warning: stage %s moved %.2f%% between runs, more than half the tolerance" % (s, spread[s]))

for s, b, m, d in under:
    print("check-stage-budget: note: stage %s: %.1f Ir/signal, budget %.1f: %.1f%% under; "
          "lower the budget (perf/check-stage-budget.sh --write-budget, in a commit saying why)"
          % (s, m, b, -d))
for s, b, m, d in over:
    print("check-stage-budget: FAIL: stage %s: %.1f Ir/signal, budget %.1f: %.1f%% over (limit %g%%)"
          % (s, m, b, d, tol))
for p in problems:
    print("check-stage-budget: FAIL: " + p)
if over or problems:
    print("check-stage-budget: FAILED: %d stage%s over budget, %d mismatch%s"
          % (len(over), "" if len(over) == 1 else "s", len(problems), "" if len(problems) == 1 else "es"))
    sys.exit(1)
print("check-stage-budget: OK: %d stages within +%g%% of %s" % (len(border), tol, budget_path))
EOF
