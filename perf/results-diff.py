#!/usr/bin/env python3
"""Compare two results files of xroute run, row by row, on every column
that does not hold a time.

  perf/results-diff.py BASE.csv WORK.csv [--again BASE2.csv]

Rows are matched by (signal_id, line); the *_ns columns are times and are
skipped. For each other column the report gives how many rows differ.

Routing is not a pure function of the input: the venue statistics that
score venues (latency, fill ratios, depth) are measured in wall-clock
windows, so two runs of one build on one file differ in their routing
columns (venue, score, fees, ...). --again BASE2.csv, a second run of the
BASE build, measures that floor. Then a column that never differs between
the two BASE runs must not differ in WORK either (it is deterministic: the
input's own columns, status and reason, for instance), and a column that
does differ is reported with both counts for the reader to judge.

Exit status: 0 when every deterministic column agrees (without --again:
when every column agrees), 1 otherwise, 2 on a usage or file error.
"""
import argparse
import csv
import sys

TIME_SUFFIX = "_ns"


def load(path):
    try:
        with open(path, newline="") as f:
            r = csv.DictReader(f)
            cols = [c for c in (r.fieldnames or []) if not c.endswith(TIME_SUFFIX)]
            rows = {}
            for row in r:
                rows[(row["signal_id"], row["line"])] = tuple(row[c] for c in cols)
            return cols, rows
    except (OSError, KeyError, csv.Error) as e:
        print(f"results-diff: {path}: {e}", file=sys.stderr)
        sys.exit(2)


def column_diffs(cols, a, b):
    """Rows present in one file only, and per column the rows that differ."""
    only = len(set(a) ^ set(b))
    per = [0] * len(cols)
    for k, va in a.items():
        vb = b.get(k)
        if vb is None:
            continue
        if va != vb:
            for i, (x, y) in enumerate(zip(va, vb)):
                per[i] += x != y
    return only, per


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("base")
    ap.add_argument("work")
    ap.add_argument("--again", help="a second run of the BASE build (the noise floor)")
    o = ap.parse_args()

    cols, a = load(o.base)
    wcols, b = load(o.work)
    if wcols != cols:
        print(f"results-diff: columns differ: {cols} vs {wcols}", file=sys.stderr)
        return 1
    only, per = column_diffs(cols, a, b)
    floor = None
    if o.again:
        acols, a2 = load(o.again)
        if acols != cols:
            print(f"results-diff: {o.again}: columns differ from {o.base}", file=sys.stderr)
            return 2
        fonly, floor = column_diffs(cols, a, a2)
        only = max(only - fonly, 0) if fonly else only

    print(f"rows: base {len(a)}, work {len(b)}, in one file only {only}")
    print(f"{'column':<20} {'work vs base':>14}" + (f" {'base vs base':>14}" if floor else ""))
    bad = only != 0
    for i, c in enumerate(cols):
        line = f"{c:<20} {per[i]:>14}"
        if floor is not None:
            line += f" {floor[i]:>14}"
            if floor[i] == 0 and per[i] != 0:
                line += "  DIFFERS (deterministic column)"
                bad = True
        elif per[i] != 0:
            bad = True
        print(line)
    print("results-diff: " + ("differ" if bad else "agree"))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
