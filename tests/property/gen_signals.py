#!/usr/bin/env python3
"""Signal files for the signal-input property test, and their expected outcome.

    gen_signals.py --config INI --seed S --rows N -o FILE [--expect FILE.json]
    gen_signals.py --config INI --classify FILE [--expect FILE.json]

The first form writes a signal file (docs/signals.md) of N data rows mixing
valid rows with every malformed kind the format names: wrong field counts,
empty, blank, comment, CRLF and BOM lines, overlong fields, non-ASCII text,
NUL bytes and quotes, out-of-range, negative, zero and over-precise numbers,
scientific, hex, NaN and inf notations, unknown users, symbols, sides, TIFs
and strategies, duplicate ids and ids reused after a malformed row, and a
truncated last line. The same seed gives the same bytes on every machine
(random.Random with an integer seed; no hash-order dependence).

Both forms write the expected outcome of every line (--expect, default
FILE.expect.json), computed by classify(): an implementation of the rules
of docs/signals.md written from the document, not from xroute's parser, and
the validate order of docs/signals.md and engine/stage_validate.c for the
reasons that come from the input (duplicate_signal_id, unknown_user,
user_disabled, unknown_symbol, symbol_not_allowed, unknown_strategy). A
row that passes all of them is a "candidate": any market outcome is right
for it. The generator also records what it meant each row to be ("made");
tests/property/signals_property.py fails if the two disagree, so a wrong
oracle and a wrong generator are caught as well as a wrong xroute.
"""
import argparse
import json
import random
import re
import sys

COLUMNS = ["ts_ns", "signal_id", "user", "symbol", "side", "qty", "order_type",
           "limit_px", "tif", "signal_type", "strategy", "max_slippage_bps"]
# docs/signals.md "Malformed rows": fields are checked in this order.
CHECK_ORDER = ["signal_id", "ts_ns", "user", "symbol", "side", "qty", "order_type",
               "limit_px", "tif", "signal_type", "strategy", "max_slippage_bps"]
SIDES = {b"buy", b"sell", b"b", b"s"}
ORDER_TYPES = {b"market", b"limit"}
TIFS = {b"day", b"gtc", b"ioc", b"fok"}
SIGNAL_TYPES = {b"entry", b"exit", b"profit_take", b"stop_loss"}
STRATEGIES = {b"default", b"weighted_score", b"best_execution", b"lowest_latency",
              b"best_liquidity", b"cost_optimization", b"aggressive", b"passive",
              b"balanced", b"stealth"}
INT64_MAX = 2**63 - 1
UINT64_MAX = 2**64 - 1
BOM = b"\xef\xbb\xbf"
# Outcomes that come from the input alone; anything else is the market's.
INPUT_REASONS = ["parse_error", "duplicate_signal_id", "unknown_user", "user_disabled",
                 "unknown_symbol", "symbol_not_allowed", "unknown_strategy"]


# ---- the config's names ------------------------------------------------------

def load_config(path):
    """Users ({name: (enabled, symbols or None for all)}) and symbols of an INI.

    Only what the oracle needs: [user NAME] and [user_defaults] sections with
    their enabled and symbols keys, and the book.SYMBOL keys of the venues
    (docs/config.md). Comments: lines starting with ';' or '#', and ' ;'.
    """
    users, symbols, order = {}, set(), []
    defaults = {"enabled": "true", "symbols": "*"}
    sect, name = None, None
    with open(path, encoding="utf-8") as f:
        for raw in f:
            line = re.split(r"\s;", raw.strip(), maxsplit=1)[0].strip()
            if not line or line[0] in ";#":
                continue
            m = re.match(r"^\[(\S+)(?:\s+(\S+))?\]$", line)
            if m:
                sect, name = m.group(1), m.group(2)
                if sect == "user":
                    users[name] = {}
                    order.append(name)
                continue
            key, _, val = line.partition("=")
            key, val = key.strip(), val.strip()
            if sect == "venue" and key.startswith("book."):
                symbols.add(key[len("book."):].encode())
            elif sect == "user_defaults" and key in defaults:
                defaults[key] = val
            elif sect == "user" and key in ("enabled", "symbols"):
                users[name][key] = val
    out = {}
    for u in order:
        kv = dict(defaults, **users[u])
        syms = None if kv["symbols"].strip() == "*" else {
            s.strip().encode() for s in kv["symbols"].split(",")}
        out[u.encode()] = (kv["enabled"].strip().lower() in ("true", "yes", "1", "on"), syms)
    return out, symbols


