#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Every routine the library exports as shmem_NAME (or shmemx_NAME) also has its profiling name
pshmem_NAME (pshmemx_NAME), a function at the same address; and the library never calls its own
routines through their exported (interposable) names, so a tool that defines shmem_NAME sees only the
program's calls. Usage: check_pshmem_symbols.py LIBRARY"""
import re
import subprocess
import sys

lib = sys.argv[1]
out = subprocess.run(["nm", "-D", "--defined-only", lib], capture_output=True, text=True, check=True).stdout
symbols = {}
for line in out.splitlines():
    parts = line.split()
    if len(parts) == 3:
        symbols[parts[2]] = (parts[0], parts[1])
api = sorted(s for s in symbols if s.startswith(("shmem_", "shmemx_")) and symbols[s][1] in "TW")
missing = [s for s in api if "p" + s not in symbols]
moved = [s for s in api if "p" + s in symbols and symbols["p" + s][0] != symbols[s][0]]
for s in missing:
    print("missing: p%s (for %s)" % (s, s))
for s in moved:
    print("not the same routine: p%s is at %s, %s at %s" % (s, symbols["p" + s][0], s, symbols[s][0]))
print("%d exported shmem_/shmemx_ routines, %d without a pshmem twin, %d twins elsewhere" % (len(api), len(missing), len(moved)))
disasm = subprocess.run(["objdump", "-d", "--no-show-raw-insn", lib], capture_output=True, text=True,
                        check=True).stdout
through_plt = sorted(set(re.findall(r"<(p?shmemx?_[A-Za-z0-9_]+)@plt>", disasm)))
for s in through_plt:
    print("the library calls its own %s through the PLT (a tool's shmem_ wrapper would see it)" % s)
if len(api) < 100 or missing or moved or through_plt:
    sys.exit(1)
