#!/usr/bin/env bash
# A venue that outlives the router: `xroute sim-venue` runs a sim venue as
# its own FIX 4.4 acceptor (docs/connectors.md "xroute sim-venue") and
# xroute trades with it as a `connector = fix` venue.
#
#   sim_venue_run.sh XROUTE SOURCE_ROOT
#
# 0. Refusals: a config whose venue is not sim, and an unknown venue, exit
#    2 naming the section; a corrupt message store exits 2 naming the file.
# 1. Kill -9: xroute rests 6 DAY limit orders at the venue (3 buys below
#    the book, 3 sells above it) and fills 2 marketable buys; a second
#    connection meanwhile is refused with a Logout; then xroute is killed
#    with SIGKILL while the 6 rest. The venue lives on and its log shows no
#    cancel and no expiry.
# 2. xroute again, on the same seq_store, whose incoming MsgSeqNum is moved
#    3 back (as if its last reads were lost in the kill): it logs on
#    without "MsgSeqNum too low", asks for the gap, and the venue resends
#    its ExecutionReports from its message store (43=Y); the resent reports
#    of the killed run name ClOrdIDs of another run, which xroute counts as
#    foreign. 2 new marketable orders fill.
# 3. A second logon (tests/integration/fix/fix_send.py, the router's
#    CompIDs and MsgSeqNums, its incoming MsgSeqNum from 1) asks for
#    everything again: every resting order's New comes back with 43=Y and
#    its original SendingTime (122). Then OrderStatusRequests for the 6
#    answer New with all of their quantity left, an unknown ClOrdID answers
#    OrdRejReason 5, and an OrderMassStatusRequest lists the 6 open orders
#    (584 echoed, 911=6, 912=Y on the last).
# 4. The venue's log alone: no ClOrdID was received twice, and the net
#    position per symbol from its fills is the 4 bought. SIGTERM: Logout
#    and exit 0.
# Waits are on conditions with a deadline (lib.sh wait_for), never on time.
set -euo pipefail
xroute=$1
src=$2
here="$src/tests/integration"
send="$here/fix/fix_send.py"
fail() { keep=1; echo "FAIL: $*" >&2; exit 1; }
# shellcheck source=tests/integration/lib.sh
. "$here/lib.sh" # wait_for

work=$(mktemp -d /tmp/xroute-simvenue.XXXXXX)
vpid=
xpid=
cleanup() {
	[ -z "$xpid" ] || kill -9 "$xpid" 2>/dev/null || true
	[ -z "$vpid" ] || kill -9 "$vpid" 2>/dev/null || true
	if [ "${keep:-0}" = 1 ]; then echo "kept $work" >&2; else rm -rf "$work"; fi
}
trap 'keep=1; cleanup' ERR
trap cleanup EXIT

# The venue: resting limit orders live for 10 minutes (session_ms).
cat > "$work/venue.ini" <<-EOF
	[venue alpha]
	latency_us = 100
	jitter_us = 0
	session_ms = 600000
	max_open_orders = 64
	book.BTC-USD = mid=100 tick=0.5 levels=10 level_qty=100

	[user u1]
EOF

# ---- 0. refusals ----
rc=0
"$xroute" sim-venue -c "$work/venue.ini" --venue nope --listen 0 2> "$work/bad1.err" || rc=$?
[ "$rc" = 2 ] || fail "unknown venue: exit $rc, expected 2"
grep -q "no \[venue nope\] section" "$work/bad1.err" || fail "unknown venue: $(cat "$work/bad1.err")"

mkdir -p "$work/badstore"
echo junk > "$work/badstore/messages"
rc=0
"$xroute" sim-venue -c "$work/venue.ini" --venue alpha --listen 0 --store "$work/badstore" \
	2> "$work/bad3.err" || rc=$?
[ "$rc" = 2 ] || fail "a corrupt store: exit $rc, expected 2"
grep -q "badstore/messages: not a message store" "$work/bad3.err" ||
	fail "a corrupt store: $(cat "$work/bad3.err")"

# ---- the venue ----
"$xroute" sim-venue -c "$work/venue.ini" --venue alpha --listen 127.0.0.1:0 \
	--port-file "$work/port" --store "$work/store" --log "$work/venue.csv" \
	2> "$work/venue.err" &
vpid=$!
wait_for "the venue's port file" test -s "$work/port" || fail "venue did not start: $(cat "$work/venue.err")"
port=$(cat "$work/port")

