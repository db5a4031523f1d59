// SPDX-License-Identifier: BSD-3-Clause
// OpenSHMEM team-based collectives: broadcast, collect, fcollect, alltoall(s), reductions and scans,
// every typed form generated from the type lists.
#include <shmem.h>

#include "coll/coll.hpp"
#include "coll/ops.hpp"
#include "core/checks.hpp"

using namespace causeway;

namespace causeway::coll::api {
namespace {

std::size_t bytes_of(std::size_t nelems, std::size_t elem, const char* call) {
  return core::checked_bytes(nelems, elem, call);
}

}  // namespace

int broadcast(shmem_team_t team, void* dest, const void* source, std::size_t nelems, std::size_t elem,
              int root, const char* call) {
  coll::broadcast(checked_team(team, call), dest, source, bytes_of(nelems, elem, call), root, true, call);
  return 0;
}

int collect(shmem_team_t team, void* dest, const void* source, std::size_t nelems, std::size_t elem,
            const char* call) {
  coll::collect(checked_team(team, call), dest, source, bytes_of(nelems, elem, call), call);
  return 0;
}

int fcollect(shmem_team_t team, void* dest, const void* source, std::size_t nelems, std::size_t elem,
             const char* call) {
  coll::fcollect(checked_team(team, call), dest, source, bytes_of(nelems, elem, call), call);
  return 0;
}

int alltoall(shmem_team_t team, void* dest, const void* source, std::size_t nelems, std::size_t elem,
             const char* call) {
  coll::alltoall(checked_team(team, call), dest, source, bytes_of(nelems, elem, call), call);
  return 0;
}

int alltoalls(shmem_team_t team, void* dest, const void* source, std::ptrdiff_t dst, std::ptrdiff_t sst,
              std::size_t nelems, std::size_t elem, const char* call) {
  coll::alltoalls(checked_team(team, call), dest, source, dst, sst, nelems, elem, call);
  return 0;
}

int reduce(shmem_team_t team, void* dest, const void* source, std::size_t nreduce, const Kernel& kernel,
           const char* call) {
  coll::reduce(checked_team(team, call), dest, source, nreduce, kernel, call);
  return 0;
}

int scan(shmem_team_t team, void* dest, const void* source, std::size_t nelems, const Kernel& kernel,
         bool inclusive, const char* call) {
  coll::scan(checked_team(team, call), dest, source, nelems, kernel, inclusive, call);
  return 0;
}

}  // namespace causeway::coll::api

namespace api = causeway::coll::api;
namespace op = causeway::coll::op;

