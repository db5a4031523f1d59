/* SPDX-License-Identifier: BSD-3-Clause
 * Expert-parallel MoE dispatch and combine on the GPU, as a library (libcauseway_moe, built where
 * CUDA is): the layer a model calls between its router and its experts, and after its experts. The
 * Python package's causeway.moe.DeviceExpertParallel is this API; doc/gpu.md describes the kernels.
 *
 *   dispatch  sends row x[t] (bf16, hidden values) to the PE owning each expert topk_idx[t][k]; it
 *             lands in that PE's recv_x, in the block of its expert and source PE.
 *   (experts) the caller's kernels read recv_x and write expert_out (same layout; may be recv_x).
 *   combine   returns each output row to its token's PE and writes y[t] = sum_k topk_weights[t][k] *
 *             output(t, k) (fp32 sums, bf16 result).
 *
 * Both are one kernel each on the caller's stream, device-initiated and non-blocking: the payload is
 * stored straight into the receiver's buffer and one signal word per (expert, source PE) pair carries
 * the epoch and the row count, so there is no barrier and no host round trip; the host returns once
 * the kernel is queued. The epoch is kept on the device, so the calls may be captured in a CUDA graph
 * and replayed. Both are collective: every PE calls dispatch, then combine, alternately, with its
 * own token count (0 included), on one stream (or streams ordered so that each call follows the
 * last); one layer's call at a time per GPU, as the kernels fill their share of it. A topk_idx entry
 * of -1 routes nowhere (a dropped choice).
 *
 * The rows source PE s sent to local expert e are recv_x[recv_offset[e][s] + i] for i <
 * recv_count[e][s], in the source's token order, and recv_src at the same row is {token index at s,
 * k}. In the fixed layout recv_offset[e][s] is (e * n_pes + s) * max_tokens (recv_x read as
 * [local_experts][n_pes * max_tokens][hidden]): one kernel and one trip, but room for the worst case.
 * In the packed layout the pairs follow each other (expert by expert, then by source), so each
 * expert's rows are one contiguous run, as a grouped GEMM takes them. recv_x and recv_src hold until this
 * PE's combine (once it has returned a source's outputs, that source's next dispatch may overwrite
 * them); recv_count until the next dispatch. Functions return 0, or -1 with
 * causeway_moe_last_error() saying which PE, call and argument; the calls that fail before
 * launching change nothing, but the peers' kernels then wait for this PE's part (see
 * wait_timeout_s). A bad topk_idx entry (outside [-1, num_experts), or an expert twice in one token)
 * is found on the device, which prints it and traps, so the next CUDA call on the stream fails. */
#ifndef CAUSEWAY_MOE_H
#define CAUSEWAY_MOE_H
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CAUSEWAY_MOE_API __attribute__((visibility("default")))

typedef struct causeway_moe causeway_moe;

typedef struct {
  int num_experts; /* in all, a positive multiple of the PE count; PE p owns [p * local, (p + 1) * local) */
  int hidden;      /* bf16 values per row: a positive multiple of 8 (rows are 16-byte aligned) */
  int max_tokens;  /* the most tokens a PE dispatches in one call */
  int top_k;       /* choices per token, in [1, num_experts] */
  /* Seconds a kernel waits for a peer's part before it prints which PE and word it waited for and
   * traps (the CUDA context is lost then): 0 means 600, a negative value no limit. */
  int wait_timeout_s;
  /* 0: the fixed layout (below). > 0: the packed layout, a receive area of this many rows: dispatch
   * first exchanges counts and offsets (two more one-way trips), then rows land packed; more rows
   * than this for one PE traps on that PE and on the PEs sending to it. */
  int max_recv_tokens;
} causeway_moe_config;

typedef struct {
  void* recv_x;         /* bf16 [recv_rows][hidden], device heap */
  int32_t* recv_src;    /* [recv_rows][2]: {token at its source, k}, device heap */
  int32_t* recv_count;  /* [local_experts][n_pes]: rows each source sent each local expert */
  int32_t* recv_offset; /* [local_experts][n_pes]: the row where those rows start */
  int local_experts;
  int n_pes;
  int rows_per_expert; /* fixed layout: n_pes * max_tokens; packed: 0 */
  int recv_rows;       /* fixed: local_experts * n_pes * max_tokens; packed: max_recv_tokens */
} causeway_moe_buffers;

/* Collective: allocates the buffers in every PE's device heap (CAUSEWAY_CUDA_HEAP_SIZE bounds them). */
CAUSEWAY_MOE_API int causeway_moe_create(const causeway_moe_config* config, causeway_moe** layer);
/* Collective; waits for the layer's work on the device to end. NULL is allowed. */
CAUSEWAY_MOE_API int causeway_moe_destroy(causeway_moe* layer);
CAUSEWAY_MOE_API int causeway_moe_get_buffers(const causeway_moe* layer, causeway_moe_buffers* buffers);

/* x: bf16 [tokens][hidden] on this PE's GPU, 16-byte aligned; topk_idx: int32 or int64 (idx_bytes 4
 * or 8) [tokens][top_k]; stream: a cudaStream_t (NULL: the legacy default stream). */
CAUSEWAY_MOE_API int causeway_moe_dispatch(causeway_moe* layer, const void* x, const void* topk_idx,
                                           int idx_bytes, int tokens, void* stream);
/* expert_out: bf16 in recv_x's layout (recv_x itself is allowed); topk_idx as given to dispatch;
 * topk_weights: fp32 [tokens][top_k]; y: bf16 [tokens][hidden], 16-byte aligned. */
CAUSEWAY_MOE_API int causeway_moe_combine(causeway_moe* layer, const void* expert_out, const void* topk_idx,
                                          int idx_bytes, const float* topk_weights, void* y, int tokens,
                                          void* stream);

/* Waits for the stream's work (cudaStreamSynchronize), reporting a kernel that failed. */
CAUSEWAY_MOE_API int causeway_moe_synchronize(causeway_moe* layer, void* stream);

/* The message of this thread's last failed call ("" if none). */
CAUSEWAY_MOE_API const char* causeway_moe_last_error(void);

#ifdef __cplusplus
}
#endif
#endif
