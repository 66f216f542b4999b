#!/usr/bin/env bash
# xroute against real FIX venues: QuickFIX's example executor (FIX.4.4) and
# ordermatch (FIX.4.2), built from Debian's libquickfix-doc sources and run
# on loopback ports (tests/integration/fix/quickfix-venues.sh).
#
#   fix_run.sh XROUTE SOURCE_ROOT
#
# 1. Partial fill and cancel, deterministic: a second session (MAKER) rests
#    a sell of 3 at ordermatch; xroute buys 5 there (DAY). 3 fill against
#    MAKER, whose own report says so; the 2 left are canceled by xroute
#    after cancel_after_ms (OrderCancelRequest -> Canceled), and the signal
#    ends partially filled. A market order to executor (market_orders =
#    false) is refused unsupported; one with an IOC to ordermatch
#    (time_in_force = day) too.
# 2. Failover and resend: 3000 DAY limit signals at 500/s, executor the
#    primary venue and ordermatch the failover (MAKER rests liquidity there).
#    Mid-run executor is frozen (SIGSTOP): orders go unanswered, the circuit
#    opens, orders fail over to ordermatch. It is then killed (the orders
#    it never read are lost with it), its store is moved 3 MsgSeqNums ahead
#    (as if its last messages were lost) and it is restarted. xroute
#    reconnects; executor's ResendRequest is answered with a GapFill, whose
#    orders fail as never sent and are routed again; xroute's own
#    ResendRequest is answered by executor's GapFill. Every signal ends,
#    none twice, and the sequence numbers agree afterwards.
# 3. Restart: a short second run logs on to executor with the persisted
#    MsgSeqNums (no "MsgSeqNum too low") and fills every order.
set -euo pipefail
xroute=$1
src=$2
here="$src/tests/integration"
qfv="$here/fix/quickfix-venues.sh"
send="$here/fix/fix_send.py"
fail() { keep=1; echo "FAIL: $*" >&2; exit 1; }
# shellcheck source=tests/integration/lib.sh
. "$here/lib.sh" # wait_for

# The venues, built once next to the xroute build.
export QF_VENUES_BIN
QF_VENUES_BIN="$(cd "$(dirname "$xroute")/.." && pwd)/quickfix-venues"
"$qfv" build "$QF_VENUES_BIN" >/dev/null

work=$(mktemp -d /tmp/xroute-fix.XXXXXX)
cleanup() {
	"$qfv" stop executor "$work" -9 >/dev/null 2>&1 || true
	"$qfv" stop ordermatch "$work" >/dev/null 2>&1 || true
	if [ "${keep:-0}" = 1 ]; then echo "kept $work" >&2; else rm -rf "$work"; fi
}
trap 'keep=1; cleanup' ERR
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
p_exec=$(free_port)
p_om=$(free_port)
"$qfv" start executor "$work" "$p_exec" >/dev/null
"$qfv" start ordermatch "$work" "$p_om" >/dev/null

