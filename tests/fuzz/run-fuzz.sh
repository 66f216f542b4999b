#!/usr/bin/env bash
# Fuzz a target with libFuzzer for a while: the FIX codec (fix, the default)
# or the router's check of a shared-memory client's record (client).
#   tests/fuzz/run-fuzz.sh BUILD_DIR SECONDS [fix|client]
# Sets up BUILD_DIR with clang and -Dfuzz=true if it is not one yet (it
# must be a clang build dir if it exists), builds fuzz_TARGET only, and runs
# it for SECONDS on a copy of the checked-in corpus (BUILD_DIR/fuzz-corpus/
# TARGET, kept between runs; tests/fuzz/corpus/ is never written). Exits 0 if
# no crash was found; 1 with the crash input's path (BUILD_DIR/
# fuzz-artifacts/) if one was; 2 on a setup error.
# To keep inputs it found that reach new edges (the checked-in corpus stays
# small: < 200 files, < 1 MB):
#   mkdir T && cp tests/fuzz/corpus/fix/* T/
#   BUILD_DIR/tests/fuzz_fix -merge=1 -use_counters=0 T BUILD_DIR/fuzz-corpus/fix
#   then copy each file of T not ending in .fix to tests/fuzz/corpus/fix/min-NAME.fix
#   (tests/fuzz/make-corpus.py keeps min-*.fix and crash-*.fix).
# Needs: clang with libFuzzer (Debian 12: packages clang and
# libclang-rt-14-dev; the latter is only recommended by clang's, so
# --no-install-recommends leaves it out), meson, ninja, and the project's
# dependencies (tools/install-deps.sh).
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)

if [ $# -lt 2 ] || [ $# -gt 3 ] || ! [[ $2 =~ ^[0-9]+$ ]] || [ "$2" -lt 1 ] ||
	! [[ ${3:-fix} =~ ^(fix|client)$ ]]; then
	echo "usage: $0 BUILD_DIR SECONDS [fix|client]" >&2
	exit 2
fi
build=$1
secs=$2
target=${3:-fix}
dict=()
[ "$target" = fix ] && dict=(-dict="$root/tests/fuzz/fix.dict")
die() { echo "run-fuzz: $*" >&2; exit 2; }

command -v clang >/dev/null || die "clang not found (apt-get install clang libclang-rt-14-dev)"
echo 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { (void)d; (void)n; return 0; }' |
	clang -x c -fsanitize=fuzzer - -o /dev/null 2>/dev/null ||
	die "clang -fsanitize=fuzzer does not link: libFuzzer missing (Debian 12: libclang-rt-14-dev)"

if [ ! -f "$build/build.ninja" ]; then
	CC=clang meson setup "$build" "$root" -Dfuzz=true -Dtests=enabled >/dev/null ||
		die "meson setup $build failed"
else
	grep -A1 '^rule c_COMPILER$' "$build/build.ninja" | grep -q 'command = clang' ||
		die "$build exists and is not a clang build dir; give another one"
	meson configure "$build" -Dfuzz=true >/dev/null || die "meson configure $build failed"
fi
meson compile -C "$build" "fuzz_$target" >/dev/null ||
	die "building fuzz_$target failed (meson compile -C $build fuzz_$target)"

corpus=$build/fuzz-corpus/$target
artifacts=$build/fuzz-artifacts
mkdir -p "$corpus" "$artifacts"
cp -n "$root"/tests/fuzz/corpus/"$target"/* "$corpus"/
log=$build/fuzz-$target.log
before=$(ls "$artifacts" | wc -l)

echo "run-fuzz: fuzz_$target for ${secs}s on $corpus (log: $log)"
"$build/tests/fuzz_$target" "$corpus" "${dict[@]}" \
	-max_total_time="$secs" -timeout=5 -rss_limit_mb=2048 \
	-artifact_prefix="$artifacts/" -print_final_stats=1 >"$log" 2>&1
rc=$?
grep -E '^#[0-9]+[[:space:]]+(INITED|DONE)' "$log" | sed 's/^/run-fuzz: /'
grep -E '^stat::number_of_executed_units' "$log" | sed 's/^/run-fuzz: /'

new=$(ls -t "$artifacts" | head -n $(( $(ls "$artifacts" | wc -l) - before )))
if [ $rc -ne 0 ] || [ -n "$new" ]; then
	echo "run-fuzz: fuzz_$target found a crash (exit $rc); from $log:" >&2
	grep -B2 -A30 -E '==ERROR|runtime error|invariant broken|deadly signal|ERROR: libFuzzer' "$log" |
		head -60 >&2
	for f in $new; do
		echo "run-fuzz: crash input: $artifacts/$f" >&2
	done
	echo "run-fuzz: replay one: $build/tests/fuzz_$target $artifacts/<file>" >&2
	exit 1
fi
echo "run-fuzz: no crash (new inputs are in $corpus; $0 says how to keep some)"
exit 0
