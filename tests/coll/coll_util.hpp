// SPDX-License-Identifier: BSD-3-Clause
// Helpers of the team and collective tests. Every PE runs every test in the same order; a test
// creates its teams (collective over SHMEM_TEAM_WORLD), runs collectives on the teams this PE is in,
// and checks results against values computed locally. Tests use EXPECT_* only, so no PE leaves a
// test early while others wait in a collective.
#pragma once
#include <gtest/gtest.h>
#include <shmem.h>
#include <strings.h>

#include <complex>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <type_traits>
#include <vector>

namespace ct {

inline int me() { return shmem_my_pe(); }
inline int npes() { return shmem_n_pes(); }

inline bool env_is_off(const char* name) {
  const char* v = std::getenv(name);
  if (!v) return false;
  for (const char* off : {"0", "n", "no", "false", "off"})
    if (strcasecmp(v, off) == 0) return true;
  return false;
}

// World PE numbers of a team's members, by team rank.
inline std::vector<int> members(shmem_team_t team) {
  std::vector<int> m;
  const int n = shmem_team_n_pes(team);
  for (int r = 0; r < n; ++r) m.push_back(shmem_team_translate_pe(team, r, SHMEM_TEAM_WORLD));
  return m;
}

// A team shape: builds its team on every PE (a collective over WORLD); PEs outside it get
// SHMEM_TEAM_INVALID. Teams it creates are destroyed by the caller through `owned`.
struct Shape {
  const char* name;
  std::function<shmem_team_t(std::vector<shmem_team_t>& owned)> make;
};

inline shmem_team_t split(shmem_team_t parent, int start, int stride, int size,
                          std::vector<shmem_team_t>& owned) {
  shmem_team_t t = SHMEM_TEAM_INVALID;
  EXPECT_EQ(shmem_team_split_strided(parent, start, stride, size, nullptr, 0, &t), 0)
      << "split(" << start << ", " << stride << ", " << size << ")";
  if (t != SHMEM_TEAM_INVALID) owned.push_back(t);
  return t;
}

inline shmem_team_t split2d(bool rows, int xrange, std::vector<shmem_team_t>& owned) {
  shmem_team_t x = SHMEM_TEAM_INVALID, y = SHMEM_TEAM_INVALID;
  EXPECT_EQ(shmem_team_split_2d(SHMEM_TEAM_WORLD, xrange, nullptr, 0, &x, nullptr, 0, &y), 0);
  owned.push_back(x);
  owned.push_back(y);
  return rows ? x : y;
}

// The shapes every collective runs on: predefined teams, full and strided splits (stride > 1, odd
// sizes, a negative stride), 2-D rows and columns, and a split of a split.
inline const std::vector<Shape>& all_shapes() {
  static const std::vector<Shape> shapes = {
      {"world", [](auto&) { return SHMEM_TEAM_WORLD; }},
      {"shared", [](auto&) { return SHMEM_TEAM_SHARED; }},
      {"dup", [](auto& o) { return split(SHMEM_TEAM_WORLD, 0, 1, npes(), o); }},
      {"even", [](auto& o) { return split(SHMEM_TEAM_WORLD, 0, 2, (npes() + 1) / 2, o); }},
      {"odd_reversed",
       [](auto& o) {
         const int n = npes();
         if (n < 2) return SHMEM_TEAM_INVALID;
         const int top = (n - 1) % 2 == 1 ? n - 1 : n - 2;
         return split(SHMEM_TEAM_WORLD, top, -2, n / 2, o);
       }},
      {"stride3",
       [](auto& o) {
         return npes() < 2 ? SHMEM_TEAM_INVALID : split(SHMEM_TEAM_WORLD, 1, 3, (npes() - 2) / 3 + 1, o);
       }},
      {"rows3", [](auto& o) { return split2d(true, 3, o); }},
      {"cols3", [](auto& o) { return split2d(false, 3, o); }},
      {"nested",
       [](auto& o) {
         shmem_team_t even = split(SHMEM_TEAM_WORLD, 0, 2, (npes() + 1) / 2, o);
         if (even == SHMEM_TEAM_INVALID) return SHMEM_TEAM_INVALID;
         const int n = shmem_team_n_pes(even);
         if (n < 2) return even;
         return split(even, 1, 1, n - 1, o);  // the even PEs but PE 0, ranked from PE 2
       }},
  };
  return shapes;
}

// The predefined team, one full split and the 2-D rows: where every type is exercised.
inline std::vector<Shape> core_shapes() {
  std::vector<Shape> out;
  for (const Shape& s : all_shapes())
    if (!std::strcmp(s.name, "world") || !std::strcmp(s.name, "even") || !std::strcmp(s.name, "rows3"))
      out.push_back(s);
  return out;
}

// Runs body(team) on each shape this PE belongs to; the PEs meet at a world barrier after each.
inline void for_shapes(const std::vector<Shape>& shapes,
                       const std::function<void(shmem_team_t, const char*)>& body) {
  for (const Shape& s : shapes) {
    std::vector<shmem_team_t> owned;
    shmem_team_t team = s.make(owned);
    if (team != SHMEM_TEAM_INVALID) body(team, s.name);
    shmem_barrier_all();
    for (auto it = owned.rbegin(); it != owned.rend(); ++it) shmem_team_destroy(*it);
  }
}

// Deterministic test data.
inline uint64_t mix(uint64_t x) {
  x ^= x >> 31;
  x *= 0x9e3779b97f4a7c15ULL;
  x ^= x >> 29;
  return x;
}

template <class T>
T data_value(int pe, std::size_t i, int salt = 0) {
  const uint64_t h =
      mix((static_cast<uint64_t>(pe) << 40) ^ (i * 2654435761ULL) ^ static_cast<uint64_t>(salt) << 20);
  if constexpr (std::is_floating_point_v<T>)
    return static_cast<T>(static_cast<int>(h % 20001) - 10000) / 8;
  else if constexpr (std::is_integral_v<T>)
    return static_cast<T>(h);
  else {
    T v;
    for (std::size_t b = 0; b < sizeof(T); ++b)
      reinterpret_cast<unsigned char*>(&v)[b] = static_cast<unsigned char>(h >> (8 * (b % 8)) ^ b);
    return v;
  }
}

// Symmetric buffer of n elements of T (collective over WORLD), freed at scope exit.
template <class T>
class Sym {
 public:
  explicit Sym(std::size_t n) : n_(n), p_(static_cast<T*>(shmem_malloc(n ? n * sizeof(T) : 1))) {}
  ~Sym() { shmem_free(p_); }
  Sym(const Sym&) = delete;
  Sym& operator=(const Sym&) = delete;
  T* get() const { return p_; }
  T& operator[](std::size_t i) const { return p_[i]; }
  std::size_t size() const { return n_; }

 private:
  std::size_t n_;
  T* p_;
};

// Sizes in elements for a type: 0, 1, odd, crossing a page and the one-shot/two-shot threshold.
template <class T>
std::vector<std::size_t> sizes() {
  return {0, 1, 7, 515, 4096 / sizeof(T) + 3};
}

constexpr std::size_t kMiB = std::size_t{1} << 20;

}  // namespace ct
