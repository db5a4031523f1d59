# SPDX-License-Identifier: BSD-3-Clause
"""MoE dispatch and combine as GPU kernels (libcauseway_moe, include/causeway/moe.h), on PyTorch tensors
or any CUDA buffer (CuPy, Numba, causeway.DeviceArray):

    ep = causeway.moe.DeviceExpertParallel(num_experts=64, hidden=7168, max_tokens=128, top_k=8)
    recv_x, recv_count, recv_src = ep.dispatch(x, topk_idx)   # x: bf16 [tokens, hidden] on the GPU
    out = my_experts(recv_x, recv_count)                     # [local_experts, n_pes * max_tokens, hidden]
    y = ep.combine(out, topk_idx, topk_weights)              # bf16 [tokens, hidden]

Both calls queue one kernel on a stream (dispatch: torch's current stream for tensors, or
`stream=`; combine and synchronize: dispatch's, unless given) and return at once: no host
synchronisation, and the epoch is kept on the device, so they can be captured in a CUDA graph and
replayed. recv_x and recv_src are the layer's own buffers, valid until this PE's combine (peers may
overwrite them after it), recv_count until the next dispatch. Collective: every PE calls dispatch,
then combine, in turn.
"""
import ctypes
import os
from ctypes import POINTER, Structure, c_char_p, c_int, c_void_p

from . import _lib, memory
from .runtime import CausewayError, error, require_init


class _Config(Structure):
    _fields_ = [("num_experts", c_int), ("hidden", c_int), ("max_tokens", c_int), ("top_k", c_int),
                ("wait_timeout_s", c_int), ("max_recv_tokens", c_int)]


class _Buffers(Structure):
    _fields_ = [("recv_x", c_void_p), ("recv_src", c_void_p), ("recv_count", c_void_p), ("recv_offset", c_void_p),
                ("local_experts", c_int), ("n_pes", c_int), ("rows_per_expert", c_int), ("recv_rows", c_int)]


_moe = {}


def _library():
    """libcauseway_moe, loaded once: CAUSEWAY_MOE_LIBRARY, else next to libcauseway, else the loader's."""
    if "lib" in _moe:
        return _moe["lib"]
    explicit = os.environ.get("CAUSEWAY_MOE_LIBRARY")
    candidates = [explicit] if explicit else [
        os.path.join(os.path.dirname(os.path.abspath(_lib.library_path)), "libcauseway_moe.so.0"),
        "libcauseway_moe.so.0"]
    tried = []
    for path in candidates:
        try:
            lib = ctypes.CDLL(path)
            break
        except OSError as problem:
            tried.append(str(problem))
    else:
        raise error("DeviceExpertParallel", "libcauseway_moe is not available (it is built where CUDA is; set "
                    "CAUSEWAY_MOE_LIBRARY to its path): " + "; ".join(tried), NotImplementedError)
    for name, restype, argtypes in (
            ("causeway_moe_create", c_int, [POINTER(_Config), POINTER(c_void_p)]),
            ("causeway_moe_destroy", c_int, [c_void_p]),
            ("causeway_moe_get_buffers", c_int, [c_void_p, POINTER(_Buffers)]),
            ("causeway_moe_dispatch", c_int, [c_void_p, c_void_p, c_void_p, c_int, c_int, c_void_p]),
            ("causeway_moe_combine", c_int, [c_void_p, c_void_p, c_void_p, c_int, c_void_p, c_void_p, c_int, c_void_p]),
            ("causeway_moe_synchronize", c_int, [c_void_p, c_void_p]),
            ("causeway_moe_last_error", c_char_p, [])):
        function = getattr(lib, name)
        function.restype, function.argtypes = restype, argtypes
    _moe["lib"] = lib
    return lib


def _check(lib, rc):
    if rc != 0:  # the library's message names the PE, the C call and the argument
        raise CausewayError(lib.causeway_moe_last_error().decode(errors="replace"))


_TORCH_DTYPES = {"torch.bfloat16": "bfloat16", "torch.int32": "int32", "torch.int64": "int64",
                 "torch.float32": "float32"}


