# SPDX-License-Identifier: BSD-3-Clause
"""A pytest plugin (-p moe_layer_double) that stands in for libcauseway_moe with host memory: the
layer's contract (layout, token order, {token, k}, counts, weighted bf16 sums, call order) done
synchronously over the host API, and kind="cuda" allocations made in the host heap. With it,
test_moe_cuda.py's NumPy tests run the Python binding (argument checks, buffer views, stream and
state handling) and the tests' own references on a machine without a GPU. It checks the binding and
the tests, not the kernels: those run in the same tests on a GPU (scripts/gpu-check)."""
import numpy as np
import causeway as cw
from causeway import _lib, memory, moe_cuda

_lib.shmemx_cuda_device = lambda: 0  # the tests' GPU gate
_host_empty = memory.empty


def _empty(shape, dtype=np.float64, kind="host"):
    """kind="cuda": a DeviceArray over a host allocation (same block, so put/get/free work)."""
    if kind != "cuda":
        return _host_empty(shape, dtype, kind)
    bf = isinstance(dtype, str) and dtype == "bfloat16"
    arr = _host_empty(shape, np.uint16 if bf else dtype)
    return memory.DeviceArray(arr._block, shape, dtype if bf else np.dtype(dtype))


cw.empty = _empty


def view(address, dtype, shape):
    """The memory at `address` as a NumPy array (what the C library would read or write)."""
    n = int(np.prod(shape))
    if n == 0:
        return np.zeros(shape, dtype)
    ct = np.ctypeslib.as_ctypes_type(np.dtype(dtype))
    return np.ctypeslib.as_array((ct * n).from_address(address)).reshape(shape)


def to_bf16(v):
    bits = np.ascontiguousarray(v, dtype=np.float32).view(np.uint32).astype(np.uint64)
    return ((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16).astype(np.uint16)


def from_bf16(b):
    return (np.asarray(b, dtype=np.uint16).astype(np.uint32) << 16).view(np.float32)


class LayerDouble:
    def __init__(self):
        self.layers, self.err = {}, b""

    def causeway_moe_last_error(self):
        return self.err

    def causeway_moe_create(self, cfg_ref, handle_ref):
        c = cfg_ref._obj
        n, me = cw.n_pes(), cw.my_pe()
        if c.hidden % 8:
            self.err = f"PE {me}: causeway_moe_create: argument 'hidden' = {c.hidden} is not a positive multiple of 8".encode()
            return -1
        local = c.num_experts // n
        rows = c.max_recv_tokens or local * n * c.max_tokens
        L = dict(c=(c.num_experts, c.hidden, c.max_tokens, c.top_k), local=local, packed=c.max_recv_tokens > 0,
                 rows=rows, recv_x=cw.zeros((rows, c.hidden), np.uint16), recv_src=cw.zeros((rows, 2), np.int32),
                 recv_count=cw.zeros((local, n), np.int32), recv_offset=cw.zeros((local, n), np.int32),
                 comb=cw.zeros((c.max_tokens, c.top_k, c.hidden), np.uint16), state=None)
        if not L["packed"]:
            L["recv_offset"][...] = np.arange(local * n).reshape(local, n) * c.max_tokens
        key = len(self.layers) + 100
        self.layers[key] = L
        handle_ref._obj.value = key
        return 0

    def causeway_moe_get_buffers(self, h, b_ref):
        L = self.layers[getattr(h, "value", h)]
        b = b_ref._obj
        for name in ("recv_x", "recv_src", "recv_count", "recv_offset"):
            setattr(b, name, L[name].__array_interface__["data"][0])
        b.local_experts, b.n_pes = L["local"], cw.n_pes()
        b.rows_per_expert = 0 if L["packed"] else cw.n_pes() * L["c"][2]
        b.recv_rows = L["rows"]
        return 0

    def causeway_moe_dispatch(self, h, x, idx, idx_bytes, tokens, stream):
        L = self.layers[getattr(h, "value", h)]
        E, H, M, K = L["c"]
        me, local = cw.my_pe(), L["local"]
        if L["state"] is not None:
            self.err = f"PE {me}: causeway_moe_dispatch: the previous dispatch has not been combined yet".encode()
            return -1
        xs = view(x, np.uint16, (tokens, H)).copy()
        ids = view(idx, np.int32 if idx_bytes == 4 else np.int64, (tokens, K)).copy()
        picked = [[(t, k) for t in range(tokens) for k in range(K) if ids[t, k] == e] for e in range(E)]
        cw.barrier_all()
        for e in range(E):  # counts first, as the packed layout's kernel sends them
            cw.put(L["recv_count"][e % local, me:me + 1], np.array([len(picked[e])], np.int32), e // local)
        cw.barrier_all()
        if L["packed"]:
            offsets = np.concatenate([[0], np.cumsum(L["recv_count"].reshape(-1))[:-1]])
            assert offsets[-1] + L["recv_count"].reshape(-1)[-1] <= L["rows"], "more rows than max_recv_tokens"
            L["recv_offset"][...] = offsets.reshape(L["recv_offset"].shape)
        cw.barrier_all()
        for e in range(E):
            pe, el = e // local, e % local
            base = np.zeros(1, np.int32)
            cw.get(base, L["recv_offset"][el, me:me + 1], pe)
            base = int(base[0])
            if picked[e]:
                cw.put(L["recv_x"][base:base + len(picked[e])], xs[[t for t, _ in picked[e]]], pe)
                cw.put(L["recv_src"][base:base + len(picked[e])], np.array(picked[e], np.int32), pe)
        cw.barrier_all()
        L["state"] = tokens
        return 0

    def causeway_moe_combine(self, h, out, idx, idx_bytes, w, y, tokens, stream):
        L = self.layers[getattr(h, "value", h)]
        E, H, M, K = L["c"]
        n, me, local = cw.n_pes(), cw.my_pe(), L["local"]
        if L["state"] is None:
            self.err = f"PE {me}: causeway_moe_combine: there is no dispatch to combine".encode()
            return -1
        outs = view(out, np.uint16, (L["rows"], H)).copy()
        cw.barrier_all()
        for el in range(local):
            for s in range(n):
                base = int(L["recv_offset"][el, s])
                for r in range(int(L["recv_count"][el, s])):
                    t, k = L["recv_src"][base + r]
                    cw.put(L["comb"][t, k], outs[base + r], s)
        cw.barrier_all()
        ids = view(idx, np.int32 if idx_bytes == 4 else np.int64, (tokens, K))
        ws = view(w, np.float32, (tokens, K))
        acc = np.zeros((tokens, H), np.float32)
        for t in range(tokens):
            for k in range(K):
                if ids[t, k] >= 0:
                    acc[t] += ws[t, k] * from_bf16(L["comb"][t, k])
        view(y, np.uint16, (tokens, H))[...] = to_bf16(acc)
        L["state"] = None
        return 0

    def causeway_moe_synchronize(self, h, stream):
        return 0

    def causeway_moe_destroy(self, h):
        L = self.layers.pop(getattr(h, "value", h))
        cw.barrier_all()
        for k in ("comb", "recv_offset", "recv_count", "recv_src", "recv_x"):
            cw.free(L[k])
        return 0


moe_cuda._moe["lib"] = LayerDouble()
