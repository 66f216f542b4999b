#!/usr/bin/env bash
# libxroute-client as a strategy's build sees it: `meson install` into a
# scratch DESTDIR, then a C17 program (the example strategy) and a C++17
# one built only through the installed libxroute-client.pc, linked, and run.
#   test_client_pkgconfig.sh BUILD_DIR SOURCE_ROOT
set -euo pipefail
build=$1
src=$2
dir=$(mktemp -d /tmp/xr_pkgconfig_XXXXXX)
trap 'rm -rf "$dir"' EXIT
fail() { echo "test_client_pkgconfig: $*" >&2; exit 1; }

meson install -C "$build" --destdir "$dir/root" --no-rebuild --quiet >/dev/null ||
	fail "meson install failed"
pc=$(find "$dir/root" -name libxroute-client.pc | head -n 1)
[ -n "$pc" ] || fail "no libxroute-client.pc installed"
prefix=$(sed -n 's/^prefix=//p' "$pc")
export PKG_CONFIG_PATH=$(dirname "$pc")
pkg() { pkg-config --define-variable=prefix="$dir/root$prefix" "$@" libxroute-client; }
cflags=$(pkg --cflags) || fail "pkg-config --cflags failed"
libs=$(pkg --libs) || fail "pkg-config --libs failed"
for h in xr_client.h xr_client_proto.h; do
	find "$dir/root" -path "*/include/xroute/$h" | grep -q . || fail "$h not installed"
done

libdir=$(pkg --variable=libdir)
so=$(find "$libdir" -name 'libxroute-client.so.*' | head -n 1)
[ -n "$so" ] || fail "no libxroute-client.so installed in $libdir"
# A sanitizer build's library needs its runtime first: build the programs
# with the same sanitizers (build-asan); a plain build needs nothing.
san=
needed=$(ldd "$so")
case $needed in *libasan*) san="-fsanitize=address,undefined" ;; *libtsan*) san="-fsanitize=thread" ;; esac
cflags="$cflags $san"

cc -std=c17 -Wall -Wextra -Werror $cflags "$src/tools/client/example_strategy.c" $libs \
	-o "$dir/strategy" || fail "the example strategy does not build against the .pc"
cat > "$dir/c++.cc" <<'CXX'
#include <xr_client.h>
#include <cstdio>
int main()
{
	static_assert(sizeof(xr_client_signal) == XR_CLIENT_SIGNAL_SIZE, "signal slot");
	xr_client *c = xr_client_connect("/nonexistent/xroute.sock", "desk");
	std::printf("%s\n", c == nullptr ? "refused" : "connected");
	return c == nullptr ? 0 : 1;
}
CXX
c++ -std=c++17 -Wall -Wextra -Werror $cflags "$dir/c++.cc" $libs -o "$dir/cxx" ||
	fail "a C++17 program does not build against the .pc"
out=$(LD_LIBRARY_PATH=$libdir "$dir/cxx") || fail "the C++ program failed: $out"
[ "$out" = refused ] || fail "the C++ program printed $out"
rc=0
LD_LIBRARY_PATH=$libdir "$dir/strategy" >/dev/null 2>&1 || rc=$?
[ "$rc" = 2 ] || fail "the example strategy without arguments exited $rc, want 2 (usage)"
# The library exports its own API only (libxroute-client.map; a sanitizer
# runtime's interceptors are not ours).
bad=
[ -z "$san" ] && bad=$(nm -D --defined-only "$so" | awk '{print $3}' | grep -v '^xr_client_' |
	grep -v '^XROUTE_CLIENT' || true)
[ -z "$bad" ] || fail "the library exports more than xr_client_*: $bad"
echo "test_client_pkgconfig: ok: installed, built in C17 and C++17 through the .pc, ran"