def _operand(call, obj, name, dtypes, shape):
    """(address, dtype name, is a torch tensor) of a contiguous CUDA buffer of one of `dtypes` and `shape`."""
    if hasattr(obj, "data_ptr") and hasattr(obj, "is_cuda"):  # torch.Tensor
        if not obj.is_cuda or not obj.is_contiguous():
            raise error(call, f"argument '{name}' must be a contiguous CUDA tensor", ValueError)
        address, dtype, got_shape, is_torch = obj.data_ptr(), _TORCH_DTYPES.get(str(obj.dtype)), tuple(obj.shape), True
    elif isinstance(obj, memory.DeviceArray):
        address, dtype, got_shape, is_torch = obj.address, str(getattr(obj.dtype, "name", obj.dtype)), obj.shape, False
    elif hasattr(obj, "__cuda_array_interface__"):
        face = obj.__cuda_array_interface__
        import numpy as np

        itemsize = np.dtype(face["typestr"]).itemsize
        got_shape = tuple(face["shape"])
        contiguous = face.get("strides") is None or tuple(face["strides"]) == tuple(
            int(np.prod(got_shape[i + 1:], dtype=np.int64)) * itemsize for i in range(len(got_shape)))
        if not contiguous:
            raise error(call, f"argument '{name}' must be contiguous", ValueError)
        address, dtype, is_torch = face["data"][0], np.dtype(face["typestr"]).name, False
    else:
        raise error(call, f"argument '{name}' must be a CUDA tensor or array (torch, CuPy, causeway.DeviceArray)",
                    TypeError)
    if dtype not in dtypes:
        raise error(call, f"argument '{name}' has dtype {dtype}, not {' or '.join(dtypes)}", TypeError)
    if got_shape != tuple(shape):
        raise error(call, f"argument '{name}' has shape {got_shape}, not {tuple(shape)}", ValueError)
    return address, dtype, is_torch


def _stream(stream, tensor=None):
    """The handle of `stream`; None: torch's current stream on `tensor`'s device when it is a torch
    tensor, else the legacy default stream."""
    if stream is None:
        if tensor is None or not hasattr(tensor, "is_cuda"):
            return None
        import torch

        return torch.cuda.current_stream(tensor.device).cuda_stream
    for attribute in ("cuda_stream", "ptr"):  # torch.cuda.Stream, cupy.cuda.Stream
        if hasattr(stream, attribute):
            return getattr(stream, attribute)
    return int(stream)


