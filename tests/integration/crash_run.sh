#!/usr/bin/env bash
# Integration: kill -9 at any instant loses nothing and sends nothing twice
# (docs/testing.md "crash_run", docs/journal.md "Recovery").
#
#   crash_run.sh XROUTE STRATEGY SOURCE_ROOT
#
# The knobs below (environment, defaults as CI runs them) make it bigger:
#   XR_CRASH_SIGNALS  signals per client (4 clients)            50000
#   XR_CRASH_KILLS    kill -9 of the router during the run      5
#   XR_CRASH_KILL_MIN_MS, XR_CRASH_KILL_MAX_MS
#                     the random delay before each kill, once
#                     orders flow through the restarted router   300, 1200
#   XR_CRASH_DEADLINE_S  the clients' whole run, at most        240
#   XR_KEEP=1         keep the run directory (printed) afterwards
#
# The setup, all processes on loopback:
#   - three FIX venues that outlive the router: two `xroute sim-venue`
#     processes (sima, simb: FIX 4.4, each its own sim config, message
#     store and order log) and QuickFIX's ordermatch (om: FIX 4.2,
#     tests/integration/fix/quickfix-venues.sh, its FileStore keeps the
#     MsgSeqNums, ResetOnLogon=N);
#   - `xroute serve` on one config with a [journal] in the run directory and
#     a seq_store per venue, so its MsgSeqNums survive its deaths;
#   - four xroute-example-strategy clients with --reconnect --outcomes, DAY
#     limit orders of 1 unit:
#       c1 (u1) only to sima and c2 (u2) only to simb, buy and sell in turn
#         at 101 against a static book around 100: each buy fills, each
#         sell rests until the venue key cancel_after_ms has xroute cancel
#         it (the signal ends canceled, reason expired);
#       c3 (u3) buys and c4 (u4) sells at 100, both only at om: ordermatch
#         matches them against each other (both fills come to xroute's one
#         session); what finds no counterpart in time is canceled after
#         cancel_after_ms, so every signal ends and nothing is left open.
# The run: once the clients trade, the router is killed with SIGKILL
# XR_CRASH_KILLS times, each at a random instant ($RANDOM, between the two
# delays above, counted from when orders flow again through the router
# just restarted), and restarted each time on the same config and journal;
# "xroute serve: ready" on its stderr says it is back. After the last kill
# it runs until every client has finished, then gets SIGTERM.
# The checks, each failing with what it found:
#   1. every client exits 0, and its outcome file has one line for each of
#      its signal_ids, none missing (exactly one terminal outcome each);
#   2. no ClOrdID reached any venue twice: `new` lines of the sim-venues'
#      logs, 35=D messages from XROUTE in ordermatch's screen log; and each
#      one a venue received is a child of that venue in the journal (by
#      the engine ClOrdID after the wire prefix), so none was sent that a
#      restarted router could not know of;
#   3. per venue and symbol, the quantity bought and sold from the venue's
#      own log equals the fills the journal holds for that venue (reports
#      joined with children for the side) and the clients' outcomes (the
#      filled quantity of their signals of that venue, by side);
#   4. the journal has one run per start, each after a kill marked
#      recovered, the last one ended cleanly;
#   5. the last run's summary says exposure_left 0 (and unaccounted,
#      duplicates, overfills 0).
# A build without crash recovery (docs/journal.md) or `xroute sim-venue`
# fails it, saying which is missing; it never skips.
# Synchronisation: port files, "ready" lines, log growth and process exits,
# each polled with a deadline; the only timed waits are the kill instants,
# which are the test's input, not a synchronisation.
set -euo pipefail
xroute=$1
strategy=$2
src=$3
here="$src/tests/integration"
qfv="$here/fix/quickfix-venues.sh"
# shellcheck source=tests/integration/lib.sh
. "$here/lib.sh" # wait_for
# shellcheck source=tests/integration/crash_lib.sh
. "$here/crash_lib.sh" # the log readers

