// SPDX-License-Identifier: BSD-3-Clause
// The TCP link between the head causeway-run and a host daemon (several-hosts mode).
//
// Threat model: the link is not encrypted. A per-job random secret (32 bytes from /dev/urandom,
// handed to each daemon on its stdin, never on a command line) keeps other users, local or remote,
// from joining the job or injecting requests: on connect the head sends a random challenge and the
// daemon answers with HMAC-SHA256(secret, challenge, host index); the head answers in turn with its
// own proof so that the daemon knows it reached the head. The secret never crosses the link. Someone
// who can read or forge packets on the path can still see and alter the traffic of an established
// connection; use a trusted network (as for mpirun's own daemons).
//
// After the handshake both sides exchange frames: a Frame header, then `length` payload bytes.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace causeway::launcher::link {

inline constexpr uint32_t kMagic = 0x31525743;  // "CWR1"
inline constexpr std::size_t kSecretBytes = 32;
using Key = std::array<uint8_t, kSecretBytes>;
using Mac = std::array<uint8_t, 32>;

enum class Type : uint32_t {
  setup = 1,       // head -> daemon: head proof (32 bytes), then strings (see put_strings)
  request = 2,     // daemon -> head: a PE's bootstrap request; rank, value = wire::Op, payload
  hangup = 3,      // daemon -> head: PE `rank` closed its bootstrap socket
  exit = 4,        // daemon -> head: PE `rank` exited; value = wait status, extra = pid
  done = 5,        // daemon -> head: every local PE has exited; the daemon ends
  result = 6,      // head -> daemon: the allgather result for every local PE that joined
  kill = 7,        // head -> daemon: send signal `value` to the local PEs
  error = 8,       // daemon -> head: the daemon cannot go on; payload is the message
  stdin_data = 9,  // head -> daemon: bytes for PE `rank`'s stdin; an empty payload ends it
};

struct Frame {
  uint32_t type;
  int32_t rank;
  int32_t value;
  int32_t extra;
  uint64_t length;
};

// The handshake's fixed-size messages.
struct Challenge {
  uint32_t magic;
  uint8_t nonce[32];
};
struct Hello {
  uint32_t magic;
  int32_t host;
  Mac proof;
};

// Blocking; false when the connection is closed or broken (errno set).
bool send_frame(int sock, Type type, int32_t rank, int32_t value, int32_t extra,
                std::span<const std::byte> payload);
bool recv_frame(int sock, Frame* frame, std::vector<std::byte>* payload);
bool send_all(int sock, const void* data, std::size_t size);
bool recv_all(int sock, void* data, std::size_t size);

// No Nagle delay, keepalive probes that find a dead peer within about 30 s, and send/receive
// timeouts so that a peer that stops reading cannot block the launcher forever.
void tune_socket(int sock);

bool random_bytes(uint8_t* out, std::size_t size);
std::string to_hex(std::span<const uint8_t> bytes);
bool from_hex(const std::string& text, std::span<uint8_t> out);

Mac hmac_sha256(std::span<const uint8_t> key, std::span<const uint8_t> message);
// HMAC(secret, label || nonce || host): the proofs of the handshake.
Mac proof(const Key& secret, const char* label, const uint8_t (&nonce)[32], int32_t host);
bool equal_constant_time(std::span<const uint8_t> a, std::span<const uint8_t> b);

// A list of strings as payload bytes: each one's length (uint32), then its bytes.
void put_strings(std::vector<std::byte>* out, const std::vector<std::string>& strings);
bool get_strings(std::span<const std::byte> in, std::vector<std::string>* strings);

}  // namespace causeway::launcher::link
