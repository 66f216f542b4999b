#!/usr/bin/env bash
# Integration: hot reload (docs/config.md "Hot reload") end to end.
#   reload_run.sh XROUTE SOURCE_ROOT
# Runs xroute on a copy of the example config with signals replayed in real
# time (--pace 1, about 3 s) and, while it routes, sends SIGHUP twice: once
# after the copy got new [strategy] weights and a new venue fee (applied),
# once after it was broken (rejected, the run goes on). Checks the two
# stderr lines, the summary counters and the invariants.
# Synchronisation: the run has started once its stage threads exist
# (/proc/PID/task/*/comm = xr-NAME); each SIGHUP is answered by a stderr
# line, polled for with a timeout. No sleep stands for an event.
set -euo pipefail
xroute=$1
src=$2
dir=$(mktemp -d /tmp/xr_reload_XXXXXX)
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT
fail() {
	echo "reload_run: $*" >&2
	[ -f "$dir/stderr.txt" ] && sed 's/^/  stderr: /' "$dir/stderr.txt" >&2
	exit 1
}

# wait_for SECONDS COMMAND...: poll every 10 ms until COMMAND succeeds.
wait_for() {
	local deadline=$((SECONDS + $1))
	shift
	until "$@"; do
		[ $SECONDS -lt $deadline ] || return 1
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.01
	done
}
stage_threads_up() { grep -qs '^xr-' /proc/"$pid"/task/*/comm; }
stderr_has() { [ "$(grep -c "$1" "$dir/stderr.txt")" -ge "$2" ]; }

n=150000 # at gen's default 50000 signals/s of event time: 3 s at --pace 1
"$xroute" gen --signals $n --users 100 --symbols 8 --seed 5 -o "$dir/signals.csv"
cp "$src/docs/examples/xroute.ini" "$dir/xroute.ini"

# The reloadable change: weights of a strategy and alpha's taker fee.
{
	sed 's/^fee_taker_bps = 2.50$/fee_taker_bps = 4.00/' "$src/docs/examples/xroute.ini"
	printf '\n[strategy balanced]\nweight_latency = 0.5\nweight_cost = 0.5\n'
} > "$dir/changed.ini"
grep -q '^fee_taker_bps = 4.00$' "$dir/changed.ini" || fail "could not change alpha's fee"
printf '[engine]\nburst = 32\n[venue alpha\n' > "$dir/broken.ini"

"$xroute" run -c "$dir/xroute.ini" --signals "$dir/signals.csv" --pace 1 \
	--summary-json "$dir/summary.json" > "$dir/summary.txt" 2> "$dir/stderr.txt" &
pid=$!

wait_for 30 stage_threads_up || fail "the run did not start"
# Replace the file as an editor or deploy tool would (rename: never half written).
cp "$dir/changed.ini" "$dir/next.ini" && mv "$dir/next.ini" "$dir/xroute.ini"
kill -HUP "$pid"
wait_for 10 stderr_has '^xroute: reloaded ' 1 || fail "no reloaded line after SIGHUP"

cp "$dir/broken.ini" "$dir/next.ini" && mv "$dir/next.ini" "$dir/xroute.ini"
kill -HUP "$pid"
wait_for 10 stderr_has '^xroute: reload rejected: ' 1 || fail "no rejected line after SIGHUP"
kill -0 "$pid" 2>/dev/null || fail "the run ended before both reloads were served (too short?)"

set +e
wait "$pid"
rc=$?
set -e
pid=
cat "$dir/stderr.txt"
[ $rc -eq 0 ] || fail "xroute run exited $rc"

grep -qx "xroute: reloaded $dir/xroute.ini (parameters version 2)" "$dir/stderr.txt" ||
	fail "the reloaded line is not as documented"
grep -qx "xroute: reload rejected: $dir/xroute.ini:3: syntax error; running configuration unchanged" \
	"$dir/stderr.txt" || fail "the rejected line does not name the file, line and cause"
[ "$(grep -c 'reload' "$dir/stderr.txt")" -eq 2 ] || fail "expected exactly two reload lines"
grep -q '^config reloads: 1 applied, 1 rejected$' "$dir/summary.txt" ||
	fail "the text summary lacks the reload counters"

python3 - "$dir/summary.json" $n <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
n = int(sys.argv[2])
assert s["signals_read"] == n, s["signals_read"]
assert s["unaccounted"] == 0 and s["duplicates"] == 0, s
assert s["overfills"] == 0 and s["position_mismatches"] == 0, s
assert s["reloads"] == 1, f"reloads {s['reloads']}"
assert s["reloads_rejected"] == 1, f"reloads_rejected {s['reloads_rejected']}"
PY

# After the run SIGHUP is harmless: a run of a few signals while SIGHUPs
# arrive at any moment ends normally.
"$xroute" gen --signals 2000 --users 10 --symbols 2 --seed 6 -o "$dir/few.csv"
cp "$src/docs/examples/xroute.ini" "$dir/xroute.ini"
"$xroute" run -c "$dir/xroute.ini" --signals "$dir/few.csv" > /dev/null 2> "$dir/stderr2.txt" &
pid=$!
# Only once the handler is installed (SigCgt bit 1 = SIGHUP): before that
# SIGHUP still has its default action, as for any process.
handler_up() {
	local cgt
	cgt=$(awk '/^SigCgt:/ { print $2 }' /proc/"$pid"/status 2>/dev/null) || return 1
	[ -n "$cgt" ] && (( 0x$cgt & 1 ))
}
running() { # not yet a zombie (kill succeeds on zombies)
	local st
	st=$(awk '{ print $3 }' /proc/"$pid"/stat 2>/dev/null) || return 1
	[ -n "$st" ] && [ "$st" != Z ]
}
wait_for 30 handler_up || fail "no SIGHUP handler installed"
while running && kill -HUP "$pid" 2>/dev/null; do sleep 0.005; done
set +e
wait "$pid"
rc=$?
set -e
pid=
[ $rc -eq 0 ] || { cat "$dir/stderr2.txt" >&2; fail "a run under SIGHUPs exited $rc"; }
echo "reload_run: a short run served $(grep -c '^xroute: reloaded ' "$dir/stderr2.txt") SIGHUPs"
echo "reload_run: OK"
