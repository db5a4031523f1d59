// SPDX-License-Identifier: BSD-3-Clause
// ofi: data operations. Transfers are split where the target's registered chunks (each with its own
// key) end and at the provider's largest message.
//
// Local buffers: a blocking put up to one bounce slot is copied into the context's registered bounce
// buffer and returns at once (the source is free); larger ones wait for their completion. When local
// buffers need a descriptor (FI_MR_LOCAL, or CAUSEWAY_OFI_MR_LOCAL=1), small transfers go through
// the bounce buffer and larger ones register the user's buffer for that one transfer. Atomics always
// keep their operands and result in a bounce slot.
#include <cstring>
#include <vector>

#include "transports/ofi/ofi.hpp"
#include "util/log.hpp"

namespace causeway::tl::ofi {

namespace {

struct AmoMapping {
  fi_op op;
  enum { plain, fetching, compare } form;
};

AmoMapping amo_mapping(AmoOp op) {
  switch (op) {
    case AmoOp::fetch: return {FI_ATOMIC_READ, AmoMapping::fetching};
    case AmoOp::set: return {FI_ATOMIC_WRITE, AmoMapping::plain};
    case AmoOp::swap: return {FI_ATOMIC_WRITE, AmoMapping::fetching};
    case AmoOp::compare_swap: return {FI_CSWAP, AmoMapping::compare};
    case AmoOp::add: return {FI_SUM, AmoMapping::plain};
    case AmoOp::fetch_add: return {FI_SUM, AmoMapping::fetching};
    case AmoOp::bit_and: return {FI_BAND, AmoMapping::plain};
    case AmoOp::fetch_and: return {FI_BAND, AmoMapping::fetching};
    case AmoOp::bit_or: return {FI_BOR, AmoMapping::plain};
    case AmoOp::fetch_or: return {FI_BOR, AmoMapping::fetching};
    case AmoOp::bit_xor: return {FI_BXOR, AmoMapping::plain};
    case AmoOp::fetch_xor: return {FI_BXOR, AmoMapping::fetching};
  }
  return {FI_ATOMIC_OP_LAST, AmoMapping::plain};
}

// Moves [offset, offset + n) of the peer's segment to or from `local`.
Status rma(Context* ctx, bool write, int pe, int segment, std::size_t offset, void* local, std::size_t n,
           bool blocking) {
  if (n == 0) return Status::ok;  // nothing to move (and `local` may be null)
  auto* c = ctx_of(ctx);
  auto* t = ofi_of(c->transport);
  if (pe < 0 || pe >= t->n_pes || t->peers[pe] == FI_ADDR_NOTAVAIL) return Status::unreachable;
  const fi_addr_t peer = t->peers[pe];
  // A blocking put copies small sources so that it can return before the write completes.
  const bool bounce = n <= kSlotSize && (t->mr_local || (write && blocking));
  fid_ep* const ep = c->rma_ep ? c->rma_ep : c->ep;
  std::lock_guard lock(*c->mutex);
  std::vector<Pending*> waited;
  Status status = Status::ok;
  for (std::size_t done = 0; done < n && !is_error(status);) {
    uint64_t addr, key;
    std::size_t left;
    if (is_error(status = find_key(t, pe, segment, offset + done, &addr, &key, &left))) break;
    std::size_t len = n - done;
    if (len > left) len = left;
    if (len > t->max_msg) len = t->max_msg;
    Pending* p =
        new_pending(c, write ? OpClass::rma_write : OpClass::rma_read, pe, segment, offset + done, len);
    p->on_rma_ep = ep != c->ep;
    if (is_error(status = order_before(c, p))) {
      discard(c, p);
      break;
    }
    char* user = static_cast<char*>(local) + done;
    void* buf = user;
    void* desc = nullptr;
    if (bounce) {
      p->slot = take_slot(c);
      buf = slot_ptr(c, p->slot);
      desc = c->bounce_desc;
      if (write) {
        std::memcpy(buf, user, len);
      } else {
        p->copy_to = user;
        p->copy_len = len;
      }
    } else if (t->mr_local) {
      if (is_error(status = register_region(t, user, len, write ? FI_WRITE : FI_READ, c->ep, &p->local_mr,
                                            true))) {
        discard(c, p);
        break;
      }
      desc = fi_mr_desc(p->local_mr);
    }
    p->waited = blocking && !(write && bounce);
    status = write
                 ? post_op(c, p, "fi_write", [&] { return fi_write(ep, buf, len, desc, peer, addr, key, p); })
                 : post_op(c, p, "fi_read", [&] { return fi_read(ep, buf, len, desc, peer, addr, key, p); });
    if (!is_error(status) && p->waited) waited.push_back(p);
    done += len;
  }
  for (Pending* p : waited)
    if (Status s = wait_done(c, p); is_error(s) && !is_error(status)) status = s;
  return status;
}

}  // namespace

Status put(Context* c, int pe, int segment, std::size_t offset, const void* src, std::size_t n) {
  return rma(c, true, pe, segment, offset, const_cast<void*>(src), n, true);
}
Status put_nbi(Context* c, int pe, int segment, std::size_t offset, const void* src, std::size_t n) {
  return rma(c, true, pe, segment, offset, const_cast<void*>(src), n, false);
}
Status get(Context* c, int pe, int segment, std::size_t offset, void* dst, std::size_t n) {
  return rma(c, false, pe, segment, offset, dst, n, true);
}
Status get_nbi(Context* c, int pe, int segment, std::size_t offset, void* dst, std::size_t n) {
  return rma(c, false, pe, segment, offset, dst, n, false);
}

Status amo(Context* ctx, int pe, int segment, std::size_t offset, const AmoArgs& args, bool nbi) {
  auto* c = ctx_of(ctx);
  auto* t = ofi_of(c->transport);
  if (args.width != 4 && args.width != 8) return Status::not_supported;
  if (pe < 0 || pe >= t->n_pes || t->peers[pe] == FI_ADDR_NOTAVAIL) return Status::unreachable;
  const auto op_index = static_cast<unsigned>(args.op);
  if (op_index >= 16) return Status::invalid_arg;
  const AmoPath path = t->amo_path[op_index][args.width == 8];
  const AmoMapping m = amo_mapping(args.op);
  const fi_datatype type = args.width == 8 ? FI_UINT64 : FI_UINT32;
  const bool fetches = amo_fetches(args.op);
  std::lock_guard lock(*c->mutex);
  uint64_t addr, key;
  std::size_t left;
  if (Status s = find_key(t, pe, segment, offset, &addr, &key, &left); is_error(s)) return s;
  if (left < args.width) return Status::invalid_arg;

  const OpClass cls = args.op == AmoOp::fetch ? OpClass::amo_read
                      : fetches               ? OpClass::amo_read_write
                                              : OpClass::amo_write;
  Pending* p = new_pending(c, cls, pe, segment, offset, args.width);
  p->amo_op = static_cast<uint8_t>(args.op);
  if (Status s = order_before(c, p); is_error(s)) {
    discard(c, p);
    return s;
  }
  p->slot = take_slot(c);
  char* slot = slot_ptr(c, p->slot);
  std::memcpy(slot, &args.operand, args.width);
  std::memcpy(slot + 8, &args.compare, args.width);
  if (fetches) {
    p->copy_to = args.fetched;
    p->copy_from = 16;
    p->copy_len = args.fetched ? args.width : 0;
  }
  p->waited = fetches && !nbi;
  void* const desc = c->bounce_desc;
  const fi_addr_t peer = t->peers[pe];
  Status s;
  if (m.form == AmoMapping::compare)
    s = post_op(c, p, "fi_compare_atomic", [&] {
      return fi_compare_atomic(c->ep, slot, 1, desc, slot + 8, desc, slot + 16, desc, peer, addr, key, type,
                               m.op, p);
    });
  else if (fetches || path == AmoPath::via_fetch)
    s = post_op(c, p, "fi_fetch_atomic", [&] {
      return fi_fetch_atomic(c->ep, slot, 1, desc, slot + 16, desc, peer, addr, key, type, m.op, p);
    });
  else
    s = post_op(c, p, "fi_atomic",
                [&] { return fi_atomic(c->ep, slot, 1, desc, peer, addr, key, type, m.op, p); });
  if (is_error(s) || !p->waited) return s;
  return wait_done(c, p);
}

void check_atomics(OfiTransport* t, fid_ep* ep) {
  for (int width : {4, 8}) {
    const fi_datatype type = width == 8 ? FI_UINT64 : FI_UINT32;
    AmoOpSet& native = t->caps.native_amos[width == 8];
    native = 0;
    for (unsigned i = 0; i <= static_cast<unsigned>(AmoOp::fetch_xor); ++i) {
      const auto op = static_cast<AmoOp>(i);
      const AmoMapping m = amo_mapping(op);
      std::size_t count = 0;
      const bool plain_ok = fi_atomicvalid(ep, type, m.op, &count) == 0 && count >= 1;
      const bool fetch_ok = fi_fetch_atomicvalid(ep, type, m.op, &count) == 0 && count >= 1;
      const bool ok = m.form == AmoMapping::compare
                          ? fi_compare_atomicvalid(ep, type, m.op, &count) == 0 && count >= 1
                      : m.form == AmoMapping::fetching ? fetch_ok
                                                       : plain_ok || fetch_ok;
      if (ok) native |= amo_bit(op);
      t->amo_path[i][width == 8] =
          m.form == AmoMapping::plain && !plain_ok ? AmoPath::via_fetch : AmoPath::native;
      if (!ok)
        CW_LOG(util::LogLevel::info, "ofi: provider %s lacks the %d-byte atomic %s (fi_*atomicvalid)",
               t->info->fabric_attr->prov_name, width, amo_name(op));
    }
  }
}

}  // namespace causeway::tl::ofi
