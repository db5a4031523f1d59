#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Every tracked source, build, script and man-page file names its license in an SPDX line within its
# first three lines (prose .md files, images and dot-files excepted).
# Usage: check_spdx.sh SOURCE_DIR   (exit 77: skipped outside a git checkout)
cd "$1" || exit 1
if ! git rev-parse --is-inside-work-tree >/dev/null 2>&1; then echo "not a git checkout: skipped"; exit 77; fi
missing=$(git ls-files | grep -vE '(^|/)\.[^/]*$|\.(md|png|svg|json)$|^LICENSE$' | while IFS= read -r f; do
  [ -f "$f" ] || continue
  head -n 3 "$f" | grep -q 'SPDX-License-Identifier:' || echo "$f"
done)
if [ -n "$missing" ]; then
  echo "files without an SPDX-License-Identifier line in their first three lines:"
  echo "$missing"
  exit 1
fi
echo "every tracked file has its SPDX line"
