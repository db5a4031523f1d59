// SPDX-License-Identifier: BSD-3-Clause
// Compile check of the header-only CUDA device API: instantiates every call at every scope and for
// every type it accepts, in kernels that are never launched, so nvcc type-checks and code-generates
// all of it. device_api_compile_checks.cu builds the same with CAUSEWAY_DEVICE_CHECKS. Needs no GPU.
// The host helpers of host.hpp are compiled (and linked) too, in a function nothing calls.
#include <cstddef>
#include <cstdint>

#include "causeway/device/causeway_device.cuh"
#include "causeway/device/host.hpp"

namespace {

namespace cwd = causeway::device;
using cwd::scope;

template <typename... Ts>
struct types {};

// A 12-byte, 4-aligned element: puts of it take the 4-byte word path, never the 16-byte one.
struct triple {
  float x, y, z;
};

// Element types of p/g/put/get/put_signal: anything trivially copyable.
using rma_types = types<char, signed char, unsigned char, short, unsigned short, int, unsigned int, long,
                        unsigned long, long long, unsigned long long, float, double, triple, uint4>;
// The standard and extended AMO types (fixed-width names are aliases, listed to prove they resolve).
using amo_int_types = types<int, unsigned int, long, unsigned long, long long, unsigned long long, int32_t,
                            uint32_t, int64_t, uint64_t>;
using amo_ext_types = types<int, unsigned int, long, unsigned long, long long, unsigned long long, int32_t,
                            uint32_t, int64_t, uint64_t, float, double>;
using amo_bitwise_types =
    types<unsigned int, unsigned long, unsigned long long, uint32_t, uint64_t, int32_t, int64_t>;
// The element types of allreduce_sum_block (summed in fp32).
using sum_types = types<float, __half, __nv_bfloat16>;
// SHMEM's point-to-point synchronisation types.
using wait_types = types<short, unsigned short, int, unsigned int, long, unsigned long, long long,
                         unsigned long long, int32_t, uint32_t, int64_t, uint64_t, size_t, ptrdiff_t>;

template <typename T>
__global__ void scalar_kernel(cwd::world w, T* sym, T* out, int pe) {
  cwd::p(w, sym, out[0], pe);
  out[1] = cwd::g(w, sym, pe);
  out[2] = *cwd::peer_ptr(w, sym, pe);
  const T* csym = sym;
  if (T* q = cwd::ptr(w, csym, pe)) out[3] = *q;
  out[4] = *cwd::peer_ptr(w, csym, pe);
}

template <scope S, typename T>
__global__ void rma_kernel(cwd::world w, T* sym, T* local, size_t n, uint64_t* sig, int pe) {
  cwd::put<S>(w, sym, local, n, pe);
  cwd::get<S>(w, local, sym, n, pe);
  cwd::put_nbi<S>(w, sym, local, n, pe);
  cwd::get_nbi<S>(w, local, sym, n, pe);
  cwd::put_signal<S>(w, sym, local, n, sig, 1, cwd::signal_op::set, pe);
  cwd::put_signal_nbi<S>(w, sym, local, n, sig, 1, cwd::signal_op::add, pe);
  cwd::fence<S>(w);
  cwd::quiet<S>(w);
}

template <scope S>
__global__ void mem_kernel(cwd::world w, void* sym, void* local, size_t bytes, uint64_t* sig, unsigned* out,
                           int pe) {
  cwd::putmem<S>(w, sym, local, bytes, pe);
  cwd::getmem<S>(w, local, sym, bytes, pe);
  cwd::putmem_nbi<S>(w, sym, local, bytes, pe);
  cwd::getmem_nbi<S>(w, local, sym, bytes, pe);
  cwd::putmem_signal<S>(w, sym, local, bytes, sig, 2, cwd::signal_op::set, pe);
  cwd::putmem_signal_nbi<S>(w, sym, local, bytes, sig, 3, cwd::signal_op::add, pe);
  cwd::sync<S>();
  out[cwd::rank_in<S>()] = cwd::size_of<S>();
  void* q = cwd::ptr(w, static_cast<const void*>(sym), pe);
  if (q != nullptr) out[0] = 0;
}

template <typename T>
__global__ void amo_int_kernel(cwd::world w, T* sym, T* out, int pe) {
  out[0] = cwd::atomic_compare_swap(w, sym, 0, 1, pe);
  out[1] = cwd::atomic_fetch_add(w, sym, 2, pe);
  cwd::atomic_add(w, sym, 3, pe);
  out[2] = cwd::atomic_fetch_inc(w, sym, pe);
  cwd::atomic_inc(w, sym, pe);
}

template <typename T>
__global__ void amo_ext_kernel(cwd::world w, T* sym, T* out, int pe) {
  const T* csym = sym;
  out[0] = cwd::atomic_fetch(w, csym, pe);
  cwd::atomic_set(w, sym, 1, pe);
  out[1] = cwd::atomic_swap(w, sym, 2, pe);
}

template <typename T>
__global__ void amo_bitwise_kernel(cwd::world w, T* sym, T* out, int pe) {
  out[0] = cwd::atomic_fetch_and(w, sym, 1, pe);
  cwd::atomic_and(w, sym, 2, pe);
  out[1] = cwd::atomic_fetch_or(w, sym, 4, pe);
  cwd::atomic_or(w, sym, 8, pe);
  out[2] = cwd::atomic_fetch_xor(w, sym, 16, pe);
  cwd::atomic_xor(w, sym, 32, pe);
}

template <typename T>
__global__ void wait_kernel(cwd::world w, T* ivar, T* out) {
  out[0] = cwd::wait_until(ivar, cwd::cmp::ge, 1);
  out[1] = cwd::wait_until(w, ivar, cwd::cmp::ne, 0, 1000000);
  out[2] = cwd::test(ivar, cwd::cmp::lt, 5) ? 1 : 0;
}

__global__ void signal_kernel(cwd::world w, uint64_t* sig, uint64_t* out) {
  out[0] = cwd::signal_fetch(sig);
  out[1] = cwd::signal_wait_until(sig, cwd::cmp::eq, 1);
  out[2] = cwd::signal_wait_until(w, sig, cwd::cmp::gt, 1, 1000000);
  cwd::barrier_all_block(w);
  cwd::sync_all_block(w);
}

// The grid barriers, in a kernel that takes more parameters than the world to exercise the
// launch helper's argument forwarding.
__global__ void grid_kernel(cwd::world w, int* out, size_t n) {
  if (threadIdx.x == 0 && blockIdx.x == 0 && n != 0) out[0] = w.my_pe;
  cwd::barrier_all_grid(w);
  cwd::sync_all_grid(w);
}

// Both allreduce algorithms (the size picks one at run time) and the alltoall, one block per PE.
template <typename T>
__global__ void coll_kernel(cwd::world w, T* dest, const T* source, size_t n, void* scratch, void* bytes_dest,
                            const void* bytes_source, size_t bytes_per_pe, size_t* need) {
  cwd::allreduce_sum_block(w, dest, source, n, scratch);
  cwd::allreduce_sum_block(w, dest, dest, n, scratch);  // in place
  cwd::alltoall_block(w, bytes_dest, bytes_source, bytes_per_pe);
  if (threadIdx.x == 0) need[0] = cwd::allreduce_scratch_bytes(w.n_pes, n, sizeof(T));
}

// The scratch size is a constant expression on the host too (to size shmemx_malloc_kind).
static_assert(cwd::allreduce_scratch_bytes(4, 1, sizeof(float)) > 0);
static_assert(cwd::allreduce_scratch_bytes(4, size_t{1} << 30, sizeof(float)) ==
              cwd::allreduce_scratch_bytes(4, cwd::kAllreduceLLMaxBytes / sizeof(float), sizeof(float)));

// Taking a kernel's address from host code instantiates it for the device as well.
#define CW_EACH_SCOPE(KERNEL, TS)                                 \
  reinterpret_cast<const void*>(&KERNEL<scope::thread, TS>)...,   \
      reinterpret_cast<const void*>(&KERNEL<scope::warp, TS>)..., \
      reinterpret_cast<const void*>(&KERNEL<scope::block, TS>)...

template <typename... Ts>
const void* const* instantiate_rma(types<Ts...>) {
  static const void* const k[] = {reinterpret_cast<const void*>(&scalar_kernel<Ts>)...,
                                  CW_EACH_SCOPE(rma_kernel, Ts)};
  return k;
}

template <typename... Ts>
const void* const* instantiate_amo_int(types<Ts...>) {
  static const void* const k[] = {reinterpret_cast<const void*>(&amo_int_kernel<Ts>)...};
  return k;
}

template <typename... Ts>
const void* const* instantiate_amo_ext(types<Ts...>) {
  static const void* const k[] = {reinterpret_cast<const void*>(&amo_ext_kernel<Ts>)...};
  return k;
}

template <typename... Ts>
const void* const* instantiate_amo_bitwise(types<Ts...>) {
  static const void* const k[] = {reinterpret_cast<const void*>(&amo_bitwise_kernel<Ts>)...};
  return k;
}

template <typename... Ts>
const void* const* instantiate_coll(types<Ts...>) {
  static const void* const k[] = {reinterpret_cast<const void*>(&coll_kernel<Ts>)...};
  return k;
}

template <typename... Ts>
const void* const* instantiate_wait(types<Ts...>) {
  static const void* const k[] = {reinterpret_cast<const void*>(&wait_kernel<Ts>)...};
  return k;
}

}  // namespace