router_ini() {
	cat <<-EOF
		[engine]
		order_timeout_us = 200000

		[venue alpha]
		connector = fix
		host = 127.0.0.1
		port = $port
		sender_comp_id = XROUTE
		target_comp_id = ALPHA
		begin_string = FIX.4.4
		seq_store = $work/router.seq
		mass_status = true
		reconnect_min_ms = 50
		reconnect_max_ms = 400
		book.BTC-USD = mid=100 tick=0.5 levels=10 level_qty=100

		[user u1]
	EOF
}
router_ini > "$work/router.ini"
rc=0
"$xroute" sim-venue -c "$work/router.ini" --venue alpha --listen 0 2> "$work/bad2.err" || rc=$?
[ "$rc" = 2 ] || fail "a fix venue: exit $rc, expected 2"
grep -q "\[venue alpha\].*connector = sim" "$work/bad2.err" ||
	fail "a fix venue: $(cat "$work/bad2.err")"
echo "sim_venue_run: refusals exit 2 naming the section"

count() { grep -c -- "$1" "$2" 2>/dev/null || true; }
header="ts_ns,signal_id,user,symbol,side,qty,order_type,limit_px,tif,signal_type,strategy,max_slippage_bps"

# ---- 1. orders rest, xroute is killed ----
{
	echo "$header"
	echo "1000000,1,u1,BTC-USD,buy,2,limit,99,day,entry,,"
	echo "2000000,2,u1,BTC-USD,buy,3,limit,98.5,day,entry,,"
	echo "3000000,3,u1,BTC-USD,buy,4,limit,98,day,entry,,"
	echo "4000000,4,u1,BTC-USD,sell,2,limit,101,day,entry,,"
	echo "5000000,5,u1,BTC-USD,sell,3,limit,101.5,day,entry,,"
	echo "6000000,6,u1,BTC-USD,sell,4,limit,102,day,entry,,"
	echo "7000000,7,u1,BTC-USD,buy,1,limit,101,day,entry,,"
	echo "8000000,8,u1,BTC-USD,buy,1,limit,101,day,entry,,"
	# Keeps the run going (within --pace-max-gap-ms) until it is killed.
	echo "50000000000,9,u1,BTC-USD,buy,1,limit,99,day,entry,,"
} > "$work/run1.csv"
"$xroute" run -c "$work/router.ini" --signals "$work/run1.csv" --out "$work/run1.out" \
	--pace 1 > "$work/run1.txt" 2> "$work/run1.err" &
xpid=$!
acked() { [ "$(count ",new_ack," "$work/venue.csv")" -ge 6 ] && [ "$(count ",fill," "$work/venue.csv")" -ge 2 ]; }
wait_for "6 orders resting and 2 filled at the venue" acked ||
	fail "orders did not rest: $(tail -5 "$work/run1.err")"
# A second connection while xroute's is live: a Logout, the session untouched.
rc=0
python3 "$send" --port "$port" --sender XROUTE --target ALPHA --begin FIX.4.4 --reset \
	--timeout 5 > "$work/second.txt" 2>&1 || rc=$?
[ "$rc" = 3 ] || fail "second connection: fix_send exit $rc ($(cat "$work/second.txt"))"
grep -q "refused connection" "$work/venue.csv" || fail "the venue did not log the refusal"
kill -9 "$xpid"
wait "$xpid" 2>/dev/null || true
xpid=
kill -0 "$vpid" || fail "the venue died with xroute"
gone() { grep -q ",session,.*disconnect" "$work/venue.csv"; }
wait_for "the venue to see the connection end" gone || fail "no disconnect in the venue log"
[ "$(count ",canceled," "$work/venue.csv")" = 0 ] || fail "an order was canceled by the kill"
[ "$(count ",expired," "$work/venue.csv")" = 0 ] || fail "an order expired"
mapfile -t resting < <(awk -F, '$2 == "new_ack" { print $3 "," $7 }' "$work/venue.csv")
[ "${#resting[@]}" = 6 ] || fail "${#resting[@]} resting orders, expected 6"
echo "sim_venue_run: xroute killed with 6 orders resting; the venue keeps them"

# ---- 2. xroute again on its seq_store, 3 incoming MsgSeqNums lost ----
python3 - "$work/router.seq" <<-'EOF'
	import struct, sys
	p = sys.argv[1]
	magic, out, into, pad = struct.unpack("<4Q", open(p, "rb").read())
	open(p, "wb").write(struct.pack("<4Q", magic, out, into - 3, pad))
EOF
{
	echo "$header"
	echo "1000,1,u1,BTC-USD,buy,1,limit,101,day,entry,,"
	echo "2000,2,u1,BTC-USD,buy,1,limit,101,day,entry,,"
} > "$work/run2.csv"
rc=0
"$xroute" run -c "$work/router.ini" --signals "$work/run2.csv" --out "$work/run2.out" \
	--summary-json "$work/run2.json" > "$work/run2.txt" 2> "$work/run2.err" || rc=$?
