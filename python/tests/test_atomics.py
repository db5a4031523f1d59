# SPDX-License-Identifier: BSD-3-Clause
import causeway as cw
import numpy as np
import pytest


@pytest.mark.parametrize("dtype", [np.int32, np.int64, np.uint32, np.uint64])
def test_fetch_add_from_every_pe(me, npes, dtype):
    counter = cw.zeros(2, dtype=dtype)
    olds = [int(cw.atomic_fetch_add(counter, 0, 1, index=1)) for _ in range(10)]
    assert olds == sorted(olds)
    cw.barrier_all()
    if me == 0:
        assert counter[1] == 10 * npes and counter[0] == 0
    cw.barrier_all()
    cw.free(counter)


def test_compare_swap_elects_one_pe(me, npes):
    word = cw.zeros(1, dtype=np.int64)
    old = cw.atomic_compare_swap(word, 0, 0, me + 1)
    won = cw.zeros(npes, dtype=np.int64)
    mine = cw.full(1, 1 if old == 0 else 0, dtype=np.int64)
    cw.fcollect(won, mine)
    assert won.sum() == 1
    cw.barrier_all()
    if me == 0:
        assert 1 <= word[0] <= npes
    cw.barrier_all()
    for array in (word, won, mine):
        cw.free(array)


def test_bitwise_and_float(me, npes):
    bits = cw.zeros(1, dtype=np.uint64)
    cw.atomic_xor(bits, 0, 1 << me)
    value = cw.zeros(1, dtype=np.float64)
    cw.barrier_all()
    if me == 0:
        assert bits[0] == (1 << npes) - 1
    cw.atomic_set(value, (me + 1) % npes, 2.5 * me)
    cw.barrier_all()
    assert cw.atomic_fetch(value, me) == 2.5 * ((me - 1) % npes)
    assert cw.atomic_swap(value, me, 7.0) == 2.5 * ((me - 1) % npes)
    cw.barrier_all()
    cw.free(bits)
    cw.free(value)


def test_atomic_type_errors(me):
    f = cw.zeros(1, dtype=np.float32)
    with pytest.raises(TypeError, match=rf"PE {me}: causeway.atomic_fetch_add: argument 'dest' has dtype float32"):
        cw.atomic_fetch_add(f, 0, 1)
    with pytest.raises(IndexError, match="argument 'index' = 3"):
        cw.atomic_fetch(f, 0, index=3)
    with pytest.raises(TypeError, match="takes 2 value"):
        cw.atomic("compare_swap", f, 0, 1)
    cw.barrier_all()
    cw.free(f)
