#!/usr/bin/env bash
# Integration: the chaos scenario (docs/failover.md). 1,000,000 signals
# across five sim venues with timed outages, a disconnect, latency spikes,
# reject bursts, partial fills, lost and late answers
# and a hostile venue's reports: repeated fills, CumQty above the order,
# prices 100x outside the book, reports for ClOrdIDs never sent
# (docs/examples/xroute-chaos.ini), replayed at 4x their event time (200k
# signals/s, about 5 s). Asserts every signal has exactly one terminal
# result, no overfill, positions equal to the sum of fills, circuits that
# opened, children that failed over, and timeouts resolved by status query.
#   chaos_run.sh XROUTE SOURCE_ROOT [SIGNALS [PACE]]
# SIGNALS defaults to 1000000 and PACE to 4. The ThreadSanitizer job
# (tools/run-tests.sh) runs 100000 signals at pace 0.4: the same 5 s replay
# at a tenth of the rate, about what a TSan build sustains on 2 cores.
#
# The fault windows are wall-clock time from each venue's start, not signal
# time, so the circuit and failover assertions hold only if the replay lasts
# as long as the default one: bravo's spike at 0.5 s and 3.5 s, alpha's
# outage at 1 s, charlie's rejects at 1.5 s and bravo's disconnect at 2.5 s
# open the five circuits "failover_events >= 5" asks for. The signals span
# SIGNALS / 50000 s of event time (xroute gen's default rate), replayed in
# that / PACE s. A slower engine (sanitizers, a busy machine) only makes the
# run longer, which fires the same windows or more, so the assertions are
# not relaxed for a slow build; a SIGNALS and PACE whose replay is shorter
# than 5 s are refused instead of checked against fewer faults.
set -euo pipefail
xroute=$1
src=$2
n=${3:-1000000}
pace=${4:-4}
if ! python3 -c 'import sys; sys.exit(int(sys.argv[1]) / 50000 / float(sys.argv[2]) < 5)' \
	"$n" "$pace"; then
	echo "chaos_run.sh: $n signals at pace $pace replay in under 5 s;" \
		"the fault windows need 5 s (SIGNALS / 50000 / PACE >= 5)" >&2
	exit 2
fi
dir=$(mktemp -d /tmp/xr_chaos_XXXXXX)
trap 'rm -rf "$dir"' EXIT

"$xroute" gen --signals "$n" --users 100 --symbols 8 --seed 11 -o "$dir/signals.csv"
"$xroute" run -c "$src/docs/examples/xroute-chaos.ini" --signals "$dir/signals.csv" \
	--summary-json "$dir/summary.json" --pace "$pace" > "$dir/summary.txt"
sed -n '/^invariants/,/^latency/p;/^failover/,/^backpressure/p' "$dir/summary.txt"

python3 - "$dir/summary.json" "$n" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
n = int(sys.argv[2])
assert s["signals_read"] == n, s["signals_read"]
for k in ["unaccounted", "duplicates", "overfills", "position_mismatches", "exposure_left"]:
    assert s[k] == 0, f"{k} = {s[k]}"
total = s["filled"] + s["partially_filled"] + s["canceled"] + s["rejected"] + s["failed"]
assert total == n, f"final statuses sum to {total}, not {n}"
f = s["failover"]
assert s["failover_events"] >= 5, f"only {s['failover_events']} circuits opened"
assert f["failovers"] > 0 and f["timeouts"] > 0, f
assert f["unknown_resolved"] == f["timeouts"], "every timed-out child was resolved"
# alpha repeats 0.1% of its fill reports (dup_fill): seen, and not booked
# (positions above); echo's reports for ClOrdIDs never sent (foreign_report)
# are counted, attributed to no signal.
assert f["dup_fills"] > 0, f"no repeated fill seen: {f}"
foreign = s.get("foreign_reports", f.get("foreign_reports", 0)) + f["bad_events"]
assert foreign > 0, f"no foreign report seen: {f}"
assert s["reroute_us"]["count"] > 0
for k in ["p50", "p99"]:
    assert k in s["detection_ms"] and k in s["reroute_us"]
assert {h["from"] for h in f["history"]} >= {"alpha", "bravo"}, f["history"]
print("chaos_run: ok; detection_ms", s["detection_ms"], "reroute_us", s["reroute_us"])
PY
