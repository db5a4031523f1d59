# SPDX-License-Identifier: BSD-3-Clause
"""Teams, contexts, and the collectives over a team."""
import ctypes
from ctypes import POINTER, c_int, c_long, c_size_t, c_void_p

import numpy as np

from . import _dtypes
from ._lib import ctx_t, fn, lib, team_t, typed
from .memory import region, transfer_regions
from .runtime import check_pe, error, require_init

CTX_SERIALIZED, CTX_PRIVATE, CTX_NOSTORE = 1 << 0, 1 << 1, 1 << 2
CTX_AM_UNORDERED, CTX_CAUSAL = 1 << 8, 1 << 9


class Team:
    """A set of PEs with its own numbering. Teams from split_* are destroyed with destroy() (or a with
    block); world() and shared() are predefined."""

    def __init__(self, handle, name=None, predefined=False):
        self.handle, self._name, self._predefined = handle, name, predefined

    def _live(self, call):
        require_init(call)
        if not self.handle:
            raise error(call, f"team {self!r} was destroyed", ValueError)
        return self.handle

    def __repr__(self):
        return f"<causeway.Team {self._name or hex(self.handle or 0)}>"

    def my_pe(self):
        return fn("shmem_team_my_pe", c_int, team_t)(self._live("Team.my_pe"))

    def n_pes(self):
        return fn("shmem_team_n_pes", c_int, team_t)(self._live("Team.n_pes"))

    def translate_pe(self, pe, dest_team):
        """`pe` of this team as numbered in `dest_team`, or -1 if it is not a member."""
        return fn("shmem_team_translate_pe", c_int, team_t, c_int, team_t)(
            self._live("Team.translate_pe"), int(pe), dest_team._live("Team.translate_pe"))

    def split_strided(self, start, stride, size):
        """A new team of PEs start, start+stride, ... (collective over this team); None on PEs outside it."""
        new = team_t()
        status = fn("shmem_team_split_strided", c_int, team_t, c_int, c_int, c_int, c_void_p, c_long,
                    POINTER(team_t))(self._live("Team.split_strided"), start, stride, size, None, 0,
                                     ctypes.byref(new))
        if status != 0:
            raise error("Team.split_strided", f"(start={start}, stride={stride}, size={size}) of {self!r} "
                        f"failed (status {status})")
        return Team(new.value) if new.value else None

    def split_2d(self, xrange):
        """(x team, y team) of a 2-D grid with rows of `xrange` PEs (collective over this team)."""
        x, y = team_t(), team_t()
        status = fn("shmem_team_split_2d", c_int, team_t, c_int, c_void_p, c_long, POINTER(team_t), c_void_p,
                    c_long, POINTER(team_t))(self._live("Team.split_2d"), xrange, None, 0, ctypes.byref(x),
                                             None, 0, ctypes.byref(y))
        if status != 0:
            raise error("Team.split_2d", f"(xrange={xrange}) of {self!r} failed (status {status})")
        return (Team(x.value) if x.value else None), (Team(y.value) if y.value else None)

    def sync(self):
        fn("shmem_team_sync", c_int, team_t)(self._live("Team.sync"))

    def create_ctx(self, options=0):
        return Context(options, team=self)

    def destroy(self):
        if self._predefined:
            raise error("Team.destroy", f"{self!r} is predefined and cannot be destroyed", ValueError)
        if self.handle:
            fn("shmem_team_destroy", None, team_t)(self.handle)
            self.handle = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.destroy()


def _predefined(name):
    require_init(name)
    return Team(team_t.in_dll(lib, f"SHMEM_TEAM_{name.upper()}").value, name, predefined=True)


def world():
    return _predefined("world")


def shared():
    return _predefined("shared")


