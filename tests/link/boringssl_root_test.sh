#!/usr/bin/env bash
# Proves cmake/BoringSSL.cmake follows the BoringSSL recipe in an existing build tree:
#   1. a cached prefix of the derived shape (the build of an earlier recipe) is replaced by
#      the current recipe's prefix, so a change to cmake/boringssl/CMakeLists.txt (its flags,
#      say) is linked, not silently ignored;
#   2. a prefix set by hand elsewhere is kept;
#   3. the recipe is a configure dependency, so the build reconfigures when it changes.
# Uses a throwaway TW_CACHE with empty stand-in prefixes; builds nothing.
# Usage: boringssl_root_test.sh SOURCE_DIR
set -euo pipefail
src=$1
fail() { echo "FAIL: $*" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

version=$(cat "$src/cmake/boringssl/VERSION")
hash=$(cat "$src/cmake/boringssl/CMakeLists.txt" "$src/cmake/boringssl/VERSION" | sha256sum |
  cut -c1-12)
current="$work/cache/boringssl/$version-$hash"
older="$work/cache/boringssl/$version-0123456789ab"
by_hand="$work/elsewhere/boringssl"
for prefix in "$current" "$older" "$by_hand"; do
  mkdir -p "$prefix"
  touch "$prefix/.complete"
done
mkdir "$work/project"
cat > "$work/project/CMakeLists.txt" <<CMAKE
cmake_minimum_required(VERSION 3.20)
project(boringssl_root_test CXX)
include("$src/cmake/BoringSSL.cmake")
CMAKE

# configure BUILD_DIR [ARGS...] prints the TW_BORINGSSL_ROOT the configure left in the cache.
configure() {
  local build=$1
  shift
  TW_CACHE="$work/cache" cmake -S "$work/project" -B "$build" -G Ninja "$@" >"$build.log" 2>&1 ||
    fail "configure failed: $(tail -5 "$build.log")"
  sed -n 's/^TW_BORINGSSL_ROOT:[A-Z]*=//p' "$build/CMakeCache.txt"
}

got=$(configure "$work/b1" -DTW_BORINGSSL_ROOT="$older")
[ "$got" = "$current" ] || fail "an earlier recipe's prefix was kept: $got (want $current)"
got=$(configure "$work/b1")
[ "$got" = "$current" ] || fail "reconfigure moved the prefix to $got (want $current)"
got=$(configure "$work/b2" -DTW_BORINGSSL_ROOT="$by_hand")
[ "$got" = "$by_hand" ] || fail "a prefix set by hand was replaced by $got"
grep -q "cmake/boringssl/CMakeLists.txt" "$work/b1/build.ninja" ||
  fail "the recipe is not a configure dependency of build.ninja"
echo "ok: the BoringSSL prefix follows the recipe ($version-$hash)"