class DeviceExpertParallel:
    """Collective. num_experts is a multiple of the PE count (PE p owns experts [p * local, (p + 1) *
    local)); hidden a multiple of 8; payloads are bfloat16, topk_idx int32 or int64 (-1: no expert),
    topk_weights float32. wait_timeout_s: how long a kernel waits for a peer before it reports and
    traps (0: 600 s; negative: no limit). max_recv_tokens: 0 for the fixed layout (recv_x is
    [local_experts, n_pes * max_tokens, hidden], one trip), or the rows of the packed layout (recv_x
    is [max_recv_tokens, hidden], each expert's rows contiguous; counts and offsets travel first).
    Either way the rows from PE s for local expert e start at recv_offset[e, s]."""

    def __init__(self, num_experts, hidden, max_tokens, top_k, wait_timeout_s=0, max_recv_tokens=0):
        require_init("DeviceExpertParallel")
        self._lib = lib = _library()
        self.num_experts, self.hidden, self.max_tokens, self.top_k = num_experts, hidden, max_tokens, top_k
        handle = c_void_p()
        config = _Config(num_experts, hidden, max_tokens, top_k, wait_timeout_s, max_recv_tokens)
        _check(lib, lib.causeway_moe_create(ctypes.byref(config), ctypes.byref(handle)))
        self._handle = handle
        buffers = _Buffers()
        _check(lib, lib.causeway_moe_get_buffers(handle, ctypes.byref(buffers)))
        self.local_experts, rows = buffers.local_experts, buffers.rows_per_expert
        self.packed = rows == 0
        lead = (buffers.recv_rows,) if self.packed else (self.local_experts, rows)
        shapes = {"recv_x": (lead + (hidden,), "bfloat16", 2),
                  "recv_src": (lead + (2,), "int32", 4),
                  "recv_count": ((self.local_experts, buffers.n_pes), "int32", 4),
                  "recv_offset": ((self.local_experts, buffers.n_pes), "int32", 4)}
        # DeviceArrays over the layer's buffers (symmetric, so causeway.get can read a peer's too);
        # the layer frees them, causeway.free refuses to.
        self._arrays = {}
        for name, (shape, dtype, itemsize) in shapes.items():
            nbytes = itemsize
            for extent in shape:
                nbytes *= extent
            block = memory.adopt_block(getattr(buffers, name), nbytes, memory.CUDA, "DeviceExpertParallel.free")
            self._arrays[name] = memory.DeviceArray(block, shape, dtype)
        self._tokens = None
        self._stream = None  # the last call's: the default for combine and synchronize
        self._torch_stream = None  # dispatch's as a torch stream, where it was one

    @property
    def recv_x(self):
        return self._arrays["recv_x"]

    @property
    def recv_src(self):
        return self._arrays["recv_src"]

    @property
    def recv_count(self):
        return self._arrays["recv_count"]

    @property
    def recv_offset(self):
        """[local_experts, n_pes] int32: the row of recv_x where each pair's rows start."""
        return self._arrays["recv_offset"]

    def _live(self, call):
        if self._handle is None:
            raise error(call, "the layer was freed", ValueError)

    def _views(self, as_torch):
        arrays = (self.recv_x, self.recv_count, self.recv_src)
        if not as_torch:
            return arrays
        import torch

        return tuple(torch.from_dlpack(a) for a in arrays)

    def dispatch(self, x, topk_idx, stream=None):
        """Queues the dispatch of x[t] to each expert in topk_idx[t]. Returns (recv_x, recv_count,
        recv_src): torch tensors when x is one, else causeway.DeviceArrays; the rows from PE s for
        local expert e start at row recv_offset[e, s] (the recv_offset property; fixed layout:
        recv_x[e, s * max_tokens + i])."""
        call = "DeviceExpertParallel.dispatch"
        self._live(call)
        tokens = _token_count(call, x)
        x_address, _, is_torch = _operand(call, x, "x", ("bfloat16",), (tokens, self.hidden))
        idx_address, idx_dtype, _ = _operand(call, topk_idx, "topk_idx", ("int32", "int64"), (tokens, self.top_k))
        # torch's stream object, when there is one, so that combine can wait for it.
        torch_stream = stream if hasattr(stream, "wait_stream") else None
        if stream is None and is_torch:
            import torch

            torch_stream = torch.cuda.current_stream(x.device)
        stream = _stream(stream, x)
        _check(self._lib, self._lib.causeway_moe_dispatch(self._handle, x_address, idx_address,
                                                          4 if idx_dtype == "int32" else 8, tokens, stream))
        self._tokens, self._stream, self._torch_stream = tokens, stream, torch_stream
        return self._views(is_torch)

    def combine(self, expert_out, topk_idx, topk_weights, out=None, stream=None):
        """Queues the return of expert_out (recv_x's layout; recv_x itself is allowed) and the weighted
        sums on `stream`: by default torch's current stream when expert_out is a torch tensor (made to
        wait for dispatch's stream if that is another), else dispatch's. Returns `out` (bf16 [tokens,
        hidden]; a new torch tensor when out is None)."""
        call = "DeviceExpertParallel.combine"
        self._live(call)
        if self._tokens is None:
            raise error(call, "there is no dispatch to combine", ValueError)
        tokens = self._tokens
        out_address, _, is_torch = _operand(call, expert_out, "expert_out", ("bfloat16",), self.recv_x.shape)
        idx_address, idx_dtype, _ = _operand(call, topk_idx, "topk_idx", ("int32", "int64"), (tokens, self.top_k))
        weights_address, _, _ = _operand(call, topk_weights, "topk_weights", ("float32",), (tokens, self.top_k))
        if stream is not None:
            stream = _stream(stream)
        elif is_torch:
            # The experts ran on torch's current stream: combine follows them there, and that stream
            # follows dispatch's if dispatch ran on another.
            import torch

            current = torch.cuda.current_stream(expert_out.device)
            stream = current.cuda_stream
            if self._stream is not None and self._stream != stream:
                dispatched_on = self._torch_stream or torch.cuda.ExternalStream(self._stream, device=expert_out.device)
                current.wait_stream(dispatched_on)
        else:
            stream = self._stream
        if out is None:
            if not is_torch:
                raise error(call, "argument 'out' is needed when expert_out is not a torch tensor", ValueError)
            import torch

            out = torch.empty((tokens, self.hidden), dtype=torch.bfloat16, device=expert_out.device)
        y_address, _, _ = _operand(call, out, "out", ("bfloat16",), (tokens, self.hidden))
        _check(self._lib, self._lib.causeway_moe_combine(self._handle, out_address, idx_address,
                                                         4 if idx_dtype == "int32" else 8, weights_address,
                                                         y_address, tokens, stream))
        self._tokens, self._stream = None, stream
        return out

    def synchronize(self, stream=None):
        """Waits for the stream (default: the one the last dispatch or combine ran on; after replaying a
        CUDA graph, wait on the replay's stream instead); a kernel that failed (a bad topk_idx entry,
        a peer that never answered) raises CausewayError here."""
        self._live("DeviceExpertParallel.synchronize")
        stream = self._stream if stream is None else _stream(stream)
        _check(self._lib, self._lib.causeway_moe_synchronize(self._handle, stream))

    def free(self):
        """Releases the layer (collective); waits for its kernels first. Views of its buffers (the
        tensors dispatch returned) must not be used afterwards."""
        if self._handle is not None:
            handle, self._handle = self._handle, None
            for array in self._arrays.values():
                memory.release_adopted(array._block)
            _check(self._lib, self._lib.causeway_moe_destroy(handle))


def _token_count(call, x):
    shape = tuple(x.shape) if hasattr(x, "shape") else tuple(x.__cuda_array_interface__["shape"])
    if len(shape) != 2:
        raise error(call, f"argument 'x' has shape {shape}: it must be (tokens, hidden)", ValueError)
    return shape[0]
