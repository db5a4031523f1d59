// SPDX-License-Identifier: BSD-3-Clause
// Helpers shared by the multi-PE tests. Every PE runs every test in the same order, so a test may
// use barriers freely; it must never return early on one PE only (use EXPECT_*, not ASSERT_*, in
// anything that is followed by a collective call).
#pragma once
#include <gtest/gtest.h>
#include <shmem.h>
#include <strings.h>
#include <time.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <string>
#include <type_traits>
#include <utility>

namespace pe {

inline int me() { return shmem_my_pe(); }
inline int npes() { return shmem_n_pes(); }
inline int right() { return (me() + 1) % npes(); }
inline int left() { return (me() + npes() - 1) % npes(); }

inline void sleep_ms(int ms) {
  timespec ts{ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, nullptr);
}

// The library's boolean spellings (util/config.cpp): only an explicit "off" value counts.
inline bool env_is_off(const char* name) {
  const char* v = std::getenv(name);
  if (!v) return false;
  for (const char* off : {"0", "n", "no", "false", "off"})
    if (strcasecmp(v, off) == 0) return true;
  return false;
}

inline bool env_is_on(const char* name) {
  const char* v = std::getenv(name);
  if (!v) return false;
  for (const char* on : {"1", "y", "yes", "true", "on"})
    if (strcasecmp(v, on) == 0) return true;
  return false;
}

// CAUSEWAY_MAP_DATA_SEGMENT=0: globals are reached by CMA, which has no atomics.
inline bool globals_by_cma() { return env_is_off("CAUSEWAY_MAP_DATA_SEGMENT"); }
// True if CAUSEWAY_TRANSPORTS names `name`.
inline bool transport_listed(const char* name) {
  const char* v = std::getenv("CAUSEWAY_TRANSPORTS");
  return v && std::strstr(v, name) != nullptr;
}
// Transports that reach peers like a NIC: no load/store pointers, completion deferred to progress.
inline bool nic_like_transport_listed() {
  return transport_listed("loopback_async") || transport_listed("ucx") || transport_listed("ofi");
}
// No load/store pointers to peers (shmem_ptr returns NULL): CAUSEWAY_DIRECT_ACCESS=0, or every
// peer served by a NIC-like transport, which hands out none (nothing but it listed).
inline bool direct_access_off() {
  const char* v = std::getenv("CAUSEWAY_TRANSPORTS");
  const bool nic_only = v && (std::strcmp(v, "loopback_async") == 0 || std::strcmp(v, "ucx") == 0 ||
                              std::strcmp(v, "ofi") == 0);
  return env_is_off("CAUSEWAY_DIRECT_ACCESS") || nic_only;
}
// Some peers mapped, some not (a NIC-like transport serves the peers shm does not reach).
inline bool peers_partly_mapped() { return !direct_access_off() && nic_like_transport_listed(); }
// Operations complete only when progress or quiet runs.
inline bool deferred_completion() { return nic_like_transport_listed(); }

#define SKIP_IF_GLOBAL_ATOMICS_UNSUPPORTED()                                                        \
  do {                                                                                              \
    if (::pe::globals_by_cma())                                                                     \
      GTEST_SKIP() << "CAUSEWAY_MAP_DATA_SEGMENT=0: atomics on global variables are not supported"; \
  } while (0)

// A byte block of N bytes: the element of the sized (put8..put128) and mem forms.
template <std::size_t N>
struct Blob {
  unsigned char b[N];
  friend bool operator==(const Blob& x, const Blob& y) { return std::memcmp(x.b, y.b, N) == 0; }
  friend std::ostream& operator<<(std::ostream& os, const Blob& x) {
    static const char* hex = "0123456789abcdef";
    os << "0x";
    for (std::size_t i = 0; i < N; ++i) os << hex[x.b[i] >> 4] << hex[x.b[i] & 15];
    return os;
  }
};

inline uint64_t mix(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return x;
}

// A value for element i of PE `owner`'s data in round `salt`; exactly representable in T and
// (nearly always) different for neighbouring i, different owners and different salts, so a
// misplaced, stale or missing element shows.
template <class T>
inline T value(std::size_t i, int owner, unsigned salt) {
  // The key is loop-invariant in fill/matches, so the per-element cost is one multiply.
  const uint64_t key = mix(uint64_t(owner) * 0x100000001b3ULL + uint64_t(salt) * 0x632be59bd9b4e019ULL + 1);
  uint64_t h = (uint64_t(i) + key) * 0x9e3779b97f4a7c15ULL;
  h ^= h >> 29;
  if constexpr (std::is_integral_v<T>) {
    if constexpr (sizeof(T) == 1)
      return static_cast<T>(h % 127);
    else if constexpr (sizeof(T) == 2)
      return static_cast<T>(h % 32749);
    else
      return static_cast<T>(h % 1000003);
  } else if constexpr (std::is_floating_point_v<T>) {
    return static_cast<T>(h % 1000003) + static_cast<T>(0.5);
  } else {
    T out;
    uint64_t x = h;
    for (std::size_t k = 0; k < sizeof(T); ++k) {
      if (k % 8 == 0 && k) x = mix(x + k);
      out.b[k] = static_cast<unsigned char>(x >> (8 * (k % 8)));
    }
    return out;
  }
}

template <class T>
inline void fill(T* a, std::size_t n, int owner, unsigned salt) {
  for (std::size_t i = 0; i < n; ++i) a[i] = value<T>(i, owner, salt);
}

template <class T>
std::string show(const T& v) {
  std::ostringstream os;
  if constexpr (std::is_integral_v<T> && sizeof(T) == 1)
    os << static_cast<int>(v);
  else
    os << v;
  return os.str();
}

// got[i] == value(i * src_stride, owner, salt) for i < n; reports the first mismatch and the count.
template <class T>
::testing::AssertionResult matches(const T* got, std::size_t n, int owner, unsigned salt,
                                   std::size_t src_stride = 1, std::size_t got_stride = 1) {
  std::size_t bad = 0, first = 0;
  for (std::size_t i = 0; i < n; ++i)
    if (!(got[i * got_stride] == value<T>(i * src_stride, owner, salt))) {
      if (bad++ == 0) first = i;
    }
  if (bad == 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << bad << " of " << n << " elements wrong; first at index " << first << ": got "
         << show(got[first * got_stride]) << ", expected " << show(value<T>(first * src_stride, owner, salt))
         << " (data of PE " << owner << ")";
}

// A collective symmetric allocation that frees itself (collectively) at scope exit.
template <class T>
class SymArray {
 public:
  explicit SymArray(std::size_t n, bool zero = true)
      : n_(n), p_(static_cast<T*>(zero ? shmem_calloc(n, sizeof(T)) : shmem_malloc(n * sizeof(T)))) {}
  ~SymArray() { shmem_free(p_); }
  SymArray(const SymArray&) = delete;
  SymArray& operator=(const SymArray&) = delete;
  T* get() const { return p_; }
  T& operator[](std::size_t i) const { return p_[i]; }
  std::size_t size() const { return n_; }
  explicit operator bool() const { return p_ != nullptr; }

 private:
  std::size_t n_;
  T* p_;
};

// Symmetric memory that lives in the executable's data segment (defined in pe_main.cpp).
inline constexpr std::size_t kGlobalBytes = 2 * ((std::size_t{1} << 20) + 64 * 1024);
extern unsigned char g_global_bytes[kGlobalBytes];
inline constexpr std::size_t kGlobalSmallBytes = 64 * 1024;
extern unsigned char g_global_small[kGlobalSmallBytes];
// A symmetric heap block of kGlobalBytes, allocated (collectively) by the first caller and kept for
// the whole run, so tests do not pay for a large calloc each.
unsigned char* heap_region();

// The two kinds of symmetric memory every data-movement test covers.
struct Region {
  const char* name;
  unsigned char* base;
  std::size_t bytes;
};
inline Region heap_memory() { return {"heap", heap_region(), kGlobalBytes}; }
inline Region global_memory() { return {"global", g_global_bytes, kGlobalBytes}; }

// Turns a type list X-macro into ::testing::Types<...> of traits structs (PREFIX##NAME).
template <class Dummy, class... Ts>
struct DropFirst {
  using type = ::testing::Types<Ts...>;
};

// Test names show the OpenSHMEM TYPENAME (int, longdouble, put64, mem ...).
struct TraitsName {
  template <class Traits>
  static std::string GetName(int) {
    return Traits::name;
  }
};

}  // namespace pe
