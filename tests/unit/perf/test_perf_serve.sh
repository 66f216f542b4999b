#!/usr/bin/env bash
# xroute-perf serve, one quick round: it must run (engine, client processes,
# FIX initiator) and write every result line with its fields
# (tools/check-perf-json.py serve). No time is asserted.
#   tests/unit/perf/test_perf_serve.sh XROUTE_PERF SOURCE_ROOT
set -euo pipefail
perf=$1
root=$2
tmp=$(mktemp -d /tmp/xroute-perf-serve-test.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
"$perf" serve --quick --rounds 1 --tmp "$tmp" --json "$tmp/serve.json" >"$tmp/out.txt" 2>"$tmp/err.txt" || {
	echo "xroute-perf serve failed:" >&2
	tail -n 30 "$tmp/err.txt" >&2
	exit 1
}
python3 "$root/tools/check-perf-json.py" serve "$tmp/serve.json"
echo "perf serve smoke: ok"
