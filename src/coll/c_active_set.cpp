// SPDX-License-Identifier: BSD-3-Clause
// Deprecated active-set collectives (PE_start, logPE_stride, PE_size). They run on the team engine
// over a pseudo-team of the set's PEs, using the one scratch slot all active sets share (signals and
// staging there are indexed by world PE, so sets that overlap never mix). pSync and pWrk are
// accepted and never touched: nothing needs initialising or restoring, and consecutive calls need no
// barrier in between beyond what the specification already asks for.
#include <shmem.h>

#include "coll/coll.hpp"
#include "coll/ops.hpp"
#include "core/checks.hpp"
#include "core/sync.hpp"
#include "util/log.hpp"

using namespace causeway;

namespace {

// Runs f on the set's pseudo-team; a PE outside the set does nothing (coll::active_set).
template <class F>
void on_active_set(int PE_start, int logPE_stride, int PE_size, const char* call, F&& f) {
  core::runtime(call);
  std::lock_guard lock(coll::active_set_mutex());
  if (coll::Team* t = coll::active_set(PE_start, logPE_stride, PE_size, call)) f(*t);
}

std::size_t to_count(int nreduce, const char* call) {
  if (nreduce < 0) util::fatal_user_error(call, "argument 'nreduce' = %d is negative", nreduce);
  return static_cast<std::size_t>(nreduce);
}

}  // namespace

namespace op = causeway::coll::op;

extern "C" {

void shmem_barrier(int PE_start, int logPE_stride, int PE_size, long* pSync) {
  (void)pSync;
  on_active_set(PE_start, logPE_stride, PE_size, "shmem_barrier", [](coll::Team& t) {
    core::quiet(core::runtime("shmem_barrier").default_context());
    coll::sync(t, "shmem_barrier");
  });
}

void shmem_sync(int PE_start, int logPE_stride, int PE_size, long* pSync) {
  (void)pSync;
  on_active_set(PE_start, logPE_stride, PE_size, "shmem_sync",
                [](coll::Team& t) { coll::sync(t, "shmem_sync"); });
}

#define CW_DEFINE_ACTIVE_SET_SIZED(BITS, BYTES)                                                             \
  void shmem_broadcast##BITS(void* dest, const void* source, size_t nelems, int PE_root, int PE_start,      \
                             int logPE_stride, int PE_size, long* pSync) {                                  \
    (void)pSync;                                                                                            \
    const char* call = "shmem_broadcast" #BITS;                                                             \
    on_active_set(PE_start, logPE_stride, PE_size, call, [&](coll::Team& t) {                               \
      coll::broadcast(t, dest, source, core::checked_bytes(nelems, BYTES, call), PE_root, false, call);     \
    });                                                                                                     \
  }                                                                                                         \
  void shmem_collect##BITS(void* dest, const void* source, size_t nelems, int PE_start, int logPE_stride,   \
                           int PE_size, long* pSync) {                                                      \
    (void)pSync;                                                                                            \
    const char* call = "shmem_collect" #BITS;                                                               \
    on_active_set(PE_start, logPE_stride, PE_size, call, [&](coll::Team& t) {                               \
      coll::collect(t, dest, source, core::checked_bytes(nelems, BYTES, call), call);                       \
    });                                                                                                     \
  }                                                                                                         \
  void shmem_fcollect##BITS(void* dest, const void* source, size_t nelems, int PE_start, int logPE_stride,  \
                            int PE_size, long* pSync) {                                                     \
    (void)pSync;                                                                                            \
    const char* call = "shmem_fcollect" #BITS;                                                              \
    on_active_set(PE_start, logPE_stride, PE_size, call, [&](coll::Team& t) {                               \
      coll::fcollect(t, dest, source, core::checked_bytes(nelems, BYTES, call), call);                      \
    });                                                                                                     \
  }                                                                                                         \
  void shmem_alltoall##BITS(void* dest, const void* source, size_t nelems, int PE_start, int logPE_stride,  \
                            int PE_size, long* pSync) {                                                     \
    (void)pSync;                                                                                            \
    const char* call = "shmem_alltoall" #BITS;                                                              \
    on_active_set(PE_start, logPE_stride, PE_size, call, [&](coll::Team& t) {                               \
      coll::alltoall(t, dest, source, core::checked_bytes(nelems, BYTES, call), call);                      \
    });                                                                                                     \
  }                                                                                                         \
  void shmem_alltoalls##BITS(void* dest, const void* source, ptrdiff_t dst, ptrdiff_t sst, size_t nelems,   \
                             int PE_start, int logPE_stride, int PE_size, long* pSync) {                    \
    (void)pSync;                                                                                            \
    const char* call = "shmem_alltoalls" #BITS;                                                             \
    on_active_set(PE_start, logPE_stride, PE_size, call,                                                    \
                  [&](coll::Team& t) { coll::alltoalls(t, dest, source, dst, sst, nelems, BYTES, call); }); \
  }
CW_ACTIVE_SET_SIZES(CW_DEFINE_ACTIVE_SET_SIZED)
#undef CW_DEFINE_ACTIVE_SET_SIZED

#define CW_DEFINE_TO_ALL(TYPE, NAME, OP, OPTYPE)                                               \
  void shmem_##NAME##_##OP##_to_all(TYPE* dest, const TYPE* source, int nreduce, int PE_start, \
                                    int logPE_stride, int PE_size, TYPE* pWrk, long* pSync) {  \
    (void)pWrk;                                                                                \
    (void)pSync;                                                                               \
    static constexpr causeway::coll::Kernel kernel = op::kernel<TYPE, op::OPTYPE>();           \
    const char* call = "shmem_" #NAME "_" #OP "_to_all";                                       \
    const std::size_t count = to_count(nreduce, call);                                         \
    on_active_set(PE_start, logPE_stride, PE_size, call,                                       \
                  [&](coll::Team& t) { coll::reduce(t, dest, source, count, kernel, call); }); \
  }
#define CW_DEFINE_BITWISE_TO_ALL(TYPE, NAME) \
  CW_DEFINE_TO_ALL(TYPE, NAME, and, And)     \
  CW_DEFINE_TO_ALL(TYPE, NAME, or, Or) CW_DEFINE_TO_ALL(TYPE, NAME, xor, Xor)
#define CW_DEFINE_MINMAX_TO_ALL(TYPE, NAME) \
  CW_DEFINE_TO_ALL(TYPE, NAME, max, Max) CW_DEFINE_TO_ALL(TYPE, NAME, min, Min)
#define CW_DEFINE_ARITH_TO_ALL(TYPE, NAME) \
  CW_DEFINE_TO_ALL(TYPE, NAME, sum, Sum) CW_DEFINE_TO_ALL(TYPE, NAME, prod, Prod)
CW_TO_ALL_BITWISE_TYPES(CW_DEFINE_BITWISE_TO_ALL)
CW_TO_ALL_MINMAX_TYPES(CW_DEFINE_MINMAX_TO_ALL)
CW_TO_ALL_ARITH_TYPES(CW_DEFINE_ARITH_TO_ALL)
#undef CW_DEFINE_BITWISE_TO_ALL
#undef CW_DEFINE_MINMAX_TO_ALL
#undef CW_DEFINE_ARITH_TO_ALL
#undef CW_DEFINE_TO_ALL

}  // extern "C"
