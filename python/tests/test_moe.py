# SPDX-License-Identifier: BSD-3-Clause
import causeway as cw
import numpy as np
import pytest
from causeway.moe import ExpertParallel


def _expert(e, rows):
    return rows * (1.0 + e[:, None] / 16.0) + e[:, None] * 0.01


@pytest.mark.parametrize("routing", ["random", "hot", "sparse", "empty"])
def test_dispatch_combine_against_gathered_reference(me, npes, routing):
    hidden, top_k, per_pe = 32, 3, 6
    experts = per_pe * npes
    ep = ExpertParallel(experts, hidden, max_tokens=40, top_k=top_k)
    rng = np.random.default_rng(100 + me)
    tokens = 0 if routing == "empty" else 40 - me  # token counts differ per PE
    choices = np.arange(0, experts, 2) if routing == "sparse" else np.arange(experts)
    topk = np.array([rng.choice(choices, top_k, replace=False) for _ in range(tokens)], dtype=np.int64)
    topk = topk.reshape(tokens, top_k)
    if routing == "hot" and tokens:
        topk[:, 0] = np.where((topk[:, 1:] == 0).any(axis=1), topk[:, 0], 0)
    weights = rng.random((tokens, top_k))
    x = rng.standard_normal((tokens, hidden)).astype(np.float32)
    for _ in range(3):  # epochs advance; nothing is reset in between
        rows, src, token, k, expert = ep.dispatch(x, topk)
        assert np.all(expert // per_pe == me)
        y = ep.combine(_expert(expert, rows), weights)
    reference = np.zeros((tokens, hidden))
    for kk in range(top_k):
        reference += weights[:, kk : kk + 1] * _expert(topk[:, kk], x.astype(np.float64))
    np.testing.assert_allclose(y, reference, rtol=1e-5, atol=1e-5)
    # Reference for dispatch by plain gathers: every PE's routing, then what should reach this PE.
    counts = cw.zeros(npes, dtype=np.int64)
    mine = cw.full(1, tokens, dtype=np.int64)
    cw.fcollect(counts, mine)
    all_topk = cw.zeros((npes * 40 * top_k,), dtype=np.int64)
    padded = cw.full(40 * top_k, -1, dtype=np.int64)
    padded[: tokens * top_k] = topk.reshape(-1)
    cw.fcollect(all_topk, padded)
    expect = sum(int(np.sum((all_topk[p * 40 * top_k : p * 40 * top_k + counts[p] * top_k] // per_pe) == me))
                 for p in range(npes))
    assert len(rows) == expect
    cw.barrier_all()
    for array in (counts, mine, all_topk, padded):
        cw.free(array)
    ep.free()


def test_bad_routing_raises(me, npes):
    ep = ExpertParallel(2 * npes, 8, max_tokens=4, top_k=2)
    with pytest.raises(ValueError, match=rf"PE {me}: causeway.ExpertParallel.dispatch: topk_idx holds experts"):
        ep.dispatch(np.zeros((1, 8)), [[0, 2 * npes]])
    cw.barrier_all()
    ep.free()
