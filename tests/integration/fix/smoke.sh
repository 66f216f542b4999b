#!/usr/bin/env bash
# Smoke test of the FIX counterparts: QuickFIX's executor and ordermatch
# (quickfix-venues.sh) driven by fix_send.py, no xroute involved.
#   smoke.sh OUTDIR
# Builds the venues into OUTDIR, runs them in OUTDIR/smoke (wiped first,
# kept afterwards for the logs) on free loopback ports, and checks:
#   a. executor fills a limit order (FIX.4.2 and FIX.4.4 sessions);
#   b. ordermatch matches a buy of XROUTE2 against MAKER's resting sell
#      (full fill for one, partial for the other) and cancels the rest;
#   c. executor killed with SIGKILL and restarted resumes its sequence
#      numbers: a Logon from the persisted numbers is answered in sequence.
# One line per check; the first failure prints the evidence and exits 1.
# Synchronisation: start waits for the port; the MAKER session is known to
# rest its order once its report is in its output (polled). No sleep
# stands for an event.
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: smoke.sh OUTDIR" >&2; exit 1; }
here=$(cd "$(dirname "$0")" && pwd)
venues=$here/quickfix-venues.sh
send=$here/fix_send.py

"$venues" build "$1"
out=$(cd "$1" && pwd)
run=$out/smoke
rm -rf "$run"
mkdir -p "$run"
export QF_VENUES_BIN=$out
maker=

cleanup() {
	[ -n "$maker" ] && kill "$maker" 2>/dev/null
	local k
	for k in executor ordermatch; do
		[ -f "$run/$k.pid" ] && "$venues" stop "$k" "$run" >/dev/null 2>&1
	done
	return 0
}
trap cleanup EXIT

n=0
ok() {
	n=$((n + 1))
	echo "ok $n - $*"
}
# fail WHAT FILE...: report the failed check with the files as evidence.
fail() {
	local f
	echo "not ok $((n + 1)) - $1"
	shift
	for f in "$@" "$run/executor.log" "$run/ordermatch.log"; do
		[ -f "$f" ] || continue
		echo "  --- $f (last 40 lines)"
		tail -n 40 "$f" | tr '\001' '|' | sed 's/^/  /'
	done
	exit 1
}

# line_with FILE PATTERN...: one line of FILE contains every PATTERN.
line_with() {
	local f=$1 l p hit
	shift
	while IFS= read -r l; do
		hit=1
		for p in "$@"; do
			[[ $l == *"$p"* ]] || { hit=0; break; }
		done
		[ $hit -eq 1 ] && return 0
	done <"$f"
	return 1
}

# fix NAME ARGS...: run fix_send.py, output in $run/NAME.out, stderr in
# $run/NAME.err; returns its exit status.
fix() {
	local name=$1
	shift
	"$send" --timeout 10 "$@" >"$run/$name.out" 2>"$run/$name.err"
}

