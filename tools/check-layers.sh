#!/usr/bin/env bash
# The tree's layering rules, checked over every C source and header
# (docs/architecture.md, "The tree"):
#
#   ring <- base <- connectors <- engine <- tools, with perf/ and tests/ on
#   top. A file may include a header of its own folder's layer or of a
#   lower one, never of a higher one; perf/ and tests/ may include any
#   product layer but not each other.
#
#   A private header (NAME_pvt.h) belongs to its folder: only files of that
#   folder include it, and the white-box tests of that layer
#   (tests/unit/LAYER/, and tests/stress/, which drives internals under
#   load). perf/ measures public interfaces only.
#
#   No file includes a .c file, and no product source file (ring, base,
#   connectors, engine, tools) is longer than 1,200 lines.
#
# Headers are found by name among the tree's headers (the build puts every
# folder on the include path, so a name must be unique); an include with a
# folder in it ("sim/xr_sim.h") is taken relative to the including file.
# System headers (<...>) are not checked.
#
#   tools/check-layers.sh [SOURCE_ROOT]
#
# Prints one line per violation, FILE:LINE: what and why, then a count.
# Exit status: 0 none, 1 violations, 2 usage error.
set -euo pipefail
root=${1:-$(cd "$(dirname "$0")/.." && pwd)}
[ -d "$root/ring" ] && [ -d "$root/engine" ] || {
	echo "check-layers: $root is not an xroute source tree" >&2; exit 2; }
cd "$root"

max_lines=1200
# Folder (first path component) -> layer. perf and tests share the top.
declare -A layer=([ring]=0 [base]=1 [connectors]=2 [engine]=3 [tools]=4 [perf]=5 [tests]=5)

mapfile -t files < <(find ring base connectors engine tools perf tests \
	-type f \( -name '*.c' -o -name '*.h' \) 2>/dev/null | LC_ALL=C sort)

# Header name -> path; a name held twice is itself a violation (the include
# path would pick one of them silently).
declare -A header=()
bad=0
report() { printf '%s\n' "$1"; bad=$((bad + 1)); }
for f in "${files[@]}"; do
	case $f in *.h) ;; *) continue ;; esac
	n=${f##*/}
	if [ -n "${header[$n]:-}" ]; then
		report "$f: header name $n is also ${header[$n]} (names must be unique on the include path)"
	else
		header[$n]=$f
	fi
done

for f in "${files[@]}"; do
	top=${f%%/*}
	from=${layer[$top]}
	dir=${f%/*}
	case $top in ring | base | connectors | engine | tools)
		n=$(wc -l <"$f")
		[ "$n" -le "$max_lines" ] ||
			report "$f: $n lines, more than $max_lines (split it by job)" ;;
	esac
	# LINE<TAB>NAME for every quoted include.
	while IFS=$'\t' read -r line inc; do
		case $inc in *.c)
			report "$f:$line: includes the source file \"$inc\" (link it from its library instead)"
			continue ;;
		esac
		if [[ $inc == */* ]]; then
			target=$(realpath -m --relative-to=. "$dir/$inc")
			[ -f "$target" ] || target=${header[${inc##*/}]:-}
		else
			target=${header[$inc]:-}
		fi
		[ -n "$target" ] || continue # generated or system header
		ttop=${target%%/*}
		to=${layer[$ttop]:-}
		[ -n "$to" ] || continue
		if [ "$to" -gt "$from" ] || { [ "$to" -eq 5 ] && [ "$ttop" != "$top" ]; }; then
			report "$f:$line: includes \"$inc\" ($target): $ttop/ is above $top/ (ring <- base <- connectors <- engine <- tools; perf/ and tests/ on top)"
			continue
		fi
		case ${target##*/} in *_pvt.h)
			tdir=${target%/*}
			[ "$tdir" = "$dir" ] && continue
			[[ $f == tests/unit/$ttop/* || $f == tests/stress/* ]] && continue
			report "$f:$line: includes \"$inc\", private to $tdir/ (only $tdir/, tests/unit/$ttop/ and tests/stress/ may)" ;;
		esac
	done < <(awk '/^[ \t]*#[ \t]*include[ \t]*"/ {
			s = $0; sub(/^[^"]*"/, "", s); sub(/".*/, "", s);
			printf "%d\t%s\n", NR, s }' "$f")
done

if [ "$bad" -eq 0 ]; then
	echo "check-layers: ${#files[@]} files, no violations"
	exit 0
fi
echo "check-layers: $bad violation(s) in ${#files[@]} files"
exit 1