extern "C" {

#define CW_DEFINE_TEAM_COLL(TYPE, NAME)                                                                     \
  int shmem_##NAME##_broadcast(shmem_team_t team, TYPE* dest, const TYPE* source, size_t nelems,            \
                               int PE_root) {                                                               \
    return api::broadcast(team, dest, source, nelems, sizeof(TYPE), PE_root, "shmem_" #NAME "_broadcast");  \
  }                                                                                                         \
  int shmem_##NAME##_collect(shmem_team_t team, TYPE* dest, const TYPE* source, size_t nelems) {            \
    return api::collect(team, dest, source, nelems, sizeof(TYPE), "shmem_" #NAME "_collect");               \
  }                                                                                                         \
  int shmem_##NAME##_fcollect(shmem_team_t team, TYPE* dest, const TYPE* source, size_t nelems) {           \
    return api::fcollect(team, dest, source, nelems, sizeof(TYPE), "shmem_" #NAME "_fcollect");             \
  }                                                                                                         \
  int shmem_##NAME##_alltoall(shmem_team_t team, TYPE* dest, const TYPE* source, size_t nelems) {           \
    return api::alltoall(team, dest, source, nelems, sizeof(TYPE), "shmem_" #NAME "_alltoall");             \
  }                                                                                                         \
  int shmem_##NAME##_alltoalls(shmem_team_t team, TYPE* dest, const TYPE* source, ptrdiff_t dst,            \
                               ptrdiff_t sst, size_t nelems) {                                              \
    return api::alltoalls(team, dest, source, dst, sst, nelems, sizeof(TYPE), "shmem_" #NAME "_alltoalls"); \
  }
CW_RMA_TYPES(CW_DEFINE_TEAM_COLL)
#undef CW_DEFINE_TEAM_COLL

int shmem_broadcastmem(shmem_team_t team, void* dest, const void* source, size_t nelems, int PE_root) {
  return api::broadcast(team, dest, source, nelems, 1, PE_root, "shmem_broadcastmem");
}
int shmem_collectmem(shmem_team_t team, void* dest, const void* source, size_t nelems) {
  return api::collect(team, dest, source, nelems, 1, "shmem_collectmem");
}
int shmem_fcollectmem(shmem_team_t team, void* dest, const void* source, size_t nelems) {
  return api::fcollect(team, dest, source, nelems, 1, "shmem_fcollectmem");
}
int shmem_alltoallmem(shmem_team_t team, void* dest, const void* source, size_t nelems) {
  return api::alltoall(team, dest, source, nelems, 1, "shmem_alltoallmem");
}
int shmem_alltoallsmem(shmem_team_t team, void* dest, const void* source, ptrdiff_t dst, ptrdiff_t sst,
                       size_t nelems) {
  return api::alltoalls(team, dest, source, dst, sst, nelems, 1, "shmem_alltoallsmem");
}

#define CW_DEFINE_REDUCE(TYPE, NAME, OP, OPTYPE)                                                        \
  int shmem_##NAME##_##OP##_reduce(shmem_team_t team, TYPE* dest, const TYPE* source, size_t nreduce) { \
    static constexpr causeway::coll::Kernel kernel = op::kernel<TYPE, op::OPTYPE>();                    \
    return api::reduce(team, dest, source, nreduce, kernel, "shmem_" #NAME "_" #OP "_reduce");          \
  }
#define CW_DEFINE_BITWISE_REDUCE(TYPE, NAME) \
  CW_DEFINE_REDUCE(TYPE, NAME, and, And)     \
  CW_DEFINE_REDUCE(TYPE, NAME, or, Or) CW_DEFINE_REDUCE(TYPE, NAME, xor, Xor)
#define CW_DEFINE_MINMAX_REDUCE(TYPE, NAME) \
  CW_DEFINE_REDUCE(TYPE, NAME, max, Max) CW_DEFINE_REDUCE(TYPE, NAME, min, Min)
#define CW_DEFINE_ARITH_REDUCE(TYPE, NAME) \
  CW_DEFINE_REDUCE(TYPE, NAME, sum, Sum) CW_DEFINE_REDUCE(TYPE, NAME, prod, Prod)
CW_REDUCE_BITWISE_TYPES(CW_DEFINE_BITWISE_REDUCE)
CW_REDUCE_MINMAX_TYPES(CW_DEFINE_MINMAX_REDUCE)
CW_REDUCE_ARITH_TYPES(CW_DEFINE_ARITH_REDUCE)
#undef CW_DEFINE_BITWISE_REDUCE
#undef CW_DEFINE_MINMAX_REDUCE
#undef CW_DEFINE_ARITH_REDUCE
#undef CW_DEFINE_REDUCE

#define CW_DEFINE_SCAN(TYPE, NAME)                                                                  \
  int shmem_##NAME##_sum_inscan(shmem_team_t team, TYPE* dest, const TYPE* source, size_t nelems) { \
    static constexpr causeway::coll::Kernel kernel = op::kernel<TYPE, op::Sum>();                   \
    return api::scan(team, dest, source, nelems, kernel, true, "shmem_" #NAME "_sum_inscan");       \
  }                                                                                                 \
  int shmem_##NAME##_sum_exscan(shmem_team_t team, TYPE* dest, const TYPE* source, size_t nelems) { \
    static constexpr causeway::coll::Kernel kernel = op::kernel<TYPE, op::Sum>();                   \
    return api::scan(team, dest, source, nelems, kernel, false, "shmem_" #NAME "_sum_exscan");      \
  }
CW_REDUCE_ARITH_TYPES(CW_DEFINE_SCAN)
#undef CW_DEFINE_SCAN

}  // extern "C"
