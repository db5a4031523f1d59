// SPDX-License-Identifier: BSD-3-Clause
// wait_until / test families (single, _all, _any, _some, and _vector forms) for every sync type.
// _any and _some return SIZE_MAX / 0 when every element is excluded by `status`, as the spec says.
#include <shmem.h>

#include "core/sync.hpp"

using namespace causeway;

namespace {

template <class T>
void check_ivars(core::Runtime& rt, T* ivars, std::size_t nelems, int cmp, const char* call) {
  if (!core::valid_compare(cmp)) [[unlikely]]
    core::report_bad_compare(cmp, call);
  if (rt.checks() && nelems)
    core::check_local_symmetric(rt, ivars, core::checked_bytes(nelems, sizeof(T), call), call, "ivars");
}

template <class T>
bool satisfied(const T* ivars, std::size_t i, int cmp, const T* values, bool vector) {
  return core::compare(core::load_acquire(&ivars[i]), cmp, vector ? values[i] : values[0]);
}

bool included(const int* status, std::size_t i) { return status == nullptr || status[i] == 0; }

// Index of a satisfied, included element, or SIZE_MAX. The scan starts after the index found last
// time, so an element that stays satisfied cannot starve the others (the spec's fairness rule).
template <class T>
std::size_t find_any(const T* ivars, std::size_t n, const int* status, int cmp, const T* values,
                     bool vector) {
  static thread_local std::size_t next_start = 0;
  const std::size_t start = n ? next_start % n : 0;
  for (std::size_t k = 0; k < n; ++k) {
    const std::size_t i = (start + k) % n;
    if (included(status, i) && satisfied(ivars, i, cmp, values, vector)) {
      next_start = i + 1;
      return i;
    }
  }
  return SIZE_MAX;
}

template <class T>
bool all_hold(const T* ivars, std::size_t n, const int* status, int cmp, const T* values, bool vector) {
  for (std::size_t i = 0; i < n; ++i)
    if (included(status, i) && !satisfied(ivars, i, cmp, values, vector)) return false;
  return true;
}

template <class T>
std::size_t collect_some(const T* ivars, std::size_t n, std::size_t* indices, const int* status, int cmp,
                         const T* values, bool vector) {
  std::size_t count = 0;
  for (std::size_t i = 0; i < n; ++i)
    if (included(status, i) && satisfied(ivars, i, cmp, values, vector)) indices[count++] = i;
  return count;
}

bool any_included(const int* status, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i)
    if (included(status, i)) return true;
  return false;
}

// Stall reports of the multi-word waits show the first word.
template <class T>
util::WaitNote words_note(const T* ivars, std::size_t n, const char* call) {
  return {.call = call,
          .what = n == 1 ? "a word to change" : "words to change",
          .word = ivars,
          .word_bytes = sizeof(T)};
}

template <class T>
void wait_until_one(T* ivar, int cmp, T value, const char* call) {
  core::Runtime& rt = core::runtime(call);
  check_ivars(rt, ivar, 1, cmp, call);
  core::wait_until_one(rt, ivar, cmp, value, call);
}

template <class T>
void wait_all(T* ivars, std::size_t n, const int* status, int cmp, const T* values, bool vector,
              const char* call) {
  core::Runtime& rt = core::runtime(call);
  check_ivars(rt, ivars, n, cmp, call);
  core::wait_for(rt, words_note(ivars, n, call),
                 [&] { return all_hold(ivars, n, status, cmp, values, vector); });
}

template <class T>
std::size_t wait_any(T* ivars, std::size_t n, const int* status, int cmp, const T* values, bool vector,
                     const char* call) {
  core::Runtime& rt = core::runtime(call);
  check_ivars(rt, ivars, n, cmp, call);
  if (!any_included(status, n)) return SIZE_MAX;
  std::size_t found = SIZE_MAX;
  core::wait_for(rt, words_note(ivars, n, call),
                 [&] { return (found = find_any(ivars, n, status, cmp, values, vector)) != SIZE_MAX; });
  return found;
}

