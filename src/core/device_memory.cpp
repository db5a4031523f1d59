// SPDX-License-Identifier: BSD-3-Clause
// The device heap's memory (core/device_memory.hpp): reserved once, backed by chunks as it grows.
#include "core/device_memory.hpp"

#include <algorithm>

namespace causeway::core {

namespace {

std::string failure(int device, std::size_t bytes, const std::string& step) {
  return "GPU " + std::to_string(device) + ", " + std::to_string(bytes) + " bytes: " + step;
}

}  // namespace

CUmemAllocationProp DeviceMemory::properties(int device) {
  CUmemAllocationProp prop{};
  prop.type = CU_MEM_ALLOCATION_TYPE_PINNED;
  prop.location.type = CU_MEM_LOCATION_TYPE_DEVICE;
  prop.location.id = device;
  prop.requestedHandleTypes = CU_MEM_HANDLE_TYPE_POSIX_FILE_DESCRIPTOR;
  return prop;
}

bool DeviceMemory::reserve(int device, std::size_t size, std::size_t alignment, std::string* why) {
  const util::cuda::Driver* cu = util::cuda::driver(why);
  if (!cu) return false;
  device_ = device;
  CUdeviceptr va = 0;
  if (CUresult r = cu->mem_address_reserve(&va, size, alignment, 0, 0); r != CUDA_SUCCESS) {
    *why = failure(device, size, util::cuda::describe("cuMemAddressReserve", r));
    return false;
  }
  base_ = reinterpret_cast<char*>(va);
  size_ = size;
  reserved_ = true;
  return true;
}

bool DeviceMemory::grow(std::size_t end, std::size_t quantum, int* fd, std::string* why) {
  const util::cuda::Driver* cu = util::cuda::driver(why);
  *fd = -1;
  if (!cu || !reserved_ || end <= mapped_ || end > size_) {
    if (why->empty()) *why = "no room to grow the device heap to " + std::to_string(end) + " bytes";
    return false;
  }
  const std::size_t new_end = std::min(size_, (end + quantum - 1) / quantum * quantum);
  const std::size_t bytes = new_end - mapped_;
  const CUmemAllocationProp prop = properties(device_);
  const auto va = reinterpret_cast<CUdeviceptr>(base_ + mapped_);
  CUmemGenericAllocationHandle handle = 0;
  bool mapped = false;
  const char* step = "cuMemCreate";
  CUresult r = cu->mem_create(&handle, bytes, &prop, 0);
  if (r == CUDA_SUCCESS) {
    step = "cuMemMap";
    r = cu->mem_map(va, bytes, 0, handle, 0);
    mapped = r == CUDA_SUCCESS;
  }
  if (r == CUDA_SUCCESS) {
    CUmemAccessDesc access{};
    access.location = prop.location;
    access.flags = CU_MEM_ACCESS_FLAGS_PROT_READWRITE;
    step = "cuMemSetAccess";
    r = cu->mem_set_access(va, bytes, &access, 1);
  }
  if (r == CUDA_SUCCESS) {
    step = "cuMemExportToShareableHandle";
    r = cu->mem_export_to_shareable_handle(fd, handle, CU_MEM_HANDLE_TYPE_POSIX_FILE_DESCRIPTOR, 0);
  }
  if (r != CUDA_SUCCESS) {
    *why = failure(device_, bytes, util::cuda::describe(step, r));
    if (mapped) cu->mem_unmap(va, bytes);
    if (handle) cu->mem_release(handle);
    *fd = -1;
    return false;
  }
  chunks_.push_back({handle, mapped_, bytes});
  mapped_ = new_end;
  return true;
}

void DeviceMemory::shrink_last() {
  const util::cuda::Driver* cu = util::cuda::driver(nullptr);
  if (!cu || chunks_.empty()) return;
  const Chunk c = chunks_.back();
  chunks_.pop_back();
  cu->mem_unmap(reinterpret_cast<CUdeviceptr>(base_ + c.offset), c.size);
  cu->mem_release(c.handle);
  mapped_ = c.offset;
}

bool DeviceMemory::make_legacy(int device, std::size_t size, std::string* why) {
  device_ = device;
  legacy_ = true;
  void* base = nullptr;
  const char* step = "cudaMalloc";
  cudaError_t e = cudaMalloc(&base, size);
  if (e == cudaSuccess) {
    base_ = static_cast<char*>(base);
    size_ = mapped_ = size;
    step = "cudaIpcGetMemHandle";
    e = cudaIpcGetMemHandle(&ipc_, base);
  }
  if (e != cudaSuccess) {
    *why = failure(device, size, util::cuda::describe(step, e));
    return false;
  }
  return true;
}

void DeviceMemory::release() {
  if (legacy_) {
    if (base_) cudaFree(base_);
  } else if (const util::cuda::Driver* cu = util::cuda::driver(nullptr)) {
    for (const Chunk& c : chunks_) {
      cu->mem_unmap(reinterpret_cast<CUdeviceptr>(base_ + c.offset), c.size);
      cu->mem_release(c.handle);
    }
    if (reserved_) cu->mem_address_free(reinterpret_cast<CUdeviceptr>(base_), size_);
  }
  chunks_.clear();
  base_ = nullptr;
  size_ = mapped_ = 0;
  reserved_ = legacy_ = false;
}

}  // namespace causeway::core
