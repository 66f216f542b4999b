#!/usr/bin/env bash
# Real FIX counterparts for the FIX connector's integration tests: QuickFIX's
# C++ example acceptors, built from Debian's libquickfix-doc sources.
#
#   quickfix-venues.sh build OUTDIR
#   quickfix-venues.sh start KIND DIR PORT     KIND: executor | ordermatch
#   quickfix-venues.sh stop KIND DIR [-9]
#   quickfix-venues.sh restart KIND DIR PORT
#
# build compiles OUTDIR/executor and OUTDIR/ordermatch (skipped when each
# binary is newer than its sources). start looks for the binaries in
# $QF_VENUES_BIN if set, else in DIR, else in DIR's parent (so a run
# directory inside OUTDIR needs no variable).
#
# The venues:
#   executor    SenderCompID=EXEC. Fills every limit order in full at its
#               limit price with one ExecutionReport (39=2). Sessions
#               FIX.4.2 and FIX.4.4 with XROUTE, FIX.4.2 with XROUTE2.
#   ordermatch  SenderCompID=OM, FIX.4.2, with XROUTE, XROUTE2 and MAKER.
#               Price-time matching per symbol across all sessions; limit
#               orders with TimeInForce DAY only; OrderCancelRequest.
#
# start writes DIR/KIND.cfg, runs the venue with cwd DIR, its pid in
# DIR/KIND.pid, stdout+stderr (QuickFIX's screen log: every message in and
# out, session events) in DIR/KIND.log, and returns once PORT accepts
# connections (polled, 10 s at most). The message store DIR/store-KIND
# survives stop and restart, so sequence numbers resume: nothing resets
# them but an initiator's Logon with 141=Y (StartTime = EndTime means no
# daily reset in QuickFIX 1.15). ordermatch reads console commands from
# stdin and spins printing empty lines at EOF, so its stdin is a FIFO,
# DIR/ordermatch.stdin, held open read-write by the venue itself; write
# "#symbols" or a symbol to it to dump the book into the log.
#
# stop sends SIGTERM (or SIGKILL with -9). Neither venue handles signals,
# so both end at once without a Logout: for a connected initiator, TERM
# looks like a crash too. The stores are written and flushed per message,
# so neither loses sequence numbers; the order book and the ExecID and
# OrderID counters are in memory only and restart empty, from 1.
set -euo pipefail

prog=quickfix-venues
examples=/usr/share/doc/libquickfix-doc/examples

die() {
	echo "$prog: $*" >&2
	exit 1
}

usage() {
	sed -n '5,8s/^# *//p' "$0" >&2
	exit 1
}

# sources KIND: print the example's source files (absolute paths).
sources() {
	case $1 in
	executor)
		printf '%s\n' "$examples"/executor/C++/{executor.cpp,Application.h,Application.cpp.gz}
		;;
	ordermatch)
		printf '%s\n' "$examples"/ordermatch/{ordermatch.cpp,Market.cpp,Application.cpp.gz} \
			"$examples"/ordermatch/{Application.h,IDGenerator.h,Market.h,Order.h,OrderMatcher.h}
		;;
	*) die "unknown venue kind \"$1\" (executor or ordermatch)" ;;
	esac
}

