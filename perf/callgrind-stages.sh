#!/usr/bin/env bash
# Instruction counts per signal per stage, measured with valgrind's callgrind.
#
# The guest this project is measured on has no hardware performance counters,
# so callgrind's instruction count (Ir: instructions executed) is the stable
# measure of where the engine's work goes. The script builds nothing: point
# it at a build directory with debug info (buildtype debugoptimized, -O2 -g).
#
#   perf/callgrind-stages.sh                        build/, 200000 signals
#   perf/callgrind-stages.sh -b build-cg -n 50000 --json cg.json
#   perf/callgrind-stages.sh -b build-cg -c perf/pipeline.ini --repeatable \
#       -n 20000 --no-breakdown                      the budget's measurement
#                                                    (perf/check-stage-budget.sh)
#
# What it runs (every file in the work directory, kept for callgrind_annotate
# or kcachegrind):
#   1. `xroute gen --signals N --users 100 --symbols 8 --seed 42`;
#   2. a config copied from docs/examples/xroute.ini (or -c FILE) with every sim venue's
#      latency_us and jitter_us set to 0 (checked with `xroute check`);
#      --repeatable runs every stage of the plan, in order, on one thread
#      and takes latency out of routing (below);
#   3. main.cg: the whole run under callgrind (valgrind serialises the
#      threads; instruction counts do not depend on it, the interleaving
#      does a little: idle loops, burst sizes);
#   4. idle.cg: a run of one signal that rests on its venue until it expires
#      (the same config with session_ms = 100 on every venue): nearly every
#      do_work() call is idle, which gives the Ir of an idle call per stage
#      (the one signal's own work adds < 2 Ir/call);
#   5. stage-STAGE.cg: one run per stage with --toggle-collect=DO_WORK, so
#      the self costs in it are exactly what runs under that stage
#      (the top self-cost functions, and the split by source file, which
#      shows inlined code such as ring/xr_ring.h). --no-breakdown skips them.
# The stages' do_work functions are found in engine/stage_*.c (`.do_work =`).
#
# Report (stdout; --json FILE writes one JSON object per line as well):
#   - per stage: inclusive Ir of its do_work, Ir per signal, % of all stage Ir;
#     the execute stages of all venues share one function and one row;
#   - per stage: its direct callees (inclusive), its top self-cost functions
#     and its Ir by source file;
#   - named key functions (parser, selector, risk checks, histograms, maps);
#     a name that is absent was inlined into its caller;
#   - idle: do_work calls made in loops that found no work (idle_loops of the
#     summary x stages of the thread) times the Ir of an idle call;
#   - clock: Ir of the callees of a do_work whose calls the clock sets, not
#     the signals (snapshot publication, every snapshot_interval_us; under
#     valgrind a signal takes ~25x as long, so far more publications fall on
#     each signal than natively);
#   - work Ir/signal = (Ir - idle - clock) / signals: the figure the stage
#     budget checks (perf/stage-budget, docs/perf-callgrind.md).
#
# Exit status: 0 ok, 1 a run failed, 2 usage error or missing tool.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

