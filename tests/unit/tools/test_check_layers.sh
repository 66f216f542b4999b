#!/usr/bin/env bash
# tools/check-layers.sh on small synthetic trees: a clean tree passes, and
# each planted violation fails with a line naming the file, the line and the
# rule: an include of a higher layer, of another folder's private header, of
# perf/ from tests/, of a .c file; a product file past 1,200 lines; a header
# name held twice. White-box tests of a layer may include its private headers.
#   tests/unit/tools/test_check_layers.sh SOURCE_ROOT
set -euo pipefail
root=${1:-$(cd "$(dirname "$0")/../../.." && pwd)}
check=$root/tools/check-layers.sh
tmp=$(mktemp -d /tmp/xroute-layers-test.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fails=0

# A clean tree: every layer, a private header used by its folder and by its
# unit tests, a subfolder header included by path.
clean() {
	rm -rf "$tmp/t"
	mkdir -p "$tmp/t"/{ring,base,connectors/sim,engine,tools,perf,tests/unit/engine,tests/stress}
	cd "$tmp/t"
	printf '#include <stdint.h>\n' >ring/xr_ring.h
	printf '#include "xr_ring.h"\n' >base/xr_types.h
	printf '#include "xr_types.h"\n' >connectors/sim/xr_sim.h
	printf '#include "sim/xr_sim.h"\n#include "xr_types.h"\n' >connectors/connector.c
	printf '#include "xr_sim.h"\n' >engine/risk_pvt.h
	printf '#include "risk_pvt.h"\n#include "xr_ring.h"\n' >engine/risk.c
	printf '#include "xr_types.h"\n' >engine/xr_engine.h
	printf '#include "xr_engine.h"\n' >tools/xroute.c
	printf '#include "xr_engine.h"\n' >perf/perf_pvt.h
	printf '#include "perf_pvt.h"\n' >perf/main.c
	printf '#include "risk_pvt.h"\n' >tests/unit/engine/test_risk.c
	printf '#include "risk_pvt.h"\n' >tests/stress/risk_load.c
	cd - >/dev/null
}

# expect NAME STATUS [PATTERN]: run the check on the tree, compare the exit
# status and grep the output for PATTERN.
expect() {
	local name=$1 want=$2 pat=${3:-} rc=0
	"$check" "$tmp/t" >"$tmp/out" 2>&1 || rc=$?
	if [ "$rc" -ne "$want" ]; then
		echo "FAIL $name: exit $rc, expected $want"; sed 's/^/    /' "$tmp/out"; fails=$((fails + 1)); return
	fi
	if [ -n "$pat" ] && ! grep -qE -- "$pat" "$tmp/out"; then
		echo "FAIL $name: no line matching /$pat/"; sed 's/^/    /' "$tmp/out"; fails=$((fails + 1)); return
	fi
	echo "ok $name"
}

clean
expect clean_tree 0 'no violations'

clean
printf '#include "xr_engine.h"\n' >>"$tmp/t/connectors/connector.c"
expect upward_include 1 '^connectors/connector.c:3: includes "xr_engine.h" \(engine/xr_engine.h\): engine/ is above connectors/'

clean
printf '#include <stdio.h>\n#include "xr_sim.h"\n' >>"$tmp/t/base/xr_types.h"
expect upward_from_header 1 '^base/xr_types.h:3: .*connectors/ is above base/'

clean
printf '#include "risk_pvt.h"\n' >"$tmp/t/tools/report.c"
expect private_header 1 '^tools/report.c:1: includes "risk_pvt.h", private to engine/'

clean
printf '#include "risk_pvt.h"\n' >>"$tmp/t/perf/main.c"
expect private_from_perf 1 '^perf/main.c:2: includes "risk_pvt.h", private to engine/'

clean
printf '#include "perf_pvt.h"\n' >>"$tmp/t/tests/unit/engine/test_risk.c"
expect tests_include_perf 1 '^tests/unit/engine/test_risk.c:2: .*perf/ is above tests/'

clean
printf '#include "../../../engine/risk.c"\n' >>"$tmp/t/tests/unit/engine/test_risk.c"
expect c_file_include 1 'test_risk.c:2: includes the source file "../../../engine/risk.c"'

clean
seq 1 1201 | sed 's/^/int v/; s/$/;/' >"$tmp/t/engine/big.c"
expect long_file 1 '^engine/big.c: 1201 lines, more than 1200'

clean
seq 1 1201 | sed 's/^/int v/; s/$/;/' >"$tmp/t/tests/unit/engine/test_big.c"
expect long_test_allowed 0 'no violations'

clean
printf '#include <stdint.h>\n' >"$tmp/t/engine/xr_types.h"
expect duplicate_name 1 '^engine/xr_types.h: header name xr_types.h is also base/xr_types.h'

rc=0
"$check" "$tmp/nothing" >/dev/null 2>&1 || rc=$?
if [ "$rc" -eq 2 ]; then echo "ok not_a_tree"; else echo "FAIL not_a_tree: exit $rc"; fails=$((fails + 1)); fi

[ "$fails" -eq 0 ] || { echo "$fails failure(s)"; exit 1; }
echo "all passed"
