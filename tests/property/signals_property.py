#!/usr/bin/env python3
"""Whole-pipeline property test of bad signal input (docs/testing.md).

    signals_property.py XROUTE SOURCE_ROOT [--seeds N] [--rows N] [--first-seed S]
                        [--config INI] [--pace-every K] [--no-save] [--keep]

For each seed, gen_signals.py writes a signal file mixing valid and malformed
rows and the expected outcome of each line (from docs/signals.md, not from
xroute's parser); `xroute run` (the binary given, i.e. the one of the build
the test is registered in) runs it on a config without venue faults
(tests/data/property.ini), and the run must:
  - exit 0, with no sanitizer report on stderr;
  - give exactly one result per row read (results = signals_read, every data
    line once, no blank or comment line);
  - end each malformed row `rejected` with the reason the oracle expects
    (parse_error, duplicate_signal_id, unknown_user, user_disabled,
    unknown_symbol, symbol_not_allowed, unknown_strategy), a parse_error
    row with empty side and qty and nothing filled, and a valid row with
    none of those reasons;
  - log each of the first 100 parse errors once as FILE:LINE: COLUMN: ...
    naming the column the oracle expects, and say how many more there were;
  - keep every invariant of the summary at 0 (unaccounted, duplicates,
    overfills, position_mismatches, exposure_left, write_errors) and count
    parse_errors and the input reasons as the oracle does;
  - have positions (--positions) equal to the signed fills of the results.
One more seed runs with 500 rows (more than 100 parse errors), and a
directory given as the signal file must be refused (exit 2, named as one).
Every --pace-every'th seed runs with --pace 1 (the rows are microseconds
apart, a few ts_ns are 0 or 9223372036854775807: the pace gap bound). Each
file of tests/property/regressions/ is replayed first, closed loop and paced.

A seed that fails is saved as tests/property/regressions/seed-S-rows-N.csv
(unless --no-save): commit it with its fix. Defaults: 20 seeds x 200 rows
from seed 1; XR_PROPERTY_SEEDS, XR_PROPERTY_ROWS and XR_PROPERTY_FIRST_SEED
override them (the options win). Exit 0 if every run held, 1 otherwise.
"""
import argparse
import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from decimal import Decimal

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import gen_signals as gs  # noqa: E402

LOGGED_MAX = 100  # xr_engine_io.max_parse_errors_logged default
INVARIANTS = ["unaccounted", "duplicates", "overfills", "position_mismatches",
              "exposure_left", "write_errors"]
SANITIZER = re.compile(r"runtime error:|AddressSanitizer|LeakSanitizer|"
                       r"UndefinedBehaviorSanitizer|ThreadSanitizer")
PACE_MSG = re.compile(r"^ts_ns: \d+ is \d+ s (after|before) the previous row's")


def env_int(name, default):
    v = os.environ.get(name)
    return int(v) if v else default


def run_xroute(xroute, config, sig, work, pace):
    out = {k: os.path.join(work, k) for k in ("results.csv", "summary.json", "positions.csv")}
    cmd = [xroute, "run", "-c", config, "--signals", sig, "--out", out["results.csv"],
           "--summary-json", out["summary.json"], "--positions", out["positions.csv"],
           "--no-hiccup"]
    if pace:
        cmd += ["--pace", "1"]
    env = dict(os.environ)
    env.setdefault("UBSAN_OPTIONS", "halt_on_error=1:print_stacktrace=1")
    if "halt_on_error" not in env["UBSAN_OPTIONS"]:
        env["UBSAN_OPTIONS"] += ":halt_on_error=1"
    try:
        p = subprocess.run(cmd, capture_output=True, env=env, timeout=120)
    except subprocess.TimeoutExpired as e:
        return None, (e.stderr or b"").decode("utf-8", "replace"), out, cmd
    return p.returncode, p.stderr.decode("utf-8", "replace"), out, cmd


