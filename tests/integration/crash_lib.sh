# shellcheck shell=bash
# The log readers of crash_run.sh; source it, do not run it:
#
#   . "$src/tests/integration/crash_lib.sh"
#
# Each reads one kind of record of what happened and prints plain lines for
# the script to compare; crash_lib_test.sh checks each on small hand-made
# logs. Quantities are printed as fixed point, integers at 10^8 (docs/
# journal.md), so sources compare exactly whatever decimal text they wrote.
# Fills are printed as "VENUE SYMBOL BOUGHT SOLD", one line per venue and
# symbol with a fill, in no order (sort before comparing).
#
# The logs:
#   sim-venue   `xroute sim-venue --log`: CSV with a header, column 2 the
#               event, 3 the ClOrdID, 6 symbol, 7 side (buy/sell), 10
#               last_qty (docs/connectors.md "xroute sim-venue").
#   ordermatch  QuickFIX's screen log (tests/integration/fix/quickfix-
#               venues.sh): each message whole on one line, fields split by
#               SOH (or | where a QuickFIX version prints it so), the
#               venue's own output between; a message's direction is read
#               from its SenderCompID (49) and TargetCompID (56).
#   journal     the SQLite journal: reports joined with children by ClOrdID
#               for the side and symbol; last_qty fixed point.
#   outcomes    xroute-example-strategy --outcomes: signal_id,final,
#               filled_qty,fills_qty (docs/serve.md).

