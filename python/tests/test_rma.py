# SPDX-License-Identifier: BSD-3-Clause
import causeway as cw
import numpy as np
import pytest


@pytest.mark.parametrize("dtype", [np.int8, np.int32, np.float64, np.complex128])
def test_put_ring(me, npes, dtype):
    x = cw.zeros(16, dtype=dtype)
    cw.put(x, np.arange(16).astype(dtype) + me, (me + 1) % npes)
    cw.barrier_all()
    left = (me - 1) % npes
    np.testing.assert_array_equal(x, np.arange(16).astype(dtype) + left)
    cw.barrier_all()
    cw.free(x)


def test_get_and_slices(me, npes):
    x = cw.empty((4, 8), dtype=np.int64)
    x[:] = np.arange(32).reshape(4, 8) * (me + 1)
    cw.barrier_all()
    right = (me + 1) % npes
    row = np.empty(8, dtype=np.int64)
    cw.get(row, x[2], right)
    np.testing.assert_array_equal(row, np.arange(16, 24) * (right + 1))
    cw.barrier_all()
    cw.put(x[1, 2:4], np.array([-1, -2]), right)  # a contiguous slice names the same range remotely
    cw.barrier_all()
    assert list(x[1, 1:5]) == [9 * (me + 1), -1, -2, 12 * (me + 1)]
    cw.barrier_all()
    cw.free(x)


def test_nbi_and_quiet(me, npes):
    x = cw.zeros(1024, dtype=np.float32)
    out = np.zeros(1024, dtype=np.float32)
    target = (me + 1) % npes
    cw.put(x, np.full(1024, me, dtype=np.float32), target, nbi=True)
    cw.quiet()
    cw.barrier_all()
    cw.get(out, x, target, nbi=True)
    cw.quiet()
    np.testing.assert_array_equal(out, np.full(1024, me, dtype=np.float32))
    cw.barrier_all()
    cw.free(x)


def test_bad_arguments_raise_named_errors(me, npes):
    x = cw.zeros(4, dtype=np.int64)
    with pytest.raises(ValueError, match=rf"PE {me}: causeway.put: argument 'pe' = {npes}"):
        cw.put(x, [1], npes)
    with pytest.raises(ValueError, match="argument 'dest' is not in a live symmetric allocation"):
        cw.put(np.zeros(4, dtype=np.int64), [1], 0)
    with pytest.raises(ValueError, match="more than 'dest' holds"):
        cw.put(x, np.zeros(5, dtype=np.int64), 0)
    with pytest.raises(ValueError, match="not contiguous"):
        cw.put(x.reshape(2, 2)[:, ::2], [1, 2], 0)  # 2-D strided: no single iput
    with pytest.raises(TypeError, match="writable contiguous"):
        cw.get([0, 0], x, 0)
    assert not isinstance(x + 1, cw.SymmetricArray)  # arithmetic results are not symmetric
    cw.barrier_all()
    cw.free(x)
    with pytest.raises(ValueError, match="not in a live symmetric allocation"):
        cw.put(x, [1], 0)
    with pytest.raises(ValueError, match="freed already"):
        cw.free(x)


def test_heap_exhaustion_is_memory_error():
    with pytest.raises(MemoryError, match="symmetric heap"):
        cw.empty(1 << 40, dtype=np.uint8)


@pytest.mark.parametrize("dtype", [np.int8, np.float32, np.int64, np.complex128])
def test_strided_put_get(me, npes, dtype):
    x = cw.zeros(30, dtype=dtype)
    right = (me + 1) % npes
    cw.put(x[1::3], np.arange(10).astype(dtype) + me, right)  # iput: dest strided
    cw.barrier_all()
    left = (me - 1) % npes
    np.testing.assert_array_equal(x[1::3], np.arange(10).astype(dtype) + left)
    assert not x[0::3].any() and not x[2::3].any()
    out = np.zeros(20, dtype=dtype)
    cw.get(out[::2], x[1::3], right)  # iget: both sides strided
    np.testing.assert_array_equal(out[::2], np.arange(10).astype(dtype) + me)
    assert not out[1::2].any()
    cw.barrier_all()
    with pytest.raises(ValueError, match="more than 'dest' holds"):
        cw.put(x[::3], np.zeros(11, dtype=dtype), right)
    cw.barrier_all()
    cw.free(x)
