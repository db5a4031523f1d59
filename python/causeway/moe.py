# SPDX-License-Identifier: BSD-3-Clause
"""Expert-parallel MoE dispatch and combine: ExpertParallel over the host API on NumPy arrays (the
Python twin of examples/moe/moe_cpu.c), and DeviceExpertParallel, GPU kernels on CUDA tensors
(moe_cuda.py, libcauseway_moe).

    ep = causeway.moe.ExpertParallel(num_experts=64, hidden=4096, max_tokens=256, top_k=8)
    rows, src_pe, token, k, expert = ep.dispatch(x, topk_idx)     # rows routed to my experts
    y = ep.combine(expert_outputs(rows, expert), topk_weights)     # back home, weighted sum

Each PE sends every peer one pack per direction (possibly empty) with put-with-signal; the signal
word carries the epoch and the row count (epoch << 32 | rows), so there are no barriers and no
separate count exchange, and epochs are never reset. Collective: every PE calls dispatch, then
combine, in the same order.
"""
import numpy as np

from . import memory, rma, runtime
from .moe_cuda import DeviceExpertParallel  # noqa: F401  (the GPU kernels, libcauseway_moe)
from .runtime import error


class ExpertParallel:
    def __init__(self, num_experts, hidden, max_tokens, top_k, dtype=np.float32):
        n = runtime.n_pes()
        if num_experts % n or num_experts <= 0:
            raise error("ExpertParallel", f"argument 'num_experts' = {num_experts} is not a positive multiple "
                        f"of the {n} PEs", ValueError)
        if not 1 <= top_k <= num_experts:
            raise error("ExpertParallel", f"argument 'top_k' = {top_k} is not in [1, {num_experts}]", ValueError)
        self.n, self.me = n, runtime.my_pe()
        self.num_experts, self.hidden, self.max_tokens, self.top_k = num_experts, hidden, max_tokens, top_k
        self.per_pe = num_experts // n
        self.dtype = np.dtype(dtype)
        # The most rows one source can send one PE: each token reaches a PE through at most
        # min(top_k, experts there) of its choices.
        cap = self.capacity = max(max_tokens * min(top_k, self.per_pe), 1)
        self._rows_in = memory.empty((n, cap, hidden), self.dtype)  # dispatched to me, by source
        self._meta_in = memory.empty((n, cap, 3), np.int32)  # (token, k, expert) of each
        self._rows_back = memory.empty((n, cap, hidden), self.dtype)  # my tokens' outputs, by expert PE
        self._signals = memory.zeros((2, n), np.uint64)  # [0]: dispatch packs, [1]: returns
        self._epoch = 0
        self._counts = np.zeros(n, dtype=np.int64)
        self._sent = None

    def free(self):
        for array in (self._signals, self._rows_back, self._meta_in, self._rows_in):
            memory.free(array)

    def _wait(self, which, src):
        value = rma.signal_wait_until(self._signals[which], "ge", self._epoch << 32, index=src)
        return int(value) & 0xFFFFFFFF

    def dispatch(self, x, topk_idx):
        """Sends row x[t] to the PE of each expert in topk_idx[t]. Returns the rows now on this PE and,
        per row, its source PE, token index there, k slot and (global) expert id."""
        x = np.ascontiguousarray(x, dtype=self.dtype)
        topk_idx = np.asarray(topk_idx)
        tokens = x.shape[0]
        if x.shape != (tokens, self.hidden) or topk_idx.shape != (tokens, self.top_k) or tokens > self.max_tokens:
            raise error("ExpertParallel.dispatch", f"x {x.shape} and topk_idx {topk_idx.shape} must be "
                        f"(tokens, {self.hidden}) and (tokens, {self.top_k}) with tokens <= {self.max_tokens}",
                        ValueError)
        if topk_idx.size and (topk_idx.min() < 0 or topk_idx.max() >= self.num_experts):
            raise error("ExpertParallel.dispatch", f"topk_idx holds experts outside [0, {self.num_experts})",
                        ValueError)
        self._epoch += 1
        flat_token = np.repeat(np.arange(tokens, dtype=np.int32), self.top_k)
        flat_k = np.tile(np.arange(self.top_k, dtype=np.int32), tokens)
        flat_expert = topk_idx.reshape(-1).astype(np.int32)
        dest = flat_expert // self.per_pe
        self._sent = []
        for step in range(1, self.n + 1):  # start with the next PE, so not everyone hits PE 0 first
            pe = (self.me + step) % self.n
            pick = np.nonzero(dest == pe)[0]  # token order
            meta = np.stack([flat_token[pick], flat_k[pick], flat_expert[pick]], axis=1)
            rows = x[flat_token[pick]]
            self._sent.append((pe, rows, meta))  # kept alive until the puts complete (quiet in combine)
            if len(pick):
                rma.put(self._meta_in[self.me, : len(pick)], meta, pe, nbi=True)
                rma.fence()  # the metadata lands before the signal that announces it
            rma.put_signal(self._rows_in[self.me, : len(pick)], rows, self._signals[0],
                           self._epoch << 32 | len(pick), pe, index=self.me, nbi=True)
        parts = []
        for src in range(self.n):
            count = self._counts[src] = self._wait(0, src)
            meta = self._meta_in[src, :count]
            parts.append((self._rows_in[src, :count], np.full(count, src, np.int32), meta[:, 0], meta[:, 1],
                          meta[:, 2]))
        return tuple(np.concatenate([p[i] for p in parts]) for i in range(5))

    def combine(self, expert_out, topk_weights):
        """Returns expert_out (one row per row dispatch returned, in that order) to the tokens' PEs and
        gives y[t] = sum_k topk_weights[t, k] * output of (t, k) on each PE."""
        expert_out = np.ascontiguousarray(expert_out, dtype=self.dtype)
        topk_weights = np.asarray(topk_weights, dtype=np.float64)
        tokens = topk_weights.shape[0]
        if expert_out.shape != (int(self._counts.sum()), self.hidden):
            raise error("ExpertParallel.combine", f"expert_out has shape {expert_out.shape}; dispatch returned "
                        f"{int(self._counts.sum())} rows of {self.hidden}", ValueError)
        offset = 0
        for src in range(self.n):
            count = int(self._counts[src])
            rma.put_signal(self._rows_back[self.me, :count], expert_out[offset : offset + count],
                           self._signals[1], self._epoch << 32 | count, src, index=self.me)
            offset += count
        y = np.zeros((tokens, self.hidden), dtype=np.float64)
        for pe, _, meta in self._sent:  # rows come back in the order they were sent
            count = self._wait(1, pe)
            back = self._rows_back[pe, :count].astype(np.float64)
            weights = topk_weights[meta[:, 0], meta[:, 1]][:, None]
            np.add.at(y, meta[:, 0], weights * back)
        rma.quiet()
        self._sent = None
        return y.astype(self.dtype)