n=${XR_CRASH_SIGNALS:-50000}
kills=${XR_CRASH_KILLS:-5}
kill_min_ms=${XR_CRASH_KILL_MIN_MS:-300}
kill_max_ms=${XR_CRASH_KILL_MAX_MS:-1200}
deadline_s=${XR_CRASH_DEADLINE_S:-240}
clients=(c1 c2 c3 c4)

dir=$(mktemp -d /tmp/xr_crash_XXXXXX)
pid=
vpids=()
cpids=()
om_started=0
cleanup() {
	for p in "${cpids[@]}" "${vpids[@]}" $pid; do kill -9 "$p" 2>/dev/null || true; done
	[ "$om_started" = 0 ] || "$qfv" stop ordermatch "$dir" -9 >/dev/null 2>&1 || true
	if [ -n "${XR_KEEP:-}" ] || [ "${keep:-0}" = 1 ]; then
		echo "crash_run: kept $dir" >&2
	else
		rm -rf "$dir"
	fi
}
trap cleanup EXIT
fail() {
	echo "crash_run: FAIL: $*" >&2
	local f="$dir/router-${runs:-0}.err"
	[ ! -s "$f" ] || tail -n 20 "$f" | sed "s|^|  $(basename "$f"): |" >&2
	for f in "$dir"/strategy-*.err "$dir"/sim*.err; do
		[ -s "$f" ] && tail -n 5 "$f" | sed "s|^|  $(basename "$f"): |" >&2
	done
	[ -n "${XR_KEEP:-}" ] || keep=1
	exit 1
}
if ! { [ "$n" -gt 0 ] && [ "$kills" -ge 0 ] && [ "$kill_min_ms" -le "$kill_max_ms" ]; }; then
	fail "bad knobs: XR_CRASH_SIGNALS=$n XR_CRASH_KILLS=$kills delays $kill_min_ms..$kill_max_ms"
fi

# ---- what this needs, each named when it is missing ----
command -v sqlite3 >/dev/null || fail "sqlite3 (the command-line shell) is not installed"
rc=0
out=$("$xroute" sim-venue 2>&1) || rc=$?
case $out in
*'unknown command "sim-venue"'*)
	fail "xroute sim-venue is not built (docs/connectors.md \"xroute sim-venue\")" ;;
esac
[ "$rc" != 0 ] || fail "xroute sim-venue without options exited 0; expected a usage error"
export QF_VENUES_BIN
QF_VENUES_BIN="$(cd "$(dirname "$xroute")/.." && pwd)/quickfix-venues"
"$qfv" build "$QF_VENUES_BIN" >/dev/null || fail "could not build QuickFIX's ordermatch"

# ---- the venues ----
# A sim venue: a static book around 100 (no depletion, docs/connectors.md
# section 2); a buy at 101 fills after latency_us, a sell at 101 rests.
for v in sima simb; do
	seed=11
	[ $v = simb ] && seed=22
	cat > "$dir/$v.ini" <<-EOF
		[venue $v]
		connector = sim
		latency_us = 200
		jitter_us = 100
		seed = $seed
		session_ms = 3600000
		max_open_orders = 65536
		book.BTC-USD = mid=100 tick=0.5 levels=10 level_qty=100

		[user u1]
	EOF
	"$xroute" sim-venue -c "$dir/$v.ini" --venue $v --listen 127.0.0.1:0 \
		--port-file "$dir/$v.port" --store "$dir/$v.store" --log "$dir/$v.csv" \
		--comp-id "${v^^}" --peer-comp-id XROUTE 2> "$dir/$v.err" &
	vpids+=($!)
done
for v in sima simb; do
	wait_for "$v's port file" test -s "$dir/$v.port" || fail "xroute sim-venue $v did not start"
done
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
om_port=$(free_port)
"$qfv" start ordermatch "$dir" "$om_port" >/dev/null || fail "ordermatch did not start"
om_started=1