# ---- the oracle: docs/signals.md, independently -------------------------------

def is_blank_or_comment(line):
    s = line.lstrip(b" \t\r\n")
    return s == b"" or s[:1] == b"#"


def digits(s):
    return len(s) > 0 and all(48 <= c <= 57 for c in s)


def decimal(s):
    """Fixed point x 10^8 of a decimal field, or None if it is not one."""
    sign = 1
    if s[:1] in (b"+", b"-"):
        sign = -1 if s[:1] == b"-" else 1
        s = s[1:]
    if s.count(b".") > 1:
        return None
    ip, _, fp = s.partition(b".")
    if not all(48 <= c <= 57 for c in ip + fp) or len(ip) + len(fp) == 0:
        return None
    if len(fp) > 8:
        return None
    v = int(ip or b"0") * 10**8 + int((fp + b"0" * 8)[:8])
    if v > INT64_MAX:
        return None
    return sign * v


def field_error(col, f, v):
    """The first rule column @p col breaks (docs/signals.md "Columns"), or None.

    @p f maps column names to the row's raw bytes; @p v receives converted
    values for the cross-field rules."""
    x = f[col]
    if col == "signal_id":
        if not digits(x) or int(x) > UINT64_MAX or int(x) == 0:
            return "bad"
        v[col] = int(x)
    elif col == "ts_ns":
        if not digits(x) or int(x) > INT64_MAX:
            return "bad"
    elif col in ("user", "symbol"):
        if x == b"":
            return "bad"
    elif col == "side":
        if x.lower() not in SIDES:
            return "bad"
    elif col == "qty":
        q = decimal(x)
        if q is None or q <= 0:
            return "bad"
    elif col == "order_type":
        if x.lower() not in ORDER_TYPES:
            return "bad"
        v[col] = x.lower()
    elif col == "limit_px":
        px = decimal(x) if x != b"" else None
        if v["order_type"] == b"limit":
            if px is None or px <= 0:
                return "bad"
        elif x != b"" and (px is None or px != 0):
            return "bad"
    elif col == "tif":
        if x != b"" and x.lower() not in TIFS:
            return "bad"
    elif col == "signal_type":
        if x.lower() not in SIGNAL_TYPES:
            return "bad"
    elif col == "strategy":
        pass  # an unknown word is not a parse error
    elif col == "max_slippage_bps":
        if x != b"" and (not digits(x) or int(x) > 10000):
            return "bad"
    return None


def classify(data, users, symbols):
    """Expected outcome of every line of signal file bytes @p data.

    @return {"header": line or None, "header_error": bool, "rows": [line, ...],
    "lines": {line: {"expect": OUTCOME, "column": COLUMN or None}}} where
    OUTCOME is "skip" (blank, comment, or before the header), "parse_error"
    (column: the column the message names, "fields" for a field count, None
    for a byte past the twelfth field), one of the input reasons, or
    "candidate"."""
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()  # the newline ended the last line; no line after it
    out = {"header": None, "header_error": False, "rows": [], "lines": {}}
    layout = None
    taken = set()
    for i, line in enumerate(lines, start=1):
        if is_blank_or_comment(line):
            out["lines"][i] = {"expect": "skip", "column": None}
            continue
        if layout is None:
            h = line[:-1] if line.endswith(b"\r") else line
            if h.startswith(BOM):
                h = h[len(BOM):]
            names = [c.decode("latin-1") for c in h.split(b",")]
            out["header"] = i
            out["lines"][i] = {"expect": "skip", "column": None}
            if sorted(names) != sorted(COLUMNS) or b"\0" in h or b'"' in h:
                out["header_error"] = True
                return out
            layout = names
            continue
        out["rows"].append(i)
        out["lines"][i] = row_outcome(line, layout, users, symbols, taken)
    return out


