# SPDX-License-Identifier: BSD-3-Clause
"""Puts, gets, signals, atomics and point-to-point waits on symmetric arrays."""
from ctypes import c_int, c_size_t, c_ssize_t as c_ptrdiff_t, c_uint64, c_void_p

import numpy as np

from . import _dtypes
from ._lib import ctx_t, fn, typed
from .memory import element, transfer_regions
from .runtime import check_pe, cmp_code, ctx_handle, error, require_init

SIGNAL_SET, SIGNAL_ADD = 0, 1
_SIGNAL_OPS = {"set": SIGNAL_SET, "add": SIGNAL_ADD}


def _transfer(call, name, dest, source, pe, ctx, nbi):
    check_pe(call, pe)
    putting = name == "putmem"
    if not putting and not (isinstance(dest, np.ndarray) and dest.flags.c_contiguous and dest.flags.writeable) \
            and not hasattr(dest, "data_ptr") and not hasattr(dest, "__dlpack_device__"):
        raise error(call, "argument 'dest' must be a writable contiguous array or tensor", TypeError)
    dest_address, _, _, source_address, nbytes, _, keep = transfer_regions(call, dest, source, putting, not putting)
    _TRANSFERS[name, bool(nbi)](ctx_handle(ctx), dest_address, source_address, nbytes, pe)
    del keep


_TRANSFERS = {(name, nbi): fn(f"shmem_ctx_{name}{'_nbi' if nbi else ''}", None, ctx_t, c_void_p, c_void_p,
                              c_size_t, c_int)
              for name in ("putmem", "getmem") for nbi in (False, True)}


def _strided(array):
    return isinstance(array, np.ndarray) and array.ndim == 1 and not array.flags.c_contiguous


