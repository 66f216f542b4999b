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
#   - then SIGTERM: the router drains and exits 0.
# Checks: every strategy got exactly one outcome per signal (exit 0: none
# missing, none different), the summary's unaccounted, duplicates and
# exposure_left are 0, and the router routed each distinct signal once
# (signals_read = 4 x N + the victim's distinct ids).
# Synchronisation: the router's "ready" line; the victim's "first result"
# line; process exits. No sleep stands for an event.
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
	rm -rf "$dir"
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
{
	sed "s|^socket = xroute.sock|socket = $sock|" "$src/docs/examples/serve.ini"
	for c in c1 c2 c3 c4 victim; do printf '\n[client %s]\nusers = *\n' "$c"; done
} > "$dir/serve.ini"
grep -q "^socket = $sock" "$dir/serve.ini" || fail "could not set the socket"

"$xroute" serve -c "$dir/serve.ini" --summary-json "$dir/summary.json" \
	> "$dir/summary.txt" 2> "$dir/stderr.txt" &
pid=$!
wait_for 30 has_line "$dir/stderr.txt" "xroute serve: ready" || fail "the router did not get ready"

# The victim first: killed mid-run, while the others trade.
"$strategy" --socket "$sock" --name victim --user u5 --symbol ETH-USD --count $victim_n \
	> "$dir/strategy-victim.out" 2> "$dir/strategy-victim.err" &
victim=$!
pids+=("$victim")
for i in 1 2 3 4; do
	extra=()
	[ "$i" = 1 ] && extra=(--resubmit 1000)
	"$strategy" --socket "$sock" --name "c$i" --user "u$i" --symbol BTC-USD --count "$n" \
		"${extra[@]}" > "$dir/strategy-c$i.out" 2> "$dir/strategy-c$i.err" &
	pids+=($!)
done
wait_for 60 has_line "$dir/strategy-victim.err" "first result" || fail "the victim got no result"
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
want=$((4 * n + victim_n))
[ "$(json signals_read)" = "$want" ] ||
	fail "signals routed: $(json signals_read), want $want (each distinct signal once)"
grep -q "intake stopped" "$dir/stderr.txt" || fail "no drain line on SIGTERM"
echo "serve_run: ok: 4 x $n signals + victim $victim_n, killed and resumed; resubmits answered;" \
	"drained on SIGTERM (unaccounted 0, duplicates 0, exposure_left 0)"
