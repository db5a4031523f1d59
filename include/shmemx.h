/* SPDX-License-Identifier: BSD-3-Clause */
/* Causeway extensions to OpenSHMEM (prefix shmemx_). */
#ifndef SHMEMX_H
#define SHMEMX_H

#include <shmem.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bytes of the symmetric heap in use on this PE (allocations plus the runtime's own words). */
SHMEM_API size_t shmemx_heap_bytes_in_use(void);

/* Memory kinds. shmemx_malloc_kind is collective, like shmem_malloc, and returns a block of that
 * kind's symmetric heap, or NULL (the reason logged) when the job has none: the CUDA heap exists when
 * the build has CUDA and every PE has a GPU (CAUSEWAY_CUDA_HEAP_SIZE, CAUSEWAY_CUDA_DEVICE).
 * shmem_free frees either kind. Device memory is reached by the host put, get and AMO calls
 * (through the cuda_ipc transport) and from kernels by the device API (causeway/device/). */
#define SHMEMX_MEM_HOST 0
#define SHMEMX_MEM_CUDA 1
SHMEM_API void *shmemx_malloc_kind(int kind, size_t size);
/* Writes the handle kernels take (causeway::device::world from causeway/device/world.cuh) to
 * `world`, which is `size` bytes. Returns 0, or -1 (the reason logged) without a device heap. */
SHMEM_API int shmemx_cuda_world(void *world, size_t size);
/* The CUDA device this PE's device heap is on, or -1 without one. */
SHMEM_API int shmemx_cuda_device(void);

/* Host calls queued on a CUDA stream (`stream` is a cudaStream_t): they run after the work already
 * on the stream, are ordered with its kernels, and can be captured in a CUDA graph. Remote and
 * signal words are device memory of this node's PEs. put_signal sets or adds the signal once the
 * data is there; signal_wait_until holds the stream until the local word compares true;
 * barrier_all (collective, the device barrier's counters: call it in the same order as device
 * barriers on every PE) holds it until every PE's stream has reached it. */
SHMEM_API void shmemx_putmem_on_stream(void *dest, const void *source, size_t nbytes, int pe, void *stream);
SHMEM_API void shmemx_getmem_on_stream(void *dest, const void *source, size_t nbytes, int pe, void *stream);
SHMEM_API void shmemx_putmem_signal_on_stream(void *dest, const void *source, size_t nbytes,
                                              uint64_t *sig_addr, uint64_t signal, int sig_op, int pe,
                                              void *stream);
SHMEM_API void shmemx_signal_wait_until_on_stream(uint64_t *sig_addr, int cmp, uint64_t cmp_value,
                                                  void *stream);
SHMEM_API void shmemx_quiet_on_stream(void *stream);
SHMEM_API void shmemx_barrier_all_on_stream(void *stream);
/* Collectives over all PEs on a stream, on device memory (dest and source in the device heap of
 * every PE; all PEs' heaps mapped on each PE's GPU). Every PE calls them with the same sizes, in the
 * same order as the barrier on a stream and device barriers, one at a time. The allreduce sums
 * nelems elements (float, or IEEE half / bfloat16 as 2-byte words) in fp32, in PE order, so every PE
 * gets the same result; dest and source are the same buffer or disjoint. alltoallmem sends block j
 * of source (bytes_per_pe bytes) to block my_pe of dest on PE j; as with shmem_alltoallmem, two
 * calls into the same dest need a barrier between the reads of the first result and the second. */
SHMEM_API void shmemx_float_sum_allreduce_on_stream(float *dest, const float *source, size_t nelems,
                                                    void *stream);
SHMEM_API void shmemx_fp16_sum_allreduce_on_stream(void *dest, const void *source, size_t nelems,
                                                   void *stream);
SHMEM_API void shmemx_bf16_sum_allreduce_on_stream(void *dest, const void *source, size_t nelems,
                                                   void *stream);
SHMEM_API void shmemx_alltoallmem_on_stream(void *dest, const void *source, size_t bytes_per_pe,
                                            void *stream);

/* --- Active messages (doc/active-messages.md) ---------------------------------------------------
 * A handler runs on the target PE, inside its progress (shmemx_am_progress, waits, quiet, barriers,
 * collectives, the progress thread), with the sender's world PE number and a payload valid until it
 * returns. Handlers must not block, wait, quiet, call barriers or collectives, or send anything but
 * one reply (with CAUSEWAY_CHECKS=1 each violation is reported, naming the handler). */
typedef struct shmemx_am_token *shmemx_am_token_t; /* valid only inside the handler */
typedef void (*shmemx_am_handler_t)(shmemx_am_token_t token, int src_pe, const void *payload, size_t nbytes,
                                    void *user);

/* Collective over SHMEM_TEAM_WORLD (every PE registers the same handlers in the same order):
 * returns the handler's id, the same on every PE, or -1 when the table (1024 handlers) is full. */
SHMEM_API int shmemx_am_register(shmemx_am_handler_t handler, void *user);
/* Runs handler `id` on `pe` (numbered in ctx's team) with a copy of `payload`; returns 0 once payload
 * may be reused. nbytes <= shmemx_am_max_payload(pe). Never drops a message: while the target's ring
 * is full it makes progress. Messages from one PE run at a target in the order they were sent. */
SHMEM_API int shmemx_am_send(shmem_ctx_t ctx, int pe, int id, const void *payload, size_t nbytes);
/* Deposits nbytes from `src` at the symmetric `dest` on `pe`, then runs the handler there with
 * payload = dest (its local address on `pe`) and nbytes; any size. */