# ---- the router's config ----
fix_venue() { # NAME PORT TARGET BEGIN SEQ
	cat <<-EOF

		[venue $1]
		connector = fix
		host = 127.0.0.1
		port = $2
		sender_comp_id = XROUTE
		target_comp_id = $3
		begin_string = $4
		heartbeat_s = 2
		seq_store = $dir/xroute-$1.seq
		reconnect_min_ms = 50
		reconnect_max_ms = 400
		market_orders = false
		time_in_force = day
		cancel_after_ms = 300
		book.BTC-USD = mid=100 tick=0.5 levels=10 level_qty=100
	EOF
}
{
	cat <<-EOF
		[engine]
		ring_capacity = 4096
		max_inflight_orders = 65536
		stop_policy = cancel
		; The clients keep their rings full, so a venue's queue, not its
		; latency, sets the time to an answer: no child times out or
		; opens a circuit for being queued.
		order_timeout_us = 10000000
		failure_threshold = 1000000
		error_rate_threshold = 1

		[threads]
		front.stages = ingress, validate, route
		front.wait = backoff
		back.stages = execute.*, aggregate, output
		back.wait = backoff

		[serve]
		socket = $dir/x.sock
		max_clients = 8

		[journal]
		path = $dir/journal.db
	EOF
	fix_venue sima "$(cat "$dir/sima.port")" SIMA FIX.4.4
	fix_venue simb "$(cat "$dir/simb.port")" SIMB FIX.4.4
	fix_venue om "$om_port" OM FIX.4.2
	# ordermatch answers no OrderStatusRequest (QuickFIX's example).
	echo "status_requests = false"
	cat <<-EOF

		[user_defaults]
		symbols = *
		rate_per_s = 2000000
		burst = 200000
		max_notional = 100000000
		max_order_qty.BTC-USD = 100
		max_position.BTC-USD = 100000000
	EOF
	for u in 1 2 3 4; do
		v=om
		[ $u = 1 ] && v=sima
		[ $u = 2 ] && v=simb
		printf '\n[user u%s]\nvenues = %s\nprimary_venue = %s\nauto_failover = false\n' $u $v $v
		printf '\n[client c%s]\nusers = u%s\n' $u $u
	done
} > "$dir/serve.ini"

# ---- the router, started, killed, started again ----
runs=0
router_up() { # 0 once ready or dead; $died says which
	grep -qs "xroute serve: ready" "$dir/router-$runs.err" && return 0
	kill -0 "$pid" 2>/dev/null && return 1
	died=1
	return 0
}
start_router() {
	runs=$((runs + 1))
	died=0
	"$xroute" serve -c "$dir/serve.ini" --summary-json "$dir/summary-$runs.json" \
		> "$dir/summary-$runs.txt" 2> "$dir/router-$runs.err" &
	pid=$!
	local why="xroute serve run $runs did not get ready"
	[ "$runs" = 1 ] || why="xroute serve did not restart on its journal after kill -9 number $((runs - 1)) (crash recovery, docs/journal.md "Recovery")"
	wait_for "router run $runs to be ready" router_up || fail "$why (no ready line)"
	[ "$died" = 0 ] || fail "$why: it exited"
}
# Orders received by the three venues so far: sim-venue `new` lines and
# NewOrderSingles from XROUTE in ordermatch's screen log.
orders_at_venues() {
	echo $(($(xr_crash_sim_orders "$dir/sima.csv") + $(xr_crash_sim_orders "$dir/simb.csv") +
		$(xr_crash_om_orders "$dir/ordermatch.log" XROUTE)))
}
orders_grew() { [ "$(orders_at_venues)" -gt "$1" ]; }
clients_running() {
	local p
	for p in "${cpids[@]}"; do kill -0 "$p" 2>/dev/null && return 0; done
	return 1
}

start_router
for i in 1 2 3 4; do
	case $i in
	1 | 2) args=(--px 10100000000) ;;  # 101: buy fills, sell rests
	3) args=(--px 10000000000 --side buy) ;;  # 100: c3 and c4 cross at om
	4) args=(--px 10000000000 --side sell) ;;
	esac
	"$strategy" --socket "$dir/x.sock" --name "c$i" --user "u$i" --symbol BTC-USD \
		--count "$n" --tif day "${args[@]}" --reconnect --connect-ms 60000 \
		--outcomes "$dir/outcomes-c$i.csv" --quiet \
		> "$dir/strategy-c$i.out" 2> "$dir/strategy-c$i.err" &
	cpids+=($!)