def row_outcome(line, layout, users, symbols, taken):
    """One data row: parse (docs/signals.md), then validate's input checks."""
    if line.endswith(b"\r"):
        line = line[:-1]

    def col_of(pos):
        k = line[:pos].count(b",")
        return layout[k] if k < len(layout) else None

    # A NUL byte or a '"' anywhere makes the row malformed; the message names
    # the column of the first NUL, else of the first '"'.
    for bad in (b"\0", b'"'):
        pos = line.find(bad)
        if pos >= 0:
            return {"expect": "parse_error", "column": col_of(pos)}
    parts = line.split(b",")
    if len(parts) != len(COLUMNS):
        return {"expect": "parse_error", "column": "fields"}
    f = dict(zip(layout, parts))
    v = {}
    for col in CHECK_ORDER:
        if field_error(col, f, v):
            return {"expect": "parse_error", "column": col}
    # Parsed: stage_validate.c's order for what the input decides.
    sid = v["signal_id"]
    if sid in taken:
        return {"expect": "duplicate_signal_id", "column": None}
    taken.add(sid)
    u = users.get(f["user"])
    if u is None:
        return {"expect": "unknown_user", "column": None}
    if not u[0]:
        return {"expect": "user_disabled", "column": None}
    if f["symbol"] not in symbols:
        return {"expect": "unknown_symbol", "column": None}
    if u[1] is not None and f["symbol"] not in u[1]:
        return {"expect": "symbol_not_allowed", "column": None}
    s = f["strategy"].lower()
    if s != b"" and s not in STRATEGIES:
        return {"expect": "unknown_strategy", "column": None}
    return {"expect": "candidate", "column": None}


# ---- the generator ----------------------------------------------------------

MIDS = {b"BTC-USD": (50000, 0.5, 0.001, 0.5), b"ETH-USD": (3000, 0.05, 0.01, 5),
        b"SOL-USD": (150, 0.01, 1, 50)}

# Bad values per kind; each is (bytes, applies to numeric columns only).
NUMBER_JUNK = [b"1e3", b"1E-2", b"0x10", b"NaN", b"nan", b"inf", b"-inf", b"Infinity",
               b" 1", b"1 ", b"1_000", b"1.2.3", b".", b"+", b"-", b"$5", b"\xe2\x88\x9e"]


def cased(rng, word):
    r = rng.random()
    if r < 0.6:
        return word
    if r < 0.8:
        return word.upper()
    return bytes(c ^ 0x20 if 97 <= c <= 122 and rng.random() < 0.5 else c for c in word)


def fixed(v, dec):
    """Exact decimal text of int v / 10^dec."""
    s = str(v).rjust(dec + 1, "0")
    return (s[:-dec] + "." + s[-dec:]).rstrip("0").rstrip(".") if dec else s


