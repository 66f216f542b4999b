#!/usr/bin/env bash
# xroute journal on journals made by journal-fixture (tests/common/
# journal_fixture.h has their contents): query's timelines (a signal with
# fills, an open order, rejected) and every filter, exit statuses and the
# messages of usage errors and bad files; export of every table as CSV and
# as JSON Lines, read back with python3 and compared with the database
# value for value (fixed point exactly, through Decimal); salvage of a
# copy with a damaged page (rows before and after recovered, the lost
# count printed, exit 1) and of an intact one (exit 0); check; and a
# journal the writer made in a short run of the example config, read the
# same ways.
#   test_journal_cli.sh XROUTE JOURNAL_FIXTURE SOURCE_ROOT
set -euo pipefail
xroute=$1
fixture=$2
dir=$(mktemp -d /tmp/xr_journal_cli_XXXXXX)
trap 'rm -rf "$dir"' EXIT
fail() { echo "test_journal_cli: $*" >&2; exit 1; }

j=$dir/j.db
"$fixture" sample "$j"

# run CMD...: stdout in $dir/out, stderr in $dir/err, status in $rc.
run() { set +e; "$xroute" journal "$@" >"$dir/out" 2>"$dir/err"; rc=$?; set -e; }
has() { grep -qF -- "$1" "$dir/$2" || { cat "$dir/$2" >&2; fail "$3: no \"$1\" in $2"; }; }
status() { [ "$rc" -eq "$1" ] || { cat "$dir/out" "$dir/err" >&2; fail "$2: exit $rc, not $1"; }; }
signals() { grep -c '^signal ' "$dir/out" || true; }
# only ID LABEL: the query printed exactly one signal, ID.
only() {
	[ "$(signals)" -eq 1 ] || { cat "$dir/out" >&2; fail "$2: $(signals) signals, not 1"; }
	has "signal $1 " out "$2"
}
# lines N LABEL: the output has N lines.
lines() { [ "$(wc -l <"$dir/out")" -eq "$1" ] || { cat "$dir/out" >&2; fail "$2: not $1 lines"; }; }

# ---- query ----
run query "$j" --signal 4097
status 0 "query --signal 4097"
[ "$(signals)" -eq 1 ] || fail "query --signal 4097: $(signals) signals"
has "signal 4097 (run 1): source desk client_id 42, user u1, buy 1.5 BTC-USD limit 50000.25 gtc" out "signal line"
has "decision  order 1: best_execution, method limit, split_depth" out "decision"
has "child     ClOrdID 1001 -> alpha: buy 1 BTC-USD limit 50000.25 gtc (child 0, attempt 1)" out "child alpha"
has "child     ClOrdID 1002 -> beta: buy 0.5" out "child beta"
has "report    ClOrdID 1001 alpha: fill 0.4 @ 50000.2, fees 0.5; partially_filled, cum 0.4, leaves 0.6" out "first fill"
has "report    ClOrdID 1002 beta: fill 0.5 @ 50000.3, fees -0.00000001; filled" out "rebate fill"
has "event     failover beta ClOrdID 1002: beta slow: sent on" out "event by ClOrdID"
has "result    filled (reason none): filled 1.5 of 1.5, notional 75000.35, avg px 50000.23333333, fees 1.24999999, venues alpha,beta" out "result"
grep -q "no result" "$dir/out" && fail "a filled signal printed no result"
grep -q "high_latency" "$dir/out" && fail "an event of no signal of 4097's printed"
# Time order: the timeline's stamps never go back (ISO-8601 sorts as text).
grep -E '^  [0-9]{4}-' "$dir/out" | awk '{ if ($1 < prev) exit 1; prev = $1 }' ||
	fail "the timeline is not in time order"
[ "$(grep -cE '^  [0-9]{4}-' "$dir/out")" -eq 10 ] || fail "4097: not 10 timeline lines"

# --signal matches a client_id too: 43 is 4098's, the open order.
run query "$j" --signal 43
status 0 "query --signal 43"
has "signal 4098 (run 1)" out "client_id match"
has "report    ClOrdID 1003 gamma: new, cum 0, leaves 2" out "ack"
has "no result: open" out "open order"

