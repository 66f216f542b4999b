#!/usr/bin/env bash
# Integration: operator commands and venue plans (docs/failover.md "Control")
# end to end through xroute run --control, --events, --positions.
#   control_run.sh XROUTE SOURCE_ROOT
# Replays 200,000 signals (4 s of event time at gen's 50,000/s) at --pace 1
# through the chaos scenario (docs/examples/xroute-chaos.ini) with a venue
# plan appended for BTC-USD (primary bravo, then charlie, delta), and a
# control script: disable alpha at 500 ms, enable it at 1500 ms, pin BTC-USD
# to delta at 2000 ms, every plan back to auto at 3000 ms. alpha is the one
# disabled because none of its faults starts near 500 ms (bravo's latency
# spike does, and would open bravo's circuit first, so no manual transition
# would show). Asserts the invariants, controls == 4, the four command
# events in order, alpha's manual open and close with nothing between them,
# no signal routed while alpha was disabled touched alpha, BTC-USD only on
# its plan's venues (delta while pinned), the positions file against the
# results' fills; then a bad script line exits 2 naming FILE:LINE.
#
# When a signal was routed: at --pace 1 the ingress sends a row at t0 + (its
# ts_ns - the first row's ts_ns) and stamps that as its ingress time; the
# results' queue_ns + validate_ns carry it to route. The events' t_s count
# from the run's start, a few ms before t0, so the windows below keep 50 ms
# clear of each command on both sides.
set -euo pipefail
xroute=$1
src=$2
dir=$(mktemp -d /tmp/xr_control_XXXXXX)
trap 'rm -rf "$dir"' EXIT
fail() {
	echo "control_run: $*" >&2
	[ -f "$dir/stderr.txt" ] && grep -v ': alert ' "$dir/stderr.txt" | sed 's/^/  stderr: /' >&2
	exit 1
}

n=200000
"$xroute" gen --signals $n --users 100 --symbols 8 --seed 11 -o "$dir/signals.csv"
{
	cat "$src/docs/examples/xroute-chaos.ini"
	printf '\n[symbol BTC-USD]\nprimary_venue = bravo\nfailover_venues = charlie, delta\n'
} > "$dir/chaos.ini"
cat > "$dir/control.txt" <<'EOF'
# MS COMMAND (ms after the run starts)
500 disable alpha
1500 enable alpha

2000 failover symbol BTC-USD delta
3000 failover auto
EOF

set +e
"$xroute" run -c "$dir/chaos.ini" --signals "$dir/signals.csv" --pace 1 \
	--out "$dir/results.csv" --summary-json "$dir/summary.json" \
	--events "$dir/events.jsonl" --positions "$dir/positions.csv" \
	--control "$dir/control.txt" > "$dir/summary.txt" 2> "$dir/stderr.txt"
rc=$?
set -e
[ $rc -eq 0 ] || fail "xroute run exited $rc"
grep -E '"event":"control"|"event":"circuit","venue":"alpha"' "$dir/events.jsonl"

python3 - "$dir" $n <<'PY'
import csv, json, sys
from collections import defaultdict
from decimal import Decimal

d, n = sys.argv[1], int(sys.argv[2])
s = json.load(open(f"{d}/summary.json"))
assert s["signals_read"] == n, s["signals_read"]
for k in ["unaccounted", "duplicates", "overfills", "position_mismatches"]:
    assert s[k] == 0, f"{k} = {s[k]}"
assert s["controls"] == 4, f"controls = {s['controls']}, 4 commands were given"

# Events: JSON lines; the four commands, in order, as given.
ev = [json.loads(line) for line in open(f"{d}/events.jsonl")]
assert len(ev) == s["events"], (len(ev), s["events"])
ctl = [e for e in ev if e["event"] == "control"]
want = [("disable", "all", "", "alpha"), ("enable", "all", "", "alpha"),
        ("failover", "symbol", "BTC-USD", "delta"), ("failover", "all", "", "auto")]
got = [(e["command"], e["scope"], e["name"], e["venue"]) for e in ctl]
assert got == want, got
t_dis, t_en, t_pin, t_auto = (e["t_s"] for e in ctl)
for t, ms in zip((t_dis, t_en, t_pin, t_auto), (500, 1500, 2000, 3000)):
    assert ms / 1000 <= t < ms / 1000 + 0.25, f"command due at {ms} ms given at {t} s"

# alpha's circuit: opened by the disable (manual), held open (no
# half-open probe, nothing else) until the enable closed it (manual).
alpha = [e for e in ev if e["event"] == "circuit" and e["venue"] == "alpha"]
opens = [i for i, e in enumerate(alpha) if (e["from"], e["to"], e["cause"]) ==
         ("closed", "open", "manual")]
assert len(opens) == 1, alpha
i = opens[0]
assert i + 1 < len(alpha), f"alpha never closed again: {alpha}"
assert (alpha[i + 1]["from"], alpha[i + 1]["to"], alpha[i + 1]["cause"]) == \
    ("open", "closed", "manual"), f"after the manual open: {alpha[i + 1]}"
