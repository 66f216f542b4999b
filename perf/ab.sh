#!/usr/bin/env bash
# A/B timing of the work tree against a baseline commit, interleaved.
#
# Builds BASE_COMMIT (a git worktree in the scratch directory) and the
# current checkout, uncommitted changes included, alike: buildtype release,
# tests disabled. Then runs each side's own xroute-perf (its own harness and
# defaults: the baseline may predate options or result fields) on the chosen
# subcommands with --quick --json, alternately for N rounds (ABBA order: round
# 1 base first, round 2 work first, ...), and prints per metric the median of
# each side over the rounds and the ratio work/base. Timing on this host moves
# between runs by more than many changes (docs/perf.md, "The machine and its
# noise"): read the ratios as indicative, and count instructions
# (perf/callgrind-stages.sh) where the question is work, not time.
#
#   perf/ab.sh 2d1f4ae                     pipeline, 3 rounds
#   perf/ab.sh HEAD~3 --rounds 5 --sub pipeline,ring,select
#
# The pseudo-subcommand `run` compares the two engines on the same work:
# both sides' `xroute run -c perf/pipeline.ini` (this tree's config, checked
# with the baseline's `xroute check`) closed loop over one signal file that
# the BASELINE's `xroute gen` writes (1M signals, 100 users, 8 symbols, seed
# 42), so that both parse every row and route the same strategy mix. Each
# side's xroute-perf pipeline instead replays its own generator's signals,
# and a newer generator may ask for strategies that split orders and walk
# books: more work per signal than the baseline's workload. `run` reports
# the throughput and, as a check that the work matched, children per signal
# and the share of signals rejected.
#
# Metrics: every result line's median (pipeline: closed-loop throughput,
# open-loop e2e p50, scaling; hiccup lines for the host's state), plus
# pipeline.open.e2e.p50's e2e_p99 / e2e_p999 and pipeline.open.stages'
# per-stage *_p99. A metric missing on one side prints "-".
#
# Exit status: 0 ok, 1 a build or a run failed, 2 usage error.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

usage() {
	cat <<'EOF'
usage: perf/ab.sh BASE_COMMIT [--rounds N] [--sub LIST] [--scratch DIR] [--keep]
                  [--perf-args "ARGS"]

  BASE_COMMIT         the baseline (anything git rev-parse takes)
  -r, --rounds N      rounds per side (default: 3)
  -s, --sub LIST      xroute-perf subcommands, comma-separated (default:
                      pipeline; e.g. pipeline,ring,select), and `run`:
                      both sides' xroute run on one signal file (above)
      --scratch DIR   builds, baseline worktree and JSON files (default:
                      build-ab/ of this source tree)
      --keep          keep the baseline worktree afterwards (default: removed;
                      the builds and JSON files are kept)
      --perf-args A   extra arguments for both sides' xroute-perf (quoted)
  -h, --help          print this and exit
EOF
}

base=
rounds=3
subs=pipeline
scratch=
keep=0
perf_args=
while [ $# -gt 0 ]; do
	case "$1" in
	-r | --rounds) rounds=${2:?}; shift 2 ;;
	--rounds=*) rounds=${1#*=}; shift ;;
	-s | --sub) subs=${2:?}; shift 2 ;;
	--sub=*) subs=${1#*=}; shift ;;
	--scratch) scratch=${2:?}; shift 2 ;;
	--scratch=*) scratch=${1#*=}; shift ;;
	--keep) keep=1; shift ;;
	--perf-args) perf_args=${2?}; shift 2 ;;
	--perf-args=*) perf_args=${1#*=}; shift ;;
	-h | --help) usage; exit 0 ;;
	-*) echo "ab: unknown option: $1" >&2; usage >&2; exit 2 ;;
	*) [ -z "$base" ] || { echo "ab: one BASE_COMMIT only ($base, $1)" >&2; exit 2; }
	   base=$1; shift ;;
	esac
