// SPDX-License-Identifier: BSD-3-Clause
// Virtual-memory placement helpers (no dependency above util).
//
// Mapping a peer's segment into this process where it will not fight this PE's own copy for L1
// ways. AMD Zen's L1 data cache predicts the way from a hash of virtual address bits 12..27; two
// lines whose addresses agree in bits 0..27 share a set and a hash, so a PE that polls its own flag
// while storing to a peer's flag at the same symmetric offset evicts one with the other on every
// access. Plain mmap places equal-sized mappings a multiple of their size apart, which for heaps of
// 256 MiB and up is exactly that case (measured: 8-byte ping-pong 80-90 ns instead of 50-60 ns).
#pragma once
#include <cstddef>
#include <cstdint>

namespace causeway::util {

// The system page size, sysconf(_SC_PAGESIZE), read once.
std::size_t page_size();

// Maps `size` bytes of `fd` shared and read-write at the lowest address A inside a fresh
// reservation with A % modulus == residue (modulus a power of two, residue a page multiple below
// it). Returns nullptr with errno set on failure.
void* map_shared_placed(int fd, std::size_t size, uintptr_t modulus, uintptr_t residue);

// Maps `size` bytes of `fd` shared and read-write, at an address whose bits 12..27 differ from
// `reference`'s by `colour` (1..255) in bits 12..19 only, so each colour gets its own way-predictor
// hash. The address is page-aligned, so with pages above 4 KiB the colour's low bits are lost.
// Returns nullptr with errno set on failure.
void* map_peer_segment(int fd, std::size_t size, uintptr_t reference, unsigned colour);

// The colour for a peer: distinct for up to 255 peers, never 0 (this PE's own copy).
inline unsigned peer_colour(int pe) { return 1 + static_cast<unsigned>(pe) % 255; }

}  // namespace causeway::util
