#!/usr/bin/env bash
# Checks that a call of a type-generic name on a type outside its table does not compile, for the
# reason meant.
# usage: expect_compile_fail.sh SOURCE PATTERN COMPILER [COMPILER_ARGS...]
# Passes when SOURCE compiles with -DCAUSEWAY_COMPILE_FAIL_CONTROL (the same call on a supported
# type, so the file itself is sound), fails without it, and the diagnostic contains PATTERN.
set -u
if [ $# -lt 3 ]; then
  echo "usage: $0 SOURCE PATTERN COMPILER [COMPILER_ARGS...]" >&2
  exit 2
fi
src=$1
pattern=$2
shift 2

if ! out=$("$@" -fsyntax-only -DCAUSEWAY_COMPILE_FAIL_CONTROL "$src" 2>&1); then
  echo "FAIL: the control build of $src does not compile:"
  echo "$out"
  exit 1
fi
if out=$("$@" -fsyntax-only "$src" 2>&1); then
  echo "FAIL: $src compiled; the generic interface should have rejected it"
  exit 1
fi
if ! grep -qF -- "$pattern" <<<"$out"; then
  echo "FAIL: $src was rejected, but the diagnostic does not contain '$pattern':"
  echo "$out"
  exit 1
fi
echo "ok: $src rejected ('$pattern' in the diagnostic)"
