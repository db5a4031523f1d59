# SPDX-License-Identifier: BSD-3-Clause
# causeway.moe.DeviceExpertParallel (libcauseway_moe's kernels). Without a GPU only the refusal is
# checked; with one, dispatch and combine against references built from plain gathers of every PE's
# routing (which every PE can recompute from the seeds). NumPy only: results are read back with
# causeway.get, so no torch is needed.
import os

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

# Over a block (256) of tokens, so dispatch's slot count carries across chunks; 33 vectors per row,
# so a warp's copy takes a second pass.
MAX_TOKENS, HIDDEN, TOP_K, PER_PE = 600, 264, 3, 6  # sparse routing at 1 PE: 3 even experts
# bf16 results: half an ulp of the sum is 2^-9 relative; a dropped or doubled term is far more.
RTOL, ATOL = 2**-7, 2**-8


def to_bf16(values):
    """float32 -> bfloat16 bits (round to nearest even), as uint16."""
    bits = np.ascontiguousarray(values, dtype=np.float32).view(np.uint32).astype(np.uint64)
    return ((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16).astype(np.uint16)


def from_bf16(bits):
    return (np.asarray(bits, dtype=np.uint16).astype(np.uint32) << 16).view(np.float32)


def expert_fn(e, rows):
    return rows * (1.0 + e / 8.0) + e * 0.03


def problem(pe, npes, routing, epoch, tokens=MAX_TOKENS):
    """PE pe's tokens, routing and weights for one epoch: any PE can recompute any PE's."""
    experts = PER_PE * npes
    rng = np.random.default_rng(1000 * epoch + pe)
    if routing == "empty" or (routing == "some_empty" and pe % 2):
        tokens = 0
    else:
        tokens -= pe % 3
    choices = np.arange(0, experts, 2) if routing == "sparse" else np.arange(experts)
    topk = np.argsort(rng.random((tokens, len(choices))), axis=1)[:, :TOP_K]  # distinct, uniform
    topk = choices[topk].astype(np.int64).reshape(tokens, TOP_K)
    if routing == "hot" and tokens:  # every token's first choice is expert 0 (kept distinct)
        topk[:, 0] = np.where((topk[:, 1:] == 0).any(axis=1), topk[:, 0], 0)
    if routing == "masked" and tokens:  # dropped choices
        topk[rng.random((tokens, TOP_K)) < 0.3] = -1
    x = to_bf16(rng.integers(-64, 64, (tokens, HIDDEN)) / 64.0)
    weights = rng.random((tokens, TOP_K)).astype(np.float32)
    return x, topk, weights


def combined(x, topk, weights, expert=expert_fn):
    """The reference for y: sum_k weights * bf16(expert(topk, x)), dropped choices left out."""
    reference = np.zeros((len(x), HIDDEN), np.float64)
    for k in range(TOP_K):
        term = from_bf16(to_bf16(expert(topk[:, k:k + 1], from_bf16(x)))).astype(np.float64)
        reference += np.where(topk[:, k:k + 1] >= 0, weights[:, k:k + 1] * term, 0.0)
    return reference


def device_empty(shape, dtype, rows=MAX_TOKENS):
    """Device-heap memory for `shape`, whose first extent (tokens) may differ between PEs: every PE
    allocates `rows` rows (allocation is collective, so the sizes must agree) and gets a view of
    the first shape[0]. causeway.free(view) frees the allocation."""
    dtype = dtype if dtype == "bfloat16" else np.dtype(dtype)
    made = cw.empty((rows,) + tuple(shape[1:]), dtype=dtype, kind="cuda")
    return cw.DeviceArray(made._block, tuple(shape), dtype)


def device(array, dtype):
    """A device-heap copy of a host array of up to MAX_TOKENS rows (collective)."""
    view = device_empty(array.shape, dtype)
    if array.size:
        cw.put(view, array, cw.my_pe())
    return view


def fetch(array, dtype, shape):
    host = np.empty(shape, dtype=dtype)
    if host.size:
        cw.get(host, array, cw.my_pe())
    return host


def test_refused_without_a_gpu(me):
    if HAVE_GPU:
        pytest.skip("this PE has a GPU: test_dispatch_combine covers it")
    if os.environ.get("CAUSEWAY_EXPECT_GPU", "0") not in ("", "0"):  # scripts/gpu-check: must not skip
        pytest.fail("CAUSEWAY_EXPECT_GPU is set but this job has no device heap")
    with pytest.raises(cw.CausewayError, match=rf"PE {me}: causeway_moe_create: this PE has no CUDA device"):
        DeviceExpertParallel(4 * cw.n_pes(), 64, 16, 2)


@gpu
def test_bad_arguments_raise(me, npes):
    with pytest.raises(cw.CausewayError, match=rf"PE {me}: causeway_moe_create: argument 'hidden' = 12"):
        DeviceExpertParallel(2 * npes, 12, 4, 2)
    ep = DeviceExpertParallel(2 * npes, 8, 4, 2)
    x = cw.empty((2, 8), dtype="bfloat16", kind="cuda")
    idx = cw.empty((2, 2), dtype=np.int16, kind="cuda")
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
@pytest.mark.parametrize("routing", ["random", "hot", "sparse", "masked", "some_empty", "empty"])
@pytest.mark.parametrize("idx_dtype", [np.int64, np.int32])
@pytest.mark.parametrize("layout", ["fixed", "packed"])
def test_dispatch_combine(me, npes, routing, idx_dtype, layout):
    experts = PER_PE * npes
    # packed: room for the most rows any PE can get (every token of every PE, top_k times).
    ep = DeviceExpertParallel(experts, HIDDEN, MAX_TOKENS, TOP_K,
                              max_recv_tokens=npes * MAX_TOKENS * TOP_K if layout == "packed" else 0)
    assert ep.packed == (layout == "packed")
    for epoch in range(2):  # epochs advance; nothing is reset in between
        everyone = [problem(pe, npes, routing, epoch) for pe in range(npes)]
        x, topk, weights = everyone[me]
        x_d, idx_d, w_d = device(x, "bfloat16"), device(topk.astype(idx_dtype), idx_dtype), device(weights, np.float32)
        out_d = cw.empty(ep.recv_x.shape, dtype="bfloat16", kind="cuda")
        y_d = device_empty((len(x), HIDDEN), "bfloat16")
        ep.dispatch(x_d, idx_d)
        ep.synchronize()
        count = fetch(ep.recv_count, np.int32, (PER_PE, npes))
        offset = fetch(ep.recv_offset, np.int32, (PER_PE, npes))
        src = fetch(ep.recv_src, np.int32, ep.recv_src.shape).reshape(-1, 2)
        rows = fetch(ep.recv_x, np.uint16, ep.recv_x.shape).reshape(-1, HIDDEN)
        if layout == "packed":  # pairs one after another: expert by expert, then source by source
            np.testing.assert_array_equal(offset.reshape(-1), np.cumsum(count.reshape(-1)) - count.reshape(-1))
        else:
            np.testing.assert_array_equal(offset.reshape(-1), np.arange(PER_PE * npes) * MAX_TOKENS)
        out = np.zeros_like(rows)
        for local in range(PER_PE):  # the reference: what each source routed to each of my experts
            expert = me * PER_PE + local
            for s, (xs, ts, _) in enumerate(everyone):
                picked = np.nonzero((ts == expert).any(axis=1))[0]  # token order
                n = len(picked)
                assert count[local, s] == n, (local, s)
                block = slice(offset[local, s], offset[local, s] + n)
                np.testing.assert_array_equal(src[block, 0], picked)
                np.testing.assert_array_equal(ts[picked, src[block, 1]], expert)
                np.testing.assert_array_equal(rows[block], xs[picked])
                out[block] = to_bf16(expert_fn(expert, from_bf16(rows[block])))
        cw.put(out_d, out, me)
        y = ep.combine(out_d, idx_d, w_d, out=y_d)
        assert y is y_d
        ep.synchronize()
        got = from_bf16(fetch(y_d, np.uint16, (len(x), HIDDEN)))
        np.testing.assert_allclose(got, combined(x, topk, weights), rtol=RTOL, atol=ATOL)
        cw.barrier_all()
        for array in (y_d, out_d, w_d, idx_d, x_d):
            cw.free(array)
    ep.free()


@gpu
@pytest.mark.parametrize("layout", ["fixed", "packed"])
def test_steps_run_ahead_without_host_waits(me, npes, layout):
    # Many steps queued back to back, no synchronize or barrier in between, experts in place
    # (expert_out is recv_x, left as it came: the identity): a PE may start step n + 1 while a peer
    # is still in step n, which is when an epoch or buffer reused too early would show.
    steps = 12
    ep = DeviceExpertParallel(PER_PE * npes, HIDDEN, MAX_TOKENS, TOP_K,
                              max_recv_tokens=npes * MAX_TOKENS * TOP_K if layout == "packed" else 0)
    made = []
    for step in range(steps):
        x, topk, weights = problem(me, npes, "masked" if step % 3 == 2 else "random", 100 + step,
                                   tokens=MAX_TOKENS // (1 + step % 4))
        made.append((x, topk, weights, device(x, "bfloat16"), device(topk, np.int64), device(weights, np.float32),
                     device_empty((len(x), HIDDEN), "bfloat16")))
    for _, _, _, x_d, idx_d, w_d, y_d in made:
        ep.dispatch(x_d, idx_d)
        ep.combine(ep.recv_x, idx_d, w_d, out=y_d)
    ep.synchronize()
    for x, topk, weights, *_, y_d in made:
        got = from_bf16(fetch(y_d, np.uint16, (len(x), HIDDEN)))
        np.testing.assert_allclose(got, combined(x, topk, weights, lambda e, v: v), rtol=RTOL, atol=ATOL)
    cw.barrier_all()
    for entry in reversed(made):
        for array in reversed(entry[3:]):
            cw.free(array)
    ep.free()


def _torch_problem(torch, device, generator, tokens, hidden, experts, top_k):
    x = (torch.randint(-64, 64, (tokens, hidden), generator=generator) / 64).to(device, torch.bfloat16)
    weights, topk = torch.rand((tokens, experts), generator=generator).topk(top_k, dim=1)  # distinct
    return x, topk.to(device).contiguous(), weights.to(device).float().contiguous()


def _torch_experts(torch, recv_x, first, local):
    """Expert e (global) scales by 1 + e/8 and adds e * 0.03, over the whole receive area."""
    e = torch.arange(first, first + local, device=recv_x.device, dtype=torch.float32)[:, None, None]
    return (recv_x.float() * (1.0 + e / 8.0) + e * 0.03).to(torch.bfloat16)


def _torch_reference(torch, x, topk, weights):
    reference = torch.zeros(x.shape, device=x.device)
    for k in range(topk.shape[1]):
        e = topk[:, k:k + 1].float()
        reference += weights[:, k:k + 1] * (x.float() * (1.0 + e / 8.0) + e * 0.03).to(torch.bfloat16).float()
    return reference


def _torch_layer(npes, hidden, max_tokens, top_k):
    """(torch, layer of 4 experts per PE, this PE's device), skipping where torch has no CUDA."""
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        pytest.skip("this torch has no CUDA")
    device = torch.device("cuda", _lib.shmemx_cuda_device())
    torch.cuda.set_device(device)  # torch's current stream and graph capture are per current device
    return torch, DeviceExpertParallel(4 * npes, hidden, max_tokens, top_k), device


@gpu
def test_torch_tensors_on_the_current_stream(me, npes):
    experts, hidden, max_tokens, top_k, local = 4 * npes, 64, 32, 4, 4
    torch, ep, device = _torch_layer(npes, hidden, max_tokens, top_k)
    generator = torch.Generator().manual_seed(7 + me)
    stream = torch.cuda.Stream(device)  # not the default stream: the layer must follow torch's current one
    with torch.cuda.stream(stream):
        for tokens in (max_tokens, 5, 0):
            x, topk, weights = _torch_problem(torch, device, generator, tokens, hidden, experts, top_k)
            recv_x, recv_count, recv_src = ep.dispatch(x, topk)
            assert recv_x.shape == (local, npes * max_tokens, hidden) and recv_x.dtype == torch.bfloat16
            assert recv_count.shape == (local, npes) and recv_src.shape == (local, npes * max_tokens, 2)
            y = ep.combine(_torch_experts(torch, recv_x, me * local, local), topk, weights)
            assert y.shape == (tokens, hidden) and y.dtype == torch.bfloat16
            torch.testing.assert_close(y.float(), _torch_reference(torch, x, topk, weights), rtol=RTOL, atol=ATOL)
        x, topk, weights = _torch_problem(torch, device, generator, max_tokens, hidden, experts, top_k)
        recv_x, _, _ = ep.dispatch(x, topk)
    # Experts and combine on the default stream, which the user orders after the dispatch on `stream`
    # (as for any cross-stream use): combine must run on it, after the experts.
    torch.cuda.current_stream(device).wait_stream(stream)
    y = ep.combine(_torch_experts(torch, recv_x, me * local, local), topk, weights)
    torch.testing.assert_close(y.float(), _torch_reference(torch, x, topk, weights), rtol=RTOL, atol=ATOL)
    stream.synchronize()
    cw.barrier_all()
    ep.free()


@gpu
def test_cuda_graph_replays(me, npes):
    # The epoch lives on the device, so a captured dispatch/experts/combine replays correctly.
    experts, hidden, tokens, top_k, local = 4 * npes, 128, 48, 4, 4
    torch, ep, device = _torch_layer(npes, hidden, tokens, top_k)
    generator = torch.Generator().manual_seed(70 + me)
    x, topk, weights = _torch_problem(torch, device, generator, tokens, hidden, experts, top_k)
    graph = torch.cuda.CUDAGraph()
    with torch.cuda.graph(graph):
        recv_x, _, _ = ep.dispatch(x, topk)
        y = ep.combine(_torch_experts(torch, recv_x, me * local, local), topk, weights)
    for _ in range(4):
        fresh = _torch_problem(torch, device, generator, tokens, hidden, experts, top_k)
        for static, value in zip((x, topk, weights), fresh):
            static.copy_(value)
        graph.replay()
        torch.testing.assert_close(y.float(), _torch_reference(torch, *fresh), rtol=RTOL, atol=ATOL)
    torch.cuda.synchronize()
    cw.barrier_all()
    ep.free()
