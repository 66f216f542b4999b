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
# perf/serve.c: each result and the extra fields it must carry.
SERVE_FIELDS = {
    "serve.floor.rtt": ("round_trips", "cpu_a", "cpu_b"),
    "serve.tcp.rtt": ("p50", "p99", "p999", "mean", "round_trips", "bytes"),
    "serve.client.rtt": ("ratio_vs_floor", "p50", "p99", "p999", "mean", "p99_vs_floor",
                         "p999_vs_floor", "round_trips"),
    "serve.pipeline.closed": ("signals",),
    "serve.closed.1client": ("vs_pipeline", "signals", "clients"),
    "serve.closed.4clients": ("vs_1client", "vs_pipeline", "signals", "clients"),
    "serve.fix.rtt": ("p50", "p99", "p999", "mean", "p50_vs_tcp", "p99_vs_tcp",
                      "p999_vs_tcp", "round_trips"),
}
EXPECT = {
    "hiccup": ["hiccup.probe", "hiccup.sleeper"],
    "floor": ["floor.rtt"],
    # Over all rounds; perf/ring.c adds ring.{near,far}.* per placement seen
    # and ring.round.N.{near,far} per round (checked in main).
    "ring": ["ring.floor.rtt"] + [f"ring.{c}.{impl}" for c in (
        "tput.8B.single", "tput.8B.burst32", "tput.64B.single", "tput.64B.burst32",
        "rtt.8B", "rtt.64B") for impl in ("xroute", "xroute_index", "ck_ring")],
    # Per strategy and venue count (perf/select.c), and select.16v.p99, the
    # pre-strategy name, kept as a copy of best_execution at 16 venues.
    "select": ["select.16v.p99"] + [
        f"select.{s}.{v}v.p99" for s in SELECT_EVERY_COUNT for v in (2, 8, 16, 64)] + [
        f"select.{s}.16v.p99" for s in SELECT_16_ONLY],
    "pipeline": ["pipeline.closed.throughput", "pipeline.open.e2e.p50",
                 "pipeline.open.stages", "pipeline.hiccup.probe", "pipeline.hiccup.sleeper",
                 "pipeline.open.e2e.vs_hiccup", "pipeline.scale.venues.1",
                 "pipeline.scale.users.1", "pipeline.scale.users.1000000"],
    "fix": ["fix.nos.encode_decode", "fix.er.encode_decode", "fix.tcp.rtt"],
    "serve": list(SERVE_FIELDS),
    "journal": ["journal.closed.throughput", "journal.open.e2e.p99"],
}


# Fields of every hiccup result (perf/common.c xr_perf_result_hiccup).
HICCUP_FIELDS = ("p50", "p99", "p999", "worst", "count", "lost_ppm", "lost_count",
                 "duration_ns", "cpu")
# pipeline.open.e2e.vs_hiccup: ratio field -> (numerator, denominator).
HICCUP_RATIOS = {"p99_vs_probe": ("e2e_p99", "probe_p99"),
                 "p999_vs_probe": ("e2e_p999", "probe_p999"),
                 "p99_vs_sleeper": ("e2e_p99", "sleeper_p99"),
                 "p999_vs_sleeper": ("e2e_p999", "sleeper_p999"),
                 "router_p99_vs_probe": ("router_p99", "probe_p99"),
                 "router_p999_vs_probe": ("router_p999", "probe_p999")}


def fail(msg):
    print(f"check-perf-json: {msg}", file=sys.stderr)
    sys.exit(1)


def check_ring(path, seen):
    """Placement: every round named near or far by its floor, every figure
    carrying the placement counts, and per-placement figures for each
    placement that had rounds."""
    rounds = {n: r for n, r in seen.items() if n.startswith("ring.round.")}
    if not rounds:
        fail(f"{path}: no ring.round.N.near|far lines")
    count = {"near": 0, "far": 0}
    for name, r in rounds.items():
        place = name.rsplit(".", 1)[1]
        if place not in count or r.get("far") != (place == "far"):
            fail(f"{path}: {name}: placement and 'far' = {r.get('far')} disagree")
        count[place] += 1
    for name, r in seen.items():
        if name.startswith("ring.round."):
            continue
        if (r.get("near_rounds"), r.get("far_rounds")) != (count["near"], count["far"]):
            fail(f"{path}: {name}: near_rounds/far_rounds do not match the round lines")
        parts = name.split(".")
        if parts[1] in count and r["rounds"] != count[parts[1]]:
            fail(f"{path}: {name}: {r['rounds']} rounds, {count[parts[1]]} were {parts[1]}")
    for place, n in count.items():
        if n == 0:
            continue
        for name in EXPECT["ring"]:
            pname = name.replace("ring.", f"ring.{place}.", 1)
            if pname not in seen:
                fail(f"{path}: result {pname!r} missing ({n} {place} rounds)")


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
        if name.endswith((".xroute", ".xroute_index")) and "ratio_vs_ck" not in r:
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
    if sub == "ring":
        check_ring(path, seen)
    if sub == "pipeline" and seen["pipeline.closed.throughput"].get(
            "alloc_bytes_per_signal", -1) < 0:
        fail(f"{path}: alloc_bytes_per_signal not measured")
    if sub == "serve":
        for name, keys in SERVE_FIELDS.items():
            for k in keys:
                v = seen[name].get(k)
                if not isinstance(v, (int, float)) or not math.isfinite(v) or v < 0:
                    fail(f"{path}: {name}: {k} = {v} is not a finite figure >= 0")
    if sub == "pipeline":
        check_hiccups(path, seen, "pipeline.hiccup.")
        check_vs_hiccup(path, seen)
    if sub == "hiccup":
        check_hiccups(path, seen, "hiccup.")
    print(f"check-perf-json: {sub}: {len(seen)} results ok")


