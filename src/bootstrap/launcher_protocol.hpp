// Wire protocol between causeway-run and its PEs, over one SOCK_SEQPACKET socketpair per PE.
// Each request is one record: a header, then `length` payload bytes; descriptors ride as SCM_RIGHTS.
#pragma once
#include <cstdint>

namespace causeway::bootstrap::wire {

inline constexpr const char* kEnvRank = "CAUSEWAY_RANK";
inline constexpr const char* kEnvSize = "CAUSEWAY_SIZE";
inline constexpr const char* kEnvFd = "CAUSEWAY_BOOTSTRAP_FD";

enum class Op : uint32_t {
  allgather = 1,  // payload: this rank's bytes; reply: size * length bytes in rank order
  fds = 2,        // payload: none, `count` fds attached; reply: records of up to kMaxFdsPerRecord fds
  abort = 3,      // payload: int32 exit status; the launcher ends the job, no reply
};

struct Header {
  Op op;
  uint32_t length;  // payload bytes following the header
  uint32_t count;   // fds attached (Op::fds)
  uint32_t reserved;
};

inline constexpr uint32_t kMaxRecord = 1u << 20;   // socket buffers are raised to hold this
inline constexpr uint32_t kMaxFdsPerRecord = 200;  // below the kernel's SCM_MAX_FD (253)

}  // namespace causeway::bootstrap::wire