run query "$j" --source desk --client-id 42
status 0 "--source --client-id"
only 4097 "--source desk --client-id 42"
run query "$j" --source desk
[ "$(signals)" -eq 2 ] || fail "--source desk: $(signals) signals"
run query "$j" --venue gamma
only 4098 "--venue gamma"
run query "$j" --venue beta
only 4097 "--venue beta"
run query "$j" --user u1
[ "$(signals)" -eq 2 ] || fail "--user u1: $(signals) signals"
has "signal 4097 " out "--user u1"
has "signal 8193 (run 2)" out "--user u1"
has "result    rejected (reason max_position): filled 0 of 0.25" out "rejected"
run query "$j" --user u1 --since 2026-12-07T14:30:00Z
only 8193 "--since ISO"
run query "$j" --since 1796652000000001000 --until 2026-12-07T14:01:00.000001Z
only 4097 "--since ns --until (exclusive)"
run query "$j" --since 2026-12-07T14:00:00.000001001Z
[ "$(signals)" -eq 2 ] || fail "--since with a fraction: $(signals) signals"
run query "$j" --run 2
only 8193 "--run 2"
run query "$j" --limit 2
[ "$(signals)" -eq 2 ] || fail "--limit 2: $(signals) signals"
run query "$j"
[ "$(signals)" -eq 3 ] || fail "no filter: $(signals) signals"

run query "$j" --user nobody
status 1 "no match"
has "no signal in $j matches" err "no match"

# ---- usage errors and bad journals ----
run query "$j" --bogus 1
status 2 "unknown option"
has '"--bogus"' err "unknown option named"
run query "$j" --signal
status 2 "missing value"
has '"--signal"' err "option without its value named"
run query "$j" --since yesterday
status 2 "bad time"
has '--since "yesterday": not a time' err "bad time named"
run query "$j" --client-id 4
status 2 "--client-id alone"
has "--client-id needs --source" err "--client-id alone"
run query "$j" --limit 0
status 2 "--limit 0"
has "--limit" err "--limit 0"
run query
status 2 "no journal"
run query "$dir/none.db"
status 2 "missing journal"
has "journal $dir/none.db: no such file" err "missing journal"
printf 'ts_ns,signal_id\n1,2\n' >"$dir/text.db"
run query "$dir/text.db"
status 2 "text file"
has "journal $dir/text.db: not an SQLite database" err "text file"
run frobnicate
status 2 "unknown subcommand"
has '"frobnicate"' err "unknown subcommand named"
run --help
status 0 "--help"
has "xroute journal query JOURNAL" out "--help"
has "xroute journal replay JOURNAL -c CONFIG" out "--help lists replay"

# ---- export: every table, CSV and JSON Lines, compared value for value ----
# roundtrip DB: export every table of DB both ways into $dir/rt, read them
# back with python3 and compare with the database, column by column.
roundtrip() {
	rm -rf "$dir/rt" && mkdir "$dir/rt"
	for table in runs signals decisions children reports results events clordid_blocks; do
		for fmt in csv jsonl; do
			run export "$1" --format "$fmt" --table "$table" -o "$dir/rt/$table.$fmt"
			status 0 "export $1 $table $fmt"
		done
	done
	python3 - "$1" "$dir/rt" <<'PY' || fail "export of $1 does not read back as the database"
import csv, json, sqlite3, sys
from decimal import Decimal
db, d = sys.argv[1], sys.argv[2]
con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
# Fixed-point columns (8 decimals): docs/journal.md "Schema".
fixed = {"qty", "limit_px", "exp_px", "arrival_px", "last_qty", "last_notional",
         "last_fees", "cum_qty", "leaves_qty", "order_qty", "cum_notional", "fees"}
total = 0
for t in ["runs", "signals", "decisions", "children", "reports", "results", "events",
          "clordid_blocks"]:
    cur = con.execute(f"SELECT * FROM {t} ORDER BY rowid")
    cols = [c[0] for c in cur.description]
    rows = cur.fetchall()
    with open(f"{d}/{t}.csv", newline="") as f:
        got = list(csv.reader(f))
    assert got[0] == cols, (t, got[0], cols)
    assert len(got) - 1 == len(rows), (t, "csv rows", len(got) - 1, len(rows))
    with open(f"{d}/{t}.jsonl") as f:
        js = [json.loads(line) for line in f]
    assert len(js) == len(rows), (t, "jsonl rows", len(js), len(rows))
    for r, c_row, j_row in zip(rows, got[1:], js):
        assert list(j_row.keys()) == cols, (t, list(j_row.keys()))
        for c, v, cv in zip(cols, r, c_row):
            jv = j_row[c]
            if v is None:
                assert cv == "" and jv is None, (t, c, cv, jv)
            elif c in fixed:
                assert isinstance(jv, str), (t, c, jv)
                assert Decimal(cv) * 10**8 == v and Decimal(jv) * 10**8 == v, (t, c, v, cv, jv)
                assert cv == jv
            elif isinstance(v, int):
                assert int(cv) == v and jv == v and type(jv) is int, (t, c, v, cv, jv)
            else:
                assert cv == v and jv == v, (t, c, v, cv, jv)
            total += 1
assert total > 200, total
PY
}
roundtrip "$j"
cp "$dir/rt/events.csv" "$dir/events.csv"
# The CSV quotes what needs it (RFC 4180): the alert's comma and quotes.
grep -qF '"high_latency raised, median ""2.5 ms"""' "$dir/events.csv" || fail "CSV quoting"

