// SPDX-License-Identifier: BSD-3-Clause
// The CUDA driver's entry points, reached through the runtime (cudaGetDriverEntryPointByVersion),
// so nothing links libcuda: every binary starts on a machine without a driver or a GPU, and the
// first use says why there is no CUDA here. Only built when meson found CUDA.
#pragma once
#include <cuda.h>
#include <cuda_runtime_api.h>

#include <string>

namespace causeway::util::cuda {

struct Driver {
  decltype(&::cuGetErrorString) get_error_string;
  decltype(&::cuDeviceGet) device_get;
  decltype(&::cuDeviceGetAttribute) device_get_attribute;
  decltype(&::cuCtxGetCurrent) ctx_get_current;
  decltype(&::cuCtxGetDevice) ctx_get_device;
  decltype(&::cuMemGetAllocationGranularity) mem_get_allocation_granularity;
  decltype(&::cuMemCreate) mem_create;
  decltype(&::cuMemRelease) mem_release;
  decltype(&::cuMemAddressReserve) mem_address_reserve;
  decltype(&::cuMemAddressFree) mem_address_free;
  decltype(&::cuMemMap) mem_map;
  decltype(&::cuMemUnmap) mem_unmap;
  decltype(&::cuMemSetAccess) mem_set_access;
  decltype(&::cuMemExportToShareableHandle) mem_export_to_shareable_handle;
  decltype(&::cuMemImportFromShareableHandle) mem_import_from_shareable_handle;
  // Optional (nullptr when this driver has none): the 64-bit stream memory operations.
  decltype(&::cuStreamWriteValue64) stream_write_value64;
  decltype(&::cuStreamWaitValue64) stream_wait_value64;
};

// The driver, or nullptr when this machine has none (`why` then says so). Loaded once.
const Driver* driver(std::string* why);

// What the stream memory operations can do on a GPU: all false without the driver's entry points.
struct StreamMemOps {
  bool write64 = false;   // cuStreamWriteValue64
  bool wait64 = false;    // cuStreamWaitValue64 (CU_STREAM_WAIT_VALUE_EQ, _AND)
  bool wait_nor = false;  // CU_STREAM_WAIT_VALUE_NOR
  bool flush = false;     // CU_STREAM_WAIT_VALUE_FLUSH (the platform can flush remote writes)
};
// Asked of the driver once per device, then cached: the first ask should come before any stream
// capture (a transport's creation), though the attribute queries are not stream work.
StreamMemOps stream_memops(int device);

// Devices the runtime sees (0 without a driver or a GPU); `why` says why there are none.
int device_count(std::string* why);

// The GPU core chose for this process's device memory (set once at init), or -1.
void set_process_device(int device);
int process_device();

// Makes `device` current on the calling thread for a scope, and restores the thread's previous
// device after: the library's calls must not move a program thread to another GPU.
class DeviceScope {
 public:
  explicit DeviceScope(int device);
  ~DeviceScope();
  DeviceScope(const DeviceScope&) = delete;
  DeviceScope& operator=(const DeviceScope&) = delete;
  bool ok() const { return ok_; }

 private:
  int previous_ = -1;
  bool ok_ = false;
};

// "cuMemCreate: out of memory (CUDA_ERROR_OUT_OF_MEMORY)"-style text for a failed call.
std::string describe(const char* call, CUresult result);
std::string describe(const char* call, cudaError_t error);

}  // namespace causeway::util::cuda
