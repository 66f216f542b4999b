#!/usr/bin/env bash
# The log readers of crash_run.sh (crash_lib.sh) on small hand-made logs
# whose answers are counted here by hand: a sim-venue log, a QuickFIX
# screen log (SOH-separated, and |-separated), a journal made with
# sqlite3 from the schema's children and reports tables, outcome files.
# Each case that must find a fault has one; each that must not, has none.
#
#   crash_lib_test.sh SOURCE_ROOT
set -euo pipefail
src=$1
# shellcheck source=tests/integration/crash_lib.sh
. "$src/tests/integration/crash_lib.sh"
dir=$(mktemp -d /tmp/xr_crash_lib_XXXXXX)
trap 'rm -rf "$dir"' EXIT
failed=0
# expect NAME WANT GOT: WANT and GOT compared as sorted lines.
expect() {
	local w g
	w=$(printf '%s\n' "$2" | sed '/^$/d' | sort)
	g=$(printf '%s\n' "$3" | sed '/^$/d' | sort)
	if [ "$w" = "$g" ]; then
		echo "ok   $1"
	else
		echo "FAIL $1"
		echo "  want: $(echo "$w" | tr '\n' ';')"
		echo "  got:  $(echo "$g" | tr '\n' ';')"
		failed=1
	fi
}

# ---- sim-venue log ----
# Bought: 1 + 0.5 + 0.25 = 1.75 BTC-USD, 2 ETH-USD; sold 1.125 BTC-USD.
# A rejected duplicate (ClOrdID A1 again) is a second `new` line.
cat > "$dir/sim.csv" <<-'EOF'
	unix_ns,event,clordid,orig_clordid,order_id,symbol,side,qty,price,last_qty,last_px,cum_qty,leaves_qty,ord_status,detail
	1,session,,,,,,,,,,,,,"logon, FIX.4.4"
	2,new,A1,,,BTC-USD,buy,1,101,,,,,,
	3,new_ack,A1,,1,BTC-USD,buy,1,101,,,0,1,0,
	4,fill,A1,,1,BTC-USD,buy,1,101,1,100.5,1,0,2,
	5,new,A2,,,BTC-USD,buy,0.75,101,,,,,,
	6,fill,A2,,2,BTC-USD,buy,0.75,101,0.5,100.5,0.5,0.25,1,
	7,fill,A2,,2,BTC-USD,buy,0.75,101,0.25,100.5,0.75,0,2,
	8,new,A3,,,BTC-USD,sell,2,99,,,,,,
	9,fill,A3,,3,BTC-USD,sell,2,99,1.125,99.5,1.125,0.875,1,
	10,canceled,A3,,3,BTC-USD,sell,2,99,,,1.125,0,4,"expired, by xroute"
	11,new,B1,,,ETH-USD,buy,2,3001,,,,,,
	12,fill,B1,,4,ETH-USD,buy,2,3001,2,3000.5,2,0,2,
	13,new,A1,,,BTC-USD,buy,1,101,,,,,,
	14,reject,A1,,,BTC-USD,buy,1,101,,,,,,duplicate ClOrdID
EOF
expect "sim fills" "sima BTC-USD 175000000 112500000
sima ETH-USD 200000000 0" "$(xr_crash_sim_fills sima "$dir/sim.csv")"
expect "sim orders" 5 "$(xr_crash_sim_orders "$dir/sim.csv")"
expect "sim orders, no log yet" 0 "$(xr_crash_sim_orders "$dir/none.csv")"
expect "sim ClOrdID twice" "$dir/sim.csv: A1" "$(xr_crash_sim_twice "$dir/sim.csv")"
grep -v '^1[34],' "$dir/sim.csv" > "$dir/sim-once.csv"
expect "sim ClOrdIDs once" "" "$(xr_crash_sim_twice "$dir/sim-once.csv")"