[ "$rc" = 0 ] || fail "run 2 exited $rc ($(tail -5 "$work/run2.err"))"
grep -q "too low" "$work/run2.err" "$work/venue.err" && fail "MsgSeqNum too low on the second logon"
grep -q "ResendRequest sent" "$work/run2.err" || fail "xroute did not ask for its gap"
grep -q "resending from the message store" "$work/venue.err" ||
	fail "the venue did not resend from its store"
grep -q "which this connector never sent" "$work/run2.err" ||
	fail "the killed run's resent reports were not counted foreign"
filled=$(awk -F, 'NR > 1 && $7 == "filled" && $13 == 1' "$work/run2.out" | wc -l)
[ "$filled" = 2 ] || fail "run 2: $filled of 2 filled"
echo "sim_venue_run: xroute logged on again, its gap resent from the venue's store"

# ---- 3. a second logon asks for everything, then status and mass status ----
python3 - "$work/router.seq" "$work/probe.seq" <<-'EOF'
	import struct, sys
	magic, out, into, pad = struct.unpack("<4Q", open(sys.argv[1], "rb").read())
	open(sys.argv[2], "w").write("%d 1\n" % out)
EOF
python3 "$send" --port "$port" --sender XROUTE --target ALPHA --begin FIX.4.4 \
	--seq-file "$work/probe.seq" --timeout 10 > "$work/resend.txt" 2>&1 ||
	fail "probe logon failed: $(tail -3 "$work/resend.txt")"
for r in "${resting[@]}"; do
	id=${r%%,*}
	grep "35=8" "$work/resend.txt" | grep "|11=$id|" | grep "|43=Y|" | grep "|150=0|" |
		grep -q "|122=" || fail "the New of $id was not resent with 43=Y and 122"
done
statuses=()
for r in "${resting[@]}"; do statuses+=(--status "$r,BTC-USD"); done
python3 "$send" --port "$port" --sender XROUTE --target ALPHA --begin FIX.4.4 \
	--seq-file "$work/probe.seq" "${statuses[@]}" --status NEVER-SENT,buy,BTC-USD \
	--mass-status MS1 --wait-reports 13 --timeout 10 > "$work/status.txt" 2>&1 ||
	fail "status requests: $(tail -3 "$work/status.txt")"
for r in "${resting[@]}"; do
	id=${r%%,*}
	line=$(grep "35=8" "$work/status.txt" | grep "|11=$id|" | grep "|150=I|" | grep -v "|584=" | head -1)
	[ -n "$line" ] || fail "no status answer for $id"
	qty=$(sed 's/.*|38=\([^|]*\)|.*/\1/' <<< "$line")
	grep -q "|39=0|.*|14=0|151=$qty|" <<< "$line" || fail "$id is not New with $qty left: $line"
done
grep "35=8" "$work/status.txt" | grep "|11=NEVER-SENT|" | grep "|39=8|" | grep -q "|103=5|" ||
	fail "an unknown ClOrdID was not answered OrdRejReason 5"
mass=$(grep "35=8" "$work/status.txt" | grep -c "|584=MS1|") || true
[ "$mass" = 6 ] || fail "mass status: $mass reports, expected 6"
[ "$(grep "|584=MS1|" "$work/status.txt" | grep -c "|911=6|")" = 6 ] || fail "TotNumReports is not 6"
[ "$(grep "|584=MS1|" "$work/status.txt" | grep -c "|912=Y|")" = 1 ] ||
	fail "LastRptRequested=Y not on exactly one report"
grep "|584=MS1|" "$work/status.txt" | tail -1 | grep -q "|912=Y|" ||
	fail "LastRptRequested=Y is not on the last report"
echo "sim_venue_run: resent with 43=Y; 6 live by OrderStatusRequest and by mass status"

# ---- 4. the venue's log, then SIGTERM ----
dups=$(awk -F, '$2 == "new" { n[$3]++ } END { for (k in n) if (n[k] > 1) print k }' "$work/venue.csv")
[ -z "$dups" ] || fail "ClOrdIDs received twice: $dups"
pos=$(awk -F, '$2 == "fill" { p[$6] += ($7 == "buy" ? $10 : -$10) }
	END { for (s in p) print s "=" p[s] }' "$work/venue.csv")
[ "$pos" = "BTC-USD=4" ] || fail "net position from the venue's fills: $pos, expected BTC-USD=4"
kill -TERM "$vpid"
rc=0
wait "$vpid" || rc=$?
vpid=
[ "$rc" = 0 ] || fail "the venue exited $rc on SIGTERM"
tail -1 "$work/venue.csv" | grep -q ",session,.*stopped" || fail "no stop line in the venue log"
echo "sim_venue_run: venue log consistent (no ClOrdID twice, position = fills); SIGTERM exit 0"
