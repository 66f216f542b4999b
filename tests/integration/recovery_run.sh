#!/usr/bin/env bash
# Crash recovery of `xroute serve` with a journal (docs/journal.md
# "Recovery"), against a venue that outlives it (`xroute sim-venue`).
#
#   recovery_run.sh XROUTE SOURCE_ROOT
#
# 1. xroute serve with [journal], one FIX venue (the sim-venue process) and
#    a signal file as its source: 6 DAY limit orders rest at the venue, 2
#    fill. Once the journal shows all 8 answered, xroute is killed with
#    SIGKILL.
# 2. `xroute journal query` answers for a resting signal of the crashed
#    run: its child and "no result: open".
# 3. xroute serve again on the same config, journal and file: it says it
#    recovered 6 open signals and took back 6 child orders, becomes ready
#    (the venue acknowledged them: they are live, and their status answers
#    come as New),
#    answers the file's 8 signal_ids from its books (none routed again),
#    and on SIGTERM cancels the 6 (stop_policy = cancel) and ends with
#    every invariant at 0.
# 4. From the venue's own log: each ClOrdID received once (8 in all), the
#    6 canceled; the journal: 8 children, each signal one result, the
#    venue's fills equal the journal's fills.
# Waits are on conditions with a deadline (lib.sh wait_for), never on time.
set -euo pipefail
xroute=$1
src=$2
here="$src/tests/integration"
fail() { keep=1; echo "FAIL: $*" >&2; exit 1; }
# shellcheck source=tests/integration/lib.sh
. "$here/lib.sh" # wait_for
command -v sqlite3 > /dev/null || fail "sqlite3 is not installed (tools/install-deps.sh)"

work=$(mktemp -d /tmp/xroute-recovery.XXXXXX)
vpid=
xpid=
cleanup() {
	[ -z "$xpid" ] || kill -9 "$xpid" 2>/dev/null || true
	[ -z "$vpid" ] || kill -9 "$vpid" 2>/dev/null || true
	if [ "${keep:-0}" = 1 ]; then echo "kept $work" >&2; else rm -rf "$work"; fi
}
trap 'keep=1; cleanup' ERR
trap cleanup EXIT

cat > "$work/venue.ini" <<-EOF
	[venue alpha]
	latency_us = 100
	jitter_us = 0
	session_ms = 600000
	max_open_orders = 64
	book.BTC-USD = mid=100 tick=0.5 levels=10 level_qty=100

	[user u1]
EOF
"$xroute" sim-venue -c "$work/venue.ini" --venue alpha --listen 127.0.0.1:0 \
	--port-file "$work/port" --store "$work/store" --log "$work/venue.csv" \
	2> "$work/venue.err" &
vpid=$!
wait_for "the venue's port file" test -s "$work/port" || fail "venue did not start: $(cat "$work/venue.err")"
port=$(cat "$work/port")

cat > "$work/router.ini" <<-EOF
	[engine]
	order_timeout_us = 200000
	stop_policy = cancel

	[serve]
	socket = $work/x.sock
	ready_timeout_ms = 20000

	[journal]
	path = $work/journal.db

	[venue alpha]
	connector = fix
	host = 127.0.0.1
	port = $port
	sender_comp_id = XROUTE
	target_comp_id = ALPHA
	begin_string = FIX.4.4
	seq_store = $work/router.seq
	reconnect_min_ms = 50
	reconnect_max_ms = 400
	book.BTC-USD = mid=100 tick=0.5 levels=10 level_qty=100

	[user u1]
EOF
{
	echo "ts_ns,signal_id,user,symbol,side,qty,order_type,limit_px,tif,signal_type,strategy,max_slippage_bps"
	echo "1000000,1,u1,BTC-USD,buy,2,limit,99,day,entry,,"
	echo "2000000,2,u1,BTC-USD,buy,3,limit,98.5,day,entry,,"
	echo "3000000,3,u1,BTC-USD,buy,4,limit,98,day,entry,,"
	echo "4000000,4,u1,BTC-USD,sell,2,limit,101,day,entry,,"
	echo "5000000,5,u1,BTC-USD,sell,3,limit,101.5,day,entry,,"
	echo "6000000,6,u1,BTC-USD,sell,4,limit,102,day,entry,,"
	echo "7000000,7,u1,BTC-USD,buy,1,limit,101,day,entry,,"
	echo "8000000,8,u1,BTC-USD,buy,1,limit,101,day,entry,,"
} > "$work/signals.csv"
q() { sqlite3 "$work/journal.db" "$1" 2>/dev/null || echo 0; }