def _strided_transfer(call, putting, dest, source, pe, ctx):
    """A 1-D strided view on either side: OpenSHMEM's iput/iget, one call, strides in elements."""
    from .memory import find_block

    check_pe(call, pe)
    remote_name, local_name = ("dest", "source") if putting else ("source", "dest")
    remote, local = (dest, source) if putting else (source, dest)
    if not isinstance(remote, np.ndarray) or remote.ndim != 1:
        raise error(call, f"argument '{remote_name}' must be a 1-D symmetric array to be strided", ValueError)
    if putting:
        local = np.asarray(local, dtype=remote.dtype)
        if local.ndim != 1:
            local = np.ascontiguousarray(local).reshape(-1)
    elif not (isinstance(local, np.ndarray) and local.ndim == 1 and local.flags.writeable):
        raise error(call, "argument 'dest' must be a writable 1-D array", TypeError)
    size = remote.dtype.itemsize
    if local.dtype.itemsize != size or size not in (1, 2, 4, 8, 16):
        raise error(call, f"arguments '{remote_name}' and '{local_name}' need one element size of 1, 2, 4, 8 "
                    f"or 16 bytes (got {remote.dtype} and {local.dtype})", TypeError)
    n = len(local) if putting else len(remote)
    if n > len(dest):
        raise error(call, f"argument 'source' has {n} elements, more than 'dest' holds ({len(dest)})", ValueError)
    strides = []
    for name, array in ((remote_name, remote), (local_name, local)):
        if array.strides[0] <= 0 or array.strides[0] % size:
            raise error(call, f"argument '{name}' has stride {array.strides[0]} bytes: not a positive multiple of "
                        f"its {size}-byte elements", ValueError)
        strides.append(array.strides[0] // size)
    remote_address = remote.__array_interface__["data"][0]
    if n and find_block(remote_address, (n - 1) * strides[0] * size + size) is None:
        raise error(call, f"argument '{remote_name}' is not in a live symmetric allocation", ValueError)
    local_address = local.__array_interface__["data"][0]
    routine = fn(f"shmem_ctx_i{'put' if putting else 'get'}{size * 8}", None, ctx_t, c_void_p, c_void_p, c_ptrdiff_t,
                 c_ptrdiff_t, c_size_t, c_int)
    if putting:
        routine(ctx_handle(ctx), remote_address, local_address, strides[0], strides[1], n, pe)
    else:
        routine(ctx_handle(ctx), local_address, remote_address, strides[1], strides[0], n, pe)


def put(dest, source, pe, ctx=None, nbi=False):
    """Copies `source` (any array-like, or a tensor) into the symmetric `dest` on `pe`. With nbi=True the
    call returns at once and `source` must not change until quiet(). A 1-D strided view on either side
    (x[::3]) makes it one iput (always blocking)."""
    if _strided(dest) or _strided(source):
        return _strided_transfer("put", True, dest, source, pe, ctx)
    _transfer("put", "putmem", dest, source, pe, ctx, nbi)


def get(dest, source, pe, ctx=None, nbi=False):
    """Copies the symmetric `source` on `pe` into the local `dest` (a writable array the size of source,
    or larger). With nbi=True, `dest` holds the data after quiet()."""
    if _strided(dest) or _strided(source):
        return _strided_transfer("get", False, dest, source, pe, ctx)
    _transfer("get", "getmem", dest, source, pe, ctx, nbi)


def quiet(ctx=None):
    require_init("quiet")
    fn("shmem_ctx_quiet", None, ctx_t)(ctx_handle(ctx))


def fence(ctx=None):
    require_init("fence")
    fn("shmem_ctx_fence", None, ctx_t)(ctx_handle(ctx))


def put_signal(dest, source, signal_array, signal, pe, op="set", index=0, ctx=None, nbi=False):
    """Puts `source` into `dest` on `pe`, then updates element `index` of the symmetric uint64
    `signal_array` there (op 'set' or 'add'): a reader that sees the signal sees the data."""
    call = "put_signal"
    check_pe(call, pe)
    sig_address, sig_dtype = element(call, signal_array, index, "signal_array")
    if sig_dtype != np.uint64:
        raise error(call, f"argument 'signal_array' has dtype {sig_dtype}, not uint64", TypeError)
    if op not in _SIGNAL_OPS:
        raise error(call, f"argument 'op' = {op!r} is not 'set' or 'add'", ValueError)
    dest_address, _, _, source_address, nbytes, _, keep = transfer_regions(call, dest, source, True, False)
    name = "shmem_ctx_putmem_signal_nbi" if nbi else "shmem_ctx_putmem_signal"
    fn(name, None, ctx_t, c_void_p, c_void_p, c_size_t, c_void_p, c_uint64, c_int, c_int)(
        ctx_handle(ctx), dest_address, source_address, nbytes, sig_address, int(signal), _SIGNAL_OPS[op], pe)
    del keep


def _signal_word(call, signal_array, index):
    require_init(call)
    address, dtype = element(call, signal_array, index, "signal_array")
    if dtype != np.uint64:
        raise error(call, f"argument 'signal_array' has dtype {dtype}, not uint64", TypeError)
    return address


def signal_fetch(signal_array, index=0):
    return fn("shmem_signal_fetch", c_uint64, c_void_p)(_signal_word("signal_fetch", signal_array, index))


def signal_wait_until(signal_array, cmp, value, index=0):
    """Waits until element `index` of the local uint64 signal array compares true; returns its value."""
    address = _signal_word("signal_wait_until", signal_array, index)
    return fn("shmem_signal_wait_until", c_uint64, c_void_p, c_int, c_uint64)(
        address, cmp_code("signal_wait_until", cmp), int(value))


def wait_until(ivar, cmp, value, index=0):
    """Waits until element `index` of the local symmetric array `ivar` compares true with `value`."""
    call = "wait_until"
    require_init(call)
    address, dtype = element(call, ivar, index, "ivar")
    type_name, ctype = _dtypes.lookup(dtype, "wait", call, "ivar")
    typed("shmem_{}_wait_until", type_name, None, c_void_p, c_int, ctype)(address, cmp_code(call, cmp), ctype(value))


def test(ivar, cmp, value, index=0):
    """True if element `index` of `ivar` compares true with `value` now."""
    call = "test"
    require_init(call)
    address, dtype = element(call, ivar, index, "ivar")
    type_name, ctype = _dtypes.lookup(dtype, "wait", call, "ivar")
    return bool(typed("shmem_{}_test", type_name, c_int, c_void_p, c_int, ctype)(address, cmp_code(call, cmp),
                                                                                 ctype(value)))


# --- Atomics: one generic caller; the operation table says which typed routine and which values ----

# name -> (family, returns a value, number of value arguments)
_AMO = {
    "fetch": ("amo", True, 0), "set": ("amo", False, 1), "swap": ("amo", True, 1),
    "compare_swap": ("amo_std", True, 2), "fetch_inc": ("amo_std", True, 0), "inc": ("amo_std", False, 0),
    "fetch_add": ("amo_std", True, 1), "add": ("amo_std", False, 1),
    "fetch_and": ("amo_bit", True, 1), "and": ("amo_bit", False, 1), "fetch_or": ("amo_bit", True, 1),
    "or": ("amo_bit", False, 1), "fetch_xor": ("amo_bit", True, 1), "xor": ("amo_bit", False, 1),
}


def atomic(op, dest, pe, *values, index=0, ctx=None):
    """Atomic `op` on element `index` of the symmetric array `dest` on `pe`; returns the old value for
    the fetching operations. compare_swap takes (cond, value)."""
    call = f"atomic_{op}"
    if op not in _AMO:
        raise error("atomic", f"argument 'op' = {op!r} is not one of {', '.join(_AMO)}", ValueError)
    family, fetches, arity = _AMO[op]
    if len(values) != arity:
        raise error(call, f"takes {arity} value argument(s), got {len(values)}", TypeError)
    check_pe(call, pe)
    address, dtype = element(call, dest, index, "dest")
    routine = _amo_routines.get((op, dtype))
    if routine is None:
        type_name, ctype = _dtypes.lookup(dtype, family, call, "dest")
        routine = _amo_routines[(op, dtype)] = typed("shmem_ctx_{}_atomic_" + op, type_name,
                                                     ctype if fetches else None, ctx_t, c_void_p,
                                                     *([ctype] * arity), c_int)
    result = routine(ctx_handle(ctx), address, *values, pe)
    return result if fetches else None


_amo_routines = {}  # (op, dtype) -> the typed C routine


def _atomic_shortcut(op):
    def call(dest, pe, *values, index=0, ctx=None):
        return atomic(op, dest, pe, *values, index=index, ctx=ctx)

    call.__name__ = f"atomic_{op}"
    call.__doc__ = f"atomic('{op}', dest, pe, ...): see causeway.atomic."
    return call


atomics = {f"atomic_{op}": _atomic_shortcut(op) for op in _AMO}