usage() {
	cat <<'EOF'
usage: perf/callgrind-stages.sh [-b BUILD] [-c CONFIG] [-n SIGNALS] [--json FILE] [-w WORKDIR]
                                [--repeatable] [--top K] [--no-breakdown]

  -b, --build DIR     build directory holding tools/xroute (default: build/ of
                      this source tree)
  -c, --config FILE   config whose venues are run with zero latency (default:
                      docs/examples/xroute.ini; perf/pipeline.ini is the
                      instruction budget's workload)
  -n, --signals N     signals to generate and route (default: 200000)
      --json FILE     also write the results as JSON lines to FILE
  -w, --workdir DIR   where signals, config, logs and callgrind files go
                      (default: a new /tmp/xroute-cg.XXXXXX, kept)
      --repeatable    the stage budget's measurement: the config's stages, in
                      its plan's order, on one thread (every loop carries a
                      whole burst through every stage, whatever valgrind's
                      thread scheduling), and latency_zero_score_us and
                      latency_threshold_us at 60 s (under valgrind every
                      latency is ~25x its native value; venue choice then
                      does not follow the host's speed)
      --top K         self-cost functions shown per stage (default: 5)
      --no-breakdown  skip the per-stage --toggle-collect runs
  -h, --help          print this and exit
EOF
}

build=
config=
signals=200000
json=
workdir=
top=5
breakdown=1
repeatable=0
while [ $# -gt 0 ]; do
	case "$1" in
	-b | --build) build=${2:?}; shift 2 ;;
	--build=*) build=${1#*=}; shift ;;
	-c | --config) config=${2:?}; shift 2 ;;
	--config=*) config=${1#*=}; shift ;;
	-n | --signals) signals=${2:?}; shift 2 ;;
	--signals=*) signals=${1#*=}; shift ;;
	--json) json=${2:?}; shift 2 ;;
	--json=*) json=${1#*=}; shift ;;
	-w | --workdir) workdir=${2:?}; shift 2 ;;
	--workdir=*) workdir=${1#*=}; shift ;;
	--top) top=${2:?}; shift 2 ;;
	--top=*) top=${1#*=}; shift ;;
	--no-breakdown) breakdown=0; shift ;;
	--repeatable) repeatable=1; shift ;;
	-h | --help) usage; exit 0 ;;
	*) echo "callgrind-stages: unknown argument: $1" >&2; usage >&2; exit 2 ;;
	esac
done
case "$signals" in '' | *[!0-9]*) echo "callgrind-stages: --signals: \"$signals\" is not a number" >&2; exit 2 ;; esac
case "$top" in '' | *[!0-9]*) echo "callgrind-stages: --top: \"$top\" is not a number" >&2; exit 2 ;; esac
[ "$signals" -ge 1 ] || { echo "callgrind-stages: --signals must be at least 1" >&2; exit 2; }
# Default: the project's build/ (a relative -b is taken from the current directory).
build=${build:-$root/build}
config=${config:-$root/docs/examples/xroute.ini}
[ -r "$config" ] || { echo "callgrind-stages: --config: $config: not readable" >&2; exit 2; }

say() { echo "callgrind-stages: $*" >&2; }

for tool in valgrind python3; do
	if ! command -v "$tool" >/dev/null; then
		say "$tool not found (Debian/Ubuntu: apt-get install valgrind python3)"
		exit 2
	fi
done
xroute=$build/tools/xroute
if [ ! -x "$xroute" ]; then
	say "$xroute not found: build first (meson setup $build && ninja -C $build)"
	exit 2
fi
# Debug info is what attributes inlined code (ring, histograms) to its source.
if command -v readelf >/dev/null && ! readelf -S "$xroute" | grep -q '\.debug_info'; then
	say "warning: $xroute has no debug info; use buildtype debugoptimized (-O2 -g)"
fi
buildtype=unknown
if command -v meson >/dev/null; then
	buildtype=$(meson introspect "$build" --buildoptions 2>/dev/null |
		python3 -c 'import json,sys; print(next((o["value"] for o in json.load(sys.stdin) if o["name"] == "buildtype"), "unknown"))' \
		2>/dev/null || echo unknown)
fi

if [ -z "$workdir" ]; then
	workdir=$(mktemp -d /tmp/xroute-cg.XXXXXX)
else
	mkdir -p "$workdir"
fi
wd=$(cd "$workdir" && pwd)
say "work directory: $wd (build $build, buildtype $buildtype)"

# 1. Signals, and a one-order file for the idle calibration.
"$xroute" gen --signals "$signals" --users 100 --symbols 8 --seed 42 -o "$wd/signals.csv"
# Idle calibration: one limit DAY buy well below the book. It rests on its
# venue until session_ms (100 ms) expires it, so the engine spends that time
# in idle loops (thousands of do_work calls that return 0) before it ends.
hdr=$(head -n 1 "$wd/signals.csv")
if [ "$hdr" = "ts_ns,signal_id,user,symbol,side,qty,order_type,limit_px,tif,signal_type,strategy,max_slippage_bps" ]; then
	printf '%s\n%s\n' "$hdr" "1700000000000000000,1,u001,BTC-USD,buy,0.01,limit,45000,day,entry,," \
		>"$wd/signals-idle.csv"
