#!/usr/bin/env bash
# The NewOrderSingle -> ExecutionReport round trip through QuickFIX's
# executor (FIX.4.4) on loopback, from xroute's own histograms: the venue
# stage latency (the child's submit to its terminal report, docs/output.md)
# of every child, p50 and p99 per round, medians over rounds. Each round
# also measures the loopback TCP round trip of a 200-byte message between
# two threads (xroute-perf fix: fix.tcp.rtt), so the figure is reported as a
# ratio to the kernel's floor on this machine at that moment.
#
#   perf/fix-roundtrip.sh BUILD_DIR [ROUNDS] [SIGNALS] [RATE_PER_S]
#
# Defaults: 5 rounds of 5000 IOC limit orders at 1000 per second (open
# loop: each order's own round trip, not a queue behind others).
set -euo pipefail
build=$(cd "$1" && pwd)
rounds=${2:-5}
signals=${3:-5000}
rate=${4:-1000}
src=$(cd "$(dirname "$0")/.." && pwd)
qfv="$src/tests/integration/fix/quickfix-venues.sh"
export QF_VENUES_BIN="$build/quickfix-venues"
"$qfv" build "$QF_VENUES_BIN" >/dev/null
work=$(mktemp -d /tmp/xroute-fixrt.XXXXXX)
trap '"$qfv" stop executor "$work" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$qfv" start executor "$work" "$port" >/dev/null

cat > "$work/rt.ini" <<EOF
[engine]
default_strategy = lowest_latency
order_timeout_us = 1000000

[venue exec]
connector = fix
host = 127.0.0.1
port = $port
sender_comp_id = XROUTE
target_comp_id = EXEC
begin_string = FIX.4.4
heartbeat_s = 30
seq_store = $work/exec.seq
market_orders = false
status_requests = false
book.BTC-USD = mid=100 tick=0.5 levels=10 level_qty=1000

[user u1]
EOF
gap=$((1000000000 / rate))
{
	echo "ts_ns,signal_id,user,symbol,side,qty,order_type,limit_px,tif,signal_type,strategy,max_slippage_bps"
	for i in $(seq 1 "$signals"); do
		if [ $((i % 2)) = 0 ]; then s=buy px=101; else s=sell px=99; fi
		echo "$((i * gap)),$i,u1,BTC-USD,$s,1,limit,$px,ioc,entry,,"
	done
} > "$work/rt.csv"

printf '%-6s %12s %12s %14s %10s %10s\n' round "p50 (us)" "p99 (us)" "tcp rtt (us)" "p50/rtt" "p99/rtt"
: > "$work/rows"
for r in $(seq 1 "$rounds"); do
	"$build/perf/xroute-perf" fix --quick --rounds 3 --json "$work/tcp.json" >/dev/null
	"$build/tools/xroute" run -c "$work/rt.ini" --signals "$work/rt.csv" --pace 1 \
		--summary-json "$work/rt.json" > "$work/rt.txt" 2> "$work/rt.err"
	python3 - "$work/rt.json" "$work/tcp.json" "$signals" "$r" >> "$work/rows" <<-'EOF'
		import json, sys
		s = json.load(open(sys.argv[1]))
		tcp = [json.loads(l) for l in open(sys.argv[2])]
		rtt = next(x["median"] for x in tcp if x["name"] == "fix.tcp.rtt")
		v = s["stages_ns"]["venue"]
		if s["filled"] != int(sys.argv[3]) or s["unaccounted"] != 0:
		    sys.exit(f"round {sys.argv[4]}: {s['filled']} of {sys.argv[3]} filled")
		print(sys.argv[4], v["p50"], v["p99"], rtt)
	EOF
	tail -1 "$work/rows" | awk '{ printf "%-6s %12.1f %12.1f %14.1f %9.1fx %9.1fx\n",
		$1, $2 / 1000, $3 / 1000, $4 / 1000, $2 / $4, $3 / $4 }'
done
sort -n -k2 "$work/rows" | awk -v n="$rounds" '{ p50[NR] = $2; r50[NR] = $2 / $4 }
	END { m = int((n + 1) / 2); printf "median p50 %.1f us\n", p50[m] / 1000 }'
sort -n -k3 "$work/rows" | awk -v n="$rounds" '{ p99[NR] = $3 }
	END { m = int((n + 1) / 2); printf "median p99 %.1f us\n", p99[m] / 1000 }'
awk '{ print $2 / $4, $3 / $4 }' "$work/rows" | sort -n -k1 | awk -v n="$rounds" '
	{ a[NR] = $1 } END { m = int((n + 1) / 2); printf "median p50 / tcp rtt %.2fx\n", a[m] }'
awk '{ print $3 / $4 }' "$work/rows" | sort -n | awk -v n="$rounds" '
	{ a[NR] = $1 } END { m = int((n + 1) / 2); printf "median p99 / tcp rtt %.2fx\n", a[m] }'