class Gen:
    def __init__(self, seed, users, symbols):
        self.rng = random.Random(seed)
        self.all_users, self.all_symbols = set(users), set(symbols)
        self.disabled = sorted(u for u, (en, syms) in users.items() if not en)
        self.restricted = sorted((u, sorted(syms)) for u, (en, syms) in users.items()
                                 if en and syms is not None)
        self.enabled = sorted(u for u, (en, syms) in users.items() if en and syms is None)
        self.symbols = sorted(s for s in symbols if s in MIDS) or sorted(symbols)
        self.ts = 1700000000000000000
        self.next_id = 1
        self.ids_parsed = []   # ids of rows meant to parse (taken)
        self.ids_unparsed = []  # ids written intact in rows meant to be malformed

    def valid(self):
        """A row meant to be a candidate, as {column: bytes}."""
        r = self.rng
        self.ts += r.randint(1, 2000)
        sym = r.choice(self.symbols)
        mid, tick, qlo, qhi = MIDS.get(sym, (100, 0.01, 1, 10))
        qty = r.randint(int(qlo * 10**8), int(qhi * 10**8))
        qty -= qty % 10**5  # at most 3 decimals, as lots are
        qtxt = fixed(max(qty, 10**5), 8).encode()
        if r.random() < 0.1:
            qtxt = r.choice([b"+" + qtxt, b"0" + qtxt, qtxt + b"000" if b"." in qtxt else qtxt + b".0"])
        limit = r.random() < 0.6
        f = {
            "ts_ns": str(self.ts).encode(),
            "signal_id": str(self.next_id).encode(),
            "user": r.choice(self.enabled),
            "symbol": sym,
            "side": cased(r, r.choice([b"buy", b"sell", b"b", b"s"])),
            "qty": qtxt,
            "order_type": cased(r, b"limit" if limit else b"market"),
            "limit_px": b"",
            "tif": cased(r, r.choice([b"", b"ioc", b"ioc", b"fok", b"day", b"gtc"])),
            "signal_type": cased(r, r.choice(sorted(SIGNAL_TYPES))),
            "strategy": cased(r, r.choice([b"", b"", b"default"] + sorted(STRATEGIES))),
            "max_slippage_bps": r.choice([b"", b"", b"0", b"25", b"10000", b"00050",
                                          b"000050"]),
        }
        self.next_id += r.randint(1, 3)
        if limit:
            px = int(mid * 10**8) + r.randint(-6, 4) * int(round(tick * 10**8))
            f["limit_px"] = fixed(px, 8).encode()
        elif r.random() < 0.2:
            f["limit_px"] = r.choice([b"0", b"0.0", b"-0", b"+0.00000000"])
        return f

    def row(self):
        """One line (bytes, without its newline) and what it is meant to be."""
        r = self.rng
        f = self.valid()
        kind = r.choices(
            ["valid", "count", "blank", "crlf", "bom", "long", "utf8", "nul", "quote",
             "range", "negative", "zero", "precise", "notation", "unknown_user",
             "unknown_symbol", "unknown_side", "unknown_tif", "unknown_strategy",
             "dup", "reuse_unparsed", "extreme_valid", "policy"],
            weights=[30, 4, 4, 3, 2, 3, 3, 3, 2, 4, 3, 3, 3, 5, 3, 3, 2, 2, 2, 3, 2, 3, 2])[0]
        made = "candidate"
        eol = b""
        if kind == "valid":
            pass
        elif kind == "crlf":
            eol = b"\r"
        elif kind == "blank":
            return r.choice([b"", b"   ", b"\t", b"\r", b" \r", b"# a comment, with commas",
                             b"   # indented comment", b"#"]), "skip", kind
        elif kind == "count":
            cols = [f[c] for c in COLUMNS]
            how = r.randrange(4)
            if how == 0:
                del cols[r.randrange(len(cols))]
            elif how == 1:
                cols.insert(r.randrange(len(cols) + 1), b"x")
            elif how == 2:
                cols = cols[:r.randint(1, 5)]
            else:
                cols = [b""] * r.choice([12, 13, 2])
                made = "parse_error"
                return b",".join(cols), made, kind
            self.note_unparsed(f)
            return b",".join(cols), "parse_error", kind
        elif kind == "bom":
            # A BOM is ignored before the header only: here it belongs to
            # the first field.
            first = self.layout[0]
            self.note_unparsed(f)
            made = {"user": "unknown_user", "symbol": "unknown_symbol",
                    "strategy": "unknown_strategy"}.get(first, "parse_error")
            if made != "parse_error":
                self.ids_parsed.append(int(f["signal_id"]))
            return BOM + self.join(f), made, kind
        elif kind == "policy":
            # Valid input that the user's settings refuse.
            other = []
            if self.restricted:
                u, allowed = r.choice(self.restricted)
                other = [x for x in self.symbols if x not in allowed]
            if self.disabled and (r.random() < 0.5 or not other):
                f["user"] = r.choice(self.disabled)
                made = "user_disabled"
            elif other:
                f["user"], f["symbol"] = u, r.choice(other)
                made = "symbol_not_allowed"
        elif kind in ("long", "utf8", "nul", "quote"):
            col = r.choice(COLUMNS)
            junk = {"long": lambda x: x + b"9" * r.randint(40, 400),
                    "utf8": lambda x: x[:1] + r.choice(["ü", "买", "é", "\u00a0", "Ω"]).encode() + x[1:],
                    "nul": lambda x: x[:r.randint(0, len(x))] + b"\0" + x[len(x) // 2:],
                    "quote": lambda x: b'"' + x + b'"'}[kind]
            if kind == "long" and col in ("user", "symbol", "strategy"):
                f[col] = (f[col] or b"x") + b"z" * r.randint(32, 300)
            else:
                f[col] = junk(f[col])
            if kind in ("nul", "quote"):
                made = "parse_error"
            elif col in ("user", "symbol", "strategy"):
                made = {"user": "unknown_user", "symbol": "unknown_symbol",
                        "strategy": "unknown_strategy"}[col]
            elif kind == "long" and col in ("ts_ns", "signal_id", "max_slippage_bps", "qty",
                                            "limit_px"):
                made = "parse_error"  # out of range (digits appended)
            else:
                made = "parse_error"
            if kind == "long" and col == "limit_px" and f["order_type"].lower() == b"market":
                made = "parse_error"
        elif kind == "range":
            col, val = r.choice([("ts_ns", b"9223372036854775808"),
                                 ("ts_ns", b"99999999999999999999999"),
                                 ("signal_id", b"18446744073709551616"),
                                 ("qty", b"92233720368.54775808"),
                                 ("qty", b"100000000000"),
                                 ("limit_px", b"92233720369"),
                                 ("max_slippage_bps", b"10001"),
                                 ("max_slippage_bps", b"99999999999999999999")])
            f[col] = val
            if col == "limit_px":
                f["order_type"] = b"limit"
            made = "parse_error"
        elif kind == "negative":
            col = r.choice(["qty", "limit_px", "ts_ns", "signal_id", "max_slippage_bps"])
            f[col] = r.choice([b"-1", b"-0.5", b"-" + (f[col] or b"1")])
            if col == "limit_px":
                f["order_type"] = b"limit"
            made = "parse_error"
        elif kind == "zero":
            col = r.choice(["qty", "limit_px", "signal_id"])
            f[col] = r.choice([b"0", b"0.0", b"0.00000000", b"000"])
            if col == "limit_px":
                f["order_type"] = b"limit"
            made = "parse_error"
        elif kind == "precise":
            col = r.choice(["qty", "limit_px"])
            f[col] = r.choice([b"0.123456789", b"1.000000001", b"50000.000000000"])
            if col == "limit_px":
                f["order_type"] = b"limit"
            made = "parse_error"
        elif kind == "notation":
            col = r.choice(["qty", "limit_px", "ts_ns", "signal_id", "max_slippage_bps"])
            f[col] = r.choice(NUMBER_JUNK)
            if col == "limit_px":
                f["order_type"] = b"limit"
            made = "parse_error"
        elif kind == "unknown_user":
            f["user"] = r.choice([x for x in [b"u999", b"U001", b"nobody", b"u00", b"u001 ",
                                              b"a" * 40, "üser".encode()]
                                  if x not in self.all_users])
            made = "unknown_user"
        elif kind == "unknown_symbol":
            f["symbol"] = r.choice([x for x in [b"DOGE-USD", b"btc-usd", b"BTCUSD", b"BTC-USD ",
                                                b"X" * 64, b"TRX-USD"]
                                    if x not in self.all_symbols])
            made = "unknown_symbol"
        elif kind == "unknown_side":
            f["side"] = r.choice([b"hold", b"", b"buyy", b"1", b"BUY ", b"short"])
            made = "parse_error"
        elif kind == "unknown_tif":
            f["tif"] = r.choice([b"gtd", b"3", b"IOC ", b"opg", b"immediate_or_cancel"])
            made = "parse_error"
        elif kind == "unknown_strategy":
            f["strategy"] = r.choice([b"momentum", b"weighted-score", b"x" * 20, b"vwap"])
            made = "unknown_strategy"
        elif kind == "dup":
            if self.ids_parsed:
                f["signal_id"] = str(r.choice(self.ids_parsed[-50:])).encode()
                made = "duplicate_signal_id"
        elif kind == "reuse_unparsed":
            # An id written in a malformed row does not take it: a row that
            # parses may use it.
            fresh = [i for i in self.ids_unparsed[-50:] if i not in set(self.ids_parsed)]
            if fresh:
                f["signal_id"] = str(r.choice(fresh)).encode()
        elif kind == "extreme_valid":
            col = r.choice(["ts_ns", "ts_ns", "signal_id", "max_slippage_bps"])
            f[col] = {"ts_ns": r.choice([b"0", b"9223372036854775807", b"000001"]),
                      "signal_id": b"0" * r.randint(1, 30) + f["signal_id"],
                      "max_slippage_bps": b"0" * r.randint(1, 8) + b"7"}[col]
        line = self.join(f) + eol
        if made == "candidate" or made in INPUT_REASONS[1:]:
            sid = f["signal_id"]
            if made != "duplicate_signal_id":
                self.ids_parsed.append(int(sid))
        else:
            self.note_unparsed(f)
        return line, made, kind

    def note_unparsed(self, f):
        if digits(f["signal_id"]) and 0 < int(f["signal_id"]) <= UINT64_MAX:
            self.ids_unparsed.append(int(f["signal_id"]))

    def join(self, f):
        return b",".join(f[c] for c in self.layout)


def generate(seed, rows, users, symbols):
    """@return (bytes of the file, {line: (made, kind)}) for @p rows data rows."""
    g = Gen(seed, users, symbols)
    r = g.rng
    g.layout = list(COLUMNS)
    if r.random() < 0.5:
        r.shuffle(g.layout)
    out, made = [], {}
    if r.random() < 0.3:
        out.append(b"# signals for seed %d" % seed)
    if r.random() < 0.2:
        out.append(b"")
    header = b",".join(c.encode() for c in g.layout)
    if r.random() < 0.2:
        header = BOM + header
    if r.random() < 0.2:
        header += b"\r"
    out.append(header)
    n = 0
    while n < rows:
        line, m, kind = g.row()
        out.append(line)
        made[len(out)] = (m, kind)
        n += m != "skip"
    data = b"\n".join(out)
    end = r.random()
    if end < 0.5:
        data += b"\n"
    elif end < 0.75:
        # A truncated last line: cut inside its fields, no newline.
        last = out[-1]
        if len(last) > 2:
            cut = r.randint(1, len(last) - 1)
            data = data[: len(data) - len(last) + cut]
            made[len(out)] = (None, "truncated")
    return data, made


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--config", required=True, help="xroute INI: its users and symbols")
    ap.add_argument("--seed", type=int)
    ap.add_argument("--rows", type=int, default=200)
    ap.add_argument("-o", "--out", help="signal file to write")
    ap.add_argument("--classify", help="classify an existing signal file instead")
    ap.add_argument("--expect", help="expected outcomes (JSON); default FILE.expect.json")
    a = ap.parse_args()
    users, symbols = load_config(a.config)
    if a.classify:
        path, made = a.classify, {}
        with open(path, "rb") as f:
            data = f.read()
    else:
        if a.seed is None or not a.out:
            ap.error("--seed and -o are needed to generate")
        data, made = generate(a.seed, a.rows, users, symbols)
        path = a.out
        with open(path, "wb") as f:
            f.write(data)
    exp = classify(data, users, symbols)
    for line, (m, kind) in made.items():
        if line in exp["lines"]:
            exp["lines"][line]["made"] = m
            exp["lines"][line]["kind"] = kind
    with open(a.expect or path + ".expect.json", "w") as f:
        json.dump(exp, f, indent=0, sort_keys=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
