#!/usr/bin/env bash
# Integration: the xroute launcher end to end on the shipped example config.
#   example_run.sh XROUTE SOURCE_ROOT
# gen -> check -> run with every output; then checks the summary's
# invariants and hiccup section (and --no-hiccup), the results file, the
# .hgrm files, and the launcher's error paths (bad config: exit 2 naming file:line; bad usage: exit 2).
set -euo pipefail
xroute=$1
src=$2
dir=$(mktemp -d /tmp/xr_integration_XXXXXX)
trap 'rm -rf "$dir"' EXIT
fail() { echo "example_run: $*" >&2; exit 1; }

n=100000
"$xroute" gen --signals $n --users 100 --symbols 8 --seed 7 -o "$dir/signals.csv"
[ "$(wc -l < "$dir/signals.csv")" -eq $((n + 1)) ] || fail "gen wrote the wrong number of rows"

"$xroute" check -c "$src/docs/examples/xroute.ini" > "$dir/effective.ini"
grep -q '^\[venue echo\]' "$dir/effective.ini" || fail "check did not print the venues"
# The effective config is itself a valid config.
"$xroute" check -c "$dir/effective.ini" > "$dir/effective2.ini"
cmp -s <(tail -n +2 "$dir/effective.ini") <(tail -n +2 "$dir/effective2.ini") ||
	fail "check of the effective config printed something else"

"$xroute" run -c "$src/docs/examples/xroute.ini" --signals "$dir/signals.csv" \
	--out "$dir/results.csv" --summary-json "$dir/summary.json" \
	--hist-dir "$dir/hist" > "$dir/summary.txt"
cat "$dir/summary.txt"

python3 - "$dir/summary.json" $n <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
n = int(sys.argv[2])
need = ["signals_read", "accepted", "rejected", "filled", "partially_filled", "failed",
        "unaccounted", "duplicates", "throughput_per_s", "e2e_ns"]
missing = [k for k in need if k not in s]
assert not missing, f"summary lacks {missing}"
for k in ["p50", "p99", "p999", "max"]:
    assert k in s["e2e_ns"], f"e2e_ns lacks {k}"
assert s["signals_read"] == n, s["signals_read"]
assert s["unaccounted"] == 0 and s["duplicates"] == 0, s
assert s["overfills"] == 0 and s["position_mismatches"] == 0, s
total = s["filled"] + s["partially_filled"] + s["canceled"] + s["rejected"] + s["failed"]
assert total == n, f"final statuses sum to {total}, not {n}"
assert s["filled"] > n // 4, "most orders should fill on the example"
assert s["e2e_ns"]["p50"] <= s["e2e_ns"]["p99"] <= s["e2e_ns"]["p999"] <= s["e2e_ns"]["max"]
# Platform hiccups (docs/output.md "Hiccups"): a probe per pinned CPU of the
# example's plan that is online here, and the sleeper, which ran the whole run.
h = s["hiccup"]
keys = ["cpu", "count", "p50_ns", "p99_ns", "p999_ns", "max_ns", "duration_ns",
        "lost_count", "lost_ns", "lost_ppm"]
assert h["probe_phase_ns"] == 50_000_000 and h["sleeper_interval_ns"] == 1_000_000, h
assert 1 <= len(h["probes"]) <= 2, h["probes"]
for m in h["probes"] + [h["sleeper"]]:
    assert sorted(m) == sorted(keys), m
    assert all(isinstance(m[k], int) for k in keys), m
    assert m["p50_ns"] <= m["p99_ns"] <= m["p999_ns"] <= m["max_ns"], m
    assert 0 <= m["lost_ppm"] <= 1_000_000 and m["lost_count"] <= m["count"], m
    assert m["lost_ppm"] == m["lost_ns"] * 1_000_000 // m["duration_ns"], m
for m in h["probes"]:
    assert m["cpu"] in (0, 1), m
    assert m["duration_ns"] >= 2 * h["probe_phase_ns"], m
assert h["sleeper"]["cpu"] == -1 and h["sleeper"]["count"] >= 1, h["sleeper"]
assert h["sleeper"]["duration_ns"] >= h["sleeper"]["count"] * h["sleeper_interval_ns"], h
PY
grep -q '^hiccups (platform' "$dir/summary.txt" || fail "the summary has no hiccup section"
grep -q '^  probe cpu 0 ' "$dir/summary.txt" || fail "the summary has no probe line for cpu 0"
grep -q '^  sleeper ' "$dir/summary.txt" || fail "the summary has no sleeper line"
# --no-hiccup: neither the section nor the JSON key.
"$xroute" run -c "$src/docs/examples/xroute.ini" --signals "$dir/signals.csv" \
	--summary-json "$dir/summary-nh.json" --no-hiccup > "$dir/summary-nh.txt" 2> /dev/null
