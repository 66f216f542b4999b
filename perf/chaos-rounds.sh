#!/usr/bin/env bash
# Failover figures over several rounds of the chaos scenario
# (docs/examples/xroute-chaos.ini, docs/failover.md "Figures").
#
# Each round replays the same signal file (1,000,000 signals, seed 11, at 4x
# event time, as tests/integration/chaos_run.sh) twice: with the example's
# thread waits (backoff) and with every thread busy-spinning. One line per run:
#
#   round wait unaccounted duplicates failover_events detection_p50_ms
#   detection_p99_ms reroute_p50_us reroute_p99_us reroute_count queue_p99_us
#
# queue_p99_us (ingress -> validate dequeue, one ring hop between two threads)
# is measured in the same run: it shows how much of a run's tail is the host
# descheduling a thread rather than the failover path. Then the medians over
# the rounds per wait mode. Times are not asserted (this host is noisy).
#
#   perf/chaos-rounds.sh [-b BUILD_DIR] [-r ROUNDS] [-n SIGNALS]
#
# Exit status: 0 ok (every run accounted for every signal), 1 a run failed,
# 2 usage.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$root/build rounds=5 n=1000000
while getopts "b:r:n:" o; do
	case $o in
	b) build=$OPTARG ;;
	r) rounds=$OPTARG ;;
	n) n=$OPTARG ;;
	*) echo "usage: $0 [-b BUILD_DIR] [-r ROUNDS] [-n SIGNALS]" >&2; exit 2 ;;
	esac
done
xroute=$build/tools/xroute
[ -x "$xroute" ] || { echo "$0: $xroute not built" >&2; exit 2; }
dir=$(mktemp -d "${TMPDIR:-/tmp}/xr-chaos-rounds.XXXXXX")
trap 'rm -rf "$dir"' EXIT

"$xroute" gen --signals "$n" --users 100 --symbols 8 --seed 11 -o "$dir/signals.csv" >/dev/null
sed 's/^\([a-z_]*\)\.wait = .*/\1.wait = busy_spin/' "$root/docs/examples/xroute-chaos.ini" \
	> "$dir/spin.ini"
: > "$dir/lines"
status=0
for r in $(seq 1 "$rounds"); do
	for mode in backoff spin; do
		cfg=$root/docs/examples/xroute-chaos.ini
		[ "$mode" = spin ] && cfg=$dir/spin.ini
		if ! "$xroute" run -c "$cfg" --signals "$dir/signals.csv" --pace 4 \
			--summary-json "$dir/s.json" >/dev/null 2>&1; then
			echo "round $r $mode: xroute run failed" >&2
			status=1
			continue
		fi
		python3 - "$dir/s.json" "$r" "$mode" <<'EOF' | tee -a "$dir/lines"
import json, sys
d = json.load(open(sys.argv[1]))
print(sys.argv[2], sys.argv[3], d["unaccounted"], d["duplicates"], d["failover_events"],
      d["detection_ms"]["p50"], d["detection_ms"]["p99"], d["reroute_us"]["p50"],
      d["reroute_us"]["p99"], d["reroute_us"]["count"],
      d["stages_ns"]["queue"]["p99"] / 1000.0)
EOF
	done
done
python3 - "$dir/lines" <<'EOF'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
for mode in ("backoff", "spin"):
    m = [r for r in rows if r[1] == mode]
    if not m:
        continue
    med = lambda i: statistics.median(float(r[i]) for r in m)
    print(f"median over {len(m)} rounds, {mode}: detection p50 {med(5):.3f} ms p99 {med(6):.3f} ms;"
          f" re-route p50 {med(7):.1f} us p99 {med(8):.1f} us; queue hop p99 {med(10):.1f} us")
bad = [r for r in rows if r[2] != "0" or r[3] != "0"]
sys.exit(1 if bad else 0)
EOF
exit $status