template <class T>
std::size_t wait_some(T* ivars, std::size_t n, std::size_t* indices, const int* status, int cmp,
                      const T* values, bool vector, const char* call) {
  core::Runtime& rt = core::runtime(call);
  check_ivars(rt, ivars, n, cmp, call);
  if (!any_included(status, n)) return 0;
  std::size_t count = 0;
  core::wait_for(rt, words_note(ivars, n, call),
                 [&] { return (count = collect_some(ivars, n, indices, status, cmp, values, vector)) > 0; });
  return count;
}

template <class T>
int test_all(T* ivars, std::size_t n, const int* status, int cmp, const T* values, bool vector,
             const char* call) {
  core::Runtime& rt = core::runtime(call);
  check_ivars(rt, ivars, n, cmp, call);
  bool ok = all_hold(ivars, n, status, cmp, values, vector);
  if (!ok) rt.progress();
  return ok ? 1 : 0;
}

template <class T>
std::size_t test_any(T* ivars, std::size_t n, const int* status, int cmp, const T* values, bool vector,
                     const char* call) {
  core::Runtime& rt = core::runtime(call);
  check_ivars(rt, ivars, n, cmp, call);
  std::size_t found = find_any(ivars, n, status, cmp, values, vector);
  if (found == SIZE_MAX) rt.progress();
  return found;
}

template <class T>
std::size_t test_some(T* ivars, std::size_t n, std::size_t* indices, const int* status, int cmp,
                      const T* values, bool vector, const char* call) {
  core::Runtime& rt = core::runtime(call);
  check_ivars(rt, ivars, n, cmp, call);
  std::size_t count = collect_some(ivars, n, indices, status, cmp, values, vector);
  if (count == 0) rt.progress();
  return count;
}

}  // namespace

