# SPDX-License-Identifier: BSD-3-Clause
import causeway as cw
import numpy as np


def test_put_signal_ring(me, npes):
    data = cw.zeros(256, dtype=np.int32)
    flags = cw.zeros(2, dtype=np.uint64)
    cw.put_signal(data, np.full(256, me + 10, dtype=np.int32), flags, 5, (me + 1) % npes, op="add", index=1)
    assert cw.signal_wait_until(flags, "ge", 5, index=1) == 5
    np.testing.assert_array_equal(data, np.full(256, (me - 1) % npes + 10))
    assert cw.signal_fetch(flags, index=1) == 5 and cw.signal_fetch(flags) == 0
    cw.barrier_all()
    cw.free(data)
    cw.free(flags)


def test_wait_until_remote_atomic(me, npes):
    ivar = cw.zeros(1, dtype=np.int64)
    cw.atomic_add(ivar, (me + 1) % npes, 3)
    cw.wait_until(ivar, "eq", 3)
    assert cw.test(ivar, "ge", 3) and not cw.test(ivar, "gt", 3)
    cw.barrier_all()
    cw.free(ivar)
