// SPDX-License-Identifier: BSD-3-Clause
// Status codes shared by every layer: 0 ok, positive "in progress", negative errors.
#pragma once

namespace causeway {

enum class Status : int {
  ok = 0,
  in_progress = 1,
  retry = -1,          // resource temporarily busy; call again after progress
  not_supported = -2,  // the transport or build cannot do this operation
  invalid_arg = -3,
  no_memory = -4,
  io_error = -5,
  unreachable = -6,  // no path to the peer
  internal = -7,
};

constexpr bool is_error(Status s) { return static_cast<int>(s) < 0; }

constexpr const char* to_string(Status s) {
  switch (s) {
    case Status::ok: return "ok";
    case Status::in_progress: return "in progress";
    case Status::retry: return "retry";
    case Status::not_supported: return "not supported";
    case Status::invalid_arg: return "invalid argument";
    case Status::no_memory: return "out of memory";
    case Status::io_error: return "I/O error";
    case Status::unreachable: return "peer unreachable";
    case Status::internal: return "internal error";
  }
  return "unknown status";
}

}  // namespace causeway