done
say() { echo "ab: $*" >&2; }
[ -n "$base" ] || { usage >&2; exit 2; }
case "$rounds" in '' | *[!0-9]* | 0) say "--rounds: \"$rounds\" is not a positive number"; exit 2 ;; esac
IFS=, read -r -a sublist <<<"$subs"
[ ${#sublist[@]} -gt 0 ] || { say "--sub: empty"; exit 2; }
base_sha=$(git -C "$root" rev-parse --verify --quiet "$base^{commit}") ||
	{ say "$base: not a commit"; exit 2; }
scratch=${scratch:-$root/build-ab}
mkdir -p "$scratch"
scratch=$(cd "$scratch" && pwd)
read -r -a extra <<<"$perf_args"

# The state of both sides, first.
head_sha=$(git -C "$root" rev-parse HEAD)
dirty=$(git -C "$root" status --porcelain --untracked-files=no | wc -l)
echo "base: $(git -C "$root" log -1 --format='%h %s' "$base_sha" | cut -c1-100)"
if [ "$dirty" -eq 0 ]; then
	echo "work: $(git -C "$root" log -1 --format='%h %s' HEAD | cut -c1-100) (clean)"
else
	echo "work: $(git -C "$root" log -1 --format='%h %s' HEAD | cut -c1-100) + uncommitted changes in $dirty file(s):"
	git -C "$root" status --porcelain --untracked-files=no | sed 's/^/        /' | head -n 20
fi
echo "rounds: $rounds per side, alternating; subcommands: ${sublist[*]} (--quick --json${perf_args:+ $perf_args}); host: $(nproc) CPUs"

# Builds: the same options on both sides; -Dtests=disabled only where the
# tree has the option.
build_side() { # NAME SOURCE_DIR BUILD_DIR
	local name=$1 src=$2 bld=$3 opts=(-Dbuildtype=release)
	if grep -qs "option('tests'" "$src/meson_options.txt"; then
		opts+=(-Dtests=disabled)
	fi
	if [ ! -f "$bld/build.ninja" ]; then
		meson setup "$bld" "$src" "${opts[@]}" >"$scratch/$name-setup.log" 2>&1 ||
			{ say "$name: meson setup failed; see $scratch/$name-setup.log"; exit 1; }
	fi
	local t0=$SECONDS
	ninja -C "$bld" perf/xroute-perf tools/xroute >"$scratch/$name-build.log" 2>&1 ||
		{ say "$name: build failed; see $scratch/$name-build.log"; exit 1; }
	say "$name: built $bld/perf/xroute-perf and tools/xroute in $((SECONDS - t0)) s"
}

wt=$scratch/base-src
if [ -d "$wt" ] && [ "$(git -C "$wt" rev-parse HEAD 2>/dev/null)" != "$base_sha" ]; then
	git -C "$root" worktree remove --force "$wt"
	rm -rf "$scratch/base"
fi
[ -d "$wt" ] || git -C "$root" worktree add --quiet --detach "$wt" "$base_sha"
cleanup() { [ "$keep" -eq 1 ] || git -C "$root" worktree remove --force "$wt" 2>/dev/null || true; }
trap cleanup EXIT
build_side base "$wt" "$scratch/base"
build_side work "$root" "$scratch/work"

# The rounds, interleaved.
out=$scratch/json
rm -rf "$out"
mkdir -p "$out"
run_cfg=$root/perf/pipeline.ini
run_sig=$out/run-signals.csv
for sub in "${sublist[@]}"; do
	[ "$sub" = run ] || continue
	"$scratch/base/tools/xroute" check -c "$run_cfg" >/dev/null 2>"$out/run-check.log" ||
		{ say "run: the baseline's xroute check refuses $run_cfg; see $out/run-check.log"; exit 1; }
	"$scratch/base/tools/xroute" gen --signals 1000000 --users 100 --symbols 8 --seed 42 \
		-o "$run_sig" >"$out/run-gen.log" 2>&1 ||
		{ say "run: the baseline's xroute gen failed; see $out/run-gen.log"; exit 1; }
done
# One closed-loop xroute run; its summary as result lines (metrics() below).
run_xroute() { # SIDE JSON_OUT LOG
	local x=$scratch/$1/tools/xroute opt=()
	"$x" run --help 2>&1 | grep -q -- --no-hiccup && opt=(--no-hiccup)
	"$x" run -c "$run_cfg" --signals "$run_sig" --summary-json "$2.summary" "${opt[@]}" \
		>"$3" 2>&1 || return 1
	python3 - "$2.summary" >"$2" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
n = s["signals_read"]
children = sum(v["children"] for v in s["venues"])
for name, unit, v in (("run.closed.throughput", "signals/s", s["throughput_per_s"]),
                      ("run.children_per_signal", "x", children / n),
                      ("run.rejected_share", "x", s["rejected"] / n)):
    print(json.dumps({"name": name, "unit": unit, "median": v}))
PY
}
run_side() { # SIDE SUB ROUND
	local side=$1 sub=$2 r=$3 t0=$SECONDS
	local f=$out/$side.$sub.$r.json
	if [ "$sub" = run ]; then
		run_xroute "$side" "$f" "$out/$side.$sub.$r.log" ||
			{ say "$side: xroute run failed (round $r); see $out/$side.$sub.$r.log"; exit 1; }
	elif ! "$scratch/$side/perf/xroute-perf" "$sub" --quick --json "$f" "${extra[@]}" \
		>"$out/$side.$sub.$r.log" 2>&1; then
		say "$side: xroute-perf $sub failed (round $r); see $out/$side.$sub.$r.log"
		exit 1
	fi
	say "round $r: $side $sub, $((SECONDS - t0)) s"
}
for r in $(seq 1 "$rounds"); do
	for sub in "${sublist[@]}"; do
		if [ $((r % 2)) -eq 1 ]; then
			run_side base "$sub" "$r"; run_side work "$sub" "$r"
		else
			run_side work "$sub" "$r"; run_side base "$sub" "$r"
		fi
	done
done

AB_OUT=$out AB_ROUNDS=$rounds AB_SUBS="${sublist[*]}" python3 - <<'EOF'
import glob, json, math, os, re, statistics

out = os.environ["AB_OUT"]
EXTRA = {  # line name -> fields besides its median
    "pipeline.open.e2e.p50": re.compile(r"^e2e_p99$|^e2e_p999$"),
    "pipeline.open.stages": re.compile(r"_p99$"),
}


def metrics(path):
    m = {}
    with open(path) as f:
        for line in f:
            try:
                o = json.loads(line)
            except ValueError:
                continue
            name, unit = o.get("name"), o.get("unit", "")
            if not name:
                continue
            if isinstance(o.get("median"), (int, float)):
                m[name] = (o["median"], unit)
            rx = EXTRA.get(name)
            for k, v in o.items() if rx else ():
                if rx.search(k) and isinstance(v, (int, float)):
                    m[name + ":" + k] = (v, "ns")
    return m


def fmt(v):
    if v is None:
        return "-"
    a = abs(v)
    return "%.0f" % v if a >= 1000 else "%.1f" % v if a >= 10 else "%.3f" % v


for sub in os.environ["AB_SUBS"].split():
    sides = {}
    for side in ("base", "work"):
        runs = [metrics(p) for p in sorted(glob.glob(os.path.join(out, "%s.%s.*.json" % (side, sub))))]
        sides[side] = runs
    names = []
    for side in ("base", "work"):
        for r in sides[side]:
            names += [n for n in r if n not in names]
    print()
    title = "xroute run, one signal file" if sub == "run" else "xroute-perf " + sub
    print("%s: medians over %s rounds; ratio = work / base" % (title, os.environ["AB_ROUNDS"]))
    print("%-48s %-10s %12s %12s %8s" % ("metric", "unit", "base", "work", "ratio"))
    for n in names:
        med, unit = {}, ""
        for side in ("base", "work"):
            v = [r[n][0] for r in sides[side] if n in r]
            unit = unit or next((r[n][1] for r in sides[side] if n in r), "")
            med[side] = statistics.median(v) if v else None
        b, w = med["base"], med["work"]
        ratio = "%.3f" % (w / b) if b and w is not None and not math.isnan(w / b) else "-"
        hint = "higher is better" if unit.endswith("/s") else ""
        print("%-48s %-10s %12s %12s %8s  %s" % (n, unit, fmt(b), fmt(w), ratio, hint))
EOF
