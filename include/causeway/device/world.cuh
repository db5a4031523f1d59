// SPDX-License-Identifier: BSD-3-Clause
// What a CUDA kernel needs to reach every PE's device heap: a plain-data handle the host builds
// once (causeway::cuda::world() or shmemx_cuda_world()) and passes to kernels by value, or copies
// into a __constant__ of the user's own. Plain data, so no -rdc and no per-module initialisation:
// the header-only device API reads everything from this handle. Its layout is versioned.
#pragma once
#include <cstdint>

namespace causeway::device {

inline constexpr uint32_t kWorldVersion = 1;

// How a kernel on this GPU reaches a peer's device heap.
enum class route : uint8_t {
  none = 0,  // not from a kernel (another node, or a GPU without peer access): host API only
  p2p = 1,   // loads, stores and atomics through the peer heap mapped on this GPU
  // Loads and stores through the mapping, but the link between the two GPUs (PCIe peer-to-peer
  // without native atomics) does not make a kernel's atomics atomic with the peer's own: device
  // atomics and signal adds to that PE are refused in checks mode.
  p2p_no_atomics = 2,
};

// Symmetric words the device barrier uses, at sync_offset in every PE's device heap.
struct sync_area {
  static constexpr int kMaxRounds = 32;
  uint64_t epoch;              // this PE's count of completed device barriers (only it writes it)
  uint64_t round[kMaxRounds];  // round r: the epoch of the PE 2^r before this one's last barrier
};

struct world {
  uint32_t version;  // kWorldVersion
  int32_t my_pe;
  int32_t n_pes;
  uint32_t pad;
  uint64_t heap_base;         // this PE's device heap as this GPU sees it: offset = addr - heap_base
  uint64_t heap_size;         // bytes (the same on every PE)
  uint64_t sync_offset;       // of this PE's sync_area in the heap (the same on every PE)
  const uint64_t* peer_base;  // device array [n_pes]: PE's heap mapped on this GPU, 0 if unreachable
  const route* route_of;      // device array [n_pes]
};

}  // namespace causeway::device