check_packages() {
	local missing=()
	command -v g++ >/dev/null || missing+=(g++)
	[ -f /usr/include/quickfix/SocketAcceptor.h ] || missing+=(libquickfix-dev)
	[ -d "$examples/executor/C++" ] && [ -d "$examples/ordermatch" ] || missing+=(libquickfix-doc)
	[ ${#missing[@]} -eq 0 ] ||
		die "missing packages: ${missing[*]} (apt-get install ${missing[*]}, or tools/install-deps.sh)"
}

# build_one KIND OUTDIR: copy or gunzip the sources into OUTDIR/src-KIND,
# next to an empty config.h (the examples include it), and link OUTDIR/KIND.
build_one() {
	local kind=$1 out=$2 src=$2/src-$1 f fresh=1 cpps=()
	while read -r f; do
		[ -f "$f" ] || die "$f: missing (libquickfix-doc incomplete?)"
		[ "$out/$kind" -nt "$f" ] || fresh=0
	done < <(sources "$kind")
	if [ $fresh -eq 1 ]; then
		echo "$prog: $out/$kind is up to date"
		return 0
	fi
	rm -rf "$src"
	mkdir -p "$src"
	: >"$src/config.h"
	while read -r f; do
		case $f in
		*.gz) gzip -dc "$f" >"$src/$(basename "$f" .gz)" ;;
		*) cp "$f" "$src/" ;;
		esac
	done < <(sources "$kind")
	for f in "$src"/*.cpp; do cpps+=("$f"); done
	echo "$prog: building $out/$kind"
	g++ -std=gnu++11 -O1 -g -Wno-deprecated -I"$src" "${cpps[@]}" \
		-o "$out/$kind.tmp" -lquickfix -lpthread >"$src/build.log" 2>&1 || {
		cat "$src/build.log" >&2
		die "$kind: compile failed"
	}
	mv "$out/$kind.tmp" "$out/$kind"
}

cmd_build() {
	[ $# -eq 1 ] || usage
	local out=$1 pe po
	check_packages
	mkdir -p "$out"
	out=$(cd "$out" && pwd)
	build_one executor "$out" & pe=$!
	build_one ordermatch "$out" & po=$!
	wait $pe || die "executor build failed"
	wait $po || die "ordermatch build failed"
}

# write_cfg KIND DIR PORT: the acceptor's QuickFIX settings, DIR/KIND.cfg.
# SocketNodelay=Y: without it the venue's reports wait for the initiator's
# delayed ACK (Nagle), about 40 ms each on loopback.
write_cfg() {
	local kind=$1 dir=$2 port=$3 sender
	case $kind in
	executor) sender=EXEC ;;
	ordermatch) sender=OM ;;
	esac
	{
		cat <<-EOF
			# Written by $prog start; rewritten at every start.
			[DEFAULT]
			ConnectionType=acceptor
			SocketAcceptPort=$port
			SocketReuseAddress=Y
			SocketNodelay=Y
			SenderCompID=$sender
			FileStorePath=$dir/store-$kind
			FileLogPath=$dir/log-$kind
			StartTime=00:00:00
			EndTime=00:00:00
			UseDataDictionary=N
			ResetOnLogon=N
			ResetOnLogout=N
			ResetOnDisconnect=N
		EOF
		case $kind in
		executor)
			printf '\n[SESSION]\nBeginString=%s\nTargetCompID=%s\n' \
				FIX.4.2 XROUTE FIX.4.4 XROUTE FIX.4.2 XROUTE2
			;;
		ordermatch)
			printf '\n[SESSION]\nBeginString=FIX.4.2\nTargetCompID=%s\n' XROUTE XROUTE2 MAKER
			;;
		esac
	} >"$dir/$kind.cfg"
}

# alive KIND PID: PID runs the venue binary KIND (not a zombie, not a
# recycled pid).
alive() {
	! gone "$2" && [ "$(cat "/proc/$2/comm" 2>/dev/null)" = "$1" ]
}

# gone PID: PID has exited (no such process, or a zombie).
gone() {
	local state
	state=$(sed 's/.*) \(.\).*/\1/' "/proc/$1/stat" 2>/dev/null) || return 0
	[ "$state" = Z ]
}

# listening PORT [PID]: something (PID, if given and ss is there) accepts
# TCP connections on PORT. Without ss, connects once through bash's /dev/tcp.
listening() {
	local out
	if command -v ss >/dev/null; then
		out=$(ss -Hltnp "sport = :$1" 2>/dev/null) || return 1
		[ -n "$out" ] || return 1
		[ -z "${2:-}" ] || [[ $out == *"pid=$2,"* ]]
	else
		(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
	fi
}

check_kind() {
	case $1 in
	executor | ordermatch) ;;
	*) die "unknown venue kind \"$1\" (executor or ordermatch)" ;;
	esac
}