extern "C" {

#define CW_DEFINE_P2P_SYNC(TYPE, NAME)                                                                      \
  void shmem_##NAME##_wait_until(TYPE* ivar, int cmp, TYPE cmp_value) {                                     \
    wait_until_one<TYPE>(ivar, cmp, cmp_value, "shmem_" #NAME "_wait_until");                               \
  }                                                                                                         \
  void shmem_##NAME##_wait_until_all(TYPE* ivars, size_t nelems, const int* status, int cmp,                \
                                     TYPE cmp_value) {                                                      \
    wait_all<TYPE>(ivars, nelems, status, cmp, &cmp_value, false, "shmem_" #NAME "_wait_until_all");        \
  }                                                                                                         \
  size_t shmem_##NAME##_wait_until_any(TYPE* ivars, size_t nelems, const int* status, int cmp,              \
                                       TYPE cmp_value) {                                                    \
    return wait_any<TYPE>(ivars, nelems, status, cmp, &cmp_value, false, "shmem_" #NAME "_wait_until_any"); \
  }                                                                                                         \
  size_t shmem_##NAME##_wait_until_some(TYPE* ivars, size_t nelems, size_t* indices, const int* status,     \
                                        int cmp, TYPE cmp_value) {                                          \
    return wait_some<TYPE>(ivars, nelems, indices, status, cmp, &cmp_value, false,                          \
                           "shmem_" #NAME "_wait_until_some");                                              \
  }                                                                                                         \
  void shmem_##NAME##_wait_until_all_vector(TYPE* ivars, size_t nelems, const int* status, int cmp,         \
                                            TYPE* cmp_values) {                                             \
    wait_all<TYPE>(ivars, nelems, status, cmp, cmp_values, true, "shmem_" #NAME "_wait_until_all_vector");  \
  }                                                                                                         \
  size_t shmem_##NAME##_wait_until_any_vector(TYPE* ivars, size_t nelems, const int* status, int cmp,       \
                                              TYPE* cmp_values) {                                           \
    return wait_any<TYPE>(ivars, nelems, status, cmp, cmp_values, true,                                     \
                          "shmem_" #NAME "_wait_until_any_vector");                                         \
  }                                                                                                         \
  size_t shmem_##NAME##_wait_until_some_vector(TYPE* ivars, size_t nelems, size_t* indices,                 \
                                               const int* status, int cmp, TYPE* cmp_values) {              \
    return wait_some<TYPE>(ivars, nelems, indices, status, cmp, cmp_values, true,                           \
                           "shmem_" #NAME "_wait_until_some_vector");                                       \
  }                                                                                                         \
  int shmem_##NAME##_test(TYPE* ivar, int cmp, TYPE cmp_value) {                                            \
    return test_all<TYPE>(ivar, 1, nullptr, cmp, &cmp_value, false, "shmem_" #NAME "_test");                \
  }                                                                                                         \
  int shmem_##NAME##_test_all(TYPE* ivars, size_t nelems, const int* status, int cmp, TYPE cmp_value) {     \
    return test_all<TYPE>(ivars, nelems, status, cmp, &cmp_value, false, "shmem_" #NAME "_test_all");       \
  }                                                                                                         \
  size_t shmem_##NAME##_test_any(TYPE* ivars, size_t nelems, const int* status, int cmp, TYPE cmp_value) {  \
    return test_any<TYPE>(ivars, nelems, status, cmp, &cmp_value, false, "shmem_" #NAME "_test_any");       \
  }                                                                                                         \
  size_t shmem_##NAME##_test_some(TYPE* ivars, size_t nelems, size_t* indices, const int* status, int cmp,  \
                                  TYPE cmp_value) {                                                         \
    return test_some<TYPE>(ivars, nelems, indices, status, cmp, &cmp_value, false,                          \
                           "shmem_" #NAME "_test_some");                                                    \
  }                                                                                                         \
  int shmem_##NAME##_test_all_vector(TYPE* ivars, size_t nelems, const int* status, int cmp,                \
                                     TYPE* cmp_values) {                                                    \
    return test_all<TYPE>(ivars, nelems, status, cmp, cmp_values, true, "shmem_" #NAME "_test_all_vector"); \
  }                                                                                                         \
  size_t shmem_##NAME##_test_any_vector(TYPE* ivars, size_t nelems, const int* status, int cmp,             \
                                        TYPE* cmp_values) {                                                 \
    return test_any<TYPE>(ivars, nelems, status, cmp, cmp_values, true, "shmem_" #NAME "_test_any_vector"); \
  }                                                                                                         \
  size_t shmem_##NAME##_test_some_vector(TYPE* ivars, size_t nelems, size_t* indices, const int* status,    \
                                         int cmp, TYPE* cmp_values) {                                       \
    return test_some<TYPE>(ivars, nelems, indices, status, cmp, cmp_values, true,                           \
                           "shmem_" #NAME "_test_some_vector");                                             \
  }
CW_P2P_SYNC_TYPES(CW_DEFINE_P2P_SYNC)
#undef CW_DEFINE_P2P_SYNC

// Deprecated: wait while *ivar equals cmp_value.
#define CW_DEFINE_DEPRECATED_WAIT(TYPE, NAME)                 \
  void shmem_##NAME##_wait(TYPE* ivar, TYPE cmp_value) {      \
    shmem_##NAME##_wait_until(ivar, SHMEM_CMP_NE, cmp_value); \
  }
CW_DEPRECATED_WAIT_TYPES(CW_DEFINE_DEPRECATED_WAIT)
#undef CW_DEFINE_DEPRECATED_WAIT
void shmem_wait(long* ivar, long cmp_value) { shmem_long_wait_until(ivar, SHMEM_CMP_NE, cmp_value); }
void shmem_wait_until(long* ivar, int cmp, long cmp_value) { shmem_long_wait_until(ivar, cmp, cmp_value); }

}  // extern "C"