run export "$j" --format csv --table reports --venue alpha
status 0 "export --venue"
lines 4 "export reports --venue alpha (a header and 3 rows)"
run export "$j" --format jsonl --table results --user u1 --since 2026-12-07T14:30:00Z
lines 1 "export"
has '"signal_id":8193' out "export results --user --since"
run export "$j" --format jsonl --table decisions --signal 42
lines 1 "export"
has '"alloc":"alpha=1;beta=0.5"' out "export decisions --signal (client_id)"
run export "$j" --format csv
status 0 "default table"
head -n 1 "$dir/out" | grep -q '^run,signal_id,order_id,user,symbol,side,final' || fail "default table is not results"
run export "$j" --format csv --table runs --user u1
status 2 "filter that does not apply"
has "--user does not apply to table runs" err "filter that does not apply"
run export "$j" --format xml
status 2 "bad format"
has '--format "xml"' err "bad format named"
run export "$j" --format csv --table nope
status 2 "bad table"
has '--table "nope"' err "bad table named"
run export "$j" --table results
status 2 "no format"
has "--format" err "no format"

# ---- a journal the writer made: a short run of the example config ----
src=$3
real=$dir/real
mkdir "$real"
"$xroute" gen --signals 2000 --users 4 --symbols 3 --seed 7 -o "$real/s.csv" >/dev/null
cp "$src/docs/examples/xroute.ini" "$real/x.ini"
printf '\n[journal]\npath = %s\n' "$real/j.db" >>"$real/x.ini"
"$xroute" run -c "$real/x.ini" --signals "$real/s.csv" --out "$real/r.csv" --no-hiccup \
	>"$real/summary.txt" 2>"$real/stderr.txt" || fail "the example run with a journal failed"
run check "$real/j.db"
status 0 "check of a run's journal"
roundtrip "$real/j.db"
# Every signal has its result in the journal, as in the results file.
run query "$real/j.db"
status 0 "query of a run's journal"
[ "$(signals)" -eq 2000 ] || fail "a run of 2000 signals: $(signals) in the journal"
[ "$(grep -c '^  [0-9T:.Z-]*  result ' "$dir/out")" -eq 2000 ] || fail "not 2000 results"
grep -q "no result: open" "$dir/out" && fail "a finished run left an open signal"

# ---- salvage and check ----
big=$dir/big.db
"$fixture" bulk "$big" 3000
cp "$big" "$dir/bad.db"
read -r pg first last psz < <("$fixture" leaf "$big" signals 12)
"$fixture" smash "$dir/bad.db" "$pg" "$psz" 0 "$psz" 0
run check "$dir/bad.db"
status 1 "check of a damaged journal"
has "corrupt" err "check message"
# Reading the damaged page says so, names the file and salvage: exit 2.
run query "$dir/bad.db" --signal "$first"
status 2 "query of a damaged page"
has "journal $dir/bad.db: database disk image is malformed (xroute journal salvage" err "query of a damaged page"
run export "$dir/bad.db" --format csv --table signals -o "$dir/bad.csv"
status 2 "export of a damaged table"
has "malformed" err "export of a damaged table"
lost=$((last - first + 1))
run salvage "$dir/bad.db" -o "$dir/good.db"
status 1 "salvage of a damaged journal"
has "signals         $((3000 - lost)) rows copied, $lost lost; unreadable rowids: $first..$last" out "salvage report"
has "runs            1 row copied" out "salvage runs"
has "lost $lost rows" out "salvage total"
run check "$dir/good.db"
status 0 "check of the salvaged journal"
run export "$dir/good.db" --format csv --table signals
[ "$(($(wc -l <"$dir/out") - 1))" -eq $((3000 - lost)) ] || fail "salvaged rows"
grep -q "^1,$((first - 1)),file," "$dir/out" || fail "the row before the damage is missing"
grep -q "^1,$((last + 1)),file," "$dir/out" || fail "the row after the damage is missing"
grep -q "^1,$first,file," "$dir/out" && fail "a row of the damaged page came back"
run salvage "$dir/bad.db" -o "$dir/good.db"
status 2 "salvage onto an existing file"
has "exists" err "salvage onto an existing file"
run salvage "$dir/bad.db"
status 2 "salvage without -o"
has "-o GOOD" err "salvage without -o"
run salvage "$j" -o "$dir/copy.db"
status 0 "salvage of an intact journal"
has "nothing lost" out "salvage of an intact journal"
run query "$dir/copy.db" --signal 4097
status 0 "query of a salvaged copy"
has "avg px 50000.23333333" out "query of a salvaged copy"
echo "test_journal_cli: ok"
