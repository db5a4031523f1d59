# SPDX-License-Identifier: BSD-3-Clause
"""Start and end of a PE, queries, errors, and the argument checks every call shares."""
import atexit
import ctypes

from . import _lib
from ._lib import lib

THREAD_SINGLE, THREAD_FUNNELED, THREAD_SERIALIZED, THREAD_MULTIPLE = range(4)
CMP = {"eq": 0, "ne": 1, "gt": 2, "ge": 3, "lt": 4, "le": 5}

_state = {"initialized": False, "finalized": False, "my_pe": -1, "n_pes": 0}


class CausewayError(RuntimeError):
    """A call the library refused or could not complete; the message names the PE, call and argument."""


def _pe_text():
    return f"PE {_state['my_pe']}" if _state["initialized"] else "PE ?"


def error(call, message, kind=CausewayError):
    """An exception of `kind` in the library's "PE p: call: message" form."""
    return kind(f"{_pe_text()}: causeway.{call}: {message}")


def require_init(call):
    if not _state["initialized"]:
        raise error(call, "called before causeway.init()" if not _state["finalized"] else
                    "called after causeway.finalize()")


def check_pe(call, pe, argument="pe", n=None):
    require_init(call)
    limit = _state["n_pes"] if n is None else n
    if not isinstance(pe, int) or not 0 <= pe < limit:
        raise error(call, f"argument '{argument}' = {pe!r} is not a PE number in [0, {limit})", ValueError)
    return pe


def cmp_code(call, cmp):
    if isinstance(cmp, str) and cmp.lower() in CMP:
        return CMP[cmp.lower()]
    if isinstance(cmp, int) and cmp in CMP.values():
        return cmp
    raise error(call, f"argument 'cmp' = {cmp!r} is not one of {', '.join(CMP)}", ValueError)


def init(thread_level=None):
    """Starts this PE (collective over every PE of the job). With `thread_level`, asks for that thread
    support (THREAD_SINGLE ... THREAD_MULTIPLE) and returns the level provided."""
    if _state["initialized"]:
        return query_thread()
    if _state["finalized"]:
        raise error("init", "the library cannot be started again after finalize")
    provided = ctypes.c_int(0)
    level = THREAD_SINGLE if thread_level is None else thread_level
    if _lib.shmem_init_thread(level, ctypes.byref(provided)) != 0:
        raise error("init", f"shmem_init_thread({level}) failed")
    _state.update(initialized=True, my_pe=_lib.shmem_my_pe(), n_pes=_lib.shmem_n_pes())
    atexit.register(finalize)
    return provided.value


def finalize():
    """Ends this PE's part in the job (collective). Safe to call twice; also runs at interpreter exit."""
    if _state["initialized"]:
        _state.update(initialized=False, finalized=True)
        _lib.shmem_finalize()


def initialized():
    return _state["initialized"]


def my_pe():
    require_init("my_pe")
    return _state["my_pe"]


def n_pes():
    require_init("n_pes")
    return _state["n_pes"]


def query_thread():
    level = ctypes.c_int(0)
    _lib.shmem_query_thread(ctypes.byref(level))
    return level.value


def global_exit(status=0):
    """Ends every PE of the job with `status`."""
    _lib.shmem_global_exit(int(status))


def info():
    """(name, (major, minor)) of the library and the OpenSHMEM version it implements."""
    name = ctypes.create_string_buffer(256)
    _lib.shmem_info_get_name(name)
    major, minor = ctypes.c_int(0), ctypes.c_int(0)
    _lib.shmem_info_get_version(ctypes.byref(major), ctypes.byref(minor))
    return name.value.decode(), (major.value, minor.value)


def barrier_all():
    require_init("barrier_all")
    _lib.shmem_barrier_all()


def sync_all():
    require_init("sync_all")
    _lib.shmem_sync_all()


_default_ctx = ctypes.addressof(ctypes.c_char.in_dll(lib, "causeway_ctx_default"))


def default_ctx_handle():
    return _default_ctx


def ctx_handle(ctx):
    """The C handle of a Context, or of the default context for None."""
    if ctx is None:
        return _default_ctx
    handle = getattr(ctx, "handle", None)
    if not handle:
        raise error("ctx", f"{ctx!r} is not a live causeway.Context", ValueError)
    return handle
