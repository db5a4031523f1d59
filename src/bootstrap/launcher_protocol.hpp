// SPDX-License-Identifier: BSD-3-Clause
// Wire protocol between causeway-run and its PEs, over one SOCK_SEQPACKET socketpair per PE.
// Each request is one message (see seqpacket.hpp): a header, `length` payload bytes and `count`
// descriptors, split over as many records as needed.
#pragma once
#include <cstdint>

namespace causeway::bootstrap::wire {

inline constexpr const char* kEnvRank = "CAUSEWAY_RANK";
inline constexpr const char* kEnvSize = "CAUSEWAY_SIZE";
inline constexpr const char* kEnvFd = "CAUSEWAY_BOOTSTRAP_FD";

enum class Op : uint32_t {
  allgather = 1,  // payload: this rank's bytes (any length); reply: size uint64 lengths, then the
                  // ranks' bytes back to back in rank order
  abort = 3,      // payload: int32 exit status, then an optional message; no reply, the job ends
  finalize = 4,   // payload: none; no reply. This PE called shmem_finalize: its exit is expected
  fds = 5,        // node channel only: descriptors (and bytes) gathered by the node's leader
};

struct Header {
  Op op;
  uint32_t count;   // descriptors in the whole message
  uint64_t length;  // payload bytes in the whole message
};

inline constexpr uint32_t kMaxRecord = 256u << 10;  // payload bytes per record; buffers hold one
inline constexpr uint32_t kMaxFdsPerRecord = 200;   // below the kernel's SCM_MAX_FD (253)

}  // namespace causeway::bootstrap::wire