done
for k in $(seq 1 "$kills"); do
	seen=$(orders_at_venues)
	wait_for "orders to flow through router run $runs" orders_grew "$seen" ||
		fail "router run $runs sent no order to any venue"
	# The kill's instant: random, the test's input (not a wait for an event).
	delay_ms=$((kill_min_ms + RANDOM % (kill_max_ms - kill_min_ms + 1)))
	sleep "$(printf '%d.%03d' $((delay_ms / 1000)) $((delay_ms % 1000)))"
	clients_running ||
		fail "the clients finished after $((k - 1)) of $kills kills: raise XR_CRASH_SIGNALS ($n)"
	kill -9 "$pid"
	wait "$pid" 2>/dev/null || true
	echo "crash_run: kill -9 number $k of router run $runs after ${delay_ms} ms" \
		"($(orders_at_venues) orders at the venues)"
	start_router
done

# From here every check runs; each that fails adds its problem, and the run
# fails at the end naming them all (so one missing piece does not hide
# what else is wrong).
problems=()
reported=0
problem() { problems+=("FAIL: $*"); }
# report TEXT: the check just done passed, if it added no problem.
report() {
	[ ${#problems[@]} != "$reported" ] || echo "crash_run: $*"
	reported=${#problems[@]}
}

# After the last kill: every client ends, then SIGTERM.
end=$((SECONDS + deadline_s))
while clients_running; do
	[ $SECONDS -lt $end ] || fail "the clients did not finish within ${deadline_s} s"
	kill -0 "$pid" 2>/dev/null || fail "router run $runs died while the clients traded"
	sleep 0.1
done
crc=()
for i in 1 2 3 4; do
	rc=0
	wait "${cpids[$((i - 1))]}" || rc=$?
	crc+=("$rc")
done
cpids=()
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
pid=
[ "$rc" = 0 ] || problem "xroute serve run $runs exited $rc after SIGTERM (3: signals ended unknown)"
for v in 0 1; do
	kill -TERM "${vpids[$v]}"
	rc=0
	wait "${vpids[$v]}" || rc=$?
	[ "$rc" = 0 ] || problem "xroute sim-venue ${vpids[$v]} exited $rc after SIGTERM"
done
vpids=()
"$qfv" stop ordermatch "$dir" >/dev/null
om_started=0
report "the router ended on SIGTERM with exit 0, the venues too"

# ---- 1. one terminal outcome per signal at its client ----
for i in 0 1 2 3; do
	c=${clients[$i]}
	[ "${crc[$i]}" = 0 ] || problem "client $c exited ${crc[$i]}: $(cat "$dir/strategy-$c.out")"
	f="$dir/outcomes-$c.csv"
	[ -s "$f" ] || { problem "$c wrote no outcome file"; continue; }
	grep -q "missing 0 duplicates 0" "$dir/strategy-$c.out" ||
		problem "$c: $(cat "$dir/strategy-$c.out")"
	bad=$(xr_crash_outcomes_bad "$f" "$n")
	[ -z "$bad" ] || problem "$c's outcomes: $bad"
done
report "4 x $n signals, each with one outcome at its client"

# ---- 2. no ClOrdID sent twice ----
twice=$(xr_crash_sim_twice "$dir/sima.csv" "$dir/simb.csv" | head -n 5)
[ -z "$twice" ] || problem "a ClOrdID reached a sim venue twice: $twice"
twice=$(xr_crash_om_twice "$dir/ordermatch.log" XROUTE | head -n 5)
[ -z "$twice" ] || problem "a ClOrdID reached ordermatch twice: $twice"
report "no ClOrdID reached a venue twice"
# And each order a venue received is one the journal knows it sent.
for v in sima simb om; do
	if [ $v = om ]; then
		xr_crash_om_clordids "$dir/ordermatch.log" XROUTE
	else
		xr_crash_sim_clordids "$dir/$v.csv"
	fi | xr_crash_unjournaled "$dir/journal.db" $v > "$dir/unjournaled-$v.txt" ||
		fail "could not compare $v's orders with the journal"
	[ ! -s "$dir/unjournaled-$v.txt" ] ||
		problem "$(wc -l < "$dir/unjournaled-$v.txt") orders $v received are no child in the journal," \
			"e.g. $(head -n 3 "$dir/unjournaled-$v.txt" | tr '\n' ' ')(sent before they were journaled: a restarted router cannot know them)"
done
report "every order a venue received is a child in the journal"

# ---- 3. positions: venue logs = journal = clients ----
# Each source as "VENUE SYMBOL BOUGHT SOLD" (crash_lib.sh), sorted.
{
	xr_crash_sim_fills sima "$dir/sima.csv"
	xr_crash_sim_fills simb "$dir/simb.csv"
	xr_crash_om_fills om "$dir/ordermatch.log" OM XROUTE
} | sort > "$dir/pos-venues.txt" || problem "could not read the venues' fills"
xr_crash_journal_fills "$dir/journal.db" > "$dir/pos-journal.unsorted" 2> "$dir/pos-journal.err" ||
	fail "could not read the journal's fills: $(head -n 3 "$dir/pos-journal.err")"
sort "$dir/pos-journal.unsorted" > "$dir/pos-journal.txt"
{
	xr_crash_outcome_fills sima BTC-USD "alt:$dir/outcomes-c1.csv"
	xr_crash_outcome_fills simb BTC-USD "alt:$dir/outcomes-c2.csv"
	xr_crash_outcome_fills om BTC-USD "buy:$dir/outcomes-c3.csv" "sell:$dir/outcomes-c4.csv"
} | sort > "$dir/pos-clients.txt"
[ -s "$dir/pos-venues.txt" ] || problem "no venue filled anything"
diff -u "$dir/pos-venues.txt" "$dir/pos-journal.txt" > "$dir/pos-diff.txt" ||
	problem "venue logs (-) and the journal (+) disagree on the fills (venue symbol bought sold):
$(cat "$dir/pos-diff.txt")
  (less in the journal: fills a restarted router did not take over, e.g. reports for a
  crashed run's orders ignored as never sent: crash recovery, docs/journal.md "Recovery")"
diff -u "$dir/pos-venues.txt" "$dir/pos-clients.txt" > "$dir/pos-diff.txt" ||
	problem "venue logs (-) and the clients' outcomes (+) disagree on the fills (venue symbol bought sold):
$(cat "$dir/pos-diff.txt")
  (more at a venue: a resubmitted signal_id routed again, as a router that did not
  restore its idempotency does: crash recovery, docs/journal.md "Recovery")"
report "fills agree at the venues, in the journal and at the clients:" \
	"$(tr '\n' ';' < "$dir/pos-venues.txt")"

# ---- 4. the journal's runs ----
got=$(sqlite3 -readonly -separator ' ' "$dir/journal.db" \
	"SELECT run, recovered, clean_exit FROM runs ORDER BY run")
want=$(for r in $(seq 1 "$runs"); do
	rec=1
	[ "$r" = 1 ] && rec=0
	ce=0
	[ "$r" = "$runs" ] && ce=1
	echo "$r $rec $ce"
done)
[ "$got" = "$want" ] || problem "the journal's runs (run recovered clean_exit) are
$got
expected (every run after a kill recovered, the last one clean)
$want"
report "$runs runs on the journal, each after a kill recovered, the last one clean"

# ---- 5. the last summary ----
json() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" \
	"$dir/summary-$runs.json" "$1"; }
[ -s "$dir/summary-$runs.json" ] || fail "the last run wrote no summary"
for k in exposure_left unaccounted duplicates overfills; do
	v=$(json $k) || { problem "the last summary has no $k"; continue; }
	[ "$v" = 0 ] || problem "the last run's summary: $k = $v"
done
report "the last summary: exposure_left, unaccounted, duplicates, overfills 0"
if [ ${#problems[@]} != 0 ]; then
	printf 'crash_run: %s\n' "${problems[@]}" >&2
	fail "${#problems[@]} of the checks above failed"
fi
echo "crash_run: ok: 4 x $n signals, $kills kills of the router, $runs runs on one journal:" \
	"one outcome per signal, no ClOrdID twice, fills agree, exposure_left 0"
