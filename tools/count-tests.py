#!/usr/bin/env python3
"""Count test results for tools/run-tests.sh and print "N passed, N failed".

Inputs: meson testlog.json files (one JSON object per line) and plain
"name OK|FAIL" files. A Criterion program counts its test cases from its
"Synthesis: Tested: T | Passing: P | Failing: F | Crashing: C" line; a
program without one (stress, integration, or a Criterion binary that died
before its synthesis) counts as one test. A failed meson test is named
with its log and followed by the last lines of its output (a CI log is
often read from its end). Exit status 1 if any failed.
"""
import json
import re
import sys

TAIL_LINES = 25

SYNTH = re.compile(r"Synthesis: Tested: (\d+) \| Passing: (\d+) \| Failing: (\d+) \| Crashing: (\d+)")


def main(paths):
    passed = failed = 0
    for path in paths:
        try:
            lines = open(path, encoding="utf-8", errors="replace").read().splitlines()
        except OSError as e:
            print(f"count-tests: {path}: {e.strerror}", file=sys.stderr)
            failed += 1
            continue
        for line in lines:
            line = line.strip()
            if not line:
                continue
            if path.endswith(".json"):
                t = json.loads(line)
                ok = t.get("result") == "OK"
                out = (t.get("stdout") or "") + (t.get("stderr") or "")
                m = SYNTH.search(out)
                if m:
                    p, f, c = int(m.group(2)), int(m.group(3)), int(m.group(4))
                    passed += p
                    failed += f + c
                    if not ok and f + c == 0:
                        failed += 1  # the program failed after its synthesis
                else:
                    passed += ok
                    failed += not ok
                if not ok:
                    print(f"FAILED: {t.get('name')} ({path}, {t.get('result')})",
                          file=sys.stderr)
                    for tail in out.rstrip().splitlines()[-TAIL_LINES:]:
                        print(f"  | {tail}", file=sys.stderr)
            else:
                name, _, result = line.rpartition(" ")
                passed += result == "OK"
                failed += result != "OK"
                if result != "OK":
                    print(f"FAILED: {name}", file=sys.stderr)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
