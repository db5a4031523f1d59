# SPDX-License-Identifier: BSD-3-Clause
"""Causeway from Python: OpenSHMEM-style one-sided communication between processes (PEs).

    import causeway as cw
    cw.init()
    x = cw.zeros(4, dtype="int64")          # symmetric: every PE allocates the same array
    cw.put(x, [cw.my_pe()] * 4, (cw.my_pe() + 1) % cw.n_pes())
    cw.barrier_all()

Run it on 4 PEs with `causeway-run -n 4 python3 prog.py` (or oshrun, mpirun, srun). See doc/python.md.
"""
from ._lib import library_path
from . import moe  # causeway.moe.ExpertParallel (host API), DeviceExpertParallel (GPU kernels)
from .am import (Message, am_max_payload, am_progress, am_register, am_send, am_send_long, clock, clock_merge,
                 publish, put_stamped, stamp_compare, stamp_next, stamp_test, stamp_wait)
from .memory import CUDA, HOST, DeviceArray, SymmetricArray, empty, free, full, torch_tensor, zeros
from .rma import (SIGNAL_ADD, SIGNAL_SET, atomic, atomics, fence, get, put, put_signal, quiet, signal_fetch,
                  signal_wait_until, test, wait_until)
from .runtime import (THREAD_FUNNELED, THREAD_MULTIPLE, THREAD_SERIALIZED, THREAD_SINGLE, CausewayError,
                      barrier_all, finalize, global_exit, info, init, initialized, my_pe, n_pes, query_thread,
                      sync_all)
from .teams import (CTX_AM_UNORDERED, CTX_CAUSAL, CTX_NOSTORE, CTX_PRIVATE, CTX_SERIALIZED, Context, Team,
                    alltoall, broadcast, collect, fcollect, reduce, shared, world)

globals().update(atomics)  # atomic_fetch_add, atomic_compare_swap, ...: one per operation
__version__ = "0.1.0"
