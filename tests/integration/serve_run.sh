#!/usr/bin/env bash
# Integration: xroute serve end to end (docs/serve.md).
#   serve_run.sh XROUTE STRATEGY SOURCE_ROOT [SIGNALS_PER_CLIENT]
# Runs `xroute serve` on docs/examples/serve.ini (five zero-latency sim
# venues) with four more clients, and trades through it at once:
#   - four strategy processes (xroute-example-strategy), SIGNALS_PER_CLIENT
#     (default 250000) signals each; one of them then re-submits its first
#     1000 signal_ids, which must be answered with their outcomes, not routed;
#   - a fifth, "victim", killed with SIGKILL once it has results, then run
#     again under the same name over the same signal_ids: what it had sent is
#     answered from its book (or was held for it), the rest is routed;
#   - a FIX 4.4 client (tests/integration/fix/fix_send.py) on the order-entry
#     port: 200 marketable orders (New, then Filled), one that rests (New), a
#     duplicate ClOrdID (Rejected, OrdRejReason 6); then it logs on again,
#     its MsgSeqNums kept on both sides, and cancels the resting one
#     (Canceled);
#   - meanwhile a FIX peer with an unknown CompID (Logout) and one sending
#     1 MB of garbage, which nobody else notices;
#   - SIGHUP before the trading starts: a venue fee reloaded while it serves;
#   - then SIGTERM: the router drains and exits 0.
# Checks: every strategy got exactly one outcome per signal (exit 0: none
# missing, none different), the summary's unaccounted, duplicates and
# exposure_left are 0, and the router routed each distinct signal once
# (signals_read = 4 x N + the victim's distinct ids + the FIX orders).
# Synchronisation: the router's "ready" and "reloaded" lines; the victim's
# "holding" line (it hangs after a quarter of its results, until killed);
# process exits. No sleep stands for an event.
set -euo pipefail
xroute=$1
strategy=$2
src=$3
n=${4:-250000}
victim_n=20000
dir=$(mktemp -d /tmp/xr_serve_XXXXXX)
pid=
pids=()
cleanup() {
	for p in "${pids[@]}" $pid; do kill -9 "$p" 2>/dev/null || true; done
	[ -n "${XR_KEEP:-}" ] || rm -rf "$dir"
}
trap cleanup EXIT
fail() {
	echo "serve_run: $*" >&2
	[ -f "$dir/stderr.txt" ] && tail -n 30 "$dir/stderr.txt" | sed 's/^/  router: /' >&2
	for f in "$dir"/strategy-*.err; do
		[ -s "$f" ] && sed "s|^|  $(basename "$f"): |" "$f" >&2
	done
	exit 1
}
wait_for() { # SECONDS COMMAND...
	local deadline=$((SECONDS + $1))
	shift
	until "$@"; do
		[ $SECONDS -lt $deadline ] || return 1
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.01
	done
}
has_line() { grep -qs "$2" "$1"; }

sock="$dir/x.sock"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
{
	sed -e "s|^socket = xroute.sock.*|socket = $sock\nfix_listen = 127.0.0.1:$port|" \
		"$src/docs/examples/serve.ini"
	for c in c1 c2 c3 c4 victim; do printf '\n[client %s]\nusers = *\n' "$c"; done
	printf '\n[fix_client fixdesk]\nsender_comp_id = STRAT\nusers = u1, u2\nuser = u2\n'
	printf 'seq_store = %s/fixdesk.seq\n' "$dir"
} > "$dir/serve.ini"
grep -q "^socket = $sock" "$dir/serve.ini" || fail "could not set the socket"

"$xroute" serve -c "$dir/serve.ini" --summary-json "$dir/summary.json" \
	> "$dir/summary.txt" 2> "$dir/stderr.txt" &
pid=$!
wait_for 30 has_line "$dir/stderr.txt" "xroute serve: ready" || fail "the router did not get ready"
# SIGHUP reloads as in xroute run: a new taker fee for alpha, applied live.
sed -i 's/^fee_taker_bps = 2.50$/fee_taker_bps = 2.60/' "$dir/serve.ini"
kill -HUP "$pid"
wait_for 10 has_line "$dir/stderr.txt" "^xroute: reloaded $dir/serve.ini" || fail "SIGHUP: no reload"

# The victim first: killed mid-run, while the others trade.
"$strategy" --socket "$sock" --name victim --user u5 --symbol ETH-USD --count $victim_n \
	--hold-after $((victim_n / 4)) > "$dir/strategy-victim.out" 2> "$dir/strategy-victim.err" &
victim=$!
pids+=("$victim")
for i in 1 2 3 4; do
	extra=()
	[ "$i" = 1 ] && extra=(--resubmit 1000)
	"$strategy" --socket "$sock" --name "c$i" --user "u$i" --symbol BTC-USD --count "$n" \
		"${extra[@]}" > "$dir/strategy-c$i.out" 2> "$dir/strategy-c$i.err" &
	pids+=($!)