count() { grep -c -- "$1" "$2" 2>/dev/null || true; }
# Summary JSON field, e.g. json run.json invariants.unaccounted
json() { python3 -c 'import json,sys; v=json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."): v=v[int(k)] if k.isdigit() else v[k]
print(v)' "$1" "$2"; }

venues_ini() { # $1 = cancel_after_ms of om
	cat <<-EOF
		[engine]
		default_strategy = lowest_latency
		order_timeout_us = 200000

		[venue exec]
		connector = fix
		host = 127.0.0.1
		port = $p_exec
		sender_comp_id = XROUTE
		target_comp_id = EXEC
		begin_string = FIX.4.4
		heartbeat_s = 2
		seq_store = $work/xroute-exec.seq
		market_orders = false
		status_requests = false
		reconnect_min_ms = 50
		reconnect_max_ms = 400
		book.BTC-USD = mid=100 tick=0.5 levels=10 level_qty=100

		[venue om]
		connector = fix
		host = 127.0.0.1
		port = $p_om
		sender_comp_id = XROUTE
		target_comp_id = OM
		begin_string = FIX.4.2
		heartbeat_s = 2
		seq_store = $work/xroute-om.seq
		market_orders = false
		status_requests = false
		time_in_force = day
		cancel_after_ms = $1
		venue_symbol.BTC-USD = BTCUSD
		book.BTC-USD = mid=100 tick=0.5 levels=10 level_qty=100
	EOF
}
header="ts_ns,signal_id,user,symbol,side,qty,order_type,limit_px,tif,signal_type,strategy,max_slippage_bps"

# ---- 1. partial fill, cancel, unsupported ----
python3 "$send" --port "$p_om" --sender MAKER --target OM --seq-file "$work/maker.seq" \
	--order sell,BTCUSD,3,100.5,MK1 --wait-reports 1 --timeout 10 > "$work/maker1.txt" ||
	fail "MAKER could not rest its order"
{
	venues_ini 300
	printf '\n[user om_only]\nprimary_venue = om\nauto_failover = false\n'
	printf '\n[user exec_only]\nprimary_venue = exec\nauto_failover = false\n'
} > "$work/one.ini"
{
	echo "$header"
	echo "1000,1,om_only,BTC-USD,buy,5,limit,101,day,entry,,"
	echo "2000,2,exec_only,BTC-USD,buy,1,market,,,entry,,"
	echo "3000,3,om_only,BTC-USD,buy,1,limit,101,ioc,entry,,"
	echo "4000,4,exec_only,BTC-USD,sell,2,limit,99,ioc,entry,,"
} > "$work/one.csv"
"$xroute" run -c "$work/one.ini" --signals "$work/one.csv" --out "$work/one.out" \
	--summary-json "$work/one.json" > "$work/one.txt" 2> "$work/one.err" ||
	fail "run 1 exited $? ($(tail -3 "$work/one.err"))"
row() { awk -F, -v id="$1" 'NR > 1 && $1 == id' "$work/one.out"; }
# signal_id,line,user,symbol,side,qty,status,reason,venue,... filled_qty is field 13
row 1 | awk -F, '$7 == "partially_filled" && $13 == 3 && $8 == "expired" { ok = 1 }
	END { exit !ok }' || fail "signal 1 is not partially filled 3 of 5, rest expired: $(row 1)"
row 2 | awk -F, '$7 == "rejected" && $8 == "unsupported" { ok = 1 } END { exit !ok }' ||
	fail "market order to executor not refused unsupported: $(row 2)"
row 3 | awk -F, '$7 == "rejected" && $8 == "unsupported" { ok = 1 } END { exit !ok }' ||
	fail "IOC order to ordermatch not refused unsupported: $(row 3)"
row 4 | awk -F, '$7 == "filled" && $13 == 2 && $9 == "exec" { ok = 1 } END { exit !ok }' ||
	fail "limit order to executor not filled: $(row 4)"
# The cancel went out and was answered Canceled (39=4) for the rest.
grep "35=F" "$work/ordermatch.log" | grep "49=XROUTE" >/dev/null || fail "no OrderCancelRequest at ordermatch"
grep "35=8" "$work/ordermatch.log" | grep "56=XROUTE" | grep "39=4" >/dev/null ||
	fail "ordermatch did not confirm the cancel"
# MAKER, the second session, got its fill when it logs on again.
python3 "$send" --port "$p_om" --sender MAKER --target OM --seq-file "$work/maker.seq" \
	--wait-reports 1 --timeout 10 > "$work/maker2.txt" || fail "MAKER got no fill report"
grep -q "39=2" "$work/maker2.txt" || fail "MAKER's resting sell did not fill: $(cat "$work/maker2.txt")"
echo "fix_run: partial fill 3/5 at ordermatch against MAKER, rest canceled; unsupported refused"

# ---- 2. failover and resend ----
python3 "$send" --port "$p_om" --sender MAKER --target OM --seq-file "$work/maker.seq" \
	--order sell,BTCUSD,20,100.5,MK2 --order sell,BTCUSD,20,100.5,MK3 \
	--order buy,BTCUSD,20,99.5,MK4 --order buy,BTCUSD,20,99.5,MK5 \
	--wait-reports 4 --timeout 10 > "$work/maker3.txt" || fail "MAKER could not rest liquidity"
{
	venues_ini 300
	printf '\n[user_defaults]\nprimary_venue = exec\nfailover_venues = om\n'
	printf '\n[user u1]\n[user u2]\n'
} > "$work/two.ini"
python3 - "$work/two.csv" "$header" <<-'EOF'
	import random, sys
	r = random.Random(7)
	with open(sys.argv[1], "w") as f:
	    f.write(sys.argv[2] + "\n")
	    for i in range(1, 3001):
	        side = r.choice(["buy", "sell"])
	        px = "101" if side == "buy" else "99"
	        f.write(f"{i * 2000000},{i},u{r.randint(1, 2)},BTC-USD,{side},"
	                f"{r.randint(1, 5)},limit,{px},day,entry,,\n")
EOF
om_orders_before=$(count "35=D" "$work/ordermatch.log")
"$xroute" run -c "$work/two.ini" --signals "$work/two.csv" --out "$work/two.out" --pace 1 \
	--summary-json "$work/two.json" --drain-timeout-ms 20000 > "$work/two.txt" \
	2> "$work/two.err" &
xpid=$!
exec_has() { [ "$(count "35=D" "$work/executor.log")" -ge "$1" ]; }
wait_for "executor to receive 400 orders" exec_has 400 || fail "run 2: executor stalled"
kill -STOP "$(cat "$work/executor.pid")"
wait_for "exec's circuit to open" grep -q "exec: closed -> open" "$work/two.err" ||
	fail "run 2: exec's circuit stayed closed"
om_has() { [ "$(count "35=D" "$work/ordermatch.log")" -ge $((om_orders_before + 50)) ]; }
wait_for "orders to fail over to ordermatch" om_has || fail "run 2: no failover"
"$qfv" stop executor "$work" -9 >/dev/null
seqf="$work/store-executor/FIX.4.4-EXEC-XROUTE.seqnums"
python3 - "$seqf" <<-'EOF'
	import sys
	p = sys.argv[1]
	out, into = open(p).read().split(":")
	open(p, "w").write("%010d : %010d" % (int(out) + 3, int(into)))
EOF
"$qfv" start executor "$work" "$p_exec" >/dev/null
rc=0
wait "$xpid" || rc=$?
[ "$rc" -eq 0 ] || fail "run 2 exited $rc ($(grep -v circuit "$work/two.err" | tail -5))"
for k in unaccounted duplicates overfills exposure_left; do
	v=$(json "$work/two.json" "$k")
	[ "$v" = 0 ] || fail "run 2: invariant $k = $v"
done
[ "$(json "$work/two.json" signals_read)" = 3000 ] || fail "run 2 did not read 3000 signals"
grep -q "answered with GapFill" "$work/two.err" || fail "executor's ResendRequest not gap-filled"
grep -q "orders never reached the venue (gap-filled)" "$work/two.err" ||
	fail "no order failed as gap-filled"
grep -q "ResendRequest sent" "$work/two.err" || fail "xroute did not ask for the gap"
grep "35=4" "$work/executor.log" | grep "49=EXEC" | grep "123=Y" >/dev/null ||
	fail "executor sent no GapFill"
awk -F, 'NR > 1 && $9 == "om" && $7 == "filled" { ok = 1 } END { exit !ok }' "$work/two.out" ||
	fail "no order filled at ordermatch"
awk -F, 'NR > 1 && $27 ~ /^exec:/ && $9 == "om" { ok = 1 } END { exit !ok }' "$work/two.out" ||
	fail "no order failed over from exec to om"
# Once back, executor's probes succeed and it takes orders again.
[ "$(json "$work/two.json" venues.0.recoveries)" -ge 1 ] || fail "exec's circuit never closed again"
[ "$(json "$work/two.json" venues.0.circuit)" = closed ] || fail "exec's circuit is not closed"
echo "fix_run: $(json "$work/two.json" failover.failovers) failovers; executor killed," \
	"restarted 3 MsgSeqNums ahead; GapFill both ways; every signal accounted"

# ---- 3. restart: the persisted MsgSeqNums agree ----
{
	venues_ini 0
	printf '\n[user exec_only]\nprimary_venue = exec\nauto_failover = false\n'
} > "$work/three.ini"
{
	echo "$header"
	for i in $(seq 1 20); do echo "$((i * 1000)),$i,exec_only,BTC-USD,buy,1,limit,101,ioc,entry,,"; done
} > "$work/three.csv"
"$xroute" run -c "$work/three.ini" --signals "$work/three.csv" --summary-json "$work/three.json" \
	> "$work/three.txt" 2> "$work/three.err" || fail "run 3 exited $?"
grep -q "too low" "$work/three.err" "$work/executor.log" && fail "MsgSeqNum too low after restart"
[ "$(json "$work/three.json" filled)" = 20 ] || fail "run 3: not all 20 filled"
echo "fix_run: second run logged on with the persisted MsgSeqNums and filled 20 of 20"
