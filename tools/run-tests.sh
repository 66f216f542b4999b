#!/usr/bin/env bash
# The whole test suite on a fresh machine: install what is missing, build
# with warnings as errors, run the unit, stress and integration suites and
# every benchmark subcommand in quick mode (xroute-perf --quick, output
# checked, times not asserted), the instruction budget per stage (callgrind,
# perf/check-stage-budget.sh), the unit and integration suites again under
# ASan+UBSan, then the threaded ring and engine tests and the chaos scenario
# (the launcher, 100000 signals) under ThreadSanitizer, then libFuzzer on
# the FIX codec for 60 s. Ends with
# the line "N passed, N failed" (Criterion test cases, plus one per
# non-Criterion program) and exits non-zero if anything failed.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

tools/install-deps.sh || exit 1

fail_setup() { echo "run-tests: $*" >&2; echo "0 passed, 1 failed"; exit 1; }

# 1. Everything, -Werror.
if [ -f build-test/build.ninja ]; then
	meson setup --reconfigure build-test -Dwerror=true >/dev/null || fail_setup "meson setup failed"
else
	meson setup build-test -Dwerror=true >/dev/null || fail_setup "meson setup failed"
fi
ninja -C build-test || fail_setup "build failed"
meson test -C build-test --suite fast --suite integration --print-errorlogs
meson test -C build-test --suite stress --print-errorlogs --num-processes 1 \
	--logbase stresslog

# 1b. The benchmark harness, quick mode, every subcommand: it must run and
#     write well-formed JSON lines (docs/perf.md). No time is asserted.
perf_results=build-test/perf-results.txt
: > "$perf_results"
for sub in hiccup floor ring select pipeline fix serve journal; do
	echo "== xroute-perf $sub --quick"
	if ./build-test/perf/xroute-perf "$sub" --quick --json "build-test/perf-$sub.json" &&
		python3 tools/check-perf-json.py "$sub" "build-test/perf-$sub.json"; then
		echo "perf_$sub OK" >> "$perf_results"
	else
		echo "perf_$sub FAIL" >> "$perf_results"
	fi
done

# 1c. The instruction budget per stage (docs/perf-callgrind.md): a
#     debugoptimized build of its own, each stage's callgrind Ir per signal
#     (median of 3 runs) against perf/stage-budget; a stage more than 5% over
#     fails. About 35 s on 2 cores (build 7 s, three runs 27 s).
budget_results=build-test/budget-results.txt
echo "== stage budget: perf/check-stage-budget.sh -b build-budget"
if [ ! -f build-budget/build.ninja ]; then
	meson setup build-budget -Dbuildtype=debugoptimized -Dtests=disabled -Dwerror=true >/dev/null ||
		fail_setup "meson setup (budget) failed"
fi
ninja -C build-budget tools/xroute || fail_setup "build (budget) failed"
budget_log=build-test/budget-check.txt
if perf/check-stage-budget.sh -b build-budget -w build-budget/runs 2>&1 | tee "$budget_log"; then
	echo "stage_budget OK" > "$budget_results"
else
	echo "stage_budget FAIL" > "$budget_results"
fi

# 2. AddressSanitizer + UndefinedBehaviorSanitizer (LeakSanitizer included):
#    the unit and integration suites again.
if [ ! -f build-asan/build.ninja ]; then
	meson setup build-asan -Db_sanitize=address,undefined -Dwerror=true >/dev/null ||
		fail_setup "meson setup (asan) failed"
fi
ninja -C build-asan || fail_setup "build (asan) failed"
UBSAN_OPTIONS="halt_on_error=1 print_stacktrace=1" \
	meson test -C build-asan --suite fast --suite integration --print-errorlogs

# 3. ThreadSanitizer: the threaded ring and engine programs, the snapshot
#    RCU torture test (Criterion's runner cannot start under TSan:
#    Snaipe/Criterion#274) and the chaos scenario through the launcher.
tsan_results=build-tsan/tsan-results.txt
if [ ! -f build-tsan/build.ninja ]; then
	meson setup build-tsan -Db_sanitize=thread -Dwerror=true >/dev/null ||
		fail_setup "meson setup (tsan) failed"