# ---- QuickFIX screen log ----
# Orders from XROUTE: X1 (buy 3), X2 (sell 2), X3 (buy 1, a 43=Y resend of
# its fill), X1 again; MAKER's order and fill are not ours. To XROUTE:
# X1 filled 1 then 2, X2 filled 1.5, X3 filled 1 (its resend not counted
# again), a cancel (32=0). Bought 4, sold 1.5.
soh() { tr '|' '\001'; }
{
	echo "=== quickfix-venues start ordermatch port 1234"
	echo "<20261207-15:00:00.000000000, FIX.4.2:OM->XROUTE, event>"
	echo "  (Created session)"
	for m in \
		"8=FIX.4.2|9=1|35=D|34=2|49=XROUTE|56=OM|11=X1|54=1|55=BTC-USD|38=3|40=2|44=100|59=0|10=0|" \
		"8=FIX.4.2|9=1|35=8|34=2|49=OM|56=XROUTE|11=X1|17=1|39=0|150=0|54=1|55=BTC-USD|32=0|10=0|" \
		"8=FIX.4.2|9=1|35=D|34=2|49=MAKER|56=OM|11=X2|54=1|55=BTC-USD|38=5|40=2|44=100|59=0|10=0|" \
		"8=FIX.4.2|9=1|35=D|34=3|49=XROUTE|56=OM|11=X2|54=2|55=BTC-USD|38=2|40=2|44=100|59=0|10=0|" \
		"8=FIX.4.2|9=1|35=8|34=3|49=OM|56=XROUTE|11=X1|17=2|39=1|150=1|54=1|55=BTC-USD|32=1|31=100|10=0|" \
		"8=FIX.4.2|9=1|35=8|34=4|49=OM|56=XROUTE|11=X1|17=3|39=2|150=2|54=1|55=BTC-USD|32=2|31=100|10=0|" \
		"8=FIX.4.2|9=1|35=8|34=5|49=OM|56=XROUTE|11=X2|17=4|39=1|150=1|54=2|55=BTC-USD|32=1.5|31=100|10=0|" \
		"8=FIX.4.2|9=1|35=8|34=3|49=OM|56=MAKER|11=X2|17=5|39=1|150=1|54=1|55=BTC-USD|32=1.5|31=100|10=0|" \
		"8=FIX.4.2|9=1|35=D|34=4|49=XROUTE|56=OM|11=X3|54=1|55=BTC-USD|38=1|40=2|44=100|59=0|10=0|" \
		"8=FIX.4.2|9=1|35=8|34=6|49=OM|56=XROUTE|11=X3|17=6|39=2|150=2|54=1|55=BTC-USD|32=1|31=100|10=0|" \
		"8=FIX.4.2|9=1|35=8|34=6|43=Y|49=OM|56=XROUTE|11=X3|17=6|39=2|150=2|54=1|55=BTC-USD|32=1|31=100|10=0|" \
		"8=FIX.4.2|9=1|35=8|34=7|49=OM|56=XROUTE|11=C1|41=X2|17=7|39=4|150=4|54=2|55=BTC-USD|32=0|10=0|" \
		"8=FIX.4.2|9=1|35=D|34=5|49=XROUTE|56=OM|11=X1|54=1|55=BTC-USD|38=3|40=2|44=100|59=0|10=0|"; do
		echo "<20261207-15:00:00.000000000, FIX.4.2:OM->XROUTE, incoming>"
		echo "  ($m)"
	done
	echo "BTC-USD: 1 bid, 0 asks"
} > "$dir/om-pipe.log"
soh < "$dir/om-pipe.log" > "$dir/om.log"
for f in om.log om-pipe.log; do
	expect "ordermatch fills ($f)" "om BTC-USD 400000000 150000000" \
		"$(xr_crash_om_fills om "$dir/$f" OM XROUTE)"
	expect "ordermatch orders ($f)" 4 "$(xr_crash_om_orders "$dir/$f" XROUTE)"
	expect "ordermatch ClOrdID twice ($f)" X1 "$(xr_crash_om_twice "$dir/$f" XROUTE)"
done
expect "ordermatch MAKER's fills" "om BTC-USD 150000000 0" "$(xr_crash_om_fills om "$dir/om.log" OM MAKER)"
grep -av "35=D|34=5|" "$dir/om-pipe.log" > "$dir/om-once.log" || true
expect "ordermatch ClOrdIDs once" "" "$(xr_crash_om_twice "$dir/om-once.log" XROUTE)"

