#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Usage: expect_error.sh LAUNCHER PROGRAM CASE PATTERN...
# Runs PROGRAM CASE on 2 PEs (EXPECT_NPES to change) with CAUSEWAY_CHECKS=1; passes if the job fails (not by timeout, not by
# the bad call returning: status 99) and stderr contains every PATTERN.
launcher=$1 prog=$2 case=$3
shift 3
err=$(CAUSEWAY_CHECKS=1 "$launcher" -n "${EXPECT_NPES:-2}" --timeout 60 "$prog" "$case" 2>&1 >/dev/null)
status=$?
fail=0
if [ $status -eq 0 ]; then echo "FAIL: the job succeeded"; fail=1; fi
if [ $status -eq 124 ]; then echo "FAIL: the job hung until the launcher's timeout"; fail=1; fi
if [ $status -eq 99 ]; then echo "FAIL: the bad call returned"; fail=1; fi
for p in "$@"; do
  if ! grep -qF -- "$p" <<<"$err"; then echo "FAIL: stderr lacks: $p"; fail=1; fi
done
if [ $fail -ne 0 ]; then echo "--- stderr (status $status) ---"; echo "$err"; fi
exit $fail