fi
ninja -C build-tsan tests/test_ring tests/stress_ring_spsc tests/stress_engine_pipeline \
	tests/stress_snapshot_torture tools/xroute ||
	fail_setup "build (tsan) failed"
: > "$tsan_results"
export TSAN_OPTIONS="suppressions=$root/tests/sanitizers/tsan.supp halt_on_error=1 second_deadlock_stack=1"
# test_ring's TSan build runs its 10M-message two-thread test from its own
# main(); the stress programs take their sizes on the command line. The
# ring stress runs once per layout: 64-byte slots (index) and 8-byte slots
# (sequence words).
for t in "test_ring" "stress_ring_spsc 10000000" "stress_ring_spsc 10000000 1024 8" \
	"stress_engine_pipeline 30000" \
	"stress_snapshot_torture --swaps 30000"; do
	set -- $t
	echo "== tsan: $*"
	if "./build-tsan/tests/$@"; then
		echo "tsan_${t// /_} OK" >> "$tsan_results"
	else
		echo "tsan_${t// /_} FAIL" >> "$tsan_results"
	fi
done
# The chaos scenario through the TSan launcher: every stage thread, the
# snapshot publisher and call_rcu reclamation, sim venue faults, breakers,
# status queries and failover. 100000 signals at pace 0.4 replay in the same
# 5 s as the default run, so the same wall-clock fault windows fire and the
# script's assertions stay as they are (tests/integration/chaos_run.sh);
# about 7 s on 2 cores, 12 s with both busy. A TSan report exits 66.
echo "== tsan: chaos_run.sh 100000 0.4"
if tests/integration/chaos_run.sh ./build-tsan/tools/xroute "$root" 100000 0.4; then
	echo "tsan_chaos_run OK" >> "$tsan_results"
else
	echo "tsan_chaos_run FAIL" >> "$tsan_results"
fi
# xroute serve through the TSan launcher and strategies: the owner's socket
# side and the ingress thread handing sessions over (notices, release),
# clients killed and resumed, the FIX gateway's stage; 20000 signals per
# strategy, about 12 s on 2 cores.
ninja -C build-tsan tools/client/xroute-example-strategy || fail_setup "build (tsan) failed"
echo "== tsan: serve_run.sh 20000"
if tests/integration/serve_run.sh ./build-tsan/tools/xroute \
	./build-tsan/tools/client/xroute-example-strategy "$root" 20000; then
	echo "tsan_serve_run OK" >> "$tsan_results"
else
	echo "tsan_serve_run FAIL" >> "$tsan_results"
fi

# 4. libFuzzer (clang, ASan+UBSan) from the checked-in corpora
#    (tests/fuzz/): the FIX codec for 60 s, the client record check for
#    20 s; a crash fails and names its input.
fuzz_results=build-test/fuzz-results.txt
: > "$fuzz_results"
for t in "fix 60" "client 20"; do
	set -- $t
	echo "== fuzz: fuzz_$1 $2 s"
	if tests/fuzz/run-fuzz.sh build-fuzz "$2" "$1"; then
		echo "fuzz_$1 OK" >> "$fuzz_results"
	else
		echo "fuzz_$1 FAIL" >> "$fuzz_results"
	fi
done

# A failed budget is shown again here, beside the count: a CI log is
# often read from its end.
if grep -q FAIL "$budget_results"; then
	echo "== stage budget FAILED (perf/stage-budget, docs/perf-callgrind.md):"
	grep -E "^(stage |ingress|validate|route|execute|aggregate|output|check-stage-budget: (FAIL|OK))" "$budget_log"
fi

python3 tools/count-tests.py build-test/meson-logs/testlog.json \
	build-test/meson-logs/stresslog.json build-asan/meson-logs/testlog.json \
	"$perf_results" "$budget_results" "$tsan_results" "$fuzz_results"
