#!/usr/bin/env bash
# Integration: xroute-example-strategy --reconnect rides out its router's
# death (docs/serve.md "The example strategy").
#
#   reconnect_run.sh XROUTE STRATEGY SOURCE_ROOT [SIGNALS_PER_CLIENT] [KILLS]
#
# `xroute serve` on docs/examples/serve.ini (five zero-latency sim venues,
# in process, no journal) with two clients of SIGNALS_PER_CLIENT (default
# 500000) signals each, one of market IOC orders and one of limit IOC
# orders of which half fill and half cancel, both --reconnect --outcomes.
# The router is killed with SIGKILL KILLS times (default 3) while they
# trade, each at a random instant once both clients trade with the router
# just started, and restarted on the same config.
# Without a journal a restarted router forgets everything: the signals a
# client resubmits are routed again. So this proves the client's side only
# (crash_run.sh proves the router's): every client exits 0 with one outcome
# per signal_id in its outcome file, its last line counts one reconnect per
# kill and some resubmits, and the router's last run ends with SIGTERM,
# exit 0. Waits are on conditions with a deadline; the kill instants are
# the test's input.
set -euo pipefail
xroute=$1
strategy=$2
src=$3
n=${4:-500000}
kills=${5:-3}
here="$src/tests/integration"
# shellcheck source=tests/integration/lib.sh
. "$here/lib.sh" # wait_for
# shellcheck source=tests/integration/crash_lib.sh
. "$here/crash_lib.sh" # xr_crash_outcomes_bad

dir=$(mktemp -d /tmp/xr_reconnect_XXXXXX)
pid=
cpids=()
cleanup() {
	for p in "${cpids[@]}" $pid; do kill -9 "$p" 2>/dev/null || true; done
	if [ -n "${XR_KEEP:-}" ] || [ "${keep:-0}" = 1 ]; then
		echo "reconnect_run: kept $dir" >&2
	else
		rm -rf "$dir"
	fi
}
trap cleanup EXIT
fail() {
	echo "reconnect_run: FAIL: $*" >&2
	local f
	for f in "$dir"/router-*.err "$dir"/strategy-*.err; do
		[ -s "$f" ] && tail -n 5 "$f" | sed "s|^|  $(basename "$f"): |" >&2
	done
	keep=1
	exit 1
}

sed -e "s|^socket = xroute.sock.*|socket = $dir/x.sock|" "$src/docs/examples/serve.ini" \
	> "$dir/serve.ini"
printf '\n[client r1]\nusers = u1\n\n[client r2]\nusers = u2\n' >> "$dir/serve.ini"
grep -q "^socket = $dir/x.sock" "$dir/serve.ini" || fail "could not set the socket"

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
	wait_for "router run $runs to be ready" router_up || fail "router run $runs: no ready line"
	[ "$died" = 0 ] || fail "router run $runs exited before it was ready"
}
clients_running() {
	local p
	for p in "${cpids[@]}"; do kill -0 "$p" 2>/dev/null && return 0; done
	return 1
}
# back K: both clients say "reconnected (K)" on stderr: they trade with
# the router started after kill K.
back() { grep -qs "reconnected ($1)" "$dir/strategy-r1.err" && grep -qs "reconnected ($1)" "$dir/strategy-r2.err"; }
first() { grep -qs "first result" "$dir/strategy-r1.err"; }

start_router
# r1: market IOC orders (every one fills); r2: IOC limits at 50010, above
# the ask and the bid: each buy fills, each sell is canceled.
"$strategy" --socket "$dir/x.sock" --name r1 --user u1 --symbol BTC-USD --count "$n" \
	--reconnect --connect-ms 60000 --outcomes "$dir/outcomes-r1.csv" \
	> "$dir/strategy-r1.out" 2> "$dir/strategy-r1.err" &
cpids+=($!)
"$strategy" --socket "$dir/x.sock" --name r2 --user u2 --symbol BTC-USD --count "$n" \
	--px 5001000000000 --reconnect --connect-ms 60000 --outcomes "$dir/outcomes-r2.csv" \
	> "$dir/strategy-r2.out" 2> "$dir/strategy-r2.err" &
cpids+=($!)
wait_for "the first results" first || fail "no client got a result"
for k in $(seq 1 "$kills"); do
	[ "$k" = 1 ] || wait_for "both clients back after kill $((k - 1))" back $((k - 1)) ||
		fail "the clients did not reconnect after kill $((k - 1))"
	# The kill's instant: random, the test's input (not a wait for an event).
	delay_ms=$((20 + RANDOM % 300))
	sleep "0.$(printf '%03d' "$delay_ms")"
	clients_running || fail "the clients finished after $((k - 1)) of $kills kills: raise SIGNALS_PER_CLIENT ($n)"
	kill -9 "$pid"
	wait "$pid" 2>/dev/null || true
	start_router
done

end=$((SECONDS + 120))
while clients_running; do
	[ $SECONDS -lt $end ] || fail "the clients did not finish within 120 s"
	sleep 0.05
done
for i in 1 2; do
	rc=0
	wait "${cpids[$((i - 1))]}" || rc=$?
	[ "$rc" = 0 ] || fail "client r$i exited $rc: $(cat "$dir/strategy-r$i.out")"
	out=$(cat "$dir/strategy-r$i.out")
	[[ $out == *"missing 0 duplicates 0"*"mismatched 0 reconnects $kills resubmitted "* ]] ||
		fail "client r$i: $out (expected missing 0 duplicates 0 ... reconnects $kills)"
	resub=${out##* resubmitted }
	[ "$resub" -gt 0 ] || fail "client r$i resubmitted nothing after $kills kills: $out"
	bad=$(xr_crash_outcomes_bad "$dir/outcomes-r$i.csv" "$n")
	[ -z "$bad" ] || fail "client r$i's outcomes: $bad"
done
cpids=()
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
pid=
[ "$rc" = 0 ] || fail "router run $runs exited $rc after SIGTERM"
echo "reconnect_run: ok: 2 x $n signals, $kills kills of the router: one outcome per signal" \
	"at its client; resubmitted $(sed 's/.* resubmitted //' "$dir/strategy-r1.out") and" \
	"$(sed 's/.* resubmitted //' "$dir/strategy-r2.out")"
