#!/usr/bin/env bash
# xroute against a hostile FIX venue: tests/integration/fix/hostile_venue.py,
# a FIX 4.4 acceptor that misbehaves one way per scenario.
#
#   fix_hostile_run.sh XROUTE SOURCE_ROOT [SCENARIO...]
#
# Each scenario is one xroute run (20 one-lot DAY buys at limit 100.5, or
# 2.5 lots for qty_changed) against a fresh venue, bounded by a deadline: a
# run still going after it is killed and counts as a hang. Every run is
# checked for
#   - exit status: 0 all settled, 3 some signals ended unknown (in doubt),
#     as the scenario allows; 1 (invariant), 2 (config) or a signal fail;
#   - one results row per signal read, each signal file line once;
#   - summary JSON unaccounted, duplicates, overfills, position_mismatches
#     all 0; `unknown` equal to the rows with status unknown, > 0 iff exit 3;
#   - positions (--positions) equal to the fills of the results file, no
#     row filled above its qty, and, when everything settled, equal to the
#     fills the venue says stand (its ledger, positions_valid);
#   - a log line on stderr naming the misbehaviour;
#   - the scenario's own counters in the summary JSON (a key missing is a
#     failure naming the key).
# Then SIGTERM: a well-behaved venue that rests DAY orders after 5 fills;
# once it has, xroute gets SIGTERM and must exit 0 (or 3), with complete
# results, summary and positions, after cancelling every resting order and
# logging out.
#
# All scenarios run, and each failed check is printed ("FAIL scenario:
# check"); the exit status is 1 if any failed. Waits are on conditions
# (a file line, a process exit) with deadlines, never on time alone.
set -uo pipefail
xroute=$1
src=$2
shift 2
venue_py="$src/tests/integration/fix/hostile_venue.py"
work=$(mktemp -d /tmp/xroute-hostile.XXXXXX)
failed=0
vpid=
cleanup() {
	[ -n "$vpid" ] && kill "$vpid" 2>/dev/null
	if [ "${keep:-0}" = 1 ]; then echo "kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
# shellcheck source=tests/integration/lib.sh
. "$src/tests/integration/lib.sh" # wait_for
header="ts_ns,signal_id,user,symbol,side,qty,order_type,limit_px,tif,signal_type,strategy,max_slippage_bps"

signals() { # $1 = file, $2 = qty, $3 = ns between signals
	{
		echo "$header"
		for i in $(seq 1 20); do
			echo "$((i * $3)),$i,u1,BTC-USD,buy,$2,limit,100.5,day,entry,,"
		done
	} > "$1"
}
signals "$work/one.csv" 1 1000
signals "$work/two_half.csv" 2.5 1000
signals "$work/paced.csv" 1 100000000 # 10/s at --pace 1

ini() { # $1 = port, $2.. = extra venue keys
	local port=$1
	shift
	cat <<-EOF
		[engine]
		default_strategy = lowest_latency
		order_timeout_us = 200000

		[venue hv]
		connector = fix
		host = 127.0.0.1
		port = $port
		sender_comp_id = XROUTE
		target_comp_id = HOSTILE
		begin_string = FIX.4.4
		heartbeat_s = 1
		status_requests = true
		reconnect_min_ms = 50
		reconnect_max_ms = 200
		logon_timeout_ms = 1000
		book.BTC-USD = mid=100 tick=0.5 levels=10 level_qty=100
	EOF
	for k in "$@"; do echo "$k"; done
	printf '\n[user u1]\nprimary_venue = hv\nauto_failover = false\n'
}

start_venue() { # $1 = dir, $2 = scenario, $3.. = more venue options
	local d=$1 sc=$2
	shift 2
	python3 "$venue_py" --port-file "$d/port" --ledger "$d/ledger.json" --log "$d/venue.log" \
		--scenario "$sc" "$@" 2> "$d/venue.err" &
	vpid=$!
	wait_for "the venue's port" test -s "$d/port" || return 1
}

stop_venue() { # SIGTERM; the venue writes its ledger with the open orders and exits
	[ -n "$vpid" ] || return 0
	kill -TERM "$vpid" 2>/dev/null
	wait "$vpid" 2>/dev/null
	vpid=
}

# The checks of one run, in Python: prints "FAIL SCENARIO: ..." per failed
# check and "ok SCENARIO: ..." per passed one; exits 1 if any failed.
cat > "$work/check.py" <<-'PY'
	import csv, json, re, sys
	from decimal import Decimal
	a = dict(arg.split("=", 1) for arg in sys.argv[1:])
	sc, d, rc = a["scenario"], a["dir"], int(a["rc"])
	allowed = [int(x) for x in a["allowed"].split(",")]
	bad = []
	def check(ok, what):
	    print(("ok   %s: %s" if ok else "FAIL %s: %s") % (sc, what))
	    if not ok:
	        bad.append(what)
	def load(path, how):
	    try:
	        with open(path) as f:
	            return how(f)
	    except (OSError, ValueError) as e:
	        check(False, "%s: %s" % (path.rsplit("/", 1)[-1], e))
	        return None
	hang = rc in (124, 137)
	check(not hang, "no hang (run ended before its deadline)")
	check(rc in allowed, "exit status %d in %s" % (rc, allowed))
	s = load(d + "/summary.json", json.load) or {}
	def counter(key):
	    """A summary counter: top level, failover.KEY, or summed over venues."""
	    if key in s:
	        return s[key]
	    if key in s.get("failover", {}):
	        return s["failover"][key]
	    vs = [v[key] for v in s.get("venues", []) if key in v]
	    if vs:
	        return sum(vs)
	    return None
	for k in ["unaccounted", "duplicates", "overfills", "position_mismatches"]:
	    v = counter(k)
	    check(v == 0, "summary %s = 0 (is %s)" % (k, "missing" if v is None else v))
	rows = load(d + "/out.csv", lambda f: list(csv.DictReader(f))) or []
	n_read = counter("signals_read")
	check(n_read is not None and len(rows) == n_read,
	      "results rows %d = signals_read %s" % (len(rows), n_read))
	lines = [r.get("line") for r in rows]
	check(len(lines) == len(set(lines)), "each signal file line once in the results")
	n_unknown_rows = sum(r.get("status") == "unknown" for r in rows)
	u = counter("unknown")
	check(u is not None, "summary has key unknown%s" % ("" if u is not None else " (missing)"))
	if u is not None:
	    check(u == n_unknown_rows, "unknown %s = rows with status unknown %d" % (u, n_unknown_rows))
	    if rc in (0, 3):
	        check((rc == 3) == (u > 0), "exit 3 exactly when signals ended unknown (%s)" % u)
	over = [r["line"] for r in rows if Decimal(r["filled_qty"] or 0) > Decimal(r["qty"] or 0)]
	check(not over, "no result filled above its qty%s" % (": lines %s" % over if over else ""))
	fills = {}
	for r in rows:
	    q = Decimal(r["filled_qty"] or 0) * (1 if r["side"] == "buy" else -1)
	    if q:
	        fills[(r["user"], r["symbol"])] = fills.get((r["user"], r["symbol"]), 0) + q
	pos = {}
	for r in load(d + "/positions.csv", lambda f: list(csv.reader(f))) or []:
	    if len(r) == 4 and r[2] == "*":
	        pos[(r[0], r[1])] = Decimal(r[3])
	fills = {k: v for k, v in fills.items() if v}
	pos = {k: v for k, v in pos.items() if v}
	check(pos == fills, "positions %s = fills of the results %s" % (
	    {k[1]: str(v) for k, v in pos.items()}, {k[1]: str(v) for k, v in fills.items()}))
	ledger = load(d + "/ledger.json", json.load) or {}
	valid = {k: Decimal(v) for k, v in ledger.get("positions_valid", {}).items() if Decimal(v)}
	mine = {k[1]: v for k, v in pos.items()}
	if rc == 0 and not u:
	    # BTC-USD is the venue's Symbol too (no venue_symbol key).
	    check(mine == valid, "settled: positions %s = the venue's standing fills %s" % (
	        {k: str(v) for k, v in mine.items()}, {k: str(v) for k, v in valid.items()}))
	if a.get("log"):
	    err = open(d + "/xroute.err", errors="replace").read()
	    check(re.search(a["log"], err) is not None, "stderr names it: /%s/" % a["log"])
	for spec in filter(None, a.get("counters", "").split(";")):
	    m = re.fullmatch(r"([a-z_+]+)(>=|==|<=)(\d+)", spec)
	    keys = m.group(1).split("+")
	    vals = [counter(k) for k in keys]
	    missing = [k for k, v in zip(keys, vals) if v is None]
	    if len(missing) == len(keys):
	        check(False, "summary %s: key %s missing" % (spec, ", ".join(missing)))
	        continue
	    total = sum(v for v in vals if v is not None)
	    want = int(m.group(3))
	    ok = {"==": total == want, ">=": total >= want, "<=": total <= want}[m.group(2)]
	    check(ok, "summary %s (is %s%s)" % (spec, total,
	          ", missing %s" % ", ".join(missing) if missing else ""))
	if "filled" in a:
	    n = sum(r.get("status") == "filled" for r in rows)
	    check(n == int(a["filled"]), "%s signals filled (is %d)" % (a["filled"], n))
	if sc == "bad_price":
	    far = sum(Decimal(r["avg_px"] or 0) > Decimal("100.5") for r in rows)
	    v = counter("fills_outside_limit")
	    check(v is not None and v == far, "fills_outside_limit %s = rows filled above the limit %d"
	          % (v, far))
	if a.get("extra"):
	    exec(open(a["extra"]).read())
	sys.exit(1 if bad else 0)
PY

# One scenario: $1 = name, $2 = signals, $3 = allowed exit statuses,
# $4 = stderr regex, $5 = counters ("key>=N;a+b>=N"), $6.. = extra ini keys.
scenario() {
	local sc=$1 sig=$2 allowed=$3 log=$4 counters=$5
	shift 5
	local d="$work/$sc" rc=0
	mkdir -p "$d"
	if ! start_venue "$d" "$sc"; then
		echo "FAIL $sc: the venue did not start ($(tail -3 "$d/venue.err"))"
		failed=1
		return
	fi
	ini "$(cat "$d/port")" "$@" > "$d/x.ini"
	timeout -s KILL 10 "$xroute" run -c "$d/x.ini" --signals "$sig" --out "$d/out.csv" \
		--summary-json "$d/summary.json" --positions "$d/positions.csv" \
		--drain-timeout-ms 1500 --no-hiccup > "$d/xroute.out" 2> "$d/xroute.err" || rc=$?
	stop_venue
	python3 "$work/check.py" scenario="$sc" dir="$d" rc="$rc" allowed="$allowed" log="$log" \
		counters="$counters" ${FILLED:+filled=$FILLED} || {
		failed=1
		echo "  $sc: exit $rc; stderr: $(grep -v "alert\|circuit" "$d/xroute.err" | tail -3 | tr '\n' ' ')"
	}
}

want() { # is scenario $1 selected on the command line (none given: all)?
	[ $# -eq 1 ] && [ ${#sel[@]} -eq 0 ] && return 0
	local x
	for x in "${sel[@]}"; do [ "$x" = "$1" ] && return 0; done
	return 1
}
sel=("$@")

want default && FILLED=20 scenario default "$work/one.csv" 0 "fix info: logged on" ""
want unknown_clordid && FILLED=20 scenario unknown_clordid "$work/one.csv" 0 \
	"(?i)(unknown|foreign).*ClOrdID|ClOrdID.*(unknown|foreign|never sent)" "foreign_reports>=1"
want dup_fill && FILLED=20 scenario dup_fill "$work/one.csv" 0 "(?i)dup|duplicate|repeat|ExecID" \
	"dup_fills+stale_reports>=1"
want overfill && scenario overfill "$work/one.csv" 0,3 "(?i)overfill|CumQty|tag 14" "overfill_reports>=1"
want bad_price && FILLED=20 scenario bad_price "$work/one.csv" 0 \
	"(?i)outside.*limit|limit.*outside|LastPx" "fills_outside_limit>=1"
want bad_checksum && FILLED=20 scenario bad_checksum "$work/one.csv" 0 "(?i)checksum" \
	"frames_dropped>=1"
want bad_bodylength && FILLED=20 scenario bad_bodylength "$work/one.csv" 0 "(?i)bodylength|length" \
	"frames_dropped>=1"
want garbage && FILLED=20 scenario garbage "$work/one.csv" 0 "(?i)garbage|resync|BeginString|dropped" \
	"frames_dropped>=1"
want seq_jump && scenario seq_jump "$work/one.csv" 3 "(?i)gap|ResendRequest" \
	"escalations>=1;unknown>=1"
# A MsgSeqNum too low without PossDupFlag: FIX says log out, the message
# unread; the reconnect settles the orders. No report counter applies.
want seq_back && scenario seq_back "$work/one.csv" 0,3 "MsgSeqNum too low" ""
want huge && scenario huge "$work/one.csv" 0,3 "(?i)frame|too (long|large|big)|max_frame_bytes" \
	"frames_dropped>=1;escalations>=1" "max_frame_bytes = 16384"
want no_logon && FILLED=0 scenario no_logon "$work/one.csv" 0,3 "(?i)logon" ""
want slow && scenario slow "$work/one.csv" 0,3 "(?i)TestRequest|timeout|timed out|disconnect" ""
want qty_changed && scenario qty_changed "$work/two_half.csv" 0,3 "(?i)OrderQty|qty.*changed" \
	"qty_changed>=1"

# ---- SIGTERM: resting DAY orders are cancelled before the Logout ----
if want sigterm; then
	sc=sigterm
	d="$work/$sc"
	mkdir -p "$d"
	rc=0
	start_venue "$d" default --rest-after 5
	ini "$(cat "$d/port")" > "$d/x.ini"
	"$xroute" run -c "$d/x.ini" --signals "$work/paced.csv" --pace 1 --out "$d/out.csv" \
		--summary-json "$d/summary.json" --positions "$d/positions.csv" \
		--drain-timeout-ms 1500 --no-hiccup > "$d/xroute.out" 2> "$d/xroute.err" &
	xpid=$!
	resting() { [ "$(grep -c "^event: resting" "$d/venue.log")" -ge 2 ]; }
	wait_for "5 fills and 2 resting orders at the venue" resting
	kill -TERM "$xpid"
	# Bounded wait for its exit (a hang is a failure): poll the process.
	gone() { ! kill -0 "$xpid" 2>/dev/null; }
	wait_for "xroute to exit after SIGTERM" gone
	if kill -0 "$xpid" 2>/dev/null; then
		kill -KILL "$xpid"
		rc=137
	fi
	wait "$xpid" || rc=$?
	stop_venue
	cat > "$d/extra.py" <<-'PY'
		check(ledger.get("exited") is True, "the venue reported at its exit")
		check(ledger.get("logouts_received", 0) >= 1, "the venue received a Logout")
		check(ledger.get("open_orders") == [], "no order left resting at the venue (open: %s)"
		      % ledger.get("open_orders"))
		check(n_read is not None and n_read < 20, "SIGTERM came before the last signal (read %s)"
		      % n_read)
		log = open(d + "/venue.log").read()
		cancels = log.count("event: canceled ")
		check(cancels >= 2, "resting orders cancelled (%d)" % cancels)
		i_logout = log.find("event: logout received")
		check(i_logout < 0 or log.rfind("event: canceled ") < i_logout,
		      "every cancel before the Logout")
	PY
	python3 "$work/check.py" scenario=sigterm dir="$d" rc="$rc" allowed=0,3 log="(?i)SIGTERM|signal|stopping" \
		counters="" extra="$d/extra.py" || {
		failed=1
		echo "  sigterm: exit $rc; stderr: $(grep -v "alert\|circuit" "$d/xroute.err" | tail -3 | tr '\n' ' ')"
	}
fi

[ "$failed" = 0 ] && echo "fix_hostile_run: every scenario passed" && exit 0
keep=1
echo "fix_hostile_run: some checks failed (above)" >&2
exit 1
