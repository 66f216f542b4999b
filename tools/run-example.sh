#!/usr/bin/env bash
# The main job on a fresh machine: install what is missing, build, generate
# the example signal file and route it with xroute through the example
# config's five simulated venues.
#
#   tools/run-example.sh            1,000,000 signals
#   SIGNALS=100000 tools/run-example.sh
#
# Outputs in build/example/: signals.csv, results.csv, summary.json, hist/*.hgrm
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

tools/install-deps.sh
[ -f build/build.ninja ] || meson setup build >/dev/null
ninja -C build >/dev/null

out=build/example
mkdir -p "$out"
./build/tools/xroute gen --signals "${SIGNALS:-1000000}" --users 100 --symbols 8 \
	--seed 42 -o "$out/signals.csv"
./build/tools/xroute run -c docs/examples/xroute.ini --signals "$out/signals.csv" \
	--out "$out/results.csv" --summary-json "$out/summary.json" --hist-dir "$out/hist"
echo "results: $out/results.csv  summary: $out/summary.json  histograms: $out/hist/"
