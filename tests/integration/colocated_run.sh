#!/usr/bin/env bash
# Integration: xroute in colocated mode (docs/deploy.md) end to end.
#   colocated_run.sh XROUTE SOURCE_ROOT
# Runs docs/examples/xroute-colocated.ini (threads busy-spinning on cpus 0
# and 1) with lock_memory = try, since CI containers usually may not lock
# memory, on a small generated signal file; checks the invariants, the
# start line, the isolation warnings this host calls for, and the start-up
# errors (unpinned thread, huge_pages = on without huge pages).
# Where cpus 0 and 1 are not both usable (taskset, cgroup cpuset), the
# threads go to the first two usable cpus, or both to the only one, and the
# shared-cpu warning is then expected too.
set -euo pipefail
xroute=$1
src=$2
dir=$(mktemp -d /tmp/xr_colocated_XXXXXX)
trap 'rm -rf "$dir"' EXIT
fail() { echo "colocated_run: $*" >&2; exit 1; }

read -r cpu_a cpu_b < <(python3 -c '
import os
c = sorted(os.sched_getaffinity(0))
print(c[0], c[1] if len(c) > 1 else c[0])')
sed -e 's/^lock_memory = true .*/lock_memory = try/' -e "s/^front.cpu = 0$/front.cpu = $cpu_a/" \
	-e "s/^back.cpu = 1$/back.cpu = $cpu_b/" "$src/docs/examples/xroute-colocated.ini" \
	> "$dir/colocated.ini"
grep -qx "back.cpu = $cpu_b" "$dir/colocated.ini" || fail "could not pin back to cpu $cpu_b"
grep -q '^lock_memory = try$' "$dir/colocated.ini" || fail "could not set lock_memory = try"
"$xroute" check -c "$dir/colocated.ini" > "$dir/effective.ini"
grep -qx 'mode = colocated' "$dir/effective.ini" || fail "effective config is not colocated"
grep -qx 'front.wait = busy_spin' "$dir/effective.ini" || fail "front does not busy-spin"
"$xroute" check -c "$dir/effective.ini" > "$dir/effective2.ini"
cmp -s <(tail -n +2 "$dir/effective.ini") <(tail -n +2 "$dir/effective2.ini") ||
	fail "the effective colocated config does not round-trip"

n=50000
"$xroute" gen --signals $n --users 100 --symbols 8 --seed 11 -o "$dir/signals.csv"
"$xroute" run -c "$dir/colocated.ini" --signals "$dir/signals.csv" \
	--out "$dir/results.csv" --summary-json "$dir/summary.json" \
	> "$dir/summary.txt" 2> "$dir/stderr.txt" ||
	{ cat "$dir/stderr.txt" >&2; fail "xroute run failed"; }
cat "$dir/stderr.txt"

python3 - "$dir/summary.json" "$n" "$cpu_a" "$cpu_b" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
n = int(sys.argv[2])
assert s["signals_read"] == n, s["signals_read"]
assert s["unaccounted"] == 0 and s["duplicates"] == 0, s
assert s["overfills"] == 0 and s["position_mismatches"] == 0, s
cpus = [t["cpu"] for t in s["threads"]]
assert cpus == [int(sys.argv[3]), int(sys.argv[4])], f"threads ran on {cpus}"
PY
[ "$(wc -l < "$dir/results.csv")" -eq $((n + 1)) ] || fail "results.csv has the wrong row count"

# The start line: what was done, in one line.
start='^xroute: colocated: (mlockall ok|memory not locked \(mlockall refused, see the warning\)), '
start+='rings [0-9.]+ MiB in [^,]+, [0-9.]+ MiB of pools and tables prefaulted, '
if [ "$cpu_a" = "$cpu_b" ]; then
	start+="2 threads busy-spinning on cpu $cpu_a\$"
else
	start+="2 threads busy-spinning on cpus $cpu_a,$cpu_b\$"
fi
grep -Eq "$start" "$dir/stderr.txt" || fail "no start line like: $start"
if grep -q 'memory not locked' "$dir/stderr.txt"; then
	# lock_memory = try refused: a warning with the cause and the fix.
	grep -q '^xroute: warning: lock_memory: .*ulimit -l unlimited.*lock_memory = try' \
		"$dir/stderr.txt" || fail "mlockall was refused without a warning naming the fix"
fi

# The isolation warnings this host calls for (a missing file = no cpu).
python3 - "$dir/stderr.txt" "$cpu_a" "$cpu_b" <<'PY'
import sys

def cpus(path):
    try:
        text = open(path).read().strip()
    except FileNotFoundError:
        return set()
    out = set()
    for item in filter(None, text.split(",")):
        lo, _, hi = item.partition("-")
        out.update(range(int(lo), int(hi or lo) + 1))
    return out

iso = cpus("/sys/devices/system/cpu/isolated")
nohz = cpus("/sys/devices/system/cpu/nohz_full")
err = open(sys.argv[1]).read()
a, b = int(sys.argv[2]), int(sys.argv[3])
for thread, cpu in (("front", a), ("back", b)):
    head = f"xroute: warning: thread {thread} busy-spins on cpu {cpu}, which is "
    if cpu in iso and cpu in nohz:
        assert head not in err, f"warned about isolated cpu {cpu}"
    elif cpu not in iso and cpu not in nohz:
        assert head + "not isolated (in neither isolcpus nor nohz_full)" in err, \
            f"no isolation warning for thread {thread} on cpu {cpu}:\n{err}"
    else:
        assert head + "in " in err, f"no partial-isolation warning for cpu {cpu}:\n{err}"
shared = f"xroute: warning: threads front and back both busy-spin on cpu {a}:"
assert (shared in err) == (a == b), f"shared-cpu warning wrong for cpus {a}, {b}:\n{err}"
PY

# Start-up errors. A colocated thread without a cpu: a config error naming
# the place; exit 2.
cat > "$dir/nocpu.ini" <<'EOF'
[engine]
mode = colocated
[threads]
a.stages = ingress, validate, route
a.cpu = 0
b.stages = execute.*, aggregate, output
[venue v]
book.BTC-USD = mid=100 tick=1 levels=5 level_qty=1
[user u001]
EOF
set +e
"$xroute" check -c "$dir/nocpu.ini" > /dev/null 2> "$dir/err.txt"
rc=$?
set -e
[ $rc -eq 2 ] || fail "unpinned colocated thread: exit $rc, expected 2"
grep -q 'nocpu.ini:6: \[threads\] b.cpu: missing: mode = colocated' "$dir/err.txt" ||
	fail "unpinned thread error does not name the place: $(cat "$dir/err.txt")"

# huge_pages = on fails the start, with how to reserve huge pages, when
# none are free (checked only on hosts with none reserved).
if [ "$(awk '/^HugePages_Free:/ { print $2 }' /proc/meminfo)" = 0 ]; then
	sed 's/^huge_pages = try .*/huge_pages = on/' "$dir/colocated.ini" > "$dir/huge.ini"
	set +e
	"$xroute" run -c "$dir/huge.ini" --signals "$dir/signals.csv" > /dev/null 2> "$dir/err.txt"
	rc=$?
	set -e
	[ $rc -eq 2 ] || fail "huge_pages = on without huge pages: exit $rc, expected 2"
	grep -q 'huge_pages = on: cannot map .* vm.nr_hugepages' "$dir/err.txt" ||
		fail "huge_pages = on error does not say how to fix it: $(cat "$dir/err.txt")"
fi
echo "colocated_run: OK"