// Referencing the kernels is what makes nvcc compile them; nothing ever launches one.
const void* const* causeway_device_api_compile_kernels[] = {
    instantiate_rma(rma_types{}),
    instantiate_amo_int(amo_int_types{}),
    instantiate_amo_ext(amo_ext_types{}),
    instantiate_amo_bitwise(amo_bitwise_types{}),
    instantiate_wait(wait_types{}),
    instantiate_coll(sum_types{}),
    []() -> const void* const* {
      static const void* const k[] = {reinterpret_cast<const void*>(&mem_kernel<scope::thread>),
                                      reinterpret_cast<const void*>(&mem_kernel<scope::warp>),
                                      reinterpret_cast<const void*>(&mem_kernel<scope::block>),
                                      reinterpret_cast<const void*>(&signal_kernel),
                                      reinterpret_cast<const void*>(&grid_kernel)};
      return k;
    }(),
};

// The host side of a grid barrier kernel: size the grid, launch it cooperatively (arguments that
// convert to the parameter types, as with <<<>>>), and a kernel with no parameters.
__global__ void no_parameters() {}
cudaError_t causeway_device_api_compile_launch(const causeway::device::world& w, int* out,
                                               cudaStream_t stream);
cudaError_t causeway_device_api_compile_launch(const causeway::device::world& w, int* out,
                                               cudaStream_t stream) {
  namespace cwd = causeway::device;
  const int blocks = cwd::max_cooperative_blocks(grid_kernel, dim3(128, 2), 1024, w.n_pes);
  const int one = 1;
  cudaError_t err =
      cwd::launch_cooperative(grid_kernel, dim3(blocks), dim3(128, 2), 1024, stream, w, out, one);
  if (err == cudaSuccess) err = cwd::launch_cooperative(no_parameters, dim3(1), dim3(1), 0, stream);
  return err;
}

int main() { return 0; }
