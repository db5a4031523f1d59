// SPDX-License-Identifier: BSD-3-Clause
// Messages over SOCK_SEQPACKET with optional descriptors (used by the launcher, its PEs and the
// node channel). A message of any size is split into records of at most kMaxRecord payload bytes
// and kMaxFdsPerRecord descriptors; the first record starts with the header.
#pragma once
#include <cstddef>
#include <span>
#include <vector>

#include "bootstrap/launcher_protocol.hpp"

namespace causeway::bootstrap {

// Returns false on a closed or broken socket (errno set).
bool send_message(int sock, wire::Op op, std::span<const std::byte> payload, std::span<const int> fds);
// Blocks until the whole message is in. Returns false on EOF or error. Received fds are appended
// to *fds (close-on-exec).
bool recv_message(int sock, wire::Header* header, std::vector<std::byte>* payload, std::vector<int>* fds);
// Raises the socket's send and receive buffers so a kMaxRecord record fits.
void size_socket_buffers(int sock);

}  // namespace causeway::bootstrap
