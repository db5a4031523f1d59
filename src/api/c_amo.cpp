// SPDX-License-Identifier: BSD-3-Clause
// OpenSHMEM atomics: every type group x operation, with and without a context, plus the deprecated
// 1.3 names, from the type lists. Non-blocking fetching forms write `fetch` at once on a mapped
// peer and as late as quiet through a transport.
#include "api/c_api_macros.hpp"
#include "core/rma.hpp"

using namespace causeway;
using tl::AmoOp;

namespace {
// Inlined, so each entry point's constant `op` selects one CPU atomic at compile time.
template <class T>
[[gnu::always_inline]] inline T amo(shmem_ctx_t ctx, AmoOp op, T* dest, T value, T cond, int pe,
                                    const char* call) {
  return core::amo<T>(api::context(ctx, call), op, dest, value, cond, pe, call);
}
}  // namespace

extern "C" {

// One AMO in its three shapes: returning the old value, returning nothing, and storing the old
// value to `fetch` (the _nbi form). VALUE/COND are expressions over the parameters.
#define CW_DEFINE_AMO_FETCHING(TYPE, NAME, OP, KIND, PARAMS, ARGS, VALUE, COND)                        \
  TYPE shmem_ctx_##NAME##_atomic_##OP(shmem_ctx_t ctx, TYPE* dest CW_EXPAND PARAMS, int pe) {          \
    return amo<TYPE>(ctx, AmoOp::KIND, dest, VALUE, COND, pe, "shmem_" #NAME "_atomic_" #OP);          \
  }                                                                                                    \
  CW_DEFINE_DEFAULT_CTX_FORM(TYPE, NAME##_atomic_##OP, (TYPE * dest CW_EXPAND PARAMS, int pe),         \
                             (dest CW_EXPAND ARGS, pe))                                                \
  void shmem_ctx_##NAME##_atomic_##OP##_nbi(shmem_ctx_t ctx, TYPE* fetch, TYPE* dest CW_EXPAND PARAMS, \
                                            int pe) {                                                  \
    const char* call = "shmem_" #NAME "_atomic_" #OP "_nbi";                                           \
    core::amo_nbi<TYPE>(api::context(ctx, call), AmoOp::KIND, fetch, dest, VALUE, COND, pe, call);     \
  }                                                                                                    \
  CW_DEFINE_DEFAULT_CTX_FORM(void, NAME##_atomic_##OP##_nbi,                                           \
                             (TYPE * fetch, TYPE * dest CW_EXPAND PARAMS, int pe),                     \
                             (fetch, dest CW_EXPAND ARGS, pe))
#define CW_DEFINE_AMO_NONFETCHING(TYPE, NAME, OP, KIND, PARAMS, ARGS, VALUE)                   \
  void shmem_ctx_##NAME##_atomic_##OP(shmem_ctx_t ctx, TYPE* dest CW_EXPAND PARAMS, int pe) {  \
    amo<TYPE>(ctx, AmoOp::KIND, dest, VALUE, 0, pe, "shmem_" #NAME "_atomic_" #OP);            \
  }                                                                                            \
  CW_DEFINE_DEFAULT_CTX_FORM(void, NAME##_atomic_##OP, (TYPE * dest CW_EXPAND PARAMS, int pe), \
                             (dest CW_EXPAND ARGS, pe))

#define CW_DEFINE_AMO_STANDARD(TYPE, NAME)                                                                   \
  CW_DEFINE_AMO_FETCHING(TYPE, NAME, fetch_inc, fetch_add, (), (), 1, 0)                                     \
  CW_DEFINE_AMO_NONFETCHING(TYPE, NAME, inc, add, (), (), 1)                                                 \
  CW_DEFINE_AMO_FETCHING(TYPE, NAME, fetch_add, fetch_add, (, TYPE value), (, value), value, 0)              \
  CW_DEFINE_AMO_NONFETCHING(TYPE, NAME, add, add, (, TYPE value), (, value), value)                          \
  CW_DEFINE_AMO_FETCHING(TYPE, NAME, compare_swap, compare_swap, (, TYPE cond, TYPE value), (, cond, value), \
                         value, cond)
CW_AMO_STANDARD_TYPES(CW_DEFINE_AMO_STANDARD)
#undef CW_DEFINE_AMO_STANDARD

