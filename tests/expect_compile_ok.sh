#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Checks that a program compiles (syntax and semantics; nothing is linked).
# usage: expect_compile_ok.sh SOURCE COMPILER [COMPILER_ARGS...]
set -u
if [ $# -lt 2 ]; then
  echo "usage: $0 SOURCE COMPILER [COMPILER_ARGS...]" >&2
  exit 2
fi
src=$1
shift
if ! out=$("$@" -fsyntax-only "$src" 2>&1); then
  echo "FAIL: $src does not compile with $*:"
  echo "$out"
  exit 1
fi
echo "ok: $src compiles with $1"
