/* Causeway extensions to OpenSHMEM (prefix shmemx_). */
#ifndef SHMEMX_H
#define SHMEMX_H

#include <shmem.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bytes of the symmetric heap in use on this PE (allocations plus the runtime's own words). */
SHMEM_API size_t shmemx_heap_bytes_in_use(void);

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

#ifdef __cplusplus
}
#endif

#endif /* SHMEMX_H */