else
	say "warning: unexpected signal header; idle calibration on a header-only file (few loops)"
	printf '%s\n' "$hdr" >"$wd/signals-idle.csv"
fi

# 2. Zero-latency sim venues: drop every latency_us / jitter_us key and
#    write both as 0 right after each [venue NAME] header.
awk '
/^[ \t]*(latency_us|jitter_us)[ \t]*[=:]/ { next }
{ print }
/^[ \t]*\[venue[ \t]/ { print "latency_us = 0"; print "jitter_us = 0" }
' "$config" >"$wd/xroute.ini"
# --repeatable: the plan's stage lists, in thread order, become one thread's
# (the [threads] section of the checked config, whose lists are expanded),
# and latency neither scores nor demotes a venue.
if [ "$repeatable" -eq 1 ]; then
	"$xroute" check -c "$wd/xroute.ini" >"$wd/plan.ini"
	one=$(awk '/^\[/ { in_t = ($0 == "[threads]") } in_t && /^[^ ]+\.stages = / {
		sub(/^[^=]*= /, ""); s = s (s == "" ? "" : ", ") $0 } END { print s }' "$wd/plan.ini")
	[ -n "$one" ] || { say "--one-thread: no thread plan in $wd/plan.ini"; exit 1; }
	awk -v one="$one" '
	/^[ \t]*\[/ { in_t = ($0 ~ /^[ \t]*\[threads\][ \t]*$/) }
	in_t && !/^[ \t]*\[/ { next }
	{ print }
	in_t { print "one.stages = " one; print "one.wait = backoff"; done = 1 }
	/^[ \t]*(latency_zero_score_us|latency_threshold_us)[ \t]*[=:]/ { next }
	END { if (!done) { print "[threads]"; print "one.stages = " one; print "one.wait = backoff" } }
	' "$wd/xroute.ini" >"$wd/xroute-one.ini"
	awk '{ print } /^[ \t]*\[engine\][ \t]*$/ { print "latency_zero_score_us = 60000000"
		print "latency_threshold_us = 60000000"; done = 1 }
	END { if (!done) { print "[engine]"; print "latency_zero_score_us = 60000000"
		print "latency_threshold_us = 60000000" } }' "$wd/xroute-one.ini" >"$wd/xroute.ini"
	rm -f "$wd/xroute-one.ini"
fi
"$xroute" check -c "$wd/xroute.ini" >"$wd/effective.ini"
# The idle calibration's config: the same, with every venue's session_ms at
# 100, so the one resting order keeps the engine idle for ~100 ms whatever
# the config's session_ms (perf/pipeline.ini's 1 ms would give few calls).
awk '
/^[ \t]*session_ms[ \t]*[=:]/ { next }
{ print }
/^[ \t]*\[venue[ \t]/ { print "session_ms = 100" }
' "$wd/xroute.ini" >"$wd/xroute-idle.ini"
"$xroute" check -c "$wd/xroute-idle.ini" >/dev/null
n_venues=$(grep -c '^\[venue ' "$wd/effective.ini" || true)
n_zero=$(grep -Ec '^(latency_us|jitter_us) = 0$' "$wd/effective.ini" || true)
if [ "$n_venues" -eq 0 ] || [ "$n_zero" -ne $((2 * n_venues)) ] ||
	grep -Eq '^(latency_us|jitter_us) = [1-9]' "$wd/effective.ini"; then
	say "$wd/xroute.ini: not every venue has latency_us = 0 and jitter_us = 0"
	exit 1
fi

# 3. Stages and their do_work functions, from the sources.
stages=()
for f in "$root"/engine/stage_*.c; do
	stage=${f##*/stage_}
	stage=${stage%.c}
	fn=$(sed -n 's/.*\.do_work = \([A-Za-z_][A-Za-z0-9_]*\);.*/\1/p' "$f" | head -n 1)
	if [ -z "$fn" ]; then
		say "warning: $f assigns no do_work; skipped"
		continue
	fi
	stages+=("$stage=$fn")
done
[ ${#stages[@]} -gt 0 ] || { say "no stage do_work functions found in engine/stage_*.c"; exit 1; }

# xroute run's hiccup meters (a spinning probe before and after the run, a
# 1 ms sleeper thread during it) are not the engine's work, and the sleeper's
# wake-ups take valgrind's one running thread away from the stages: off.
run_opts=()
if "$xroute" run --help 2>&1 | grep -q -- '--no-hiccup'; then
	run_opts+=(--no-hiccup)
fi

# glibc copies of 2 KiB and more (memcpy, memset) with rep movsb / rep stosb,
# which callgrind counts as one instruction per byte: a 320-byte message
# then costs 1 Ir a byte in a ring burst of 7 or more and 0.05 in a shorter
# one, so the Ir of a copy followed burst sizes. The vector loop counts
# what a copy does whatever its size.
export GLIBC_TUNABLES="glibc.cpu.x86_rep_movsb_threshold=0xffffffffffffffff:glibc.cpu.x86_rep_stosb_threshold=0xffffffffffffffff${GLIBC_TUNABLES:+:$GLIBC_TUNABLES}"

# A run of xroute under callgrind: NAME CONFIG SIGNAL_FILE [valgrind options...]
cg_run() {
	local name=$1 cfg=$2 sig=$3
	shift 3
	local t0=$SECONDS rc=0
	valgrind --tool=callgrind --log-file="$wd/$name.vg.log" \
		--callgrind-out-file="$wd/$name.cg" "$@" \
		"$xroute" run -c "$cfg" --signals "$sig" --out /dev/null "${run_opts[@]}" \
		--summary-json "$wd/$name.summary.json" >"$wd/$name.run.log" 2>&1 || rc=$?
	if [ "$rc" -ne 0 ]; then
		say "$name: xroute exited $rc under valgrind; see $wd/$name.run.log and $name.vg.log"
		exit 1
	fi
	say "$name: $((SECONDS - t0)) s"
}

say "main run: $signals signals under callgrind"
cg_run main "$wd/xroute.ini" "$wd/signals.csv"
say "idle calibration: one resting order, ~100 ms of idle loops"
cg_run idle "$wd/xroute-idle.ini" "$wd/signals-idle.csv"
if [ "$breakdown" -eq 1 ]; then
	for s in "${stages[@]}"; do
		say "breakdown run: --toggle-collect=${s#*=} (${s%%=*})"
		cg_run "stage-${s%%=*}" "$wd/xroute.ini" "$wd/signals.csv" --toggle-collect="${s#*=}"
	done
fi

# 4. Analysis.
vg_version=$(valgrind --version)
today=$(date -u +%Y-%m-%d)
machine="$(LC_ALL=C lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -n 1), $(nproc) CPUs"
hyper=$(LC_ALL=C lscpu 2>/dev/null | sed -n 's/^Hypervisor vendor: *//p' | head -n 1)
[ -z "$hyper" ] || machine="$machine, $hyper"
export CG_ROOT=$root CG_WD=$wd CG_SIGNALS=$signals CG_TOP=$top CG_JSON=$json \
	CG_BREAKDOWN=$breakdown CG_BUILD=$build CG_BUILDTYPE=$buildtype \
	CG_CONFIG=$config CG_REPEATABLE=$repeatable \
	CG_STAGES="${stages[*]}" CG_VALGRIND=$vg_version CG_DATE=$today CG_MACHINE=$machine
python3 - <<'EOF'
import collections, json, os, re, sys

root = os.environ["CG_ROOT"]
wd = os.environ["CG_WD"]
top = int(os.environ["CG_TOP"])
breakdown = os.environ["CG_BREAKDOWN"] == "1"
stage_fn = dict(s.split("=", 1) for s in os.environ["CG_STAGES"].split())
RUNNER = "xr__thread_main"
# Callees of a do_work whose calls the clock sets, not the signals: their
# inclusive Ir is left out of the work figure (and of an idle call's cost).
CLOCK = ["xr_aggregate_publish"]

KINDS = {"fn": "fn", "cfn": "fn", "fl": "fl", "fi": "fl", "fe": "fl",
         "cfi": "fl", "cfl": "fl", "ob": "ob", "cob": "ob"}


def parse(path):
    """Self and call costs (Ir) of a callgrind file, by function name."""
    tabs = {"fn": {}, "fl": {}, "ob": {}}
    p = {"self": collections.Counter(), "file": collections.Counter(),
         "call_ir": collections.Counter(), "call_n": collections.Counter(),
         "summary": None}
    npos, ev = 1, 0
    fn = fl = cur = cfn = None
    in_call = False

    def name(kind, rest):
        m = re.match(r"\((\d+)\)\s*(.*)$", rest)
        if not m:
            return rest
        if m.group(2):
            tabs[kind][m.group(1)] = m.group(2)
            return m.group(2)
        return tabs[kind].get(m.group(1), "?" + m.group(1))

    with open(path, errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line:
                continue
            c = line[0]
            if c.isdigit() or c in "+-*":
                parts = line.split()
                v = int(parts[npos + ev]) if len(parts) > npos + ev else 0
                if in_call:
                    p["call_ir"][(fn, cfn)] += v
                    in_call = False
                else:
                    p["self"][fn] += v
                    p["file"][(fn, cur)] += v
                continue
            key, eq, rest = line.partition("=")
            if eq and key in KINDS:
                nm = name(KINDS[key], rest.strip())
                if key == "fn":
                    fn, cur = nm, fl
                elif key == "fl":
                    fl = cur = nm
                elif key in ("fi", "fe"):
                    cur = nm
                elif key == "cfn":
                    cfn = nm
                continue
            if eq and key == "calls":
                p["call_n"][(fn, cfn)] += int(rest.split()[0])
                in_call = True
            elif line.startswith("positions:"):
                npos = len(line.split(":", 1)[1].split())
            elif line.startswith("events:"):
                ev = line.split(":", 1)[1].split().index("Ir")
            elif line.startswith("summary:") or line.startswith("totals:"):
                p["summary"] = int(line.split(":", 1)[1].split()[ev])
    p["fns"] = set(p["self"]) | {k[1] for k in p["call_ir"]}
    return p


def incl(p, f):
    return p["self"][f] + sum(v for (a, b), v in p["call_ir"].items() if a == f and b != f)


def clock_ir(p, f):
    """Inclusive Ir of f's clock-driven callees (CLOCK, or a clone of one)."""
    return sum(v for (a, b), v in p["call_ir"].items()
               if a == f and any(b == c or b.startswith(c + ".") for c in CLOCK))


def calls(p, callee, caller=None):
    return sum(v for (a, b), v in p["call_n"].items()
               if b == callee and (caller is None or a == caller))


def srcname(path):
    if path is None or path.startswith("?"):
        return "(no line info)"
    norm = os.path.normpath(path)
    if norm.startswith(root + os.sep):
        return os.path.relpath(norm, root)
    return os.path.basename(norm)


def load_summary(name):
    with open(os.path.join(wd, name + ".summary.json")) as f:
        return json.load(f)


main = parse(os.path.join(wd, "main.cg"))
idle = parse(os.path.join(wd, "idle.cg"))
summ = load_summary("main")
isumm = load_summary("idle")
N = summ["signals_read"]

# Thread plan: stage order and how many stages of each do_work a thread runs.
plan = []
with open(os.path.join(wd, "effective.ini")) as f:
    for line in f:
        m = re.match(r"^(\S+)\.stages = (.*)$", line.strip())
        if m:
            plan.append((m.group(1), [s.strip() for s in re.split(r"[,\s]+", m.group(2)) if s.strip()]))


def base(stage):
    return stage.split(".", 1)[0]


order, instances = [], collections.Counter()
per_thread = collections.defaultdict(collections.Counter)
for tname, sts in plan:
    for s in sts:
        b = base(s)
        if b not in order:
            order.append(b)
        instances[b] += 1
        per_thread[tname][b] += 1
order = [s for s in order if s in stage_fn] + [s for s in stage_fn if s not in order]


def label(s):
    return "execute.* (%d venues)" % instances[s] if s == "execute" else s


out = []  # JSON lines


def emit(**kw):
    out.append(kw)


def fmt(n):
    return "{:,}".format(int(round(n)))


def per(n):
    return "{:,.1f}".format(n / N)


meta = dict(kind="meta", date=os.environ["CG_DATE"], machine=os.environ["CG_MACHINE"],
            signals=N, build=os.environ["CG_BUILD"], config=os.environ["CG_CONFIG"],
            repeatable=os.environ["CG_REPEATABLE"] == "1",
            buildtype=os.environ["CG_BUILDTYPE"], valgrind=os.environ["CG_VALGRIND"],
            workdir=wd, program_ir=main["summary"],
            elapsed_s_under_valgrind=summ.get("elapsed_s"))
emit(**meta)

print("callgrind Ir per stage: %s signals, %s, build %s (%s)"
      % (fmt(N), os.environ["CG_VALGRIND"], os.environ["CG_BUILD"], os.environ["CG_BUILDTYPE"]))
print("machine: %s; date %s; files: %s" % (os.environ["CG_MACHINE"], os.environ["CG_DATE"], wd))
print("config: %s%s" % (os.environ["CG_CONFIG"],
                        " (--repeatable: one thread, latency out of routing)"
                        if os.environ["CG_REPEATABLE"] == "1" else ""))
print()

# ---- main table ----
rows = []
for s in order:
    f = stage_fn[s]
    if f not in main["fns"]:
        print("warning: %s (%s) not in the profile" % (f, s), file=sys.stderr)
        continue
    rows.append((s, f, incl(main, f), calls(main, f, RUNNER)))
stage_sum = sum(r[2] for r in rows)

# Idle: calls made in loops where the whole thread found no work, priced at
# the Ir per call of the calibration run (nearly all of its calls are idle).
idle_loops = {t["name"]: t["idle_loops"] for t in summ.get("threads", [])}
idle_est = {}
# An idle call's cost leaves out its clock-driven callees (an idle aggregate
# call may publish a snapshot), which the clock column counts.
for s, f, ir, nc in rows:
    ic = calls(idle, f, RUNNER)
    per_call = (incl(idle, f) - clock_ir(idle, f)) / ic if ic else 0.0
    n_idle = sum(idle_loops.get(t, 0) * per_thread[t][s] for t in per_thread)
    idle_est[s] = (n_idle, per_call, n_idle * per_call, ic)
idle_total = sum(v[2] for v in idle_est.values())
busy_sum = stage_sum - idle_total
clock = {s: clock_ir(main, f) for s, f, _, _ in rows}
clock_total = sum(clock.values())

print("%-22s %-19s %14s %10s %8s %14s %10s %7s %12s %10s" % (
    "stage", "do_work", "Ir total", "Ir/signal", "% stages", "idle Ir (est)", "busy Ir/sig", "% busy",
    "clock Ir", "work Ir/sig"))
for s, f, ir, nc in rows:
    pct = 100.0 * ir / stage_sum if stage_sum else 0.0
    busy = ir - idle_est[s][2]
    bpct = 100.0 * busy / busy_sum if busy_sum else 0.0
    work = busy - clock[s]
    print("%-22s %-19s %14s %10s %7.1f%% %14s %10s %6.1f%% %12s %10s" % (
        label(s), f, fmt(ir), per(ir), pct, fmt(idle_est[s][2]), per(busy), bpct,
        fmt(clock[s]), per(work)))
    emit(kind="stage", stage=s, instances=instances[s], function=f, ir=ir,
         ir_per_signal=round(ir / N, 1), pct_of_stages=round(pct, 2), calls=nc,
         idle_ir_est=round(idle_est[s][2]), busy_ir_per_signal=round(busy / N, 1),
         pct_of_busy=round(bpct, 2), clock_ir=clock[s], work_ir_per_signal=round(work / N, 1))
print("%-22s %-19s %14s %10s %7.1f%% %14s %10s %6.1f%% %12s %10s" % (
    "all stages", "", fmt(stage_sum), per(stage_sum), 100.0, fmt(idle_total), per(busy_sum), 100.0,
    fmt(clock_total), per(busy_sum - clock_total)))
emit(kind="stage_total", ir=stage_sum, ir_per_signal=round(stage_sum / N, 1),
     idle_ir_est=round(idle_total), busy_ir_per_signal=round(busy_sum / N, 1),
     clock_ir=clock_total, work_ir_per_signal=round((busy_sum - clock_total) / N, 1))

runner_in = incl(main, RUNNER)
runner_rest = runner_in - sum(main["call_ir"][(RUNNER, f)] for _, f, _, _ in rows)
loops = sum(t["loops"] for t in summ.get("threads", []))
main_fn = incl(main, "main")
print()
print("%-46s %15s %10s" % ("context", "Ir total", "Ir/signal"))
for name, ir, note in (
        ("program (all threads, setup and teardown)", main["summary"], "program"),
        ("stage threads (%s)" % RUNNER, runner_in, "threads"),
        ("runner loop outside do_work (%s loops)" % fmt(loops), runner_rest, "runner"),
        ("main thread (config, setup, drain, summary)", main_fn, "main")):
    print("%-46s %15s %10s" % (name, fmt(ir), per(ir)))
    emit(kind="context", name=note, ir=ir, ir_per_signal=round(ir / N, 1))
if loops:
    emit(kind="context", name="runner_per_loop", ir=runner_rest, loops=loops,
         ir_per_loop=round(runner_rest / loops, 1))

# ---- idle ----
print()
print("idle: do_work calls in loops that found no work (threads' idle_loops x the")
print("      thread's stages of that kind), at the Ir per call of the calibration run")
print("%-22s %12s %14s %12s %15s %11s" % ("stage", "idle calls", "calib. calls", "Ir/idle call",
                                         "idle Ir (est)", "% of stage"))
for s, f, ir, nc in rows:
    n_idle, per_call, est, ic = idle_est[s]
    print("%-22s %12s %14s %12.1f %15s %10.1f%%" % (label(s), fmt(n_idle), fmt(ic), per_call,
                                                   fmt(est), 100.0 * est / ir if ir else 0.0))
    emit(kind="idle", stage=s, idle_calls=n_idle, calibration_calls=ic,
         ir_per_idle_call=round(per_call, 1), idle_ir_est=round(est))
ithreads = ", ".join("%s %s/%s" % (t["name"], fmt(t["idle_loops"]), fmt(t["loops"]))
                     for t in summ.get("threads", []))
print("threads idle/total loops: %s" % ithreads)
emit(kind="idle_total", idle_ir_est=round(idle_total),
     threads=[{k: t[k] for k in ("name", "loops", "idle_loops")} for t in summ.get("threads", [])])

# ---- clock-driven callees ----
print()
print("clock: callees whose calls the clock sets (left out of work Ir/signal)")
for s, f, ir, nc in rows:
    for (a, b), v in sorted(main["call_ir"].items()):
        if a == f and any(b == c or b.startswith(c + ".") for c in CLOCK):
            n = main["call_n"][(a, b)]
            print("  %-20s %-24s %10s calls %14s Ir %10.1f Ir/call %8s Ir/signal"
                  % (label(s), b, fmt(n), fmt(v), v / n if n else 0.0, per(v)))
            emit(kind="clock", stage=s, function=b, calls=n, ir=v,
                 ir_per_call=round(v / n, 1) if n else None, ir_per_signal=round(v / N, 1))

# ---- per stage: direct callees (main run) ----
print()
print("direct callees of each do_work (inclusive Ir, main run; inlined code stays in the caller)")
for s, f, ir, nc in rows:
    cs = sorted(((v, b) for (a, b), v in main["call_ir"].items() if a == f and b != f), reverse=True)
    print("  %s  (%s, self %s Ir/signal)" % (label(s), f, per(main["self"][f])))
    for v, b in cs[:8]:
        n = main["call_n"][(f, b)]
        print("    %-40s %14s %10s Ir/signal %10s calls %10.1f Ir/call"
              % (b, fmt(v), per(v), fmt(n), v / n if n else 0.0))
        emit(kind="callee", stage=s, function=b, ir=v, ir_per_signal=round(v / N, 1),
             calls=n, ir_per_call=round(v / n, 1) if n else None)

# ---- per stage: self-cost breakdown (toggle-collect runs) ----
if breakdown:
    print()
    print("under each stage (its own --toggle-collect run): top %d self-cost functions, and Ir by source file" % top)
    for s, f, ir, nc in rows:
        path = os.path.join(wd, "stage-%s.cg" % s)
        if not os.path.exists(path):
            continue
        p = parse(path)
        tot = sum(p["self"].values())
        ss = load_summary("stage-" + s)
        n_s = ss["signals_read"]
        il = {t["name"]: t["idle_loops"] for t in ss.get("threads", [])}
        idle_s = sum(il.get(t, 0) * per_thread[t][s] for t in per_thread) * idle_est[s][1]
        print("  %s: %s Ir in this run = %s Ir/signal (idle est. %s, busy %s Ir/signal)"
              % (label(s), fmt(tot), "{:,.1f}".format(tot / n_s), fmt(idle_s),
                 "{:,.1f}".format((tot - idle_s) / n_s)))
        emit(kind="stage_run", stage=s, ir=tot, ir_per_signal=round(tot / n_s, 1),
             idle_ir_est=round(idle_s), busy_ir_per_signal=round((tot - idle_s) / n_s, 1))
        for rank, (g, v) in enumerate(p["self"].most_common(top), 1):
            nc_g = calls(p, g)
            print("    %d. %-38s %14s %10s Ir/signal %5.1f%% %10s calls"
                  % (rank, g, fmt(v), "{:,.1f}".format(v / n_s), 100.0 * v / tot if tot else 0.0,
                     fmt(nc_g) if nc_g else "-"))
            emit(kind="self", stage=s, rank=rank, function=g, ir=v, ir_per_signal=round(v / n_s, 1),
                 pct_of_stage=round(100.0 * v / tot, 2) if tot else 0.0, calls=nc_g)
        byfile = collections.Counter()
        for (g, fl), v in p["file"].items():
            byfile[srcname(fl)] += v
        print("    by source file:", ", ".join("%s %s (%.1f%%)" % (fl, "{:,.1f}".format(v / n_s),
                                                                 100.0 * v / tot if tot else 0.0)
                                             for fl, v in byfile.most_common(8)))
        for fl, v in byfile.most_common(8):
            emit(kind="source_file", stage=s, file=fl, ir=v, ir_per_signal=round(v / n_s, 1),
                 pct_of_stage=round(100.0 * v / tot, 2) if tot else 0.0)

# ---- key functions ----
KEY = ["xr_signal_parse", "xr_names_user", "xr_names_symbol", "xr_dedup_check_insert",
       "xr_token_bucket_take", "xr_exposure_allows", "xr_select", "xr_score_venue",
       "xr_route_method", "xr_ring_enqueue_burst", "xr_ring_dequeue_burst", "xr_ring_enqueue",
       "xr_hist_record", "xr_u64map_upsert", "xr_u64map_remove", "xr_aggregate_publish",
       "xr_snapshot_publish", "xr_execute_poll", "xr__submit", "xr__sim_poll",
       "xr__sim_submit", "xr_heap_push", "xr_heap_pop", "xr_fixed_format",
       "xr_u64_format", "__divti3", "clock_gettime"]
print()
print("key functions (main run, inclusive; 'inlined' = no out-of-line copy was called)")
for k in KEY:
    cands = [g for g in main["fns"] if g == k or g.startswith(k + ".") or g.startswith(k + "@")]
    if not cands:
        print("  %-26s inlined" % k)
        emit(kind="key_function", function=k, inlined=True)
        continue
    ir = sum(incl(main, g) for g in cands)
    n = sum(calls(main, g) for g in cands)
    callers = collections.Counter()
    for (a, b), v in main["call_ir"].items():
        if b in cands:
            callers[a] += v
    who = ", ".join("%s %s" % (a, per(v)) for a, v in callers.most_common(3))
    print("  %-26s %14s %10s Ir/signal %11s calls %8.1f Ir/call  from: %s"
          % (k, fmt(ir), per(ir), fmt(n), ir / n if n else 0.0, who))
    emit(kind="key_function", function=k, inlined=False, ir=ir, ir_per_signal=round(ir / N, 1),
         calls=n, ir_per_call=round(ir / n, 1) if n else None,
         callers={a: v for a, v in callers.most_common(5)})

if os.environ.get("CG_JSON"):
    with open(os.environ["CG_JSON"], "w") as f:
        for o in out:
            f.write(json.dumps(o) + "\n")
    print("\nJSON lines: %s" % os.environ["CG_JSON"])
EOF
