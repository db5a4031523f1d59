// SPDX-License-Identifier: BSD-3-Clause
// Active messages, the C surface (shmemx.h): argument checks, team numbering, then the mailbox.
#include <shmemx.h>

#include "am/mailbox.hpp"
#include "api/c_api_macros.hpp"
#include "core/checks.hpp"
#include "core/rma.hpp"
#include "util/log.hpp"

using namespace causeway;

namespace {

// The mailbox, or a fatal error: nothing can be sent before a handler is registered.
am::Mailbox& mailbox(const char* call) {
  am::Mailbox* box = am::Mailbox::get();
  if (!box)
    util::fatal_user_error(call,
                           "no active-message handler is registered (call shmemx_am_register on every PE "
                           "first)");
  return *box;
}

// The checks every sending call shares; `limit` is the largest payload the call takes.
void check_send(am::Mailbox& box, int id, const void* payload, std::size_t nbytes, std::size_t limit,
                const char* call) {
  if (!box.valid_handler(id))
    util::fatal_user_error(call, "argument 'id' = %d is not a registered handler", id);
  if (nbytes && !payload)
    util::fatal_user_error(call, "argument 'payload' is NULL with nbytes = %zu", nbytes);
  if (nbytes > limit)
    util::fatal_user_error(call, "argument 'nbytes' = %zu exceeds %s (%zu)%s", nbytes,
                           limit == UINT32_MAX ? "4 GiB - 1" : "shmemx_am_max_payload", limit,
                           limit == UINT32_MAX ? "" : "; use shmemx_am_send_long, or raise CAUSEWAY_AM_RING");
}

}  // namespace

extern "C" {

int shmemx_am_register(shmemx_am_handler_t handler, void* user) {
  const char* call = "shmemx_am_register";
  core::Runtime& rt = core::runtime(call);
  core::check_may_block(rt, call);
  if (!handler) util::fatal_user_error(call, "argument 'handler' is NULL");
  return am::Mailbox::register_handler(rt, handler, user, call);
}

int shmemx_am_send(shmem_ctx_t ctx, int pe, int id, const void* payload, size_t nbytes) {
  const char* call = "shmemx_am_send";
  core::Runtime& rt = core::runtime(call);
  core::Context* c = api::context(ctx, call);
  core::check_may_block(rt, call);  // no room at the target means waiting
  am::Mailbox& box = mailbox(call);
  pe = core::world_pe(c, pe, call);
  core::check_pe(rt, pe, call);
  check_send(box, id, payload, nbytes, box.max_payload(), call);
  box.send(c, pe, id, payload, nbytes, call);
  return 0;
}

int shmemx_am_send_long(shmem_ctx_t ctx, int pe, int id, void* dest, const void* src, size_t nbytes) {
  const char* call = "shmemx_am_send_long";
  core::Runtime& rt = core::runtime(call);
  core::Context* c = api::context(ctx, call);
  core::check_may_block(rt, call);
  am::Mailbox& box = mailbox(call);
  pe = core::world_pe(c, pe, call);
  check_send(box, id, src, nbytes, UINT32_MAX, call);
  const core::Location loc = core::resolve(rt, dest, nbytes ? nbytes : 1, pe, call, "dest");
  box.send_long(c, pe, id, loc, src, nbytes, call);
  return 0;
}

int shmemx_am_reply(shmemx_am_token_t token, int id, const void* payload, size_t nbytes) {
  const char* call = "shmemx_am_reply";
  core::runtime(call);  // initialised, or a clear error
  if (!token) util::fatal_user_error(call, "argument 'token' is NULL (reply only from inside a handler)");
  am::Mailbox& box = mailbox(call);
  check_send(box, id, payload, nbytes, box.max_payload(), call);
  box.reply(token, id, payload, nbytes, call);
  return 0;
}

size_t shmemx_am_max_payload(int pe) {
  const char* call = "shmemx_am_max_payload";
  core::Runtime& rt = core::runtime(call);
  core::check_pe(rt, pe, call);
  if (am::Mailbox* box = am::Mailbox::get()) return box->max_payload();
  return am::Mailbox::max_payload_for(am::Mailbox::ring_bytes_for(rt));
}

void shmemx_am_progress(void) {
  const char* call = "shmemx_am_progress";
  core::Runtime& rt = core::runtime(call);
  core::check_may_block(rt, call);
  rt.progress();
}

}  // extern "C"
