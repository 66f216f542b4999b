#!/usr/bin/env bash
# xroute journal replay (docs/journal.md "Replay"): a run of a generated
# signal file journaled with xroute run --deterministic on the example
# config replays with 0 differences (exit 0), every routed signal's decision
# compared; a second run in the same journal replays by --run; with a venue
# made a FIX venue it replays the same (its books and fees kept); the same run
# replayed on the config with one venue's taker fee raised reports the
# signals routed elsewhere (exit 1, --limit honoured, --out keeps the
# replay's signal file); a file that is not a journal, an unknown run and a
# missing -c exit 2 with a message naming the cause.
#   test_journal_replay.sh XROUTE SOURCE_ROOT
set -euo pipefail
xroute=$1
root=$2
dir=$(mktemp -d /tmp/xr_journal_replay_XXXXXX)
trap 'rm -rf "$dir"' EXIT
fail() { echo "test_journal_replay: $*" >&2; exit 1; }

# run CMD...: stdout in $dir/out, stderr in $dir/err, status in $rc.
run() { set +e; "$xroute" "$@" >"$dir/out" 2>"$dir/err"; rc=$?; set -e; }
has() { grep -qF -- "$1" "$dir/$2" || { cat "$dir/out" "$dir/err" >&2; fail "$3: no \"$1\" in $2"; }; }
status() { [ "$rc" -eq "$1" ] || { cat "$dir/out" "$dir/err" >&2; fail "$2: exit $rc, not $1"; }; }
# summary: N M D of the replay's summary line.
summary() {
	sed -n 's/^replay: \([0-9]*\) signals, \([0-9]*\) decisions compared, \([0-9]*\) differ$/\1 \2 \3/p' "$dir/out"
}

n=200
j=$dir/j.db
cfg=$dir/xroute.ini
# The example config, venue echo with the sim's default keys (no rejects or
# failures, seed 1): what the replay gives a FIX venue, so the run replays
# without difference on the config with echo a FIX venue (below).
sed '/^\[venue echo\]/,/^\[/ { s/^latency_us = .*/latency_us = 50/; s/^jitter_us = .*/jitter_us = 0/;
	s/^reject_prob = .*/reject_prob = 0/; s/^fail_prob = .*/fail_prob = 0/; s/^seed = .*/seed = 1/ }' \
	"$root/docs/examples/xroute.ini" >"$cfg"
printf '\n[journal]\npath = %s\nsync = off\n' "$j" >>"$cfg"
run gen --signals $n --users 10 --symbols 4 --seed 21 -o "$dir/s.csv"
status 0 "xroute gen"
run run -c "$cfg" --signals "$dir/s.csv" --deterministic --no-hiccup -o "$dir/r1.csv"
status 0 "xroute run --deterministic"

# The signals route stage decided (a decisions row each): every one of them
# must be compared.
run journal export "$j" --format csv --table decisions --run 1
status 0 "export decisions"
routed=$(($(wc -l <"$dir/out") - 1))
[ "$routed" -gt $((n / 2)) ] || fail "only $routed of $n signals routed: nothing to compare"

# ---- the same config: no difference ----
run journal replay "$j" -c "$cfg"
status 0 "replay on the same config"
read -r rn rm rd < <(summary)
[ "${rn:-}" = "$n" ] || fail "replay: ${rn:-no summary} signals, not $n"
[ "$rm" -eq "$routed" ] || fail "replay compared $rm decisions, not the $routed routed"
[ "$rd" -eq 0 ] || fail "replay: $rd differ on the same config"
[ "$(grep -c '^signal ' "$dir/out" || true)" -eq 0 ] || fail "difference lines with 0 differ"

