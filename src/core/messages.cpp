// SPDX-License-Identifier: BSD-3-Clause
#include "core/messages.hpp"

#include <cstring>

#include "core/issue.hpp"
#include "util/log.hpp"

namespace causeway::core {

namespace {

enum class Channel : uint8_t { notify = 1, upper = 2 };

// A notification's header (after the channel byte): what issue_notify applies at the target.
struct Notify {
  uint8_t op;  // tl::AmoOp::set or add
  uint8_t data_segment, sig_segment;
  uint8_t pad[5];
  uint64_t data_offset, sig_offset, value;
};

constexpr std::size_t kMaxHeaderBytes = 64;  // tl::TransportOps::am_send's limit

[[noreturn]] void malformed(int source, const char* what) {
  util::log(util::LogLevel::error, "a malformed message arrived from PE %d (%s): dropped, ending the job",
            source, what);
  util::abort_job(1);
}

// `bytes` at `offset` of this PE's segment `id`, or nullptr when they are not all inside it.
char* local_span(Runtime& rt, int id, uint64_t offset, std::size_t bytes) {
  if (id >= rt.segment_count()) return nullptr;
  const Segment& s = rt.segment(id);
  if (s.kind != MemKind::host || offset > s.size || bytes > s.size - offset) return nullptr;
  return s.base + offset;
}

void apply_notify(Runtime& rt, int source, const void* header, std::size_t header_bytes, const void* payload,
                  std::size_t payload_bytes) {
  Notify n;
  if (header_bytes != sizeof n) malformed(source, "notification of the wrong size");
  std::memcpy(&n, header, sizeof n);
  const auto op = static_cast<tl::AmoOp>(n.op);
  char* word = local_span(rt, n.sig_segment, n.sig_offset, sizeof(uint64_t));
  if (!word || n.sig_offset % 8 != 0 || (op != tl::AmoOp::set && op != tl::AmoOp::add))
    malformed(source, "bad signal word or operation");
  if (payload_bytes) {
    char* data = local_span(rt, n.data_segment, n.data_offset, payload_bytes);
    if (!data) malformed(source, "data outside the segment");
    std::memcpy(data, payload, payload_bytes);
  }
  // The CPU AMO table's set is a release store and its add sequentially consistent: whoever sees
  // the signal sees the data.
  tl::cpu_amo(word, tl::AmoArgs{op, sizeof(uint64_t), n.value, 0, nullptr});
}

void sink(void* arg, int source, const void* header, std::size_t header_bytes, const void* payload,
          std::size_t payload_bytes) {
  auto& rt = *static_cast<Runtime*>(arg);
  if (header_bytes < 1 || source < 0 || source >= rt.n_pes()) malformed(source, "no channel or bad source");
  const auto* bytes = static_cast<const unsigned char*>(header);
  switch (static_cast<Channel>(bytes[0])) {
    case Channel::notify:
      apply_notify(rt, source, bytes + 1, header_bytes - 1, payload, payload_bytes);
      return;
    case Channel::upper:
      if (const MessageReceiver receiver = rt.message_receiver(); receiver.sink) {
        receiver.sink(receiver.arg, source, bytes + 1, header_bytes - 1, payload, payload_bytes);
        return;
      }
      malformed(source, "an active message before this PE registered a handler");
  }
  malformed(source, "unknown channel");
}

// The transport carrying host memory to `pe` when it has a message path, or nullptr.
tl::Transport* message_transport(const Runtime& rt, int pe) {
  const int index = rt.route(pe).transport;
  if (index < 0 || !rt.transport(index)->ops->am_send) return nullptr;
  return rt.transport(index);
}

void send(Runtime& rt, Context* ctx, int pe, Channel channel, const void* header, std::size_t header_bytes,
          const void* payload, std::size_t payload_bytes, const char* call) {
  unsigned char wire[kMaxHeaderBytes];
  wire[0] = static_cast<unsigned char>(channel);
  std::memcpy(wire + 1, header, header_bytes);
  tl::Context* c = transport_context(rt, ctx, rt.route(pe).transport);
  check_status(rt,
               with_retry(c,
                          [&](tl::Context* t) {
                            return t->transport->ops->am_send(t, pe, wire, header_bytes + 1, payload,
                                                              payload_bytes);
                          }),
               call, pe);
}

}  // namespace

std::size_t message_path_limit(const Runtime& rt, int pe) {
  const tl::Transport* t = message_transport(rt, pe);
  return t ? t->caps.max_message_bytes - 1 : 0;  // less the channel byte
}

void issue_message(Runtime& rt, Context* ctx, int pe, const void* header, std::size_t header_bytes,
                   const void* payload, std::size_t payload_bytes, const char* call) {
  if (header_bytes >= kMaxHeaderBytes)
    util::fatal_user_error(call, "a message header of %zu bytes (at most %zu)", header_bytes,
                           kMaxHeaderBytes - 1);
  send(rt, ctx, pe, Channel::upper, header, header_bytes, payload, payload_bytes, call);
}

// The transport whose ordered messages carry notifications to `pe` (host memory not mapped), or
// null: chosen once per peer (choose_notify_paths), so a signal word never sees two paths, which
// need not keep order with each other.
const tl::Transport* notify_message_transport(const Runtime& rt, int pe) {
  const int index = rt.route(pe).notify_transport;
  return index >= 0 ? rt.transport(index) : nullptr;
}

void issue_notify_slow(Runtime& rt, int pe, Location dst, const void* src, std::size_t bytes, Location sig,
                       uint64_t value, tl::AmoOp op, const char* call) {
  const tl::Transport* t = notify_message_transport(rt, pe);
  const std::size_t limit = t ? t->caps.ordered_message_bytes : 0;
  if (t && !host_address(rt, pe, sig) && rt.segment(sig.segment).kind == MemKind::host) {
    if (bytes && (limit < 1 + sizeof(Notify) + bytes || rt.segment(dst.segment).kind != MemKind::host)) {
      issue_put(rt, nullptr, pe, dst, src, bytes, false, call);  // too big for one message
      issue_fence(rt, rt.default_context(), call);
      bytes = 0;
    }
    const Notify n{.op = static_cast<uint8_t>(op),
                   .data_segment = static_cast<uint8_t>(dst.segment),
                   .sig_segment = static_cast<uint8_t>(sig.segment),
                   .pad = {},
                   .data_offset = dst.offset,
                   .sig_offset = sig.offset,
                   .value = value};
    send(rt, nullptr, pe, Channel::notify, &n, sizeof n, src, bytes, call);
    return;
  }
  // Not put_signal: a transport may reorder two of them that share only the signal word, and the
  // signal's value would then go back. A fence after the data keeps each signal behind the last.
  if (bytes) {
    issue_put(rt, nullptr, pe, dst, src, bytes, false, call);
    issue_fence(rt, rt.default_context(), call);
  }
  const tl::AmoArgs args{op, sizeof(uint64_t), value, 0, nullptr};
  check_status(rt, issue_amo(rt, nullptr, pe, sig, args, false), call, pe);
}

void complete_notifies(Runtime& rt, std::span<const int> pes, const char* call) {
  if (!rt.needs_progress()) return;
  for (const int& pe : pes) {
    if (rt.amo_direct() && rt.route(pe).host_base[kHeapSegment]) continue;  // stores
    const tl::Transport* t = notify_message_transport(rt, pe);
    if (t && t->caps.message_leaves_at_return) continue;  // already on the wire
    issue_quiet_pes(rt, rt.default_context(), std::span<const int>(&pe, 1), call);
  }
}

// Notifications to one PE must arrive in order (a later signal value must not be overwritten by an
// earlier one): only messages the transport keeps in order carry them.
void choose_notify_paths(Runtime& rt) {
  for (int pe = 0; pe < rt.n_pes(); ++pe) {
    const tl::Transport* t = message_transport(rt, pe);
    const bool ordered = t && t->caps.ordered_message_bytes >= 1 + sizeof(Notify);
    rt.set_notify_transport(pe, ordered && rt.config().sync_messages ? rt.route(pe).transport : -1);
  }
}

Status connect_message_sinks(Runtime& rt) {
  choose_notify_paths(rt);
  for (int i = 0; i < rt.transport_count(); ++i) {
    tl::Transport* t = rt.transport(i);
    if (!rt.transport_in_use(i) || !t->ops->set_message_sink) continue;
    if (Status s = t->ops->set_message_sink(t, &sink, &rt); is_error(s)) {
      util::log(util::LogLevel::error, "the %s transport cannot receive messages: %s", t->name, to_string(s));
      return s;
    }
  }
  return Status::ok;
}

}  // namespace causeway::core