# ---- 1. orders rest, xroute is killed ----
"$xroute" serve -c "$work/router.ini" --signals "$work/signals.csv" > "$work/run1.out" \
	2> "$work/run1.err" &
xpid=$!
answered() { [ "$(q "SELECT COUNT(DISTINCT cl_ord_id) FROM reports WHERE ord_status IN ('new', 'filled')")" -ge 8 ]; }
wait_for "8 children answered in the journal" answered ||
	fail "the journal did not show 8 answered children: $(tail -5 "$work/run1.err")"
kill -9 "$xpid"
wait "$xpid" 2>/dev/null || true
xpid=
kill -0 "$vpid" || fail "the venue died with xroute"
[ "$(q "SELECT clean_exit FROM runs WHERE run = 1")" = 0 ] || fail "run 1 is marked clean"
echo "recovery_run: xroute killed with 6 orders resting at the venue"

# ---- 2. the journal of the crashed run answers for a signal ----
"$xroute" journal query "$work/journal.db" --signal 2 > "$work/query.txt" ||
	fail "journal query: $(cat "$work/query.txt")"
grep -q "no result: open" "$work/query.txt" || fail "signal 2 is not open: $(cat "$work/query.txt")"
grep -q "alpha" "$work/query.txt" || fail "signal 2 has no child at alpha: $(cat "$work/query.txt")"
echo "recovery_run: xroute journal query answers for a signal of the crashed run"

# ---- 3. recovery ----
"$xroute" serve -c "$work/router.ini" --signals "$work/signals.csv" > "$work/run2.out" \
	2> "$work/run2.err" &
xpid=$!
ready() { grep -q "xroute serve: ready" "$work/run2.err"; }
wait_for "the second run to be ready" ready || fail "not ready: $(tail -5 "$work/run2.err")"
grep -q "recovered from $work/journal.db: 6 open signals with 6 child orders taken back" \
	"$work/run2.err" || fail "recovery line: $(grep recovered "$work/run2.err")"
grep -q "not yet answered" "$work/run2.err" && fail "ready before the venue answered"
settled() { [ "$(q "SELECT COUNT(*) FROM reports WHERE run = 2")" -ge 6 ]; }
wait_for "the venue's answers for the 6 taken back" settled ||
	fail "no answers journaled in run 2: $(tail -5 "$work/run2.err")"
kill -TERM "$xpid"
rc=0
wait "$xpid" || rc=$?
xpid=
[ "$rc" = 0 ] || fail "run 2 exited $rc: $(tail -5 "$work/run2.err")"
for k in unaccounted duplicates overfills "position != fills" "exposure left"; do
	grep -Eq "^ *$k +0 +ok" "$work/run2.out" || fail "run 2: $k not 0: $(grep "$k" "$work/run2.out")"
done
echo "recovery_run: recovered, ready after the venue answered, SIGTERM with every invariant 0"

# ---- 4. the venue's log and the journal ----
dups=$(awk -F, '$2 == "new" { n[$3]++ } END { for (k in n) if (n[k] > 1) print k }' "$work/venue.csv")
[ -z "$dups" ] || fail "ClOrdIDs received twice: $dups"
news=$(awk -F, '$2 == "new"' "$work/venue.csv" | wc -l)
[ "$news" = 8 ] || fail "$news NewOrderSingles at the venue, expected 8"
canceled=$(awk -F, '$2 == "canceled"' "$work/venue.csv" | wc -l)
[ "$canceled" = 6 ] || fail "$canceled canceled at the venue, expected 6"
[ "$(q "SELECT COUNT(*) FROM children")" = 8 ] || fail "children: $(q "SELECT COUNT(*) FROM children")"
one=$(q "SELECT COUNT(*) FROM (SELECT s.client_id FROM results r JOIN signals s ON s.run = r.run
	AND s.signal_id = r.signal_id GROUP BY s.client_id HAVING COUNT(*) = 1)")
[ "$one" = 8 ] || fail "$one of 8 signals have exactly one result"
vpos=$(awk -F, '$2 == "fill" { p += ($7 == "buy" ? $10 : -$10) } END { printf "%.8f", p }' "$work/venue.csv")
jpos=$(q "SELECT printf('%.8f', SUM(CASE c.side WHEN 'buy' THEN r.last_qty ELSE -r.last_qty END) / 1e8)
	FROM reports r JOIN children c ON c.cl_ord_id = r.cl_ord_id")
[ "$vpos" = "$jpos" ] || fail "venue fills $vpos, journal fills $jpos"
echo "recovery_run: each ClOrdID once at the venue, one result per signal, fills agree ($vpos)"
