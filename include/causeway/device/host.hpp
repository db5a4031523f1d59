// SPDX-License-Identifier: BSD-3-Clause
// The host side of the device API: the handle of this PE's device heap, for kernels to take by
// value. C programs call shmemx_cuda_world (shmemx.h) instead.
#pragma once
#include <shmemx.h>

#include <stdexcept>

#include "causeway/device/world.cuh"

namespace causeway::device {

// Throws std::runtime_error when the job has no device heap (the library logs why).
inline world this_world() {
  world w{};
  if (shmemx_cuda_world(&w, sizeof w) != 0) throw std::runtime_error("causeway: this job has no device heap");
  return w;
}

}  // namespace causeway::device
