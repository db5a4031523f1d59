# SPDX-License-Identifier: BSD-3-Clause
"""Loads libcauseway and declares, once each, the C functions the package calls.

The package is a thin layer over the OpenSHMEM C API through ctypes: ctypes releases the GIL during
every call, so a PE blocked in a wait or barrier never stalls another Python thread, and an active
message handler can run on the progress thread.
"""
import ctypes
import ctypes.util
import os
from ctypes import POINTER, c_char_p, c_int, c_long, c_size_t, c_uint64, c_void_p

__all__ = ["lib", "fn", "typed", "library_path"]


def _candidates():
    explicit = os.environ.get("CAUSEWAY_LIBRARY")
    if explicit:  # a path the user chose is the only one tried: a silent fallback would hide a typo
        yield explicit
        return
    try:  # written by `meson install`: the library installed with this package
        from . import _config

        yield os.path.join(_config.LIBDIR, "libcauseway.so.0")
    except ImportError:
        pass
    found = ctypes.util.find_library("causeway")
    if found:
        yield found
    yield "libcauseway.so.0"  # LD_LIBRARY_PATH, the run path of the interpreter, ld.so.cache


def _load():
    tried = []
    for path in _candidates():
        try:
            return ctypes.CDLL(path), path
        except OSError as error:
            tried.append(f"{path}: {error}")
    raise ImportError("causeway: cannot load libcauseway (set CAUSEWAY_LIBRARY to its path); tried "
                      + "; ".join(tried))


lib, library_path = _load()
_declared = {}


def fn(name, restype, *argtypes):
    """The C function `name` with its prototype set (declared once, then cached)."""
    function = _declared.get(name)
    if function is None:
        try:
            function = getattr(lib, name)
        except AttributeError:
            raise NotImplementedError(f"causeway: {library_path} has no {name}") from None
        function.restype = restype
        function.argtypes = list(argtypes)
        _declared[name] = function
    return function


def typed(template, type_name, restype, *argtypes):
    """A typed routine: template 'shmem_{}_atomic_fetch_add' with type name 'int64'."""
    return fn(template.format(type_name), restype, *argtypes)


# Handles are opaque pointers in the C API.
team_t = c_void_p
ctx_t = c_void_p
stamp_t = c_uint64
AM_HANDLER = ctypes.CFUNCTYPE(None, c_void_p, c_int, c_void_p, c_size_t, c_void_p)

# Untyped calls, declared up front so a missing symbol shows at import.
shmem_init_thread = fn("shmem_init_thread", c_int, c_int, POINTER(c_int))
shmem_finalize = fn("shmem_finalize", None)
shmem_global_exit = fn("shmem_global_exit", None, c_int)
shmem_my_pe = fn("shmem_my_pe", c_int)
shmem_n_pes = fn("shmem_n_pes", c_int)
shmem_query_thread = fn("shmem_query_thread", None, POINTER(c_int))
shmem_info_get_version = fn("shmem_info_get_version", None, POINTER(c_int), POINTER(c_int))
shmem_info_get_name = fn("shmem_info_get_name", None, c_char_p)
shmem_malloc = fn("shmem_malloc", c_void_p, c_size_t)
shmem_align = fn("shmem_align", c_void_p, c_size_t, c_size_t)
shmem_free = fn("shmem_free", None, c_void_p)
shmem_addr_accessible = fn("shmem_addr_accessible", c_int, c_void_p, c_int)
shmem_ptr = fn("shmem_ptr", c_void_p, c_void_p, c_int)
shmemx_malloc_kind = fn("shmemx_malloc_kind", c_void_p, c_int, c_size_t)
shmemx_cuda_device = fn("shmemx_cuda_device", c_int)
shmem_barrier_all = fn("shmem_barrier_all", None)
shmem_sync_all = fn("shmem_sync_all", None)
shmem_putmem = fn("shmem_putmem", None, c_void_p, c_void_p, c_size_t, c_int)
for _name in ("putmem", "getmem", "putmem_nbi", "getmem_nbi"):
    fn(f"shmem_ctx_{_name}", None, ctx_t, c_void_p, c_void_p, c_size_t, c_int)
fn("shmem_ctx_quiet", None, ctx_t)
fn("shmem_ctx_fence", None, ctx_t)
fn("shmem_ctx_putmem_signal", None, ctx_t, c_void_p, c_void_p, c_size_t, c_void_p, c_uint64, c_int, c_int)
fn("shmem_ctx_putmem_signal_nbi", None, ctx_t, c_void_p, c_void_p, c_size_t, c_void_p, c_uint64, c_int, c_int)
fn("shmem_signal_fetch", c_uint64, c_void_p)
fn("shmem_signal_wait_until", c_uint64, c_void_p, c_int, c_uint64)
fn("shmem_ctx_create", c_int, c_long, POINTER(ctx_t))
fn("shmem_team_create_ctx", c_int, team_t, c_long, POINTER(ctx_t))
fn("shmem_ctx_destroy", None, ctx_t)