cmd_start() {
	[ $# -eq 3 ] || usage
	local kind=$1 dir=$2 port=$3 bin pid i
	check_kind "$kind"
	if ! [[ $port =~ ^[0-9]+$ ]] || [ "$port" -lt 1 ] || [ "$port" -gt 65535 ]; then
		die "port \"$port\" is not a TCP port"
	fi
	mkdir -p "$dir"
	dir=$(cd "$dir" && pwd)
	if [ -f "$dir/$kind.pid" ] && alive "$kind" "$(cat "$dir/$kind.pid")"; then
		die "$kind already running in $dir (pid $(cat "$dir/$kind.pid"))"
	fi
	if [ -n "${QF_VENUES_BIN:-}" ]; then
		bin=$(cd "$QF_VENUES_BIN" && pwd)
	elif [ -x "$dir/$kind" ]; then
		bin=$dir
	else
		bin=$(dirname "$dir")
	fi
	[ -x "$bin/$kind" ] ||
		die "$bin/$kind: not built (run \"$0 build OUTDIR\", set QF_VENUES_BIN=OUTDIR)"
	mkdir -p "$dir/store-$kind" "$dir/log-$kind"
	write_cfg "$kind" "$dir" "$port"
	if listening "$port"; then
		die "port $port is already in use"
	fi

	echo "=== $prog start $kind port $port $(date -u +%FT%TZ)" >>"$dir/$kind.log"
	if [ "$kind" = ordermatch ]; then
		[ -p "$dir/ordermatch.stdin" ] || mkfifo "$dir/ordermatch.stdin"
		(cd "$dir" && exec "$bin/$kind" "$dir/$kind.cfg" <>"$dir/ordermatch.stdin" >>"$dir/$kind.log" 2>&1) &
	else
		(cd "$dir" && exec "$bin/$kind" "$dir/$kind.cfg" </dev/null >>"$dir/$kind.log" 2>&1) &
	fi
	pid=$!
	echo "$pid" >"$dir/$kind.pid"

	# 1000 x 10 ms: up to about 10 s for the acceptor to listen.
	for ((i = 0; i < 1000; i++)); do
		gone "$pid" && break
		if alive "$kind" "$pid" && listening "$port" "$pid"; then
			echo "$prog: $kind pid $pid listening on port $port"
			return 0
		fi
		sleep 0.01
	done
	echo "$prog: $kind did not listen on port $port; $dir/$kind.log since this start:" >&2
	awk '/^=== /{n=0} {l[n++]=$0} END{for(i=0;i<n;i++) print "  " l[i]}' "$dir/$kind.log" >&2
	kill "$pid" 2>/dev/null || true
	rm -f "$dir/$kind.pid"
	exit 1
}

cmd_stop() {
	[ $# -eq 2 ] || [ $# -eq 3 ] || usage
	local kind=$1 dir=$2 sig=TERM pid i
	check_kind "$kind"
	if [ $# -eq 3 ]; then
		[ "$3" = -9 ] || usage
		sig=KILL
	fi
	[ -f "$dir/$kind.pid" ] || die "$dir/$kind.pid: no such file ($kind not started?)"
	pid=$(cat "$dir/$kind.pid")
	if alive "$kind" "$pid"; then
		kill -s "$sig" "$pid"
		# 500 x 10 ms: up to about 5 s for the process to go.
		for ((i = 0; i < 500; i++)); do
			alive "$kind" "$pid" || break
			sleep 0.01
		done
		alive "$kind" "$pid" && die "$kind pid $pid still running 5 s after SIG$sig"
		echo "$prog: $kind pid $pid stopped (SIG$sig)"
	else
		echo "$prog: $kind pid $pid was not running"
	fi
	rm -f "$dir/$kind.pid"
}

cmd_restart() {
	[ $# -eq 3 ] || usage
	if [ -f "$2/$1.pid" ]; then
		cmd_stop "$1" "$2"
	fi
	cmd_start "$@"
}

[ $# -ge 1 ] || usage
cmd=$1
shift
case $cmd in
build) cmd_build "$@" ;;
start) cmd_start "$@" ;;
stop) cmd_stop "$@" ;;
restart) cmd_restart "$@" ;;
*) usage ;;
esac