SHMEM_API int shmemx_am_send_long(shmem_ctx_t ctx, int pe, int id, void *dest, const void *src,
                                  size_t nbytes);
/* At most once per handler: runs handler `id` on the requester. Never blocks (a reply the ring has
 * no room for waits in this PE's progress, and the requester's quiet waits for it). */
SHMEM_API int shmemx_am_reply(shmemx_am_token_t token, int id, const void *payload, size_t nbytes);
/* The largest payload of shmemx_am_send to `pe` (and of a reply from it). */
SHMEM_API size_t shmemx_am_max_payload(int pe);
/* Runs this PE's pending handlers. */
SHMEM_API void shmemx_am_progress(void);
/* shmem_ctx_create option: this context's active messages may run out of send order. Accepted as a
 * hint; the rings deliver in order anyway. shmem_ctx_quiet on any context completes every active
 * message this PE sent (it returns once they, and their replies, have run). */
#define SHMEMX_CTX_AM_UNORDERED (1L << 8)

/* --- Lamport clocks (doc/lamport-clocks.md) -----------------------------------------------------
 * Every context has a logical clock. Stamped calls tick it and return their stamp; observing a
 * stamp (a stamp wait returns, a handler runs) merges it: C = max(C, t) + 1. A stamp names the
 * context's lane (top 8 bits) and a time (below); shmemx_stamp_compare orders times, modulo wrap.
 * Guarantees: G1 if event a happens before event b, stamp(a) < stamp(b). G2 once
 * shmemx_ctx_stamp_wait(ctx, src, t) returns, every put, AMO and stamped call that src issued to
 * this PE on t's context before the call stamped t is visible here. G3 on a context created with
 * SHMEMX_CTX_CAUSAL, it is visible to every PE, so causality is transitive (A -> B -> C). G4
 * active messages from one source run in send order unless SHMEMX_CTX_AM_UNORDERED. Up to 31
 * contexts besides the default may hold a lane at once (a context takes one at its first stamped
 * call and gives it back when destroyed). */
typedef uint64_t shmemx_stamp_t;

/* shmem_ctx_create option: stamped calls quiet the context first (G3) instead of fencing it. */
#define SHMEMX_CTX_CAUSAL (1L << 9)

/* Ticks ctx's clock and publishes it to `pe`: once `pe` has waited for the returned stamp, it sees
 * everything ctx issued to it before this call. */
SHMEM_API shmemx_stamp_t shmemx_ctx_publish(shmem_ctx_t ctx, int pe);
/* A put whose data and stamp land together: shmem_ctx_putmem, then shmemx_ctx_publish, in one
 * put-with-signal. Returns once `source` may be reused. */
SHMEM_API shmemx_stamp_t shmemx_ctx_putmem_stamped(shmem_ctx_t ctx, void *dest, const void *source,
                                                   size_t nbytes, int pe);
/* Waits until `src_pe` has published `stamp` (or a later stamp of its lane) to this PE, merges it into
 * ctx's clock, and returns the newest stamp published (>= stamp). Runs progress while it waits. */
SHMEM_API shmemx_stamp_t shmemx_ctx_stamp_wait(shmem_ctx_t ctx, int src_pe, shmemx_stamp_t stamp);
/* Non-blocking: 1 (and merges) if `src_pe` has published `stamp` to this PE, else 0. */
SHMEM_API int shmemx_ctx_stamp_test(shmem_ctx_t ctx, int src_pe, shmemx_stamp_t stamp);
/* The newest stamp `src_pe` published to this PE on the lane of `lane_stamp` (no merge, no wait). */
SHMEM_API shmemx_stamp_t shmemx_ctx_stamp_delivered(shmem_ctx_t ctx, int src_pe, shmemx_stamp_t lane_stamp);
/* ctx's clock now (its lane and current time), and the merge of a stamp learned some other way. */
SHMEM_API shmemx_stamp_t shmemx_ctx_clock(shmem_ctx_t ctx);
SHMEM_API shmemx_stamp_t shmemx_ctx_clock_merge(shmem_ctx_t ctx, shmemx_stamp_t observed);
/* The default-context forms. */
SHMEM_API shmemx_stamp_t shmemx_publish(int pe);
SHMEM_API shmemx_stamp_t shmemx_putmem_stamped(void *dest, const void *source, size_t nbytes, int pe);
SHMEM_API shmemx_stamp_t shmemx_stamp_wait(int src_pe, shmemx_stamp_t stamp);
/* <0, 0 or >0 as a's time is before, equal to or after b's (modulo wrap; lanes are not compared). */
SHMEM_API int shmemx_stamp_compare(shmemx_stamp_t a, shmemx_stamp_t b);
/* The same lane, one tick later: wait for "anything newer than s" with shmemx_stamp_next(s). */
SHMEM_API shmemx_stamp_t shmemx_stamp_next(shmemx_stamp_t s);
/* Active messages are stamped too: the stamp the message a handler runs was sent with (the handler
 * runs after the default context's clock merged it), and the stamp of the last active message or
 * reply the calling thread sent. */
SHMEM_API shmemx_stamp_t shmemx_am_token_stamp(shmemx_am_token_t token);
SHMEM_API shmemx_stamp_t shmemx_am_last_stamp(void);

#ifdef __cplusplus
}
#endif

#endif /* SHMEMX_H */
