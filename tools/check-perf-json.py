#!/usr/bin/env python3
"""Check xroute-perf --json output: every line one JSON object with the
fields docs/perf.md promises, and the subcommand's expected result names.

usage: check-perf-json.py SUBCOMMAND FILE
Exit status 0 if the file is well formed, 1 (with the reason) if not.
Times are not asserted: CI machines differ; this keeps the harness from rotting.
"""
import json
import math
import sys

# Strategies perf/select.c runs at 2, 8, 16 and 64 venues, and at 16 only.
SELECT_EVERY_COUNT = ("weighted_score", "best_execution", "best_liquidity")
SELECT_16_ONLY = ("lowest_latency", "cost_optimization", "aggressive", "passive",
                  "balanced", "stealth")
REQUIRED = {"name": str, "unit": str, "median": (int, float), "min": (int, float),
            "max": (int, float), "rounds": int}
EXPECT = {
    "floor": ["floor.rtt"],
    "ring": ["ring.floor.rtt"] + [f"ring.{c}.{impl}" for c in (
        "tput.8B.single", "tput.8B.burst32", "tput.64B.single", "tput.64B.burst32",
        "rtt.8B", "rtt.64B") for impl in ("xroute", "ck_ring")],
    # Per strategy and venue count (perf/select.c), and select.16v.p99, the
    # pre-strategy name, kept as a copy of best_execution at 16 venues.
    "select": ["select.16v.p99"] + [
        f"select.{s}.{v}v.p99" for s in SELECT_EVERY_COUNT for v in (2, 8, 16, 64)] + [
        f"select.{s}.16v.p99" for s in SELECT_16_ONLY],
    "pipeline": ["pipeline.closed.throughput", "pipeline.open.e2e.p50",
                 "pipeline.open.stages", "pipeline.scale.venues.1",
                 "pipeline.scale.users.1", "pipeline.scale.users.1000000"],
    "fix": ["fix.nos.encode_decode", "fix.er.encode_decode", "fix.tcp.rtt"],
}


def fail(msg):
    print(f"check-perf-json: {msg}", file=sys.stderr)
    sys.exit(1)


def main(sub, path):
    seen = {}
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            try:
                r = json.loads(line)
            except json.JSONDecodeError as e:
                fail(f"{path}:{n}: not JSON: {e}")
            for k, t in REQUIRED.items():
                if not isinstance(r.get(k), t):
                    fail(f"{path}:{n}: field {k!r} missing or not {t}")
            for k in ("median", "min", "max"):
                if not math.isfinite(r[k]) or r[k] < 0:
                    fail(f"{path}:{n}: {k} = {r[k]} is not a finite figure >= 0")
            if not r["min"] <= r["median"] <= r["max"]:
                fail(f"{path}:{n}: {r['name']}: not min <= median <= max")
            seen[r["name"]] = r
    for name in EXPECT[sub]:
        if name not in seen:
            fail(f"{path}: result {name!r} missing")
    for name, r in seen.items():
        if name.endswith(".xroute") and "ratio_vs_ck" not in r:
            fail(f"{path}: {name}: ratio_vs_ck missing")
        if ".rtt." in name and "ratio_vs_floor" not in r:
            fail(f"{path}: {name}: ratio_vs_floor missing")
    if sub == "select":
        for name, r in seen.items():
            if r.get("alloc_bytes_per_decision", -1) < 0:
                fail(f"{path}: {name}: alloc_bytes_per_decision not measured")
            for k in ("split_share", "reject_share"):
                v = r.get(k)
                if not isinstance(v, (int, float)) or not 0 <= v <= 1:
                    fail(f"{path}: {name}: {k} = {v} is not a fraction 0..1")
        alias, own = seen["select.16v.p99"], seen["select.best_execution.16v.p99"]
        if {k: v for k, v in alias.items() if k != "name"} != \
                {k: v for k, v in own.items() if k != "name"}:
            fail(f"{path}: select.16v.p99 is not a copy of select.best_execution.16v.p99")
    if sub == "pipeline" and seen["pipeline.closed.throughput"].get(
            "alloc_bytes_per_signal", -1) < 0:
        fail(f"{path}: alloc_bytes_per_signal not measured")
    print(f"check-perf-json: {sub}: {len(seen)} results ok")


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in EXPECT:
        fail("usage: check-perf-json.py floor|ring|select|pipeline FILE")
    main(sys.argv[1], sys.argv[2])
