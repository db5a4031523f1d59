# SPDX-License-Identifier: BSD-3-Clause
"""Symmetric allocations: NumPy arrays in host memory, and DLPack/CUDA-array-interface buffers in the
device heap (for PyTorch, CuPy, JAX...), plus the (address, size) view every data call takes."""
import ctypes

import numpy as np

from . import _lib
from .runtime import error, require_init

HOST, CUDA = 0, 1
_KINDS = {"host": HOST, "cpu": HOST, "cuda": CUDA, "gpu": CUDA}


class _Block:
    """One shmem_malloc'd (or shmemx_malloc_kind'd) region."""

    def __init__(self, address, nbytes, kind, freed_by=None):
        self.address, self.nbytes, self.kind, self.live = address, nbytes, kind, True
        self.freed_by = freed_by  # for memory another object allocated and frees: the call that does

    def holds(self, address, nbytes):
        return self.live and self.address <= address and address + nbytes <= self.address + self.nbytes


_live_blocks = {}  # address -> _Block: every allocation this package made and has not freed


_last_hit = [None]  # calls tend to name the same allocation again and again


def find_block(address, nbytes):
    """The live allocation holding [address, address + nbytes), or None."""
    nbytes = max(nbytes, 1)
    block = _last_hit[0]
    if block is not None and block.holds(address, nbytes):
        return block
    for block in _live_blocks.values():
        if block.holds(address, nbytes):
            _last_hit[0] = block
            return block
    return None


def _kind_code(call, kind):
    code = _KINDS.get(kind) if isinstance(kind, str) else kind
    if code not in (HOST, CUDA):
        raise error(call, f"argument 'kind' = {kind!r} is not 'host' or 'cuda'", ValueError)
    return code


def _allocate(call, nbytes, kind):
    require_init(call)
    # A zero-size request still gets a distinct block, so every array has an address to name.
    size = max(int(nbytes), 1)
    address = _lib.shmemx_malloc_kind(kind, size) if kind != HOST else _lib.shmem_malloc(size)
    if not address:
        where = "the CUDA device heap (CAUSEWAY_CUDA_HEAP_SIZE)" if kind == CUDA else \
            "the symmetric heap (SHMEM_SYMMETRIC_SIZE)"
        raise error(call, f"{where} has no room for {size} bytes", MemoryError)
    block = _Block(address, size, kind)
    _live_blocks[address] = block
    return block


class SymmetricArray(np.ndarray):
    """A NumPy array whose memory is symmetric: every PE allocated the same one, so it can name a
    remote PE's copy. Slices stay symmetric; results of arithmetic are ordinary arrays."""

    def __array_finalize__(self, obj):
        self._block = getattr(obj, "_block", None)

    def __array_wrap__(self, out, context=None, *args):
        # A ufunc's result lives in fresh memory: it is not symmetric.
        out = np.ndarray.__array_wrap__(self, out, context, *args)
        block = self._block
        if block is None or not block.holds(out.__array_interface__["data"][0], out.nbytes):
            return out.view(np.ndarray)
        return out


def adopt_block(address, nbytes, kind, freed_by):
    """Registers symmetric memory the library allocated for another object (so data calls accept it);
    `freed_by` names the call that releases it."""
    block = _Block(address, nbytes, kind, freed_by)
    _live_blocks[address] = block
    return block


def release_adopted(block):
    block.live = False
    _live_blocks.pop(block.address, None)
    _last_hit[0] = None


def empty(shape, dtype=np.float64, kind="host"):
    """A symmetric array (collective: every PE makes the same call). kind='cuda' gives a DeviceArray."""
    code = _kind_code("empty", kind)
    dtype = np.dtype(dtype) if not _is_bf16(dtype) else dtype
    count = int(np.prod(shape, dtype=np.int64)) if np.ndim(shape) else int(shape)
    itemsize = 2 if _is_bf16(dtype) else dtype.itemsize
    block = _allocate("empty", count * itemsize, code)
    if code == CUDA:
        return DeviceArray(block, shape, dtype)
    if _is_bf16(dtype):
        raise error("empty", "dtype 'bfloat16' exists only for kind='cuda' (NumPy has no bfloat16)", TypeError)
    buffer = (ctypes.c_char * block.nbytes).from_address(block.address)
    array = np.frombuffer(buffer, dtype=np.uint8, count=count * itemsize).view(dtype).reshape(shape)
    symmetric = array.view(SymmetricArray)
    symmetric._block = block
    return symmetric


def zeros(shape, dtype=np.float64, kind="host"):
    """A zero-filled symmetric array (collective). Zeroed before it is returned on this PE only: peers
    may write to it once every PE returned (a barrier after the allocation orders that)."""
    array = empty(shape, dtype, kind)
    if isinstance(array, DeviceArray):
        array._memset_zero()
    else:
        array.fill(0)
    _lib.shmem_barrier_all()  # nobody's put may land before the owner's zero fill
    return array


def full(shape, value, dtype=np.float64):
    array = empty(shape, dtype)
    array.fill(value)
    _lib.shmem_barrier_all()
    return array