def check_hiccups(path, seen, prefix):
    """Hiccup lines (pipeline's or hiccup's, named PREFIX...): one per CPU,
    both CPUs merged, and the sleeper (docs/perf.md "Hiccups")."""
    cpus = [n for n in seen if n.startswith(prefix + "probe.cpu")]
    if len(cpus) != 2:
        fail(f"{path}: expected 2 {prefix}probe.cpuN results, got {cpus}")
    for name in cpus + [prefix + "probe", prefix + "sleeper"]:
        r = seen[name]
        for k in HICCUP_FIELDS:
            if not isinstance(r.get(k), (int, float)) or not math.isfinite(r[k]):
                fail(f"{path}: {name}: {k} missing or not a finite number")
        if not 0 <= r["p50"] <= r["p99"] <= r["p999"] <= r["worst"]:
            fail(f"{path}: {name}: not 0 <= p50 <= p99 <= p999 <= worst")
        if r["median"] != r["p99"]:
            fail(f"{path}: {name}: median is not the p99")
        if not 0 <= r["lost_ppm"] <= 1e6 or not 0 <= r["lost_count"] <= r["count"]:
            fail(f"{path}: {name}: lost_ppm or lost_count out of range")
        if r["count"] == 0 and r["worst"] != 0:
            fail(f"{path}: {name}: no samples but a worst of {r['worst']}")
    for name in (prefix + "probe", prefix + "sleeper"):
        if seen[name]["duration_ns"] <= 0:
            fail(f"{path}: {name}: nothing measured (duration_ns 0)")
    if seen[prefix + "sleeper"]["count"] < 1:
        fail(f"{path}: {prefix}sleeper: no wake recorded")
    if seen[prefix + "probe"]["cpu"] != -1:
        fail(f"{path}: {prefix}probe: cpu is not -1 (both CPUs)")


def check_vs_hiccup(path, seen):
    """pipeline's open-loop e2e tail as multiples of its hiccup lines."""
    r = seen["pipeline.open.e2e.vs_hiccup"]
    for num, den in HICCUP_RATIOS.values():
        for k in (num, den):
            if not isinstance(r.get(k), (int, float)) or r[k] < 0:
                fail(f"{path}: pipeline.open.e2e.vs_hiccup: {k} missing or negative")
    for k, (num, den) in HICCUP_RATIOS.items():
        if r[den] == 0:
            if k in r:
                fail(f"{path}: pipeline.open.e2e.vs_hiccup: {k} given though {den} is 0")
            continue
        want = r[num] / r[den]
        if not isinstance(r.get(k), (int, float)) or abs(r[k] - want) > 1e-6 * max(1, want):
            fail(f"{path}: pipeline.open.e2e.vs_hiccup: {k} = {r.get(k)}, not {num} / {den}")
    if r["probe_p99"] != seen["pipeline.hiccup.probe"]["p99"] or \
            r["sleeper_p999"] != seen["pipeline.hiccup.sleeper"]["p999"]:
        fail(f"{path}: pipeline.open.e2e.vs_hiccup: hiccup figures differ from their lines")
    if r["e2e_p99"] != seen["pipeline.open.e2e.p50"]["e2e_p99"]:
        fail(f"{path}: pipeline.open.e2e.vs_hiccup: e2e_p99 differs from pipeline.open.e2e.p50's")


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in EXPECT:
        fail("usage: check-perf-json.py hiccup|floor|ring|select|pipeline|fix FILE")
    main(sys.argv[1], sys.argv[2])