assert t_dis <= alpha[i]["t_s"] < t_en <= alpha[i + 1]["t_s"], (t_dis, t_en, alpha)
assert all(e["cause"] != "manual" for j, e in enumerate(alpha) if j not in (i, i + 1)), alpha
f = s["failover"]
assert any(h["from"] == "alpha" and h["cause"] == "manual" for h in f["history"]), f["history"]
va = next(v for v in s["venues"] if v["name"] == "alpha")
assert va["circuit"] == "closed" and va["recoveries"] >= 1, va

# Each signal's route time (s after t0); results by line.
ts = {}
with open(f"{d}/signals.csv") as fh:
    r = csv.reader(fh)
    next(r)
    for line, row in enumerate(r, start=2):
        ts[line] = int(row[0])
t0 = ts[2]
fills = defaultdict(Decimal)
routed_alpha = btc_off_plan = btc_pinned = btc_pinned_delta = results = 0
in_window = alpha_before = alpha_after = 0
plan = {"bravo", "charlie", "delta"}
with open(f"{d}/results.csv") as fh:
    for row in csv.DictReader(fh):
        results += 1
        q = Decimal(row["filled_qty"])
        fills[(row["user"], row["symbol"])] += q if row["side"] == "buy" else -q
        if row["venue"] == "":
            continue
        venues = set(row["venues"].split("|"))
        at = (ts[int(row["line"])] - t0 + int(row["queue_ns"]) + int(row["validate_ns"])) / 1e9
        if t_dis + 0.05 < at < t_en - 0.05:
            in_window += 1
            routed_alpha += "alpha" in venues
        alpha_before += at < t_dis - 0.05 and row["venue"] == "alpha"
        alpha_after += t_en + 0.05 < at < t_en + 1 and row["venue"] == "alpha"
        if row["symbol"] == "BTC-USD":
            btc_off_plan += not venues <= plan
            if t_pin + 0.05 < at < t_auto - 0.05:
                btc_pinned += 1
                btc_pinned_delta += row["venue"] == "delta"
assert results == n, results
assert routed_alpha == 0, f"{routed_alpha} signals routed while alpha was disabled went there"
# The route times are right: alpha is used before and after, and the
# window is not empty.
assert in_window > 20000 and alpha_before > 1000 and alpha_after > 1000, \
    (in_window, alpha_before, alpha_after)
assert btc_off_plan == 0, f"{btc_off_plan} BTC-USD results left the plan's venues"
# Pinned to delta: all there, but for a moment delta's circuit is open
# (late answers) and the plan's order takes over.
assert btc_pinned > 1000 and btc_pinned_delta >= 0.9 * btc_pinned, (btc_pinned, btc_pinned_delta)

# Positions: venue rows add up to each (user, symbol)'s total row, which
# is the results' net fills; every (user, symbol) with fills has one.
rows, totals = defaultdict(Decimal), {}
with open(f"{d}/positions.csv") as fh:
    r = csv.reader(fh)
    assert next(r) == ["user", "symbol", "venue", "net_qty"]
    for user, sym, venue, q in r:
        assert Decimal(q) != 0, (user, sym, venue)
        if venue == "*":
            assert (user, sym) not in totals, (user, sym)
            totals[(user, sym)] = Decimal(q)
        else:
            rows[(user, sym)] += Decimal(q)
assert set(rows) == set(totals), set(rows) ^ set(totals)
for k, t in totals.items():
    assert rows[k] == t, f"{k}: venue rows {rows[k]}, total {t}"
    assert fills[k] == t, f"{k}: results' fills {fills[k]}, position {t}"
assert {k for k, v in fills.items() if v != 0} == set(totals)
print(f"control_run: ok; {len(totals)} positions, {btc_pinned_delta}/{btc_pinned} BTC-USD "
      f"at delta while pinned, alpha disabled {t_dis:.3f}..{t_en:.3f} s")
PY

# A bad script line: refused before the run (exit 2), naming FILE:LINE.
bad() { # bad LINE2 MESSAGE
	printf '100 disable alpha\n%s\n' "$1" > "$dir/bad.txt"
	set +e
	"$xroute" run -c "$dir/chaos.ini" --signals "$dir/signals.csv" --out "$dir/bad.csv" \
		--control "$dir/bad.txt" > /dev/null 2> "$dir/bad.err"
	local brc=$?
	set -e
	[ $brc -eq 2 ] || fail "bad script line \"$1\": exit $brc, not 2"
	[ "$(cat "$dir/bad.err")" = "xroute: $dir/bad.txt:2: $2" ] ||
		fail "bad script line \"$1\": $(cat "$dir/bad.err")"
	[ ! -e "$dir/bad.csv" ] || fail "bad script line \"$1\": the run started"
}
bad '200 disable zulu' 'disable: "zulu" is not a venue'
bad '200 failover user u001 alpha' 'failover: user u001 has no venue plan (primary_venue)'
bad '200 halt' '"halt": unknown command (expected disable, enable or failover)'
ms='expected "MS COMMAND" with MS a whole number of ms, not before the line above'
bad '50 enable alpha' "$ms"
bad 'soon enable alpha' "$ms"
echo "control_run: OK"
