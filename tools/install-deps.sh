#!/usr/bin/env bash
# Install xroute's build and test dependencies from Debian's packages, only
# if something is missing. Debian 12 (bookworm); run as root or with sudo.
set -euo pipefail

pkgs=(
	gcc pkg-config meson ninja-build python3
	liburcu-dev libck-dev libjemalloc-dev libcriterion-dev libinih-dev libjansson-dev
	libsystemd-dev # xroute serve: sd_notify (READY, WATCHDOG, STOPPING)
	libsqlite3-dev sqlite3 # the journal (docs/journal.md); sqlite3 reads it by hand
	g++ libquickfix-dev libquickfix-doc # tests/integration/fix: QuickFIX example venues
	clang libclang-rt-14-dev # tests/fuzz: libFuzzer (clang only recommends the runtime)
	valgrind # perf/check-stage-budget.sh: callgrind's instruction counts per stage
)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null || { echo "install-deps: need root or sudo for: ${missing[*]}" >&2; exit 1; }
	sudo=sudo
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
