// SPDX-License-Identifier: BSD-3-Clause
// This PE's part of the device heap, as memory: a virtual address range reserved once for the whole
// heap (CAUSEWAY_CUDA_HEAP_SIZE), backed by chunks of physical memory mapped as allocations reach
// them, each exported as a POSIX file descriptor for node peers to map (CUDA VMM). Where a GPU or a
// container refuses VMM with descriptors, the fallback: one cudaMalloc allocation of the whole size,
// shared through a cudaIpc handle. Only built with CUDA; core/device_heap.cpp does the exchanges.
#pragma once
#include <cstddef>
#include <string>
#include <vector>

#include "util/cuda.hpp"

namespace causeway::core {

class DeviceMemory {
 public:
  DeviceMemory() = default;
  DeviceMemory(const DeviceMemory&) = delete;
  DeviceMemory& operator=(const DeviceMemory&) = delete;
  ~DeviceMemory() { release(); }

  // What the chunks are: pinned memory on `device`, exportable as POSIX file descriptors.
  static CUmemAllocationProp properties(int device);
  // VMM: reserves `size` bytes of addresses on `device` (size and alignment multiples of the
  // allocation granularity); nothing is mapped yet.
  bool reserve(int device, std::size_t size, std::size_t alignment, std::string* why);
  // Backs [mapped(), end) with one new chunk (end rounded up to `quantum`, at most size()), with
  // access for this GPU; *fd receives the chunk's exported descriptor (the caller closes it). On
  // failure nothing of the chunk is left.
  bool grow(std::size_t end, std::size_t quantum, int* fd, std::string* why);
  // Unbacks the last chunk grow() added (when a peer could not grow with it).
  void shrink_last();
  // The fallback: all of `size` at once by cudaMalloc, and its cudaIpc handle.
  bool make_legacy(int device, std::size_t size, std::string* why);
  void release();

  char* base() const { return base_; }
  std::size_t size() const { return size_; }      // reserved (the heap's size)
  std::size_t mapped() const { return mapped_; }  // backed by memory, from base()
  bool legacy() const { return legacy_; }
  const cudaIpcMemHandle_t& ipc_handle() const { return ipc_; }

 private:
  struct Chunk {
    CUmemGenericAllocationHandle handle;
    std::size_t offset, size;
  };
  int device_ = -1;
  char* base_ = nullptr;
  std::size_t size_ = 0, mapped_ = 0;
  bool reserved_ = false, legacy_ = false;
  std::vector<Chunk> chunks_;
  cudaIpcMemHandle_t ipc_{};
};

}  // namespace causeway::core