def free(array):
    """Releases a symmetric array (collective). The array must not be used afterwards."""
    block = getattr(array, "_block", None)
    if block is None:
        raise error("free", "argument 'array' is not a symmetric array from causeway.empty/zeros", TypeError)
    if not block.live:
        raise error("free", "argument 'array' was freed already", ValueError)
    if block.freed_by:
        raise error("free", f"argument 'array' belongs to another object: {block.freed_by}() releases it", ValueError)
    block.live = False
    _live_blocks.pop(block.address, None)
    _last_hit[0] = None
    _lib.shmem_free(block.address)


# --- The regions data calls read and write --------------------------------------------------------


def _address(array):
    # A writable buffer's address through ctypes costs a third of __array_interface__'s dict.
    try:
        return ctypes.addressof(ctypes.c_char.from_buffer(array))
    except (TypeError, ValueError):  # read-only or empty
        return array.__array_interface__["data"][0]


def region(call, obj, argument, symmetric):
    """(address, nbytes, dtype, keepalive) of a contiguous buffer. `symmetric`: the buffer must lie in a
    live symmetric allocation (it names memory on another PE)."""
    keep = obj
    if isinstance(obj, np.ndarray) and obj.flags.c_contiguous:  # the common case first
        address, nbytes, dtype = _address(obj), obj.nbytes, obj.dtype
    elif isinstance(obj, DeviceArray):
        address, nbytes, dtype = obj.address, obj.nbytes, obj.dtype
    elif hasattr(obj, "data_ptr") and hasattr(obj, "element_size"):  # torch.Tensor
        if not obj.is_contiguous():
            raise error(call, f"argument '{argument}' is not a contiguous tensor", ValueError)
        address, nbytes, dtype = obj.data_ptr(), obj.numel() * obj.element_size(), obj.dtype
    else:
        array = obj if isinstance(obj, np.ndarray) else np.asarray(obj)
        if not array.flags.c_contiguous:
            if symmetric:
                raise error(call, f"argument '{argument}' is not contiguous (a strided view of a symmetric "
                            "array names no single remote range)", ValueError)
            array = np.ascontiguousarray(array)
        keep = array
        address, nbytes, dtype = array.__array_interface__["data"][0], array.nbytes, array.dtype
    if symmetric and find_block(address, nbytes) is None:
        raise error(call, f"argument '{argument}' is not in a live symmetric allocation (make it with "
                    "causeway.empty, zeros, full or torch_tensor)", ValueError)
    return address, nbytes, dtype, keep


def transfer_regions(call, dest, source, dest_symmetric, source_symmetric):
    """The regions of a copy's two sides, checked to fit: (dest address, dest bytes, dest dtype,
    source address, source bytes, source dtype, what must stay alive during the call)."""
    dest_address, dest_bytes, dest_dtype, keep_dest = region(call, dest, "dest", dest_symmetric)
    source_address, nbytes, dtype, keep_source = region(call, source, "source", source_symmetric)
    if nbytes > dest_bytes:
        raise error(call, f"argument 'source' has {nbytes} bytes, more than 'dest' holds ({dest_bytes})", ValueError)
    return dest_address, dest_bytes, dest_dtype, source_address, nbytes, dtype, (keep_dest, keep_source)


def element(call, obj, index, argument):
    """(address, dtype) of element `index` of a symmetric array (flat index)."""
    address, nbytes, dtype, _ = region(call, obj, argument, True)
    itemsize = np.dtype(dtype).itemsize
    count = nbytes // itemsize
    if not isinstance(index, (int, np.integer)) or not 0 <= index < count:
        if count == 0:
            raise error(call, f"argument '{argument}' is empty", ValueError)
        raise error(call, f"argument 'index' = {index!r} is outside '{argument}' ({count} elements)", IndexError)
    return address + int(index) * itemsize, np.dtype(dtype)


# --- Device memory ---------------------------------------------------------------------------------


def _is_bf16(dtype):
    return isinstance(dtype, str) and dtype == "bfloat16"


class _DLDevice(ctypes.Structure):
    _fields_ = [("device_type", ctypes.c_int32), ("device_id", ctypes.c_int32)]


class _DLDataType(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint8), ("bits", ctypes.c_uint8), ("lanes", ctypes.c_uint16)]


class _DLTensor(ctypes.Structure):
    _fields_ = [("data", ctypes.c_void_p), ("device", _DLDevice), ("ndim", ctypes.c_int32),
                ("dtype", _DLDataType), ("shape", ctypes.POINTER(ctypes.c_int64)),
                ("strides", ctypes.POINTER(ctypes.c_int64)), ("byte_offset", ctypes.c_uint64)]


class _DLManagedTensor(ctypes.Structure):
    pass


_DL_DELETER = ctypes.CFUNCTYPE(None, ctypes.POINTER(_DLManagedTensor))
_DLManagedTensor._fields_ = [("dl_tensor", _DLTensor), ("manager_ctx", ctypes.c_void_p), ("deleter", _DL_DELETER)]
_DL_CPU, _DL_CUDA = 1, 2
_DL_CODES = {"i": 0, "u": 1, "f": 2, "c": 5, "b": 6}
_exported = {}  # address of a DLManagedTensor -> what it points into, until its consumer lets go