class Context:
    """An independent stream of operations: quiet(ctx) completes only this context's. Pass it as
    ctx= to the data calls; destroy() (or a with block) releases it."""

    def __init__(self, options=0, team=None):
        require_init("Context")
        handle = ctx_t()
        if team is None:
            status = fn("shmem_ctx_create", c_int, c_long, POINTER(ctx_t))(options, ctypes.byref(handle))
        else:
            status = fn("shmem_team_create_ctx", c_int, team_t, c_long, POINTER(ctx_t))(
                team._live("Team.create_ctx"), options, ctypes.byref(handle))
        if status != 0:
            raise error("Context", f"no context could be created (options {options:#x}, status {status})")
        self.handle = handle.value

    def quiet(self):
        from .rma import quiet

        quiet(self)

    def fence(self):
        from .rma import fence

        fence(self)

    def destroy(self):
        if self.handle:
            fn("shmem_ctx_destroy", None, ctx_t)(self.handle)
            self.handle = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.destroy()


# --- Collectives ----------------------------------------------------------------------------------


def _team(call, team):
    return (team or world())._live(call)


def _check(call, status):
    if status != 0:
        raise error(call, f"failed (status {status})")


def broadcast(dest, source, root, team=None):
    """Copies `source` on `root` (numbered in `team`) into `dest` on every PE of the team."""
    call = "broadcast"
    handle = _team(call, team)
    check_pe(call, root, "root", fn("shmem_team_n_pes", c_int, team_t)(handle))
    dest_address, _, _, source_address, nbytes, _, _ = transfer_regions(call, dest, source, True, True)
    _check(call, fn("shmem_broadcastmem", c_int, team_t, c_void_p, c_void_p, c_size_t, c_int)(
        handle, dest_address, source_address, nbytes, root))


def _gather(call, name, dest, source, team, per_pe_factor):
    handle = _team(call, team)
    n = fn("shmem_team_n_pes", c_int, team_t)(handle)
    dest_address, dest_bytes, _, _ = region(call, dest, "dest", True)
    source_address, nbytes, _, _ = region(call, source, "source", True)
    needed = nbytes * n if per_pe_factor else nbytes
    if dest_bytes < needed:
        raise error(call, f"argument 'dest' holds {dest_bytes} bytes; {needed} are needed", ValueError)
    if name == "alltoallmem":
        if nbytes % n:
            raise error(call, f"argument 'source' has {nbytes} bytes, not a multiple of the team's {n} PEs",
                        ValueError)
        nbytes //= n
    _check(call, fn(f"shmem_{name}", c_int, team_t, c_void_p, c_void_p, c_size_t)(
        handle, dest_address, source_address, nbytes))


def fcollect(dest, source, team=None):
    """Concatenates every PE's `source` (all the same size), in team order, into `dest` on every PE."""
    _gather("fcollect", "fcollectmem", dest, source, team, True)


def collect(dest, source, team=None):
    """Concatenates every PE's `source` (sizes may differ), in team order, into `dest` on every PE;
    `dest` must hold the total."""
    _gather("collect", "collectmem", dest, source, team, False)


def alltoall(dest, source, team=None):
    """Block j of `source` (source split into n equal blocks) goes to block `my_pe` of `dest` on PE j."""
    _gather("alltoall", "alltoallmem", dest, source, team, False)


def reduce(dest, source, op="sum", team=None):
    """Element-wise `op` (sum, prod, min, max, and, or, xor) of every PE's `source` into `dest`."""
    call = "reduce"
    if op not in _dtypes.REDUCE_FAMILY:
        raise error(call, f"argument 'op' = {op!r} is not one of {', '.join(_dtypes.REDUCE_FAMILY)}", ValueError)
    handle = _team(call, team)
    dest_address, _, dest_dtype, source_address, nbytes, dtype, _ = transfer_regions(call, dest, source, True, True)
    if np.dtype(dest_dtype) != np.dtype(dtype):
        raise error(call, f"arguments 'dest' ({dest_dtype}) and 'source' ({dtype}) differ in dtype", TypeError)
    type_name, _ = _dtypes.lookup(dtype, _dtypes.REDUCE_FAMILY[op], call, "source")
    routine = typed("shmem_{}_" + op + "_reduce", type_name, c_int, team_t, c_void_p, c_void_p, c_size_t)
    _check(call, routine(handle, dest_address, source_address, nbytes // np.dtype(dtype).itemsize))