! grep -q '^hiccups' "$dir/summary-nh.txt" || fail "--no-hiccup printed hiccups"
python3 -c 'import json, sys; assert "hiccup" not in json.load(open(sys.argv[1]))' \
	"$dir/summary-nh.json" || fail "--no-hiccup wrote hiccups"

[ "$(wc -l < "$dir/results.csv")" -eq $((n + 1)) ] || fail "results.csv has the wrong row count"
# Every strategy routes: each of the nine has routed results, and
# the splitting ones split with allocations that sum to the order quantity.
python3 - "$dir/results.csv" <<'PY'
import csv, sys
from decimal import Decimal
routed, split = {}, {}
for r in csv.DictReader(open(sys.argv[1])):
    if r["decision"] in ("none", "no_eligible_venue", "max_slippage"):
        continue
    routed[r["strategy"]] = routed.get(r["strategy"], 0) + 1
    alloc = [a.split(":") for a in r["allocation"].split("|")]
    total = sum(Decimal(q) for _, q in alloc)
    assert total == Decimal(r["qty"]), f"line {r['line']}: allocation {total} != qty {r['qty']}"
    assert len({v for v, _ in alloc}) == len(alloc), f"line {r['line']}: venue twice"
    if len(alloc) > 1:
        split[r["strategy"]] = split.get(r["strategy"], 0) + 1
    assert 0 <= Decimal(r["confidence"]) <= 1, r["confidence"]
names = ["weighted_score", "best_execution", "lowest_latency", "best_liquidity",
         "cost_optimization", "aggressive", "passive", "balanced", "stealth"]
missing = [s for s in names if routed.get(s, 0) == 0]
assert not missing, f"strategies that routed nothing: {missing}"
for s in ["best_liquidity", "aggressive", "passive", "stealth"]:
    assert split.get(s, 0) > 0, f"{s} never split"
print("strategies routed:", dict(sorted(routed.items())), "split:", dict(sorted(split.items())))
PY
for h in e2e router queue validate route venue aggregate; do
	f="$dir/hist/$h.hgrm"
	[ -s "$f" ] || fail "$f missing"
	head -1 "$f" | grep -q 'Value' || fail "$f is not a percentile distribution"
	tail -1 "$f" | grep -q 'Buckets' || fail "$f has no footer"
done

# Error paths: a bad value names file:line, section and key; exit status 2.
printf '[engine]\nburst = lots\n' > "$dir/bad.ini"
set +e
"$xroute" check -c "$dir/bad.ini" 2> "$dir/err.txt"
rc=$?
set -e
[ $rc -eq 2 ] || fail "bad config exited $rc, expected 2"
grep -q 'bad.ini:2: \[engine\] burst' "$dir/err.txt" || fail "error does not name the place: $(cat "$dir/err.txt")"
set +e
"$xroute" run -c "$src/docs/examples/xroute.ini" > /dev/null 2>&1
rc=$?
set -e
[ $rc -eq 2 ] || fail "run without --signals exited $rc, expected 2"
set +e
"$xroute" run -c "$src/docs/examples/xroute.ini" --signals "$dir/signals.csv" \
	--hiccup-probe-ms 0 > /dev/null 2> "$dir/err.txt"
rc=$?
set -e
[ $rc -eq 2 ] || fail "--hiccup-probe-ms 0 exited $rc, expected 2"
grep -q 'hiccup-probe-ms: "0" is not 1..10000' "$dir/err.txt" || fail "bad --hiccup-probe-ms: $(cat "$dir/err.txt")"
# A results file that cannot be written (/dev/full: ENOSPC) is a failed
# run, counted and named, not a short file and exit 0.
if [ -w /dev/full ]; then
	head -2001 "$dir/signals.csv" > "$dir/small.csv"
	set +e
	"$xroute" run -c "$src/docs/examples/xroute.ini" --signals "$dir/small.csv" --no-hiccup \
		--out /dev/full > "$dir/full.txt" 2> "$dir/err.txt"
	rc=$?
	set -e
	[ $rc -eq 1 ] || fail "--out /dev/full exited $rc, expected 1"
	grep -Eq '^  write errors +[1-9][0-9]* +VIOLATED' "$dir/full.txt" ||
		fail "write errors not reported: $(grep 'write errors' "$dir/full.txt")"
	grep -q 'results or events file failed' "$dir/err.txt" ||
		fail "no message for the failed writes: $(cat "$dir/err.txt")"
fi
echo "example_run: OK"
