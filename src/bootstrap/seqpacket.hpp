// One-record send/receive over SOCK_SEQPACKET with optional descriptors (used by both ends).
#pragma once
#include <cstddef>
#include <span>
#include <vector>

#include "bootstrap/launcher_protocol.hpp"

namespace causeway::bootstrap {

// Returns false on a closed or broken socket (errno set).
bool send_record(int sock, wire::Op op, std::span<const std::byte> payload, std::span<const int> fds);
// Returns false on EOF or error. Received fds are appended to *fds.
bool recv_record(int sock, wire::Header* header, std::vector<std::byte>* payload, std::vector<int>* fds);
// Raises the socket's send and receive buffers so a kMaxRecord record fits.
void size_socket_buffers(int sock);

}  // namespace causeway::bootstrap