@_DL_DELETER
def _dl_delete(managed):
    _exported.pop(ctypes.addressof(managed.contents), None)


_capsule_new = ctypes.pythonapi.PyCapsule_New
_capsule_new.restype = ctypes.py_object
_capsule_new.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_void_p]
_capsule_valid = ctypes.pythonapi.PyCapsule_IsValid
_capsule_valid.restype, _capsule_valid.argtypes = ctypes.c_int, [ctypes.c_void_p, ctypes.c_char_p]
_capsule_pointer = ctypes.pythonapi.PyCapsule_GetPointer
_capsule_pointer.restype, _capsule_pointer.argtypes = ctypes.c_void_p, [ctypes.c_void_p, ctypes.c_char_p]


@ctypes.CFUNCTYPE(None, ctypes.c_void_p)
def _capsule_destructor(capsule):
    # A capsule nobody consumed still owns its tensor (a consumer renames it "used_dltensor").
    if _capsule_valid(capsule, b"dltensor"):
        managed = ctypes.cast(_capsule_pointer(capsule, b"dltensor"), ctypes.POINTER(_DLManagedTensor))
        _dl_delete(managed)


def dlpack_capsule(address, shape, dtype, device_type, device_id, owner):
    """A DLPack capsule over `address` that keeps `owner` alive until its consumer is done."""
    if _is_bf16(dtype):
        code, bits = 4, 16
    else:
        dtype = np.dtype(dtype)
        code, bits = _DL_CODES[dtype.kind], dtype.itemsize * 8
    shape = tuple(int(s) for s in (shape if np.ndim(shape) else (shape,)))
    dims = (ctypes.c_int64 * max(len(shape), 1))(*shape)
    managed = _DLManagedTensor()
    managed.dl_tensor = _DLTensor(address, _DLDevice(device_type, device_id), len(shape),
                                  _DLDataType(code, bits, 1), dims, None, 0)
    managed.deleter = _dl_delete
    _exported[ctypes.addressof(managed)] = (managed, dims, owner)
    return _capsule_new(ctypes.addressof(managed), b"dltensor",
                        ctypes.cast(_capsule_destructor, ctypes.c_void_p).value)


class DeviceArray:
    """A symmetric array in the CUDA device heap. Not readable from Python directly: hand it to PyTorch
    (torch.from_dlpack(a) or causeway.torch_tensor), CuPy or Numba; pass it to put/get/signals."""

    def __init__(self, block, shape, dtype):
        self._block, self.dtype = block, dtype
        self.shape = tuple(shape) if np.ndim(shape) else (int(shape),)
        itemsize = 2 if _is_bf16(dtype) else np.dtype(dtype).itemsize
        self.nbytes = int(np.prod(self.shape, dtype=np.int64)) * itemsize

    @property
    def address(self):
        return self._block.address

    def __dlpack_device__(self):
        return (_DL_CUDA, _lib.shmemx_cuda_device())

    def __dlpack__(self, stream=None):
        # The heap is written only by library calls that complete before they return (or by the
        # caller's own streams), so there is nothing to order with the consumer's stream.
        return dlpack_capsule(self.address, self.shape, self.dtype, _DL_CUDA, _lib.shmemx_cuda_device(), self)

    @property
    def __cuda_array_interface__(self):
        if _is_bf16(self.dtype):
            raise TypeError("causeway.DeviceArray: bfloat16 has no __cuda_array_interface__ type; use DLPack")
        return {"shape": self.shape, "typestr": np.dtype(self.dtype).str, "data": (self.address, False),
                "version": 3, "strides": None}

    def _memset_zero(self):
        _zero_device(self.address, self.nbytes)


def _zero_device(address, nbytes):
    # Through the library's own copy path (the heap's transport), so no CUDA runtime is needed here.
    chunk = bytes(min(nbytes, 64 << 20))
    me = _lib.shmem_my_pe()
    for offset in range(0, nbytes, len(chunk)):
        size = min(len(chunk), nbytes - offset)
        _lib.shmem_putmem(address + offset, chunk, size, me)


def torch_tensor(shape, dtype=None, kind="cuda"):
    """A PyTorch tensor over a new symmetric allocation (collective), zero-filled. `dtype` is a
    torch dtype (default float32)."""
    import torch

    names = {torch.float32: np.float32, torch.float64: np.float64, torch.float16: np.float16,
             torch.bfloat16: "bfloat16", torch.int32: np.int32, torch.int64: np.int64, torch.uint8: np.uint8,
             torch.int8: np.int8, torch.int16: np.int16}
    dtype = torch.float32 if dtype is None else dtype
    if dtype not in names:
        raise error("torch_tensor", f"argument 'dtype' = {dtype} is not supported", TypeError)
    if _kind_code("torch_tensor", kind) == HOST and names[dtype] == "bfloat16":
        raise error("torch_tensor", "bfloat16 host tensors are not supported", TypeError)
    array = zeros(shape, names[dtype], kind)
    return torch.from_dlpack(array) if isinstance(array, DeviceArray) else torch.from_numpy(array)
