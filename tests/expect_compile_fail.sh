#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Checks that a misuse of the C++ API or of a type-generic name is rejected at compile time, for the
# reason meant.
# usage: expect_compile_fail.sh SOURCE PATTERN COMPILER [COMPILER_ARGS...]
# Passes when SOURCE compiles with -DCAUSEWAY_COMPILE_FAIL_CONTROL (the same code on a supported
# type: the file itself is sound), fails to compile without it, and the diagnostic mentions PATTERN
# (the concept or static_assert that should have fired).
set -u
if [ $# -lt 3 ]; then
  echo "usage: $0 SOURCE PATTERN COMPILER [COMPILER_ARGS...]" >&2
  exit 2
fi
src=$1
pattern=$2
shift 2

if ! out=$("$@" -fsyntax-only -DCAUSEWAY_COMPILE_FAIL_CONTROL "$src" 2>&1); then
  echo "FAIL: the control build of $src (-DCAUSEWAY_COMPILE_FAIL_CONTROL) does not compile:"
  echo "$out"
  exit 1
fi
if out=$("$@" -fsyntax-only "$src" 2>&1); then
  echo "FAIL: $src compiled, but it should have been rejected"
  exit 1
fi
if ! grep -qF -- "$pattern" <<<"$out"; then
  echo "FAIL: $src was rejected, but the diagnostic does not mention '$pattern':"
  echo "$out"
  exit 1
fi
echo "ok: $src rejected ('$pattern' in the diagnostic)"