// fetch reads through a const pointer; the others write.
#define CW_DEFINE_AMO_EXTENDED(TYPE, NAME)                                                                 \
  TYPE shmem_ctx_##NAME##_atomic_fetch(shmem_ctx_t ctx, const TYPE* source, int pe) {                      \
    return amo<TYPE>(ctx, AmoOp::fetch, const_cast<TYPE*>(source), 0, 0, pe,                               \
                     "shmem_" #NAME "_atomic_fetch");                                                      \
  }                                                                                                        \
  CW_DEFINE_DEFAULT_CTX_FORM(TYPE, NAME##_atomic_fetch, (const TYPE* source, int pe), (source, pe))        \
  void shmem_ctx_##NAME##_atomic_fetch_nbi(shmem_ctx_t ctx, TYPE* fetch, const TYPE* source, int pe) {     \
    const char* call = "shmem_" #NAME "_atomic_fetch_nbi";                                                 \
    core::amo_nbi<TYPE>(api::context(ctx, call), AmoOp::fetch, fetch, const_cast<TYPE*>(source), 0, 0, pe, \
                        call);                                                                             \
  }                                                                                                        \
  CW_DEFINE_DEFAULT_CTX_FORM(void, NAME##_atomic_fetch_nbi, (TYPE * fetch, const TYPE* source, int pe),    \
                             (fetch, source, pe))                                                          \
  CW_DEFINE_AMO_NONFETCHING(TYPE, NAME, set, set, (, TYPE value), (, value), value)                        \
  CW_DEFINE_AMO_FETCHING(TYPE, NAME, swap, swap, (, TYPE value), (, value), value, 0)
CW_AMO_EXTENDED_TYPES(CW_DEFINE_AMO_EXTENDED)
#undef CW_DEFINE_AMO_EXTENDED

#define CW_DEFINE_AMO_BITWISE_OP(TYPE, NAME, OP)                                                  \
  CW_DEFINE_AMO_FETCHING(TYPE, NAME, fetch_##OP, fetch_##OP, (, TYPE value), (, value), value, 0) \
  CW_DEFINE_AMO_NONFETCHING(TYPE, NAME, OP, bit_##OP, (, TYPE value), (, value), value)
#define CW_DEFINE_AMO_BITWISE(TYPE, NAME)   \
  CW_DEFINE_AMO_BITWISE_OP(TYPE, NAME, and) \
  CW_DEFINE_AMO_BITWISE_OP(TYPE, NAME, or) CW_DEFINE_AMO_BITWISE_OP(TYPE, NAME, xor)
CW_AMO_BITWISE_TYPES(CW_DEFINE_AMO_BITWISE)
#undef CW_DEFINE_AMO_BITWISE
#undef CW_DEFINE_AMO_BITWISE_OP

// Deprecated 1.3 names forward to the current ones.
#define CW_DEFINE_DEPRECATED_AMO(TYPE, NAME)                                                              \
  TYPE shmem_##NAME##_finc(TYPE* dest, int pe) { return shmem_##NAME##_atomic_fetch_inc(dest, pe); }      \
  void shmem_##NAME##_inc(TYPE* dest, int pe) { shmem_##NAME##_atomic_inc(dest, pe); }                    \
  TYPE shmem_##NAME##_fadd(TYPE* dest, TYPE value, int pe) {                                              \
    return shmem_##NAME##_atomic_fetch_add(dest, value, pe);                                              \
  }                                                                                                       \
  void shmem_##NAME##_add(TYPE* dest, TYPE value, int pe) { shmem_##NAME##_atomic_add(dest, value, pe); } \
  TYPE shmem_##NAME##_cswap(TYPE* dest, TYPE cond, TYPE value, int pe) {                                  \
    return shmem_##NAME##_atomic_compare_swap(dest, cond, value, pe);                                     \
  }
CW_DEPRECATED_AMO_TYPES(CW_DEFINE_DEPRECATED_AMO)
#undef CW_DEFINE_DEPRECATED_AMO

#define CW_DEFINE_DEPRECATED_EXTENDED_AMO(TYPE, NAME)                                                       \
  TYPE shmem_##NAME##_fetch(const TYPE* source, int pe) { return shmem_##NAME##_atomic_fetch(source, pe); } \
  void shmem_##NAME##_set(TYPE* dest, TYPE value, int pe) { shmem_##NAME##_atomic_set(dest, value, pe); }   \
  TYPE shmem_##NAME##_swap(TYPE* dest, TYPE value, int pe) {                                                \
    return shmem_##NAME##_atomic_swap(dest, value, pe);                                                     \
  }
CW_DEPRECATED_EXTENDED_AMO_TYPES(CW_DEFINE_DEPRECATED_EXTENDED_AMO)
#undef CW_DEFINE_DEPRECATED_EXTENDED_AMO

long shmem_swap(long* dest, long value, int pe) { return shmem_long_atomic_swap(dest, value, pe); }

}  // extern "C"