# A second run in the same journal: the last run by default, --run picks one.
run run -c "$cfg" --signals "$dir/s.csv" --deterministic --no-hiccup -o "$dir/r2.csv"
status 0 "second xroute run --deterministic"
run journal replay "$j" -c "$cfg" --run 1
status 0 "replay --run 1"
read -r rn rm rd < <(summary)
[ "$rn $rm $rd" = "$n $routed 0" ] || fail "replay --run 1: $rn $rm $rd"
run journal replay "$j" -c "$cfg"
status 0 "replay of the last run (2)"
has "replay: $n signals, $routed decisions compared, 0 differ" out "replay of run 2"

# ---- echo a FIX venue: the replay makes it a sim venue with its books ----
sed '/^\[venue echo\]/,/^\[/ { s/^connector = sim/connector = fix\nhost = 127.0.0.1\nport = 9\nsender_comp_id = XROUTE\ntarget_comp_id = ECHO\nbegin_string = FIX.4.4/
	/^latency_us\|^jitter_us\|^reject_prob\|^fail_prob\|^seed\|^session_ms/d }' "$cfg" >"$dir/fix.ini"
grep -q '^connector = fix' "$dir/fix.ini" || fail "fix.ini has no FIX venue"
run journal export "$j" --format csv --table children --run 1 --venue echo
[ "$(($(wc -l <"$dir/out") - 1))" -gt 0 ] || fail "no child went to echo: the FIX case tests nothing"
run journal replay "$j" -c "$dir/fix.ini" --run 1
status 0 "replay with echo a FIX venue"
has "replay: $n signals, $routed decisions compared, 0 differ" out "replay with echo a FIX venue"

# ---- one venue's taker fee raised: weighted_score leaves it ----
sed '/^\[venue delta\]/,/^\[/ s/^fee_taker_bps = .*/fee_taker_bps = 40.00/' "$cfg" >"$dir/fee.ini"
cmp -s "$cfg" "$dir/fee.ini" && fail "the fee change did not apply"
run journal replay "$j" -c "$dir/fee.ini" --run 1 --limit 3 --out "$dir/o"
status 1 "replay with a changed fee"
read -r rn rm rd < <(summary)
[ "$rn" = "$n" ] && [ "$rm" -gt 0 ] || fail "changed fee: $rn signals, $rm compared"
[ "$rd" -gt 3 ] || fail "changed fee: only $rd signals differ"
[ "$(grep -c '^signal [0-9]*: ' "$dir/out")" -eq 3 ] || fail "--limit 3 not honoured"
has "... $((rd - 3)) more differing signals not shown (--limit 3)" out "the rest counted"
# A signal delta took in the run goes elsewhere now.
grep -qE '^signal [0-9]+: (venue: journaled delta, replayed [a-z]+|.*venue)' "$dir/out" ||
	{ cat "$dir/out" >&2; fail "no difference names the venue"; }
[ "$(($(wc -l <"$dir/o/signals.csv") - 1))" -eq $n ] || fail "--out: signals.csv rows"
has "the replay's signals, results and journal are in $dir/o" err "--out kept"
# --out naming a directory with a replay journal in it: refused.
run journal replay "$j" -c "$cfg" --out "$dir/o"
status 2 "replay into a used --out"
has "replay.journal exists" err "used --out"

# ---- bad usage and bad journals ----
run journal replay "$dir/s.csv" -c "$cfg"
status 2 "replay of a CSV file"
has "not an SQLite database" err "replay of a CSV file"
run journal replay "$dir/none.db" -c "$cfg"
status 2 "replay of a missing journal"
has "no such file" err "replay of a missing journal"
run journal replay "$j" -c "$cfg" --run 9
status 2 "replay of an unknown run"
has "has no run 9 (runs 1..2)" err "unknown run"
run journal replay "$j"
status 2 "replay without -c"
has "-c CONFIG is required" err "no -c"
run journal replay "$j" -c "$cfg" --limit 0
status 2 "replay --limit 0"
has "--limit" err "--limit 0"
run run -c "$cfg" --signals "$dir/s.csv" --deterministic --pace 1
status 2 "run --deterministic --pace"
has "--deterministic is a closed-loop file replay: not with --pace" err "--deterministic --pace"
echo "test_journal_replay: ok"
