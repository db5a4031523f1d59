// OpenSHMEM atomics: every type group x operation, plus the deprecated 1.3 names, from the type lists.
// Non-blocking fetching forms complete at once here, which the specification allows.
#include <shmem.h>

#include "core/rma.hpp"

using namespace causeway;
using tl::AmoOp;

namespace {
template <class T>
T amo(AmoOp op, T* dest, T value, T cond, int pe, const char* call) {
  return core::amo<T>(nullptr, op, dest, value, cond, pe, call);
}
}  // namespace

extern "C" {

#define CW_DEFINE_AMO_STANDARD(TYPE, NAME)                                                       \
  TYPE shmem_##NAME##_atomic_fetch_inc(TYPE* dest, int pe) {                                     \
    return amo<TYPE>(AmoOp::fetch_add, dest, 1, 0, pe, "shmem_" #NAME "_atomic_fetch_inc");      \
  }                                                                                              \
  void shmem_##NAME##_atomic_inc(TYPE* dest, int pe) {                                           \
    amo<TYPE>(AmoOp::add, dest, 1, 0, pe, "shmem_" #NAME "_atomic_inc");                         \
  }                                                                                              \
  TYPE shmem_##NAME##_atomic_fetch_add(TYPE* dest, TYPE value, int pe) {                         \
    return amo<TYPE>(AmoOp::fetch_add, dest, value, 0, pe, "shmem_" #NAME "_atomic_fetch_add");  \
  }                                                                                              \
  void shmem_##NAME##_atomic_add(TYPE* dest, TYPE value, int pe) {                               \
    amo<TYPE>(AmoOp::add, dest, value, 0, pe, "shmem_" #NAME "_atomic_add");                     \
  }                                                                                              \
  TYPE shmem_##NAME##_atomic_compare_swap(TYPE* dest, TYPE cond, TYPE value, int pe) {           \
    return amo<TYPE>(AmoOp::compare_swap, dest, value, cond, pe,                                 \
                     "shmem_" #NAME "_atomic_compare_swap");                                     \
  }                                                                                              \
  void shmem_##NAME##_atomic_fetch_inc_nbi(TYPE* fetch, TYPE* dest, int pe) {                    \
    *fetch = amo<TYPE>(AmoOp::fetch_add, dest, 1, 0, pe, "shmem_" #NAME "_atomic_fetch_inc_nbi"); \
  }                                                                                              \
  void shmem_##NAME##_atomic_fetch_add_nbi(TYPE* fetch, TYPE* dest, TYPE value, int pe) {        \
    *fetch = amo<TYPE>(AmoOp::fetch_add, dest, value, 0, pe,                                     \
                       "shmem_" #NAME "_atomic_fetch_add_nbi");                                  \
  }                                                                                              \
  void shmem_##NAME##_atomic_compare_swap_nbi(TYPE* fetch, TYPE* dest, TYPE cond, TYPE value,   \
                                              int pe) {                                          \
    *fetch = amo<TYPE>(AmoOp::compare_swap, dest, value, cond, pe,                               \
                       "shmem_" #NAME "_atomic_compare_swap_nbi");                               \
  }
CW_AMO_STANDARD_TYPES(CW_DEFINE_AMO_STANDARD)
#undef CW_DEFINE_AMO_STANDARD

#define CW_DEFINE_AMO_EXTENDED(TYPE, NAME)                                                            \
  TYPE shmem_##NAME##_atomic_fetch(const TYPE* source, int pe) {                                      \
    return amo<TYPE>(AmoOp::fetch, const_cast<TYPE*>(source), 0, 0, pe, "shmem_" #NAME "_atomic_fetch"); \
  }                                                                                                   \
  void shmem_##NAME##_atomic_set(TYPE* dest, TYPE value, int pe) {                                    \
    amo<TYPE>(AmoOp::set, dest, value, 0, pe, "shmem_" #NAME "_atomic_set");                          \
  }                                                                                                   \
  TYPE shmem_##NAME##_atomic_swap(TYPE* dest, TYPE value, int pe) {                                   \
    return amo<TYPE>(AmoOp::swap, dest, value, 0, pe, "shmem_" #NAME "_atomic_swap");                 \
  }                                                                                                   \
  void shmem_##NAME##_atomic_fetch_nbi(TYPE* fetch, const TYPE* source, int pe) {                     \
    *fetch = amo<TYPE>(AmoOp::fetch, const_cast<TYPE*>(source), 0, 0, pe,                             \
                       "shmem_" #NAME "_atomic_fetch_nbi");                                           \
  }                                                                                                   \
  void shmem_##NAME##_atomic_swap_nbi(TYPE* fetch, TYPE* dest, TYPE value, int pe) {                  \
    *fetch = amo<TYPE>(AmoOp::swap, dest, value, 0, pe, "shmem_" #NAME "_atomic_swap_nbi");           \
  }
CW_AMO_EXTENDED_TYPES(CW_DEFINE_AMO_EXTENDED)
#undef CW_DEFINE_AMO_EXTENDED

#define CW_DEFINE_AMO_BITWISE_OP(TYPE, NAME, OP, FETCH_OP)                                       \
  TYPE shmem_##NAME##_atomic_fetch_##OP(TYPE* dest, TYPE value, int pe) {                        \
    return amo<TYPE>(AmoOp::FETCH_OP, dest, value, 0, pe, "shmem_" #NAME "_atomic_fetch_" #OP);  \
  }                                                                                              \
  void shmem_##NAME##_atomic_##OP(TYPE* dest, TYPE value, int pe) {                              \
    amo<TYPE>(AmoOp::bit_##OP, dest, value, 0, pe, "shmem_" #NAME "_atomic_" #OP);               \
  }                                                                                              \
  void shmem_##NAME##_atomic_fetch_##OP##_nbi(TYPE* fetch, TYPE* dest, TYPE value, int pe) {     \
    *fetch = amo<TYPE>(AmoOp::FETCH_OP, dest, value, 0, pe,                                      \
                       "shmem_" #NAME "_atomic_fetch_" #OP "_nbi");                              \
  }
#define CW_DEFINE_AMO_BITWISE(TYPE, NAME)                \
  CW_DEFINE_AMO_BITWISE_OP(TYPE, NAME, and, fetch_and)   \
  CW_DEFINE_AMO_BITWISE_OP(TYPE, NAME, or, fetch_or)     \
  CW_DEFINE_AMO_BITWISE_OP(TYPE, NAME, xor, fetch_xor)
CW_AMO_BITWISE_TYPES(CW_DEFINE_AMO_BITWISE)
#undef CW_DEFINE_AMO_BITWISE
#undef CW_DEFINE_AMO_BITWISE_OP

// Deprecated 1.3 names forward to the current ones.
#define CW_DEFINE_DEPRECATED_AMO(TYPE, NAME)                                                                \
  TYPE shmem_##NAME##_finc(TYPE* dest, int pe) { return shmem_##NAME##_atomic_fetch_inc(dest, pe); }       \
  void shmem_##NAME##_inc(TYPE* dest, int pe) { shmem_##NAME##_atomic_inc(dest, pe); }                     \
  TYPE shmem_##NAME##_fadd(TYPE* dest, TYPE value, int pe) {                                                \
    return shmem_##NAME##_atomic_fetch_add(dest, value, pe);                                                \
  }                                                                                                         \
  void shmem_##NAME##_add(TYPE* dest, TYPE value, int pe) { shmem_##NAME##_atomic_add(dest, value, pe); }  \
  TYPE shmem_##NAME##_cswap(TYPE* dest, TYPE cond, TYPE value, int pe) {                                    \
    return shmem_##NAME##_atomic_compare_swap(dest, cond, value, pe);                                       \
  }
CW_DEPRECATED_AMO_TYPES(CW_DEFINE_DEPRECATED_AMO)
#undef CW_DEFINE_DEPRECATED_AMO

#define CW_DEFINE_DEPRECATED_EXTENDED_AMO(TYPE, NAME)                                                      \
  TYPE shmem_##NAME##_fetch(const TYPE* source, int pe) { return shmem_##NAME##_atomic_fetch(source, pe); } \
  void shmem_##NAME##_set(TYPE* dest, TYPE value, int pe) { shmem_##NAME##_atomic_set(dest, value, pe); }  \
  TYPE shmem_##NAME##_swap(TYPE* dest, TYPE value, int pe) {                                               \
    return shmem_##NAME##_atomic_swap(dest, value, pe);                                                    \
  }
CW_DEPRECATED_EXTENDED_AMO_TYPES(CW_DEFINE_DEPRECATED_EXTENDED_AMO)
#undef CW_DEFINE_DEPRECATED_EXTENDED_AMO

long shmem_swap(long* dest, long value, int pe) { return shmem_long_atomic_swap(dest, value, pe); }

}  // extern "C"
