# SPDX-License-Identifier: BSD-3-Clause
# causeway.moe.DeviceExpertParallel (libcauseway_moe's kernels). Without a GPU only the refusal is
# checked; with one, dispatch and combine against references built from plain gathers of every PE's
# routing (which every PE can recompute from the seeds). NumPy only: results are read back with
# causeway.get, so no torch is needed.
import causeway as cw
import numpy as np
import pytest
from causeway import _lib
from causeway.moe import DeviceExpertParallel

try:
    from causeway.moe_cuda import _library

    _library()
    HAVE_LIBRARY = True
except NotImplementedError:
    HAVE_LIBRARY = False

pytestmark = pytest.mark.skipif(not HAVE_LIBRARY, reason="libcauseway_moe was not built (no CUDA toolkit)")
HAVE_GPU = _lib.shmemx_cuda_device() >= 0 if HAVE_LIBRARY else False
gpu = pytest.mark.skipif(not HAVE_GPU, reason="no CUDA device or device heap")

MAX_TOKENS, HIDDEN, TOP_K, PER_PE = 24, 40, 3, 4


def to_bf16(values):
    """float32 -> bfloat16 bits (round to nearest even), as uint16."""
    bits = np.ascontiguousarray(values, dtype=np.float32).view(np.uint32).astype(np.uint64)
    return ((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16).astype(np.uint16)


def from_bf16(bits):
    return (np.asarray(bits, dtype=np.uint16).astype(np.uint32) << 16).view(np.float32)


def expert_fn(e, rows):
    return rows * (1.0 + e / 8.0) + e * 0.03


def problem(pe, npes, routing, epoch):
    """PE pe's tokens, routing and weights for one epoch: any PE can recompute any PE's."""
    experts = PER_PE * npes
    rng = np.random.default_rng(1000 * epoch + pe)
    tokens = 0 if routing == "empty" else MAX_TOKENS - pe % 3
    choices = np.arange(0, experts, 2) if routing == "sparse" else np.arange(experts)
    topk = np.array([rng.choice(choices, TOP_K, replace=False) for _ in range(tokens)], dtype=np.int64)
    topk = topk.reshape(tokens, TOP_K)
    if routing == "hot" and tokens:  # every token's first choice is expert 0 (kept distinct)
        topk[:, 0] = np.where((topk[:, 1:] == 0).any(axis=1), topk[:, 0], 0)
    if routing == "masked" and tokens:  # dropped choices
        topk[rng.random((tokens, TOP_K)) < 0.3] = -1
    x = to_bf16(rng.integers(-64, 64, (tokens, HIDDEN)) / 64.0)
    weights = rng.random((tokens, TOP_K)).astype(np.float32)
    return x, topk, weights


def device(array, dtype):
    """A device-heap copy of a host array (collective: every PE calls it with the same shape)."""
    made = cw.empty(array.shape, dtype=dtype, kind="cuda")
    if array.size:
        cw.put(made, array, cw.my_pe())
    return made


def fetch(array, dtype, shape):
    host = np.empty(shape, dtype=dtype)
    if host.size:
        cw.get(host, array, cw.my_pe())
    return host


def test_refused_without_a_gpu(me):
    if HAVE_GPU:
        pytest.skip("this PE has a GPU: test_dispatch_combine covers it")
    with pytest.raises(cw.CausewayError, match=rf"PE {me}: causeway_moe_create: this PE has no CUDA device"):
        DeviceExpertParallel(4 * cw.n_pes(), 64, 16, 2)


@gpu
def test_bad_arguments_raise(me, npes):
    with pytest.raises(cw.CausewayError, match=rf"PE {me}: causeway_moe_create: argument 'hidden' = 12"):
        DeviceExpertParallel(2 * npes, 12, 4, 2)
    ep = DeviceExpertParallel(2 * npes, 8, 4, 2)
    x = device(np.zeros((2, 8), np.uint16), "bfloat16")
    idx = device(np.zeros((2, 2), np.int16), np.int16)
    with pytest.raises(TypeError, match="argument 'topk_idx' has dtype int16"):
        ep.dispatch(x, idx)
    with pytest.raises(TypeError, match="argument 'x' must be a CUDA tensor"):
        ep.dispatch(np.zeros((2, 8)), idx)
    with pytest.raises(ValueError, match="there is no dispatch to combine"):
        ep.combine(ep.recv_x, idx, idx)
    with pytest.raises(ValueError, match="belongs to another object"):
        cw.free(ep.recv_x)
    cw.barrier_all()
    for array in (idx, x):
        cw.free(array)
    ep.free()


@gpu
@pytest.mark.parametrize("routing", ["random", "hot", "sparse", "masked", "empty"])
@pytest.mark.parametrize("idx_dtype", [np.int64, np.int32])
def test_dispatch_combine(me, npes, routing, idx_dtype):
    experts = PER_PE * npes
    ep = DeviceExpertParallel(experts, HIDDEN, MAX_TOKENS, TOP_K)
    rows_per_expert = npes * MAX_TOKENS
    for epoch in range(3):  # epochs advance; nothing is reset in between
        x, topk, weights = problem(me, npes, routing, epoch)
        x_d, idx_d, w_d = device(x, "bfloat16"), device(topk.astype(idx_dtype), idx_dtype), device(weights, np.float32)
        out_d = cw.empty((PER_PE, rows_per_expert, HIDDEN), dtype="bfloat16", kind="cuda")
        y_d = cw.empty((len(x), HIDDEN), dtype="bfloat16", kind="cuda")
        ep.dispatch(x_d, idx_d)
        ep.synchronize()
        count = fetch(ep.recv_count, np.int32, (PER_PE, npes))
        src = fetch(ep.recv_src, np.int32, (PER_PE, rows_per_expert, 2))
        rows = fetch(ep.recv_x, np.uint16, (PER_PE, rows_per_expert, HIDDEN))
        out = np.zeros_like(rows)
        for local in range(PER_PE):  # the reference: what each source routed to each of my experts
            expert = me * PER_PE + local
            for s in range(npes):
                xs, ts, _ = problem(s, npes, routing, epoch)
                picked = np.nonzero((ts == expert).any(axis=1))[0]  # token order
                n = len(picked)
                assert count[local, s] == n, (local, s)
                block = slice(s * MAX_TOKENS, s * MAX_TOKENS + n)
                np.testing.assert_array_equal(src[local, block, 0], picked)
                np.testing.assert_array_equal(ts[picked, src[local, block, 1]], expert)
                np.testing.assert_array_equal(rows[local, block], xs[picked])
                out[local, block] = to_bf16(expert_fn(expert, from_bf16(rows[local, block])))
        cw.put(out_d, out, me)
        y = ep.combine(out_d, idx_d, w_d, out=y_d)
        assert y is y_d
        ep.synchronize()
        got = from_bf16(fetch(y_d, np.uint16, (len(x), HIDDEN)))
        reference = np.zeros((len(x), HIDDEN), np.float64)
        for k in range(TOP_K):
            chosen = topk[:, k] >= 0
            term = from_bf16(to_bf16(expert_fn(topk[:, k:k + 1], from_bf16(x)))).astype(np.float64)
            reference += np.where(chosen[:, None], weights[:, k:k + 1] * term, 0.0)
        np.testing.assert_allclose(got, reference, rtol=1e-2, atol=1e-2)  # bf16 result
        cw.barrier_all()
        for array in (y_d, out_d, w_d, idx_d, x_d):
            cw.free(array)
    ep.free()


@gpu
def test_torch_tensors_on_the_current_stream(me, npes):
    torch = pytest.importorskip("torch")
    experts, hidden, max_tokens, top_k = 4 * npes, 64, 32, 4
    local = experts // npes
    ep = DeviceExpertParallel(experts, hidden, max_tokens, top_k)
    device = torch.device("cuda", _lib.shmemx_cuda_device())
    generator = torch.Generator().manual_seed(7 + me)
    stream = torch.cuda.Stream(device)  # not the default stream: the layer must follow torch's current one
    with torch.cuda.stream(stream):
        for tokens in (max_tokens, 5, 0):
            x = (torch.randint(-64, 64, (tokens, hidden), generator=generator) / 64).to(device, torch.bfloat16)
            scores = torch.rand((tokens, experts), generator=generator)
            weights, topk = scores.topk(top_k, dim=1)  # int64, distinct experts
            weights, topk = weights.to(device).float().contiguous(), topk.to(device).contiguous()
            recv_x, recv_count, recv_src = ep.dispatch(x, topk)
            assert recv_x.shape == (local, npes * max_tokens, hidden) and recv_x.dtype == torch.bfloat16
            first = me * local
            scale = torch.tensor([1.0 + (first + e) / 8.0 for e in range(local)], device=device)
            shift = torch.tensor([(first + e) * 0.03 for e in range(local)], device=device)
            out = (recv_x.float() * scale[:, None, None] + shift[:, None, None]).to(torch.bfloat16)
            y = ep.combine(out, topk, weights)
            reference = torch.zeros((tokens, hidden), device=device)
            for k in range(top_k):
                e = topk[:, k:k + 1].float()
                term = (x.float() * (1.0 + e / 8.0) + e * 0.03).to(torch.bfloat16).float()
                reference += weights[:, k:k + 1] * term
            assert y.shape == (tokens, hidden) and y.dtype == torch.bfloat16
            torch.testing.assert_close(y.float(), reference, rtol=1e-2, atol=1e-2)
            assert recv_count.shape == (local, npes) and recv_src.shape == (local, npes * max_tokens, 2)
    stream.synchronize()
    cw.barrier_all()
    ep.free()
