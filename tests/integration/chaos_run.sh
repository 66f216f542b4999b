#!/usr/bin/env bash
# Integration: the chaos scenario (docs/failover.md). 1,000,000 signals
# across five sim venues with timed outages, a disconnect, latency spikes,
# reject bursts, partial fills, lost and late answers
# (docs/examples/xroute-chaos.ini), replayed at 4x their event time (200k
# signals/s, about 5 s). Asserts every signal has exactly one terminal
# result, no overfill, positions equal to the sum of fills, circuits that
# opened, children that failed over, and timeouts resolved by status query.
#   chaos_run.sh XROUTE SOURCE_ROOT [SIGNALS]
set -euo pipefail
xroute=$1
src=$2
n=${3:-1000000}
dir=$(mktemp -d /tmp/xr_chaos_XXXXXX)
trap 'rm -rf "$dir"' EXIT

"$xroute" gen --signals "$n" --users 100 --symbols 8 --seed 11 -o "$dir/signals.csv"
"$xroute" run -c "$src/docs/examples/xroute-chaos.ini" --signals "$dir/signals.csv" \
	--summary-json "$dir/summary.json" --pace 4 > "$dir/summary.txt"
sed -n '/^invariants/,/^latency/p;/^failover/,/^backpressure/p' "$dir/summary.txt"

python3 - "$dir/summary.json" "$n" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
n = int(sys.argv[2])
assert s["signals_read"] == n, s["signals_read"]
for k in ["unaccounted", "duplicates", "overfills", "position_mismatches"]:
    assert s[k] == 0, f"{k} = {s[k]}"
total = s["filled"] + s["partially_filled"] + s["canceled"] + s["rejected"] + s["failed"]
assert total == n, f"final statuses sum to {total}, not {n}"
f = s["failover"]
assert s["failover_events"] >= 5, f"only {s['failover_events']} circuits opened"
assert f["failovers"] > 0 and f["timeouts"] > 0, f
assert f["unknown_resolved"] == f["timeouts"], "every timed-out child was resolved"
assert f["dup_fills"] == 0 and f["bad_events"] == 0, f
assert s["reroute_us"]["count"] > 0
for k in ["p50", "p99"]:
    assert k in s["detection_ms"] and k in s["reroute_us"]
assert {h["from"] for h in f["history"]} >= {"alpha", "bravo"}, f["history"]
print("chaos_run: ok; detection_ms", s["detection_ms"], "reroute_us", s["reroute_us"])
PY