def check(sig, exp, rc, stderr, out):
    """@return a list of what broke (empty: the run held every property)."""
    bad = []
    lines = exp["lines"]
    rows = exp["rows"]
    if rc is None:
        return ["xroute run did not end within 120 s"]
    if SANITIZER.search(stderr):
        bad.append("sanitizer report on stderr")
    if rc != 0:
        bad.append(f"exit status {rc}, expected 0")
    for ln, e in lines.items():
        if e.get("made") not in (None, e["expect"]):
            bad.append(f"line {ln}: generator meant {e['made']} ({e.get('kind')}), "
                       f"the oracle says {e['expect']}: fix gen_signals.py")
    try:
        s = json.load(open(out["summary.json"]))
    except (OSError, ValueError) as x:
        return bad + [f"no summary: {x}"]
    pe = [r for r in rows if lines[r]["expect"] == "parse_error"]
    if s["signals_read"] != len(rows):
        bad.append(f"signals_read {s['signals_read']}, rows {len(rows)}")
    if s["results"] != s["signals_read"]:
        bad.append(f"results {s['results']} != signals_read {s['signals_read']}")
    if s["parse_errors"] != len(pe):
        bad.append(f"parse_errors {s['parse_errors']}, expected {len(pe)}")
    for k in INVARIANTS:
        if s.get(k) != 0:
            bad.append(f"{k} = {s.get(k)}")
    finals = sum(s[k] for k in ("rejected", "filled", "partially_filled", "canceled", "failed"))
    if finals != s["signals_read"]:
        bad.append(f"final statuses sum to {finals}, not {s['signals_read']}")
    for reason in gs.INPUT_REASONS:
        want = sum(1 for r in rows if lines[r]["expect"] == reason)
        got = s["reasons"].get(reason, 0)
        if got != want:
            bad.append(f"reasons.{reason} = {got}, expected {want}")

    # Results: one per row, with the expected outcome.
    try:
        res = list(csv.DictReader(io.open(out["results.csv"], encoding="utf-8", newline="")))
    except OSError as x:
        return bad + [f"no results: {x}"]
    seen = {}
    fills = {}
    for r in res:
        ln = int(r["line"])
        seen[ln] = seen.get(ln, 0) + 1
        e = lines.get(ln)
        if e is None or e["expect"] == "skip":
            bad.append(f"line {ln}: a result for a line that is not a row")
            continue
        want = e["expect"]
        filled = Decimal(r["filled_qty"])
        if want == "candidate":
            if r["reason"] in gs.INPUT_REASONS:
                bad.append(f"line {ln}: valid row ended {r['status']} {r['reason']}")
        elif r["status"] != "rejected" or r["reason"] != want:
            bad.append(f"line {ln}: expected rejected {want} (column {e['column']}), got "
                       f"{r['status']} {r['reason']}")
        if want != "candidate" and filled != 0:
            bad.append(f"line {ln}: {want} row filled {filled}")
        if want == "parse_error" and (r["qty"] != "" or r["side"] != ""):
            bad.append(f"line {ln}: parse_error row carries side {r['side']!r} qty {r['qty']!r}")
        if r["qty"] != "" and filled > Decimal(r["qty"]):
            bad.append(f"line {ln}: filled {filled} > qty {r['qty']}")
        if r["status"] == "filled" and filled != Decimal(r["qty"]):
            bad.append(f"line {ln}: filled status with {filled} of {r['qty']}")
        if filled != 0:
            sign = {"buy": 1, "sell": -1}.get(r["side"])
            if sign is None:
                bad.append(f"line {ln}: fills without a side")
            else:
                k = (r["user"], r["symbol"])
                fills[k] = fills.get(k, 0) + sign * filled
    missing = [r for r in rows if r not in seen]
    if missing:
        bad.append(f"{len(missing)} rows without a result, first lines {missing[:5]}")
    twice = [ln for ln, n in seen.items() if n > 1]
    if twice:
        bad.append(f"{len(twice)} lines with several results, first {twice[:5]}")

    # Positions: the '*' rows equal the results' signed fills.
    try:
        pos = {}
        for p in csv.DictReader(io.open(out["positions.csv"], encoding="utf-8", newline="")):
            if p["venue"] == "*" and Decimal(p["net_qty"]) != 0:
                pos[(p["user"], p["symbol"])] = Decimal(p["net_qty"])
        fills = {k: v for k, v in fills.items() if v != 0}
        if pos != fills:
            bad.append(f"positions {sorted(pos.items())} != fills {sorted(fills.items())}")
    except (OSError, KeyError) as x:
        bad.append(f"positions file: {x}")

    # Messages: FILE:LINE: once per logged row, naming the expected column.
    logged = []
    prefix = re.compile(re.escape(sig) + r":(\d+): (.*)$")
    for ln in stderr.splitlines():
        m = prefix.match(ln)
        if not m or PACE_MSG.match(m.group(2)):
            continue
        n, msg = int(m.group(1)), m.group(2)
        logged.append(n)
        if re.search(r"\bline \d+:", msg):
            bad.append(f"line {n}: the message repeats the line: {msg}")
        col = lines.get(n, {}).get("column")
        ok = (msg.startswith(col + ": ") if col not in (None, "fields")
              else re.match(r"\d+ fields, expected 12", msg) if col == "fields"
              else msg.startswith('"') or msg.startswith("quoted"))
        if not ok:
            bad.append(f"line {n}: message {msg!r}, expected it to name {col}")
    if logged != pe[:LOGGED_MAX]:
        bad.append(f"logged parse errors at {logged[:8]}..., expected {pe[:8]}... "
                   f"({len(logged)} vs {min(len(pe), LOGGED_MAX)})")
    more = len(pe) - LOGGED_MAX
    tail = f"{sig}: {more} more malformed rows not shown ({len(pe)} in all"
    if more > 0 and tail not in stderr:
        bad.append(f"no line saying {more} more malformed rows were not shown")
    if more <= 0 and "more malformed rows not shown" in stderr:
        bad.append("says more rows were not shown, but all were")
    return bad


