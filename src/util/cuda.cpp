// SPDX-License-Identifier: BSD-3-Clause
#include "util/cuda.hpp"

#include <atomic>
#include <map>
#include <mutex>

namespace causeway::util::cuda {

namespace {

// The driver API version the entry points are asked for: the VMM calls have not changed since, and
// from 12.0 the stream memory operations are the _v2 ones.
constexpr unsigned kDriverApiVersion = 12000;

template <class Fn>
bool load(const char* symbol, Fn* out, std::string* why) {
  void* fn = nullptr;
  cudaDriverEntryPointQueryResult found = cudaDriverEntryPointSymbolNotFound;
  const cudaError_t error =
      cudaGetDriverEntryPointByVersion(symbol, &fn, kDriverApiVersion, cudaEnableDefault, &found);
  if (error != cudaSuccess || found != cudaDriverEntryPointSuccess || !fn) {
    *why = std::string("the CUDA driver has no ") + symbol +
           (error != cudaSuccess ? std::string(" (") + cudaGetErrorString(error) + ")" : std::string());
    return false;
  }
  *out = reinterpret_cast<Fn>(fn);
  return true;
}

// An entry point the library can do without (it has a fallback): nullptr when missing.
template <class Fn>
void load_optional(const char* symbol, Fn* out) {
  std::string ignored;
  if (!load(symbol, out, &ignored)) *out = nullptr;
}

}  // namespace

int device_count(std::string* why) {
  int count = 0;
  const cudaError_t error = cudaGetDeviceCount(&count);
  if (error != cudaSuccess) {
    if (why)
      *why = error == cudaErrorInsufficientDriver
                 ? std::string("no CUDA driver on this machine (libcuda.so.1)")
             : error == cudaErrorNoDevice ? std::string("no CUDA device")
                                          : std::string("no CUDA device: ") + cudaGetErrorString(error);
    cudaGetLastError();  // the runtime keeps the error sticky otherwise
    return 0;
  }
  if (count == 0 && why) *why = "no CUDA device";
  return count;
}

const Driver* driver(std::string* why) {
  static Driver table;
  static const Driver* loaded = nullptr;
  static std::string failure;
  static std::once_flag once;
  std::call_once(once, [] {
    if (device_count(&failure) == 0) return;
    Driver d{};
    const bool ok =
        load("cuGetErrorString", &d.get_error_string, &failure) &&
        load("cuDeviceGet", &d.device_get, &failure) &&
        load("cuDeviceGetAttribute", &d.device_get_attribute, &failure) &&
        load("cuCtxGetCurrent", &d.ctx_get_current, &failure) &&
        load("cuCtxGetDevice", &d.ctx_get_device, &failure) &&
        load("cuMemGetAllocationGranularity", &d.mem_get_allocation_granularity, &failure) &&
        load("cuMemCreate", &d.mem_create, &failure) && load("cuMemRelease", &d.mem_release, &failure) &&
        load("cuMemAddressReserve", &d.mem_address_reserve, &failure) &&
        load("cuMemAddressFree", &d.mem_address_free, &failure) && load("cuMemMap", &d.mem_map, &failure) &&
        load("cuMemUnmap", &d.mem_unmap, &failure) && load("cuMemSetAccess", &d.mem_set_access, &failure) &&
        load("cuMemExportToShareableHandle", &d.mem_export_to_shareable_handle, &failure) &&
        load("cuMemImportFromShareableHandle", &d.mem_import_from_shareable_handle, &failure);
    if (!ok) return;
    load_optional("cuStreamWriteValue64", &d.stream_write_value64);
    load_optional("cuStreamWaitValue64", &d.stream_wait_value64);
    table = d;
    loaded = &table;
  });
  if (!loaded && why) *why = failure;
  return loaded;
}

StreamMemOps stream_memops(int device) {
  static std::mutex mutex;
  static std::map<int, StreamMemOps> known;
  std::lock_guard lock(mutex);
  if (auto it = known.find(device); it != known.end()) return it->second;
  StreamMemOps ops;
  const Driver* cu = driver(nullptr);
  CUdevice dev = 0;
  if (cu && device >= 0 && cu->device_get(&dev, device) == CUDA_SUCCESS) {
    const auto attribute = [&](CUdevice_attribute a) {
      int value = 0;
      return cu->device_get_attribute(&value, a, dev) == CUDA_SUCCESS && value != 0;
    };
    const bool bits64 = attribute(CU_DEVICE_ATTRIBUTE_CAN_USE_64_BIT_STREAM_MEM_OPS);
    ops.write64 = bits64 && cu->stream_write_value64;
    ops.wait64 = bits64 && cu->stream_wait_value64;
    ops.wait_nor = ops.wait64 && attribute(CU_DEVICE_ATTRIBUTE_CAN_USE_STREAM_WAIT_VALUE_NOR);
    ops.flush = attribute(CU_DEVICE_ATTRIBUTE_CAN_FLUSH_REMOTE_WRITES);
  }
  known.emplace(device, ops);
  return ops;
}

namespace {
std::atomic<int> g_process_device{-1};
}

void set_process_device(int device) { g_process_device.store(device, std::memory_order_release); }
int process_device() { return g_process_device.load(std::memory_order_acquire); }

DeviceScope::DeviceScope(int device) {
  // A thread with no current context gets this one and keeps it (restoring "none" would only make
  // the next call bind it again); cudaGetDevice would report device 0 for it.
  CUcontext current = nullptr;
  const Driver* cu = driver(nullptr);
  if (cu && cu->ctx_get_current(&current) == CUDA_SUCCESS && current &&
      cudaGetDevice(&previous_) != cudaSuccess)
    previous_ = -1;
  ok_ = previous_ == device || cudaSetDevice(device) == cudaSuccess;
}

DeviceScope::~DeviceScope() {
  int now = -1;
  if (previous_ >= 0 && cudaGetDevice(&now) == cudaSuccess && now != previous_) cudaSetDevice(previous_);
}

std::string describe(const char* call, CUresult result) {
  const char* text = nullptr;
  if (const Driver* d = driver(nullptr)) d->get_error_string(result, &text);
  return std::string(call) + ": " + (text ? text : "CUDA driver error " + std::to_string(int(result)));
}

std::string describe(const char* call, cudaError_t error) {
  return std::string(call) + ": " + cudaGetErrorString(error);
}

}  // namespace causeway::util::cuda
