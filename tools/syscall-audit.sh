#!/usr/bin/env bash
# Syscall audit: prove that xroute's stage threads make no syscall in steady
# state (colocated mode, docs/deploy.md).
#
#   tools/syscall-audit.sh [-x XROUTE] [-c CONFIG] [-s SECONDS] [-w WINDOW]
#                          [--results] [--whole-run]
#
#   -x XROUTE    the launcher (default build/tools/xroute)
#   -c CONFIG    config to run (default docs/examples/xroute-colocated.ini;
#                its users must be u001..u100 and its symbols the 8 of
#                `xroute gen --symbols 8`)
#   -s SECONDS   length of the paced run (default 10)
#   -w WINDOW    seconds strace stays attached, centred in the run
#                (default 4)
#   --results    also write a results file: the thread running `output`
#                then calls write(2) once per 1 MiB of results, which the
#                audit reports and allows (only write, only on that thread)
#   --whole-run  afterwards, run `strace -f -c` over a whole second run for
#                comparison: every thread, start-up and shut-down included
#
# What it does: generates SECONDS * 50,000 signals with `xroute gen`, starts
# `xroute run --pace 1` (open loop, so the run lasts SECONDS), finds the
# stage threads by name (/proc/PID/task/*/comm = xr-<thread name>),
# attaches one `strace -c -p TID` per stage thread for WINDOW seconds in the
# middle of the run, and prints each thread's syscall table.
# `-f` is deliberately not used: with -f, `strace -p TID` attaches every
# thread of the process (strace(1), -p), and the owner thread's 1 ms
# nanosleep and the call_rcu worker's poll would be counted.
#
# Exit status: 0 no syscall on any stage thread; 1 syscalls seen (or the
# run failed); 2 usage or setup error (no strace, no xroute, ptrace denied).
# Needs strace (apt-get install strace) and the right to ptrace the run
# (root, or kernel.yama.ptrace_scope = 0).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

xroute=$root/build/tools/xroute
config=$root/docs/examples/xroute-colocated.ini
seconds=10
window=4
results=0
whole=0
usage() { sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; }
die() { echo "syscall-audit: $*" >&2; exit 2; }
while [ $# -gt 0 ]; do
	case $1 in
	-x) xroute=$2; shift 2 ;;
	-c) config=$2; shift 2 ;;
	-s) seconds=$2; shift 2 ;;
	-w) window=$2; shift 2 ;;
	--results) results=1; shift ;;
	--whole-run) whole=1; shift ;;
	-h|--help) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
[[ $seconds =~ ^[0-9]+$ && $window =~ ^[0-9]+$ ]] || die "-s and -w take whole seconds"
if [ "$seconds" -lt 3 ] || [ "$window" -lt 1 ] || [ "$window" -ge "$seconds" ]; then
	die "need -s >= 3 and 1 <= -w < -s"
fi
command -v strace > /dev/null || die "strace not found (apt-get install strace)"
[ -x "$xroute" ] || die "$xroute not found (build first: meson setup build && ninja -C build)"

dir=$(mktemp -d /tmp/xr_syscall_audit_XXXXXX)
run_pid=
# shellcheck disable=SC2317 # called through the trap
cleanup() {
	if [ -n "$run_pid" ]; then kill "$run_pid" 2> /dev/null || true; fi
	rm -rf "$dir"
}
trap cleanup EXIT

"$xroute" check -c "$config" > "$dir/effective.ini" || die "bad config $config"
mode=$(sed -n 's/^mode = //p' "$dir/effective.ini")
[ "$mode" = colocated ] ||
	echo "syscall-audit: note: $config is mode = $mode; only colocated mode promises no syscalls"
# The thread that runs `output` (its comm: xr- and the first 12 bytes).
out_thread=$(sed -En 's/^([A-Za-z0-9_-]+)\.stages = (.*, )?output(,.*)?$/\1/p' "$dir/effective.ini")
out_comm="xr-${out_thread:0:12}"

n=$((seconds * 50000))
echo "syscall-audit: $n signals at 50,000/s: a ${seconds} s paced run of $config"
"$xroute" gen --signals "$n" --users 100 --symbols 8 --seed 42 --rate 50000 \
	-o "$dir/signals.csv"