def one(args, sig, pace, label):
    users, symbols = gs.load_config(args.config)
    with open(sig, "rb") as f:
        data = f.read()
    exp = gs.classify(data, users, symbols)
    made_path = sig + ".expect.json"
    if os.path.exists(made_path):
        made = json.load(open(made_path))["lines"]
        for ln, e in made.items():
            if int(ln) in exp["lines"] and "made" in e:
                exp["lines"][int(ln)]["made"] = e["made"]
                exp["lines"][int(ln)]["kind"] = e.get("kind")
    if exp["header_error"]:
        return [f"{label}: the header is bad; the generator writes good headers"]
    work = tempfile.mkdtemp(prefix="xr_prop_", dir=args.work)
    rc, stderr, out, cmd = run_xroute(args.xroute, args.config, sig, work, pace)
    bad = check(sig, exp, rc, stderr, out)
    if bad:
        print(f"FAIL {label}{' --pace 1' if pace else ''}: {' '.join(cmd)}")
        for b in bad[:20]:
            print(f"  {b}")
        if len(bad) > 20:
            print(f"  ... {len(bad) - 20} more")
        print("  stderr (last lines):")
        for ln in stderr.splitlines()[-8:]:
            print(f"    {ln}")
    return bad


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("xroute")
    ap.add_argument("root")
    ap.add_argument("--seeds", type=int, default=env_int("XR_PROPERTY_SEEDS", 20))
    ap.add_argument("--rows", type=int, default=env_int("XR_PROPERTY_ROWS", 200))
    ap.add_argument("--first-seed", type=int, default=env_int("XR_PROPERTY_FIRST_SEED", 1))
    ap.add_argument("--config")
    ap.add_argument("--pace-every", type=int, default=4)
    ap.add_argument("--no-save", action="store_true")
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    args = ap.parse_args()
    args.xroute = os.path.abspath(args.xroute)
    args.config = args.config or os.path.join(args.root, "tests", "data", "property.ini")
    regdir = os.path.join(args.root, "tests", "property", "regressions")
    args.work = tempfile.mkdtemp(prefix="xr_property_")
    users, symbols = gs.load_config(args.config)
    failed = runs = 0
    try:
        for name in sorted(os.listdir(regdir)) if os.path.isdir(regdir) else []:
            if not name.endswith(".csv"):
                continue
            for pace in (False, True):
                runs += 1
                failed += bool(one(args, os.path.join(regdir, name), pace, f"regression {name}"))
        # A signal path that is a directory: refused before the run, named.
        runs += 1
        rc, stderr, _, _ = run_xroute(args.xroute, args.config, args.work, args.work, False)
        if rc != 2 or f"{args.work}: is a directory" not in stderr:
            failed += 1
            print(f"FAIL a directory as the signal file: exit {rc}, stderr {stderr!r}")
        # The seeds, then one of 500 rows at least, whose parse errors pass
        # the 100 logged: the count of the rest must be printed.
        plan = [(seed, args.rows) for seed in range(args.first_seed, args.first_seed + args.seeds)]
        if args.seeds > 0 and args.rows < 500:
            plan.append((args.first_seed + args.seeds, 500))
        for seed, nrows in plan:
            sig = os.path.join(args.work, f"seed-{seed}.csv")
            data, made = gs.generate(seed, nrows, users, symbols)
            with open(sig, "wb") as f:
                f.write(data)
            exp = gs.classify(data, users, symbols)
            for ln, (m, kind) in made.items():
                if ln in exp["lines"]:
                    exp["lines"][ln].update(made=m, kind=kind)
            with open(sig + ".expect.json", "w") as f:
                json.dump(exp, f, indent=0, sort_keys=True)
            pace = args.pace_every > 0 and seed % args.pace_every == 0
            runs += 1
            if one(args, sig, pace, f"seed {seed} ({nrows} rows)"):
                failed += 1
                keep = os.path.join(regdir, f"seed-{seed}-rows-{nrows}.csv")
                if not args.no_save and not os.path.exists(keep):
                    os.makedirs(regdir, exist_ok=True)
                    shutil.copyfile(sig, keep)
                    print(f"  saved as {keep}: commit it with the fix")
    finally:
        if not args.keep:
            shutil.rmtree(args.work, ignore_errors=True)
        else:
            print(f"work directory kept: {args.work}")
    print(f"signals_property: {runs - failed} of {runs} runs held "
          f"({args.seeds} seeds x {args.rows} rows from seed {args.first_seed}, "
          f"config {os.path.relpath(args.config, args.root)})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