# ---- journal ----
# The two tables as in engine/journal_db.c (schema v1). ClOrdID 7 is sent in
# run 1 and filled in run 2 (after a crash); 8 is a sell at beta; 9 has a
# report without a fill.
sqlite3 "$dir/j.db" <<-'EOF'
	CREATE TABLE children(run INTEGER NOT NULL, cl_ord_id INTEGER NOT NULL,
	  signal_id INTEGER NOT NULL, order_id INTEGER NOT NULL, venue TEXT NOT NULL,
	  user TEXT NOT NULL, symbol TEXT NOT NULL, side TEXT NOT NULL,
	  ord_type TEXT NOT NULL, tif TEXT NOT NULL, qty INTEGER NOT NULL,
	  limit_px INTEGER NOT NULL, child_idx INTEGER NOT NULL, attempt INTEGER NOT NULL,
	  send_at_ns INTEGER NOT NULL, at_ns INTEGER NOT NULL);
	CREATE TABLE reports(run INTEGER NOT NULL, cl_ord_id INTEGER NOT NULL,
	  signal_id INTEGER NOT NULL, order_id INTEGER NOT NULL, venue TEXT NOT NULL,
	  kind TEXT NOT NULL, ord_status TEXT NOT NULL, reason TEXT NOT NULL,
	  last_qty INTEGER NOT NULL, last_notional INTEGER NOT NULL,
	  last_fees INTEGER NOT NULL, cum_qty INTEGER NOT NULL,
	  leaves_qty INTEGER NOT NULL, at_ns INTEGER NOT NULL);
	INSERT INTO children VALUES
	  (1, 6, 4097, 1, 'alpha', 'u1', 'BTC-USD', 'buy', 'limit', 'day', 100000000, 1, 0, 1, 0, 0),
	  (1, 7, 8193, 2, 'alpha', 'u1', 'BTC-USD', 'buy', 'limit', 'day', 200000000, 1, 0, 1, 0, 0),
	  (1, 8, 12289, 3, 'beta', 'u2', 'BTC-USD', 'sell', 'limit', 'day', 50000000, 1, 0, 1, 0, 0),
	  (2, 9, 4098, 1, 'beta', 'u2', 'ETH-USD', 'buy', 'limit', 'day', 100000000, 1, 0, 1, 0, 0);
	INSERT INTO reports VALUES
	  (1, 6, 4097, 1, 'alpha', 'report', 'new', 'none', 0, 0, 0, 0, 100000000, 0),
	  (1, 6, 4097, 1, 'alpha', 'report', 'filled', 'none', 100000000, 1, 0, 100000000, 0, 0),
	  (2, 7, 8193, 2, 'alpha', 'report', 'partially_filled', 'none', 50000000, 1, 0, 50000000, 150000000, 0),
	  (2, 7, 8193, 2, 'alpha', 'report', 'filled', 'none', 150000000, 1, 0, 200000000, 0, 0),
	  (1, 8, 12289, 3, 'beta', 'report', 'filled', 'none', 50000000, 1, 0, 50000000, 0, 0),
	  (2, 9, 4098, 1, 'beta', 'report', 'canceled', 'expired', 0, 0, 0, 0, 0, 0);
EOF
expect "journal fills" "alpha BTC-USD 300000000 0
beta BTC-USD 0 50000000" "$(xr_crash_journal_fills "$dir/j.db")"

# Orders at a venue that the journal lacks: alpha has children 6 and 7,
# beta 8 and 9 (above).
expect "journal knows every order" "" \
	"$(printf 'XAB12-6\nXCD34-7\n' | xr_crash_unjournaled "$dir/j.db" alpha)"
expect "orders the journal lacks" "XAB12-8
XAB12-77
A1 (not PREFIX-NUMBER)
XAB12-x (not PREFIX-NUMBER)" \
	"$(printf 'XAB12-6\nXAB12-8\nXAB12-77\nA1\nXAB12-x\n' | xr_crash_unjournaled "$dir/j.db" alpha)"
expect "sim ClOrdIDs" "A1
A2
A3
B1
A1" "$(xr_crash_sim_clordids "$dir/sim.csv")"
expect "ordermatch ClOrdIDs" "X1
X2
X3
X1" "$(xr_crash_om_clordids "$dir/om.log" XROUTE)"

# ---- outcomes ----
# alt: even ids buy (2: 1, 4: 0.5), odd ones sell (1: 0.25, 3: 0).
printf '1,partially_filled,0.25,0.25\n2,filled,1,1\n3,canceled,0,0\n4,filled,0.5,0\n' > "$dir/o1.csv"
printf '1,filled,2,2\n2,filled,1,1\n' > "$dir/o2.csv"
expect "outcome fills alt" "x BTC-USD 150000000 25000000" \
	"$(xr_crash_outcome_fills x BTC-USD "alt:$dir/o1.csv")"
expect "outcome fills buy + sell" "om BTC-USD 300000000 175000000" \
	"$(xr_crash_outcome_fills om BTC-USD "buy:$dir/o2.csv" "sell:$dir/o1.csv")"
printf '1,canceled,0,0\n' > "$dir/o3.csv"
expect "outcome fills, nothing filled" "" "$(xr_crash_outcome_fills x BTC-USD "alt:$dir/o3.csv")"
expect "outcomes complete" "" "$(xr_crash_outcomes_bad "$dir/o1.csv" 4)"
expect "outcomes short" "4 lines, expected 5" "$(xr_crash_outcomes_bad "$dir/o1.csv" 5)"
printf '1,filled,1,1\n2,missing,0,0\n' > "$dir/o4.csv"
expect "outcome missing" "signal 2 has no outcome" "$(xr_crash_outcomes_bad "$dir/o4.csv" 2)"
printf '1,filled,1,1\n1,filled,1,1\n' > "$dir/o5.csv"
expect "outcome twice" "signal 1 twice (line 2)" "$(xr_crash_outcomes_bad "$dir/o5.csv" 2)"
printf '1,filled,1,1\n3,filled,1,1\n' > "$dir/o6.csv"
expect "outcome out of range" "line 2 is not an outcome of 1..2: 3,filled,1,1" \
	"$(xr_crash_outcomes_bad "$dir/o6.csv" 2)"

[ "$failed" = 0 ] || { echo "crash_lib_test: FAIL" >&2; exit 1; }
echo "crash_lib_test: ok"
