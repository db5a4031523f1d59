#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Installs the build into a scratch prefix and builds and runs tests/cmake against it with
# find_package(Causeway): the CMake package must work from wherever Causeway is installed. Also
# checks that the docs and examples were installed.
# Usage: check_cmake_package.sh BUILD_DIR SOURCE_DIR SANITIZE   (exit 77: skipped)
set -eu
build=$1 source=$2 sanitize=$3
if ! command -v cmake >/dev/null 2>&1; then echo "cmake not installed: skipped"; exit 77; fi
# A sanitizer build's library needs its runtime loaded first; an uninstrumented program cannot link it.
if [ "$sanitize" != none ]; then echo "sanitizer build ($sanitize): skipped"; exit 77; fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
meson install -C "$build" --no-rebuild --destdir "$work/root" >"$work/install.log" 2>&1 || {
  cat "$work/install.log"; exit 1; }
prefix=$(meson introspect "$build" --buildoptions |
  python3 -c 'import json, sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"] == "prefix"))')
cmake -S "$source/tests/cmake" -B "$work/consumer" -DCMAKE_PREFIX_PATH="$work/root$prefix" >"$work/cmake.log" 2>&1 || {
  cat "$work/cmake.log"; exit 1; }
cmake --build "$work/consumer" >"$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }
"$work/consumer/consumer_c"
"$work/consumer/consumer_cxx"
# The guides, the example programs and the man pages (with their aliases) are installed too.
docs="$work/root$prefix/share/doc/causeway"
for f in user-guide.md README.md LICENSE examples/ring.c examples/moe/moe_cpu.c img/put_lat_heap.png; do
  [ -f "$docs/$f" ] || { echo "not installed: $docs/$f"; exit 1; }
done
man1="$work/root$prefix/share/man/man1"
for f in causeway-run.1 oshrun.1 causeway-info.1 oshcc.1 oshc++.1; do
  [ -e "$man1/$f" ] || { echo "not installed: $man1/$f"; exit 1; }
done
