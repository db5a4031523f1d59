// OpenSHMEM RMA: every typed, sized and mem form, generated from the type lists.
#include <shmem.h>

#include "core/rma.hpp"

namespace causeway::api {
namespace {

// nelems elements of Bytes each, with the byte count checked for overflow.
template <core::Transfer kind, std::size_t Bytes>
void elems(void* dest, const void* src, std::size_t nelems, int pe, const char* call) {
  core::transfer<kind>(nullptr, dest, src, core::checked_bytes(nelems, Bytes, call), pe, call);
}

}  // namespace
}  // namespace causeway::api

using namespace causeway;

extern "C" {

#define CW_DEFINE_RMA(TYPE, NAME)                                                                            \
  void shmem_##NAME##_put(TYPE* dest, const TYPE* source, size_t nelems, int pe) {                          \
    api::elems<core::Transfer::put, sizeof(TYPE)>(dest, source, nelems, pe, "shmem_" #NAME "_put");                          \
  }                                                                                                          \
  void shmem_##NAME##_p(TYPE* dest, TYPE value, int pe) {                                                   \
    core::p<TYPE>(nullptr, dest, value, pe, "shmem_" #NAME "_p");                                         \
  }                                                                                                          \
  void shmem_##NAME##_iput(TYPE* dest, const TYPE* source, ptrdiff_t dst, ptrdiff_t sst, size_t nelems,     \
                           int pe) {                                                                         \
    core::iput(nullptr, dest, source, dst, sst, nelems, sizeof(TYPE), pe, "shmem_" #NAME "_iput");       \
  }                                                                                                          \
  void shmem_##NAME##_get(TYPE* dest, const TYPE* source, size_t nelems, int pe) {                          \
    api::elems<core::Transfer::get, sizeof(TYPE)>(dest, source, nelems, pe, "shmem_" #NAME "_get");                          \
  }                                                                                                          \
  TYPE shmem_##NAME##_g(const TYPE* source, int pe) {                                                       \
    return core::g<TYPE>(nullptr, source, pe, "shmem_" #NAME "_g");                                       \
  }                                                                                                          \
  void shmem_##NAME##_iget(TYPE* dest, const TYPE* source, ptrdiff_t dst, ptrdiff_t sst, size_t nelems,     \
                           int pe) {                                                                         \
    core::iget(nullptr, dest, source, dst, sst, nelems, sizeof(TYPE), pe, "shmem_" #NAME "_iget");       \
  }                                                                                                          \
  void shmem_##NAME##_put_nbi(TYPE* dest, const TYPE* source, size_t nelems, int pe) {                      \
    api::elems<core::Transfer::put_nbi, sizeof(TYPE)>(dest, source, nelems, pe, "shmem_" #NAME "_put_nbi");                  \
  }                                                                                                          \
  void shmem_##NAME##_get_nbi(TYPE* dest, const TYPE* source, size_t nelems, int pe) {                      \
    api::elems<core::Transfer::get_nbi, sizeof(TYPE)>(dest, source, nelems, pe, "shmem_" #NAME "_get_nbi");                  \
  }
CW_RMA_TYPES(CW_DEFINE_RMA)
#undef CW_DEFINE_RMA

#define CW_DEFINE_SIZED_RMA(BITS, BYTES)                                                                      \
  void shmem_put##BITS(void* dest, const void* source, size_t nelems, int pe) {                              \
    api::elems<core::Transfer::put, BYTES>(dest, source, nelems, pe, "shmem_put" #BITS);                                       \
  }                                                                                                           \
  void shmem_get##BITS(void* dest, const void* source, size_t nelems, int pe) {                              \
    api::elems<core::Transfer::get, BYTES>(dest, source, nelems, pe, "shmem_get" #BITS);                                       \
  }                                                                                                           \
  void shmem_iput##BITS(void* dest, const void* source, ptrdiff_t dst, ptrdiff_t sst, size_t nelems, int pe) { \
    core::iput(nullptr, dest, source, dst, sst, nelems, BYTES, pe, "shmem_iput" #BITS);                   \
  }                                                                                                           \
  void shmem_iget##BITS(void* dest, const void* source, ptrdiff_t dst, ptrdiff_t sst, size_t nelems, int pe) { \
    core::iget(nullptr, dest, source, dst, sst, nelems, BYTES, pe, "shmem_iget" #BITS);                   \
  }                                                                                                           \
  void shmem_put##BITS##_nbi(void* dest, const void* source, size_t nelems, int pe) {                        \
    api::elems<core::Transfer::put_nbi, BYTES>(dest, source, nelems, pe, "shmem_put" #BITS "_nbi");                            \
  }                                                                                                           \
  void shmem_get##BITS##_nbi(void* dest, const void* source, size_t nelems, int pe) {                        \
    api::elems<core::Transfer::get_nbi, BYTES>(dest, source, nelems, pe, "shmem_get" #BITS "_nbi");                            \
  }
CW_SIZED_RMA(CW_DEFINE_SIZED_RMA)
#undef CW_DEFINE_SIZED_RMA

void shmem_putmem(void* dest, const void* source, size_t nelems, int pe) {
  api::elems<core::Transfer::put, 1>(dest, source, nelems, pe, "shmem_putmem");
}
void shmem_getmem(void* dest, const void* source, size_t nelems, int pe) {
  api::elems<core::Transfer::get, 1>(dest, source, nelems, pe, "shmem_getmem");
}
void shmem_putmem_nbi(void* dest, const void* source, size_t nelems, int pe) {
  api::elems<core::Transfer::put_nbi, 1>(dest, source, nelems, pe, "shmem_putmem_nbi");
}
void shmem_getmem_nbi(void* dest, const void* source, size_t nelems, int pe) {
  api::elems<core::Transfer::get_nbi, 1>(dest, source, nelems, pe, "shmem_getmem_nbi");
}

}  // extern "C"