read -r port_exec port_om < <(python3 -c '
import socket
a, b = socket.socket(), socket.socket()
a.bind(("127.0.0.1", 0)); b.bind(("127.0.0.1", 0))
print(a.getsockname()[1], b.getsockname()[1])')

"$venues" start executor "$run" "$port_exec" >/dev/null || fail "start executor on port $port_exec"
"$venues" start ordermatch "$run" "$port_om" >/dev/null || fail "start ordermatch on port $port_om"
ok "venues listening: executor port $port_exec, ordermatch port $port_om"

# a. executor fills at the limit price.
fix a_exec42 --port "$port_exec" --sender XROUTE --target EXEC --seq-file "$run/xroute-exec.seq" \
	--order 'buy,IBM,100,150.25,A1' --wait-reports 1 || fail "executor FIX.4.2 order" "$run"/a_exec42.*
line_with "$run/a_exec42.out" '|35=8|' '|11=A1|' '|39=2|' '|14=100|' '|31=150.25|' ||
	fail "executor FIX.4.2 fill (39=2)" "$run"/a_exec42.*
ok "executor FIX.4.2 XROUTE: limit order filled (39=2) at 150.25"

fix a_exec44 --port "$port_exec" --sender XROUTE --target EXEC --begin FIX.4.4 \
	--order 'sell,IBM,7,99.5,A2' --wait-reports 1 || fail "executor FIX.4.4 order" "$run"/a_exec44.*
line_with "$run/a_exec44.out" '8=FIX.4.4|' '|35=8|' '|11=A2|' '|39=2|' '|150=F|' ||
	fail "executor FIX.4.4 fill (39=2, 150=F)" "$run"/a_exec44.*
ok "executor FIX.4.4 XROUTE: limit order filled (39=2, 150=F)"

# b. ordermatch: MAKER rests sell 10@100 and stays logged on for its fill;
# XROUTE2 buys 4@100.
: >"$run/b_maker.out"
"$send" --timeout 10 --port "$port_om" --sender MAKER --target OM --seq-file "$run/maker.seq" \
	--order 'sell,IBM,10,100,M1' --wait-reports 2 >"$run/b_maker.out" 2>"$run/b_maker.err" &
maker=$!
for ((i = 0; i < 1000; i++)); do # 10 ms x 1000: MAKER's order is in the book
	line_with "$run/b_maker.out" '|11=M1|' '|39=0|' && break
	kill -0 "$maker" 2>/dev/null || break
	sleep 0.01
done
line_with "$run/b_maker.out" '|11=M1|' '|39=0|' || fail "MAKER sell 10@100 accepted (39=0)" "$run"/b_maker.*
ok "ordermatch MAKER: sell 10@100 resting (39=0)"

fix b_taker --port "$port_om" --sender XROUTE2 --target OM \
	--order 'buy,IBM,4,100,T1' --wait-reports 2 || fail "XROUTE2 buy 4@100" "$run"/b_taker.*
line_with "$run/b_taker.out" '|35=8|' '|11=T1|' '|39=2|' '|14=4|' '|32=4|' '|31=100|' ||
	fail "XROUTE2 fill (39=2, 14=4)" "$run"/b_taker.*
ok "ordermatch XROUTE2: buy 4@100 filled (39=2, 14=4) against MAKER"

rc=0
wait "$maker" || rc=$?
maker=
[ $rc -eq 0 ] || fail "MAKER session (exit $rc)" "$run"/b_maker.*
line_with "$run/b_maker.out" '|35=8|' '|11=M1|' '|39=1|' '|14=4|' '|151=6|' ||
	fail "MAKER partial fill (39=1, 14=4)" "$run"/b_maker.*
ok "ordermatch MAKER: partial fill (39=1, 14=4, 151=6)"

fix b_cancel --port "$port_om" --sender MAKER --target OM --seq-file "$run/maker.seq" \
	--cancel 'M1,sell,IBM,M1C' --wait-reports 1 || fail "MAKER cancel" "$run"/b_cancel.*
line_with "$run/b_cancel.out" '|35=8|' '|11=M1|' '|39=4|' '|14=4|' '|151=0|' ||
	fail "MAKER cancel of the rest (39=4)" "$run"/b_cancel.*
ok "ordermatch MAKER: rest cancelled (39=4), session resumed from its seq file"

# c. SIGKILL the executor, restart it on the same store, log on from the
# numbers persisted in (a): the Logon reply must carry exactly the number
# we expect, and neither side may ask for a resend or log out "too low".
read -r seq_out seq_in <"$run/xroute-exec.seq"
"$venues" stop executor "$run" -9 >/dev/null || fail "kill -9 executor"
"$venues" start executor "$run" "$port_exec" >/dev/null || fail "restart executor on port $port_exec"
fix c_resume --port "$port_exec" --sender XROUTE --target EXEC --seq-file "$run/xroute-exec.seq" \
	--order 'sell,IBM,5,99,C1' --wait-reports 1 || fail "logon after restart" "$run"/c_resume.*
line_with "$run/c_resume.out" '|35=A|' "|34=$seq_in|" || fail "Logon reply 34=$seq_in" "$run"/c_resume.*
line_with "$run/c_resume.out" '|141=Y|' && fail "Logon reply without a reset (141)" "$run"/c_resume.*
line_with "$run/c_resume.out" '|35=2|' && fail "no ResendRequest from executor" "$run"/c_resume.*
grep -q 'MsgSeqNum too low' "$run/executor.log" && fail "no \"MsgSeqNum too low\" in executor.log"
line_with "$run/c_resume.out" '|35=8|' '|11=C1|' '|39=2|' || fail "fill after restart" "$run"/c_resume.*
ok "executor after SIGKILL + restart: Logon 34=$seq_out answered with 34=$seq_in, no resend, order filled"

"$venues" stop executor "$run" >/dev/null || fail "stop executor"
"$venues" stop ordermatch "$run" >/dev/null || fail "stop ordermatch"
ok "venues stopped"
