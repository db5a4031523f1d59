# SPDX-License-Identifier: BSD-3-Clause
"""Which OpenSHMEM typed routines exist for which NumPy dtype (one table, OpenSHMEM 1.5 section 9)."""
import ctypes

import numpy as np

from .runtime import error

# dtype -> (OpenSHMEM TYPENAME, ctypes type, the routine families defined for it)
#   amo: fetch/set/swap; amo_std: also compare_swap, fetch_inc/add...; amo_bit: and/or/xor;
#   wait: wait_until/test; arith: sum/prod reductions; minmax: min/max; bit: and/or/xor reductions
_AMO_STD = {"amo", "amo_std"}
_INT = {"arith", "minmax"}
TABLE = {
    np.dtype(np.int8): ("int8", ctypes.c_int8, _INT),
    np.dtype(np.int16): ("int16", ctypes.c_int16, _INT),
    np.dtype(np.int32): ("int32", ctypes.c_int32, _INT | _AMO_STD | {"amo_bit", "wait", "bit"}),
    np.dtype(np.int64): ("int64", ctypes.c_int64, _INT | _AMO_STD | {"amo_bit", "wait", "bit"}),
    np.dtype(np.uint8): ("uint8", ctypes.c_uint8, _INT | {"bit"}),
    np.dtype(np.uint16): ("uint16", ctypes.c_uint16, _INT | {"bit"}),
    np.dtype(np.uint32): ("uint32", ctypes.c_uint32, _INT | _AMO_STD | {"amo_bit", "wait", "bit"}),
    np.dtype(np.uint64): ("uint64", ctypes.c_uint64, _INT | _AMO_STD | {"amo_bit", "wait", "bit"}),
    np.dtype(np.float32): ("float", ctypes.c_float, {"arith", "minmax", "amo"}),
    np.dtype(np.float64): ("double", ctypes.c_double, {"arith", "minmax", "amo"}),
    np.dtype(np.complex64): ("complexf", None, {"arith"}),
    np.dtype(np.complex128): ("complexd", None, {"arith"}),
}

REDUCE_FAMILY = {"sum": "arith", "prod": "arith", "min": "minmax", "max": "minmax", "and": "bit", "or": "bit",
                 "xor": "bit"}


def lookup(dtype, family, call, argument):
    """(TYPENAME, ctypes type) for `dtype` if `family` routines exist for it, else TypeError naming the call."""
    dtype = np.dtype(dtype)
    entry = TABLE.get(dtype)
    if entry is None or family not in entry[2]:
        allowed = sorted(str(d) for d, (_, _, families) in TABLE.items() if family in families)
        raise error(call, f"argument '{argument}' has dtype {dtype}; OpenSHMEM defines this call for "
                    + ", ".join(allowed), TypeError)
    return entry[0], entry[1]
