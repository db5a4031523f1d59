# SPDX-License-Identifier: BSD-3-Clause
import causeway as cw
import numpy as np
import pytest
from causeway import memory


class _HostExport:
    """A host symmetric array exported through the package's own DLPack producer."""

    def __init__(self, array):
        self.array = array

    def __dlpack_device__(self):
        return (1, 0)

    def __dlpack__(self, stream=None):
        return memory.dlpack_capsule(self.array.ctypes.data, self.array.shape, self.array.dtype, 1, 0, self.array)


def test_dlpack_export_shares_memory(me):
    x = cw.zeros((3, 5), dtype=np.float32)
    view = np.from_dlpack(_HostExport(x))
    assert view.shape == (3, 5) and view.dtype == np.float32
    x[1, 2] = 42.0 + me
    assert view[1, 2] == 42.0 + me
    del view
    assert not memory._exported  # the consumer released the tensor
    cw.barrier_all()
    cw.free(x)


def test_cuda_kind(me, npes):
    try:
        device = cw.empty(1024, dtype=np.float32, kind="cuda")
    except MemoryError:
        pytest.skip("no CUDA device heap on this machine")
    torch = pytest.importorskip("torch")
    tensor = torch.from_dlpack(device)
    assert tensor.is_cuda and tensor.shape == (1024,)
    tensor.fill_(me)
    torch.cuda.synchronize()
    cw.barrier_all()
    cw.put(device, tensor, (me + 1) % npes)
    cw.barrier_all()
    assert float(tensor[0]) == (me - 1) % npes
    bf16 = cw.torch_tensor((4, 4), dtype=torch.bfloat16)
    assert bf16.dtype == torch.bfloat16 and float(bf16.sum()) == 0
    cw.barrier_all()
    cw.free(device)


def test_unknown_kind():
    with pytest.raises(ValueError, match="argument 'kind' = 'tpu'"):
        cw.empty(4, kind="tpu")