out_args=()
[ $results -eq 1 ] && out_args=(--out "$dir/results.csv")

"$xroute" run -c "$config" --signals "$dir/signals.csv" --pace 1 "${out_args[@]}" \
	> "$dir/summary.txt" 2> "$dir/stderr.txt" &
run_pid=$!
t0=$(date +%s%N)

# Wait (polling) until every thread of the plan is running under its name.
n_threads=$(grep -c '^[A-Za-z0-9_-]*\.stages = ' "$dir/effective.ini")
tids=()
while :; do
	kill -0 "$run_pid" 2> /dev/null || { cat "$dir/stderr.txt" >&2; die "xroute run ended early"; }
	tids=()
	for t in /proc/"$run_pid"/task/*; do
		[[ $(cat "$t/comm" 2> /dev/null) == xr-* ]] && tids+=("${t##*/}")
	done
	[ ${#tids[@]} -ge "$n_threads" ] && break
	sleep 0.05
done

# Attach in the middle of the run: start-up (threads' first faults, RCU
# registration) and the drain at the end are not steady state.
start=$(((seconds - window) * 1000 / 2))
elapsed=$((($(date +%s%N) - t0) / 1000000))
[ $elapsed -lt $start ] && sleep "$(awk -v ms=$((start - elapsed)) 'BEGIN { print ms / 1000 }')"
spids=()
for tid in "${tids[@]}"; do
	comm=$(cat /proc/"$run_pid"/task/"$tid"/comm)
	timeout -s INT "$window" strace -c -o "$dir/strace.$tid" -p "$tid" \
		2> "$dir/strace.$tid.err" &
	spids+=($!)
	echo "$tid $comm" >> "$dir/threads"
done
for p in "${spids[@]}"; do wait "$p" || true; done
still_running=0
kill -0 "$run_pid" 2> /dev/null && still_running=1
set +e
wait "$run_pid"
run_rc=$?
set -e
run_pid=

echo
echo "== xroute run (stderr: start line and warnings)"
cat "$dir/stderr.txt"
echo
status=0
while read -r tid comm; do
	echo "== stage thread $comm (tid $tid): syscalls in ${window} s"
	if grep -q 'Operation not permitted' "$dir/strace.$tid.err"; then
		cat "$dir/strace.$tid.err" >&2
		die "strace may not attach (root, or sysctl kernel.yama.ptrace_scope=0)"
	fi
	table=$dir/strace.$tid
	if ! grep -q ' total$' "$table" 2> /dev/null; then
		echo "(none)"
		continue
	fi
	cat "$table"
	calls=$(awk '$NF == "total" { print $4 }' "$table")
	others=$(awk '/^------/ { n++; next } n == 1 && $NF != "write" { print $NF }' "$table")
	if [ "${calls:-0}" -gt 0 ]; then
		if [ $results -eq 1 ] && [ "$comm" = "$out_comm" ] && [ -z "$others" ]; then
			echo "(write(2) of the results file by the output stage: allowed with --results)"
		else
			status=1
		fi
	fi
done < "$dir/threads"
echo
grep -E '^  (signals read|unaccounted|e2e ) ' "$dir/summary.txt" || true
grep -E '^backpressure' "$dir/summary.txt" || true
[ $still_running -eq 1 ] ||
	{ echo "syscall-audit: the run ended before strace detached; use a longer -s" >&2; status=1; }
[ $run_rc -eq 0 ] || { echo "syscall-audit: xroute run exited $run_rc" >&2; status=1; }

if [ $whole -eq 1 ]; then
	echo
	echo "== for comparison: strace -f -c over a whole run (every thread, start to end)"
	strace -f -c -o "$dir/whole.txt" "$xroute" run -c "$config" --signals "$dir/signals.csv" \
		--pace 1 "${out_args[@]}" > /dev/null 2>&1 || true
	cat "$dir/whole.txt"
fi

echo
if [ $status -eq 0 ]; then
	echo "syscall-audit: OK: no syscall on the stage threads in ${window} s of steady state"
else
	echo "syscall-audit: FAILED: syscalls on stage threads (tables above)"
fi
exit $status