done
# The FIX client trades at the same time: 200 marketable orders, one that
# rests and is cancelled, a duplicate ClOrdID, an order for a user the
# session may not trade for.
fix_args=()
for k in $(seq 1 200); do
	side=buy
	[ $((k % 2)) = 0 ] && side=sell
	px=60000
	[ $side = sell ] && px=40000
	fix_args+=(--order "$side,BTC-USD,1,$px,F$k")
done
fix_args+=(--order "buy,BTC-USD,1,1000,REST1" --order "buy,BTC-USD,1,60000,F1")
# New + Filled per marketable order, New for REST1, Rejected for the
# duplicate; then, logged on again (MsgSeqNums kept on both sides), the
# cancel of REST1: Canceled.
fix_reports=$((200 * 2 + 1 + 1))
fix_send() {
	python3 "$src/tests/integration/fix/fix_send.py" --port "$port" --sender STRAT \
		--target XROUTE --begin FIX.4.4 --seq-file "$dir/strat.seq" --timeout 120 "$@"
}
{
	fix_send "${fix_args[@]}" --wait-reports $fix_reports > "$dir/fix.out" &&
		fix_send --cancel "REST1,buy,BTC-USD,CXL1,1" --wait-reports 1 >> "$dir/fix.out"
} 2> "$dir/strategy-fix.err" &
fixpid=$!
pids+=("$fixpid")

# Hostile FIX peers meanwhile: an unknown CompID (Logout, exit 3 of
# fix_send) and 1 MB of garbage; the server keeps serving everyone else.
rc=0
python3 "$src/tests/integration/fix/fix_send.py" --port "$port" --sender WRONG --target XROUTE \
	--begin FIX.4.4 --timeout 10 > "$dir/wrong.out" 2>&1 || rc=$?
[ "$rc" = 3 ] || fail "an unknown CompID was not logged out (fix_send exit $rc): $(cat "$dir/wrong.out")"
python3 -c 'import socket,sys; s=socket.create_connection(("127.0.0.1", int(sys.argv[1])));
s.sendall(b"8=FIX.4.4\x019=1048576\x01" + b"x" * 1048576); s.close()' "$port" ||
	fail "could not send the garbage"

wait_for 60 has_line "$dir/strategy-victim.err" "holding after" || fail "the victim did not get its results"
kill -9 "$victim"
wait "$victim" 2>/dev/null && fail "the victim was not killed" || true

# The others are not hurt: each ends with every outcome, once.
for i in 1 2 3 4; do
	wait "${pids[$i]}" || fail "strategy c$i failed: $(cat "$dir/strategy-c$i.out")"
	grep -q "missing 0 duplicates 0" "$dir/strategy-c$i.out" ||
		fail "strategy c$i: $(cat "$dir/strategy-c$i.out")"
done
grep -q "resubmits 1000 mismatched 0" "$dir/strategy-c1.out" ||
	fail "c1's resubmits: $(cat "$dir/strategy-c1.out")"

wait "$fixpid" || fail "the FIX client failed ($?): $(tail -n 5 "$dir/fix.out")"
filled=$(grep "35=8|" "$dir/fix.out" | grep -c "|39=2|" || true)
[ "$filled" = 200 ] || fail "FIX: $filled Filled ExecutionReports, want 200"
grep "35=8|" "$dir/fix.out" | grep "|41=REST1|" | grep -q "|39=4|" ||
	fail "FIX: REST1 was not Canceled: $(grep REST1 "$dir/fix.out")"
grep "35=8|" "$dir/fix.out" | grep "|39=8|" | grep -q "|103=6|" ||
	fail "FIX: the duplicate ClOrdID was not rejected (103=6)"

# The victim again, same name, same signal_ids: resumes.
"$strategy" --socket "$sock" --name victim --user u5 --symbol ETH-USD --count $victim_n \
	> "$dir/strategy-victim2.out" 2> "$dir/strategy-victim2.err" ||
	fail "the victim's second run failed: $(cat "$dir/strategy-victim2.out")"
grep -q "missing 0 duplicates 0" "$dir/strategy-victim2.out" ||
	fail "the victim's second run: $(cat "$dir/strategy-victim2.out")"

kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
pid=
[ "$rc" = 0 ] || fail "xroute serve exited $rc after SIGTERM"

json() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" \
	"$dir/summary.json" "$1"; }
for k in unaccounted duplicates exposure_left overfills position_mismatches; do
	[ "$(json $k)" = 0 ] || fail "summary $k = $(json $k)"
done
want=$((4 * n + victim_n + 201)) # the FIX client's 201 distinct orders
[ "$(json signals_read)" = "$want" ] ||
	fail "signals routed: $(json signals_read), want $want (each distinct signal once)"
grep -q "intake stopped" "$dir/stderr.txt" || fail "no drain line on SIGTERM"
echo "serve_run: ok: 4 x $n signals + victim $victim_n, killed and resumed; resubmits answered;" \
	"drained on SIGTERM (unaccounted 0, duplicates 0, exposure_left 0)"
