// SPDX-License-Identifier: BSD-3-Clause
// OpenSHMEM RMA: every typed, sized and mem form, with and without a context, from the type lists.
#include "api/c_api_macros.hpp"
#include "core/rma.hpp"

namespace causeway::api {
namespace {

// nelems elements of Bytes each, with the byte count checked for overflow.
// The wrappers are inlined into each entry point, so the fast path has no call of its own.
template <core::Transfer kind, std::size_t Bytes>
[[gnu::always_inline]] inline void elems(shmem_ctx_t ctx, void* dest, const void* src, std::size_t nelems,
                                         int pe, const char* call) {
  core::transfer<kind>(context(ctx, call), dest, src, core::checked_bytes(nelems, Bytes, call), pe, call);
}

template <class T>
[[gnu::always_inline]] inline void p(shmem_ctx_t ctx, T* dest, T value, int pe, const char* call) {
  core::p<T>(context(ctx, call), dest, value, pe, call);
}

template <class T>
[[gnu::always_inline]] inline T g(shmem_ctx_t ctx, const T* src, int pe, const char* call) {
  return core::g<T>(context(ctx, call), src, pe, call);
}

template <bool to_peer>
void strided(shmem_ctx_t ctx, void* dest, const void* src, ptrdiff_t dst, ptrdiff_t sst, size_t nelems,
             size_t elem, int pe, const char* call) {
  if constexpr (to_peer)
    core::iput(context(ctx, call), dest, src, dst, sst, nelems, elem, pe, call);
  else
    core::iget(context(ctx, call), dest, src, dst, sst, nelems, elem, pe, call);
}

}  // namespace
}  // namespace causeway::api

using namespace causeway;
using core::Transfer;

extern "C" {

// The contiguous forms: put, get, put_nbi, get_nbi for one element size.
#define CW_DEFINE_CONTIGUOUS(NAME, ELEM_TYPE, BYTES, KIND, CONST)                                           \
  void shmem_ctx_##NAME(shmem_ctx_t ctx, ELEM_TYPE* dest, CONST ELEM_TYPE* source, size_t nelems, int pe) { \
    api::elems<Transfer::KIND, BYTES>(ctx, dest, source, nelems, pe, "shmem_" #NAME);                       \
  }                                                                                                         \
  CW_DEFINE_DEFAULT_CTX_FORM(void, NAME,                                                                    \
                             (ELEM_TYPE * dest, CONST ELEM_TYPE * source, size_t nelems, int pe),           \
                             (dest, source, nelems, pe))
#define CW_DEFINE_STRIDED(NAME, ELEM_TYPE, BYTES, TO_PEER)                                              \
  void shmem_ctx_##NAME(shmem_ctx_t ctx, ELEM_TYPE* dest, const ELEM_TYPE* source, ptrdiff_t dst,       \
                        ptrdiff_t sst, size_t nelems, int pe) {                                         \
    api::strided<TO_PEER>(ctx, dest, source, dst, sst, nelems, BYTES, pe, "shmem_" #NAME);              \
  }                                                                                                     \
  CW_DEFINE_DEFAULT_CTX_FORM(                                                                           \
      void, NAME,                                                                                       \
      (ELEM_TYPE * dest, const ELEM_TYPE* source, ptrdiff_t dst, ptrdiff_t sst, size_t nelems, int pe), \
      (dest, source, dst, sst, nelems, pe))
#define CW_DEFINE_ALL_TRANSFERS(PREFIX, SUFFIX, ELEM_TYPE, BYTES)                   \
  CW_DEFINE_CONTIGUOUS(PREFIX##put##SUFFIX, ELEM_TYPE, BYTES, put, const)           \
  CW_DEFINE_CONTIGUOUS(PREFIX##get##SUFFIX, ELEM_TYPE, BYTES, get, const)           \
  CW_DEFINE_CONTIGUOUS(PREFIX##put##SUFFIX##_nbi, ELEM_TYPE, BYTES, put_nbi, const) \
  CW_DEFINE_CONTIGUOUS(PREFIX##get##SUFFIX##_nbi, ELEM_TYPE, BYTES, get_nbi, const)

#define CW_DEFINE_RMA(TYPE, NAME)                                                                  \
  CW_DEFINE_ALL_TRANSFERS(NAME##_, , TYPE, sizeof(TYPE))                                           \
  CW_DEFINE_STRIDED(NAME##_iput, TYPE, sizeof(TYPE), true)                                         \
  CW_DEFINE_STRIDED(NAME##_iget, TYPE, sizeof(TYPE), false)                                        \
  void shmem_ctx_##NAME##_p(shmem_ctx_t ctx, TYPE* dest, TYPE value, int pe) {                     \
    api::p<TYPE>(ctx, dest, value, pe, "shmem_" #NAME "_p");                                       \
  }                                                                                                \
  CW_DEFINE_DEFAULT_CTX_FORM(void, NAME##_p, (TYPE * dest, TYPE value, int pe), (dest, value, pe)) \
  TYPE shmem_ctx_##NAME##_g(shmem_ctx_t ctx, const TYPE* source, int pe) {                         \
    return api::g<TYPE>(ctx, source, pe, "shmem_" #NAME "_g");                                     \
  }                                                                                                \
  CW_DEFINE_DEFAULT_CTX_FORM(TYPE, NAME##_g, (const TYPE* source, int pe), (source, pe))
CW_RMA_TYPES(CW_DEFINE_RMA)
#undef CW_DEFINE_RMA

#define CW_DEFINE_SIZED_RMA(BITS, BYTES)           \
  CW_DEFINE_ALL_TRANSFERS(, BITS, void, BYTES)     \
  CW_DEFINE_STRIDED(iput##BITS, void, BYTES, true) \
  CW_DEFINE_STRIDED(iget##BITS, void, BYTES, false)
CW_SIZED_RMA(CW_DEFINE_SIZED_RMA)
#undef CW_DEFINE_SIZED_RMA

CW_DEFINE_ALL_TRANSFERS(, mem, void, 1)

}  // extern "C"