# awk: fp(TEXT) is the decimal TEXT (1, 1.5, -0.25, 2.0) as an integer at
# 10^8. Exact to 2^53 / 10^8, about 90 million units.
XR_CRASH_AWK_FP='function fp(s,   neg, p, i, f) {
	neg = sub(/^-/, "", s)
	p = index(s, ".")
	i = p ? substr(s, 1, p - 1) : s
	f = p ? substr(s, p + 1) : ""
	f = substr(f "00000000", 1, 8)
	return (neg ? -1 : 1) * (i * 100000000 + f)
}'
# awk: on a line holding a FIX message, tag(TAG) is that field's value
# ("" if absent); on other lines every tag is "". Fields are read by
# searching the line, not split: ordermatch's log is ~100 MB at 200,000
# signals.
XR_CRASH_AWK_FIX='function tag(k,   p, r) {
	p = index(fixl, "|" k "=")
	if (!p)
		return ""
	r = substr(fixl, p + length(k) + 2)
	p = index(r, "|")
	return p ? substr(r, 1, p - 1) : r
}
{ fixl = "" }
/8=FIX/ { fixl = $0; gsub(/\001/, "|", fixl); sub(/^[^8]*8=FIX/, "|8=FIX", fixl); fixl = fixl "|" }'
# xr__crash_fix_grep TAG=VALUE... : the lines of stdin holding a FIX field
# TAG=VALUE, for each one given (a cheap filter before awk).
xr__crash_fix_grep() {
	if [ $# = 0 ]; then
		cat
		return 0
	fi
	local f=$1 soh
	soh=$(printf '\001')
	shift
	{ grep -a -e "[|$soh]${f}[|$soh]" || true; } | xr__crash_fix_grep "$@"
}

# xr_crash_sim_twice LOG...: "LOG: CLORDID" for each ClOrdID with more than
# one `new` line in a sim-venue log (received twice).
xr_crash_sim_twice() {
	awk -F, 'FNR > 1 && $2 == "new" && n[FILENAME SUBSEP $3]++ == 1 { print FILENAME ": " $3 }' "$@"
}

# xr_crash_sim_orders LOG: how many NewOrderSingles the venue received (0 if
# the log is not there yet).
xr_crash_sim_orders() {
	[ -f "$1" ] || { echo 0; return 0; }
	awk -F, 'FNR > 1 && $2 == "new" { n++ } END { print n + 0 }' "$1"
}

# xr_crash_sim_fills VENUE LOG: the fills of a sim-venue log.
xr_crash_sim_fills() {
	awk -F, -v v="$1" "$XR_CRASH_AWK_FP"'
	FNR > 1 && $2 == "fill" {
		if ($7 == "buy") b[$6] += fp($10); else if ($7 == "sell") s[$6] += fp($10)
		else { print "bad side " $7 " at line " FNR > "/dev/stderr"; bad = 1 }
		k[$6] = 1
	}
	END { for (y in k) printf "%s %s %.0f %.0f\n", v, y, b[y], s[y]; exit bad }' "$2"
}

# xr_crash_om_twice LOG SENDER: each ClOrdID (11) of a NewOrderSingle (35=D)
# from SENDER that is in LOG more than once.
xr_crash_om_twice() {
	xr__crash_fix_grep 35=D "49=$2" < "$1" |
		awk -v who="$2" "$XR_CRASH_AWK_FIX"'
		tag(35) == "D" && tag(49) == who && n[tag(11)]++ == 1 { print tag(11) }'
}

# xr_crash_om_orders LOG SENDER: NewOrderSingles from SENDER in LOG (0 if
# the log is not there yet).
xr_crash_om_orders() {
	[ -f "$1" ] || { echo 0; return 0; }
	xr__crash_fix_grep 35=D "49=$2" < "$1" | awk -v who="$2" "$XR_CRASH_AWK_FIX"'
		tag(35) == "D" && tag(49) == who { n++ } END { print n + 0 }'
}

# xr_crash_om_fills VENUE LOG VENUE_COMP OUR_COMP: the fills the venue
# (SenderCompID VENUE_COMP) reported to OUR_COMP: ExecutionReports (35=8)
# with LastShares (32) > 0, side 54 (1 buy, 2 sell), symbol 55; a message
# sent again (PossDupFlag 43=Y, for a ResendRequest) is the same fill and
# is not counted again.
xr_crash_om_fills() {
	xr__crash_fix_grep 35=8 "49=$3" "56=$4" < "$2" |
		awk -v v="$1" -v from="$3" -v to="$4" "$XR_CRASH_AWK_FP"'
		'"$XR_CRASH_AWK_FIX"'
		tag(35) == "8" && tag(49) == from && tag(56) == to && tag(43) != "Y" && fp(tag(32)) > 0 {
			if (tag(54) == "1") b[tag(55)] += fp(tag(32)); else s[tag(55)] += fp(tag(32))
			k[tag(55)] = 1
		}
		END { for (y in k) printf "%s %s %.0f %.0f\n", v, y, b[y], s[y] }'
}

# xr_crash_journal_fills DB: the fills the journal holds, per venue and
# symbol. A child's side and symbol come from its children row (by
# ClOrdID, which a journal never reuses: docs/journal.md "meta"), so a fill
# reported in a later run than the one that sent the child is counted.
xr_crash_journal_fills() {
	sqlite3 -readonly -separator ' ' "$1" "
		SELECT r.venue, c.symbol,
		       SUM(CASE c.side WHEN 'buy' THEN r.last_qty ELSE 0 END),
		       SUM(CASE c.side WHEN 'sell' THEN r.last_qty ELSE 0 END)
		  FROM reports r
		  JOIN (SELECT cl_ord_id, MIN(symbol) AS symbol, MIN(side) AS side
		          FROM children GROUP BY cl_ord_id) c ON c.cl_ord_id = r.cl_ord_id
		 WHERE r.last_qty != 0
		 GROUP BY r.venue, c.symbol"
}

# xr_crash_sim_clordids LOG: the ClOrdID of each `new` line (each
# NewOrderSingle the venue received), in order.
xr_crash_sim_clordids() {
	awk -F, 'FNR > 1 && $2 == "new" { print $3 }' "$1"
}

# xr_crash_om_clordids LOG SENDER: the ClOrdID of each NewOrderSingle from
# SENDER, in order.
xr_crash_om_clordids() {
	xr__crash_fix_grep 35=D "49=$2" < "$1" | awk -v who="$2" "$XR_CRASH_AWK_FIX"'
		tag(35) == "D" && tag(49) == who { print tag(11) }'
}

# xr_crash_unjournaled DB VENUE: of the wire ClOrdIDs on stdin (orders
# VENUE received), each that is no child of VENUE in the journal, as
# "CLORDID" or "CLORDID (not PREFIX-NUMBER)". A wire ClOrdID is the run's
# prefix, "-", and the engine's ClOrdID (connectors/fix/fix_conn.c), which
# the journal's children.cl_ord_id holds; an order the venue has and the
# journal does not is one a restarted router cannot know it sent.
xr_crash_unjournaled() {
	{
		sqlite3 -readonly "$1" "SELECT 'J', cl_ord_id FROM children WHERE venue = '$2'" |
			tr '|' ' '
		sed 's/^/W /'
	} | awk '$1 == "J" { j[$2] = 1; next }
		{ id = $2; num = id; sub(/^.*-/, "", num)
		  if (num !~ /^[0-9]+$/ || num == id) print id " (not PREFIX-NUMBER)"
		  else if (!((num + 0) in j)) print id }'
}

# xr_crash_outcome_fills VENUE SYMBOL SIDE:FILE...: the filled quantity of
# the signals in outcome FILEs, all of VENUE and SYMBOL. SIDE is the
# strategy's: buy or sell (--side), or alt (no --side: an even signal_id
# buys, an odd one sells). Nothing is printed if nothing filled.
xr_crash_outcome_fills() {
	local v=$1 y=$2 a
	shift 2
	for a in "$@"; do
		awk -F, -v side="${a%%:*}" "$XR_CRASH_AWK_FP"'
		{ q = fp($3); if (side == "buy" || (side == "alt" && $1 % 2 == 0)) b += q; else s += q }
		END { printf "%.0f %.0f\n", b, s }' "${a#*:}"
	done | awk -v v="$v" -v y="$y" '{ b += $1; s += $2 }
		END { if (b + s > 0) printf "%s %s %.0f %.0f\n", v, y, b, s }'
}

# xr_crash_outcomes_bad FILE N: what is wrong with an outcome file that must
# hold signal_ids 1..N, each once with an outcome: the first fault, or
# nothing.
xr_crash_outcomes_bad() {
	awk -F, -v n="$2" '
	NF != 4 || $1 !~ /^[0-9]+$/ || $1 < 1 || $1 > n {
		print "line " NR " is not an outcome of 1.." n ": " $0; bad = 1; exit
	}
	seen[$1]++ { print "signal " $1 " twice (line " NR ")"; bad = 1; exit }
	$2 == "missing" { print "signal " $1 " has no outcome"; bad = 1; exit }
	END { if (!bad && NR != n) print NR " lines, expected " n }' "$1"
}
