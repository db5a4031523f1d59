// SPDX-License-Identifier: BSD-3-Clause
// Remote memory access for every type of CW_RMA_TYPES, every sized form (put8..put128) and the mem
// form, on the symmetric heap and on global variables: contiguous transfers of 1, odd, page-crossing
// and 1 MiB sizes at aligned and unaligned offsets, single elements, strided transfers, and a
// transfer between every pair of PEs.
#include <shmem.h>

#include <algorithm>
#include <vector>

#include "pe_util.hpp"

namespace {

using pe::Blob;
using pe::Region;

// ---- One traits struct per API type, generated from the type lists ----

#define RMA_TRAITS(TYPE, NAME)                                                                       \
  struct Rma_##NAME {                                                                                \
    using T = TYPE;                                                                                  \
    static constexpr const char* name = #NAME;                                                       \
    static void put(T* d, const T* s, size_t n, int pe) { shmem_##NAME##_put(d, s, n, pe); }         \
    static void get(T* d, const T* s, size_t n, int pe) { shmem_##NAME##_get(d, s, n, pe); }         \
    static void put_nbi(T* d, const T* s, size_t n, int pe) { shmem_##NAME##_put_nbi(d, s, n, pe); } \
    static void get_nbi(T* d, const T* s, size_t n, int pe) { shmem_##NAME##_get_nbi(d, s, n, pe); } \
    static void iput(T* d, const T* s, ptrdiff_t dst, ptrdiff_t sst, size_t n, int pe) {             \
      shmem_##NAME##_iput(d, s, dst, sst, n, pe);                                                    \
    }                                                                                                \
    static void iget(T* d, const T* s, ptrdiff_t dst, ptrdiff_t sst, size_t n, int pe) {             \
      shmem_##NAME##_iget(d, s, dst, sst, n, pe);                                                    \
    }                                                                                                \
    static void p(T* d, T v, int pe) { shmem_##NAME##_p(d, v, pe); }                                 \
    static T g(const T* s, int pe) { return shmem_##NAME##_g(s, pe); }                               \
  };
CW_RMA_TYPES(RMA_TRAITS)
#undef RMA_TRAITS

#define SIZED_TRAITS(BITS, BYTES)                                                                   \
  struct Rma_put##BITS {                                                                            \
    using T = Blob<BYTES>;                                                                          \
    static_assert(sizeof(T) == BYTES);                                                              \
    static constexpr const char* name = "put" #BITS;                                                \
    static void put(T* d, const T* s, size_t n, int pe) { shmem_put##BITS(d, s, n, pe); }           \
    static void get(T* d, const T* s, size_t n, int pe) { shmem_get##BITS(d, s, n, pe); }           \
    static void put_nbi(T* d, const T* s, size_t n, int pe) { shmem_put##BITS##_nbi(d, s, n, pe); } \
    static void get_nbi(T* d, const T* s, size_t n, int pe) { shmem_get##BITS##_nbi(d, s, n, pe); } \
    static void iput(T* d, const T* s, ptrdiff_t dst, ptrdiff_t sst, size_t n, int pe) {            \
      shmem_iput##BITS(d, s, dst, sst, n, pe);                                                      \
    }                                                                                               \
    static void iget(T* d, const T* s, ptrdiff_t dst, ptrdiff_t sst, size_t n, int pe) {            \
      shmem_iget##BITS(d, s, dst, sst, n, pe);                                                      \
    }                                                                                               \
  };
CW_SIZED_RMA(SIZED_TRAITS)
#undef SIZED_TRAITS

struct Rma_mem {
  using T = Blob<1>;
  static constexpr const char* name = "mem";
  static void put(T* d, const T* s, size_t n, int pe) { shmem_putmem(d, s, n, pe); }
  static void get(T* d, const T* s, size_t n, int pe) { shmem_getmem(d, s, n, pe); }
  static void put_nbi(T* d, const T* s, size_t n, int pe) { shmem_putmem_nbi(d, s, n, pe); }
  static void get_nbi(T* d, const T* s, size_t n, int pe) { shmem_getmem_nbi(d, s, n, pe); }
};

#define RMA_NAME(TYPE, NAME) , Rma_##NAME
#define SIZED_NAME(BITS, BYTES) , Rma_put##BITS
// Everything with put/get/nbi; everything with iput/iget; the typed forms (with p/g).
using RmaTypes = pe::DropFirst<void CW_RMA_TYPES(RMA_NAME) CW_SIZED_RMA(SIZED_NAME), Rma_mem>::type;
using StridedTypes = pe::DropFirst<void CW_RMA_TYPES(RMA_NAME) CW_SIZED_RMA(SIZED_NAME)>::type;
using SingleTypes = pe::DropFirst<void CW_RMA_TYPES(RMA_NAME)>::type;
#undef RMA_NAME
#undef SIZED_NAME

// ---- The fixture: transfer patterns over both regions ----

constexpr std::size_t kGuard = 4;  // elements checked on each side of a transfer

template <class R>
class Rma : public ::testing::Test {
 protected:
  using T = typename R::T;

  static std::vector<Region> regions() { return {pe::heap_memory(), pe::global_memory()}; }
  // Each region holds a destination half and a source half.
  static T* dst_of(const Region& r) { return reinterpret_cast<T*>(r.base); }
  static T* src_of(const Region& r) { return reinterpret_cast<T*>(r.base + r.bytes / 2); }
  static std::size_t half_elems(const Region& r) { return r.bytes / 2 / sizeof(T); }

  // (elements, source offset, destination offset): 1, odd, crossing a page boundary and 1 MiB,
  // at aligned and unaligned element offsets.
  struct Shape {
    std::size_t n, soff, doff;
  };
  static std::vector<Shape> shapes() {
    const std::size_t page = 4096 / sizeof(T) + 3, large = (std::size_t{1} << 20) / sizeof(T);
    return {{1, 0, 0}, {1, 1, 3}, {7, 1, 3}, {page, 0, 0}, {page, 3, 1}, {large, 1, 3}};
  }

  unsigned next_salt() { return ++salt_; }

  // Every PE puts n elements to its right neighbour, then checks what its left neighbour put.
  // Two barriers per shape: [transfer] barrier [check, prepare the next shape] barrier.
  void put_ring(bool nbi) {
    for (const Region& r : regions()) {
      T* dst = dst_of(r);
      T* src = src_of(r);
      const auto all = shapes();
      auto prepare = [&](const Shape& s, unsigned salt) {
        pe::fill(src + s.soff, s.n, pe::me(), salt);
        pe::fill(dst, s.doff, 100000 + pe::me(), salt);  // sentinels around the destination
        for (std::size_t g = s.doff + s.n; g < s.doff + s.n + kGuard; ++g)
          dst[g] = pe::value<T>(g, 100000 + pe::me(), salt);
      };
      prepare(all[0], salt_ + 1);
      shmem_barrier_all();
      for (std::size_t k = 0; k < all.size(); ++k) {
        const Shape& s = all[k];
        const unsigned salt = next_salt();
        SCOPED_TRACE(::testing::Message()
                     << r.name << " n=" << s.n << " src+" << s.soff << " dest+" << s.doff);
        if (nbi) {
          R::put_nbi(dst + s.doff, src + s.soff, s.n, pe::right());
          shmem_quiet();
        } else {
          R::put(dst + s.doff, src + s.soff, s.n, pe::right());
        }
        // The source may be reused as soon as put returns (quiet for nbi): overwriting it now
        // must not change what arrives.
        pe::fill(src + s.soff, s.n < 64 ? s.n : 64, 200000 + pe::me(), salt);
        shmem_barrier_all();
        EXPECT_TRUE(pe::matches(dst + s.doff, s.n, pe::left(), salt));
        EXPECT_TRUE(pe::matches(dst, s.doff, 100000 + pe::me(), salt)) << "written before the destination";
        for (std::size_t g = s.doff + s.n; g < s.doff + s.n + kGuard; ++g)
          EXPECT_TRUE(dst[g] == pe::value<T>(g, 100000 + pe::me(), salt))
              << "element " << g - s.doff - s.n << " past the end was overwritten";
        if (k + 1 < all.size()) prepare(all[k + 1], salt_ + 1);
        shmem_barrier_all();
      }
    }
  }

  // Every PE gets n elements from its right neighbour's source into private memory.
  void get_ring(bool nbi) {
    std::vector<T> local;
    for (const Region& r : regions()) {
      T* src = src_of(r);
      const auto all = shapes();
      pe::fill(src + all[0].soff, all[0].n, pe::me(), salt_ + 1);
      shmem_barrier_all();
      for (std::size_t k = 0; k < all.size(); ++k) {
        const Shape& s = all[k];
        const unsigned salt = next_salt();
        SCOPED_TRACE(::testing::Message()
                     << r.name << " n=" << s.n << " src+" << s.soff << " dest+" << s.doff);
        local.resize(s.doff + s.n + kGuard);
        pe::fill(local.data(), s.doff, 100000 + pe::me(), salt);
        for (std::size_t g = s.doff + s.n; g < local.size(); ++g)
          local[g] = pe::value<T>(g, 100000 + pe::me(), salt);
        if (nbi) {
          R::get_nbi(local.data() + s.doff, src + s.soff, s.n, pe::right());
          shmem_quiet();
        } else {
          R::get(local.data() + s.doff, src + s.soff, s.n, pe::right());
        }
        EXPECT_TRUE(pe::matches(local.data() + s.doff, s.n, pe::right(), salt));
        EXPECT_TRUE(pe::matches(local.data(), s.doff, 100000 + pe::me(), salt))
            << "written before the destination";
        for (std::size_t g = s.doff + s.n; g < local.size(); ++g)
          EXPECT_TRUE(local[g] == pe::value<T>(g, 100000 + pe::me(), salt))
              << "element " << g - s.doff - s.n << " past the end was overwritten";
        shmem_barrier_all();  // nobody refills a source a peer still reads
        if (k + 1 < all.size()) {
          pe::fill(src + all[k + 1].soff, all[k + 1].n, pe::me(), salt_ + 1);
          shmem_barrier_all();
        }
      }
    }
  }

  unsigned salt_ = 0;
};

TYPED_TEST_SUITE(Rma, RmaTypes, pe::TraitsName);

TYPED_TEST(Rma, Put) { this->put_ring(false); }
TYPED_TEST(Rma, PutNbiQuiet) { this->put_ring(true); }
TYPED_TEST(Rma, Get) { this->get_ring(false); }
TYPED_TEST(Rma, GetNbiQuiet) { this->get_ring(true); }

template <class R>
class RmaSingle : public Rma<R> {};
TYPED_TEST_SUITE(RmaSingle, SingleTypes, pe::TraitsName);

// Single elements: shmem_TYPE_p and shmem_TYPE_g.
TYPED_TEST(RmaSingle, PG) {
  using R = TypeParam;
  using T = typename R::T;
  {
    constexpr std::size_t n = 64;
    for (const Region& r : this->regions()) {
      SCOPED_TRACE(r.name);
      const unsigned salt = this->next_salt();
      T* dst = this->dst_of(r);
      T* src = this->src_of(r);
      pe::fill(dst, n, 100000 + pe::me(), salt);
      pe::fill(src, n, pe::me(), salt);
      shmem_barrier_all();
      for (std::size_t i = 0; i < n; ++i) R::p(dst + i, pe::value<T>(i, pe::me(), salt), pe::right());
      std::vector<T> got(n);
      for (std::size_t i = 0; i < n; ++i) got[i] = R::g(src + i, pe::right());
      shmem_barrier_all();
      EXPECT_TRUE(pe::matches(dst, n, pe::left(), salt)) << "shmem_" << R::name << "_p";
      EXPECT_TRUE(pe::matches(got.data(), n, pe::right(), salt)) << "shmem_" << R::name << "_g";
      shmem_barrier_all();
    }
  }
}

struct Stride {
  std::size_t dst, src, n;
};

template <class R>
class RmaStrided : public Rma<R> {};
TYPED_TEST_SUITE(RmaStrided, StridedTypes, pe::TraitsName);

// iput / iget with strides above 1 on both sides; elements between the strided ones stay untouched.
TYPED_TEST(RmaStrided, IputIget) {
  using R = TypeParam;
  using T = typename R::T;
  {
    const Stride patterns[] = {{3, 2, 17}, {2, 5, 1000}, {1, 4, 33}, {7, 1, 100}, {4, 4, 1}, {16, 3, 300}};
    for (const Region& r : this->regions())
      for (const Stride& s : patterns) {
        SCOPED_TRACE(::testing::Message()
                     << r.name << " dst stride " << s.dst << " src stride " << s.src << " n=" << s.n);
        const unsigned salt = this->next_salt();
        const std::size_t dst_extent = (s.n - 1) * s.dst + 1 + 1, src_extent = (s.n - 1) * s.src + 1 + 1;
        T* dst = this->dst_of(r);
        T* src = this->src_of(r);
        pe::fill(src, src_extent, pe::me(), salt);
        pe::fill(dst, dst_extent + kGuard, 100000 + pe::me(), salt);
        shmem_barrier_all();
        // Offset by one element so the first strided element is not at the start of the region.
        R::iput(dst + 1, src + 1, static_cast<ptrdiff_t>(s.dst), static_cast<ptrdiff_t>(s.src), s.n,
                pe::right());
        std::vector<T> local(dst_extent + kGuard);
        pe::fill(local.data(), local.size(), 300000 + pe::me(), salt);
        R::iget(local.data() + 1, src + 1, static_cast<ptrdiff_t>(s.dst), static_cast<ptrdiff_t>(s.src), s.n,
                pe::right());
        shmem_barrier_all();
        std::size_t wrong_put = 0, wrong_get = 0, touched_put = 0, touched_get = 0;
        for (std::size_t k = 0; k < dst_extent + kGuard; ++k) {
          const bool strided = k >= 1 && (k - 1) % s.dst == 0 && (k - 1) / s.dst < s.n;
          if (strided) {
            const std::size_t i = (k - 1) / s.dst;
            wrong_put += !(dst[k] == pe::value<T>(1 + i * s.src, pe::left(), salt));
            wrong_get += !(local[k] == pe::value<T>(1 + i * s.src, pe::right(), salt));
          } else {
            touched_put += !(dst[k] == pe::value<T>(k, 100000 + pe::me(), salt));
            touched_get += !(local[k] == pe::value<T>(k, 300000 + pe::me(), salt));
          }
        }
        EXPECT_EQ(wrong_put, 0u) << "iput: strided elements with the wrong value";
        EXPECT_EQ(touched_put, 0u) << "iput: elements between the strided ones were written";
        EXPECT_EQ(wrong_get, 0u) << "iget: strided elements with the wrong value";
        EXPECT_EQ(touched_get, 0u) << "iget: elements between the strided ones were written";
        shmem_barrier_all();
      }
  }
}

// Every PE puts a block into every PE (itself included) and gets one from every PE.
TYPED_TEST(Rma, EveryPair) {
  using R = TypeParam;
  using T = typename R::T;
  constexpr std::size_t n = 33;
  const int npes = pe::npes();
  for (const Region& r : this->regions()) {
    SCOPED_TRACE(r.name);
    const unsigned salt = this->next_salt();
    T* dst = this->dst_of(r);
    T* src = this->src_of(r);
    pe::fill(src, n, pe::me(), salt);
    shmem_barrier_all();
    for (int k = 1; k <= npes; ++k) {  // start with the right neighbour, end with this PE
      const int target = (pe::me() + k) % npes;
      R::put(dst + pe::me() * n, src, n, target);
    }
    std::vector<T> got(n * npes);
    for (int target = 0; target < npes; ++target) R::get(got.data() + target * n, src, n, target);
    shmem_barrier_all();
    for (int from = 0; from < npes; ++from) {
      EXPECT_TRUE(pe::matches(dst + from * n, n, from, salt)) << "block put by PE " << from;
      EXPECT_TRUE(pe::matches(got.data() + from * n, n, from, salt)) << "block got from PE " << from;
    }
    shmem_barrier_all();
  }
}

// Zero elements move nothing and need no valid source.
TYPED_TEST(Rma, ZeroElements) {
  using R = TypeParam;
  using T = typename R::T;
  const Region r = pe::heap_memory();
  const unsigned salt = this->next_salt();
  T* dst = this->dst_of(r);
  pe::fill(dst, 4, pe::me(), salt);
  T local[4];
  pe::fill(local, 4, 7, salt);
  shmem_barrier_all();
  R::put(dst, local, 0, pe::right());
  R::put_nbi(dst, local, 0, pe::right());
  R::get(local, dst, 0, pe::right());
  R::get_nbi(local, dst, 0, pe::right());
  shmem_quiet();
  shmem_barrier_all();
  EXPECT_TRUE(pe::matches(dst, 4, pe::me(), salt));
  EXPECT_TRUE(pe::matches(local, 4, 7, salt));
  shmem_barrier_all();
}

// ---- Byte-granular transfers beyond the typed tests ----

// 4 MiB through putmem/getmem at odd byte offsets, on the heap.
TEST(RmaMem, FourMebibytesAtOddOffsets) {
  constexpr std::size_t kBytes = std::size_t{4} << 20;
  pe::SymArray<unsigned char> dst(kBytes + 64, false), src(kBytes + 64, false);
  ASSERT_TRUE(dst && src);  // same answer on every PE: collective allocations agree
  for (auto [soff, doff] :
       std::vector<std::pair<std::size_t, std::size_t>>{{0, 0}, {5, 3}, {13, 0}, {0, 61}}) {
    SCOPED_TRACE(::testing::Message() << "src+" << soff << " dest+" << doff);
    const unsigned salt = 1000 + static_cast<unsigned>(soff * 100 + doff);
    pe::fill(src.get() + soff, kBytes, pe::me(), salt);
    shmem_barrier_all();
    shmem_putmem(dst.get() + doff, src.get() + soff, kBytes, pe::right());
    shmem_barrier_all();
    EXPECT_TRUE(pe::matches(dst.get() + doff, kBytes, pe::left(), salt));
    std::vector<unsigned char> local(kBytes + 8);
    shmem_getmem(local.data() + 1, src.get() + soff, kBytes, pe::right());
    EXPECT_TRUE(pe::matches(local.data() + 1, kBytes, pe::right(), salt));
    shmem_barrier_all();
  }
}

// Every byte offset 0..15 on both sides for short transfers (catches word-at-a-time copy bugs).
TEST(RmaMem, AllSmallMisalignments) {
  pe::SymArray<unsigned char> dst(256), src(256);
  ASSERT_TRUE(dst && src);
  unsigned salt = 5000;
  for (std::size_t soff = 0; soff < 16; ++soff)
    for (std::size_t doff = 0; doff < 16; ++doff) {
      const std::size_t n = 1 + (soff * 16 + doff) % 37;
      ++salt;
      pe::fill(src.get() + soff, n, pe::me(), salt);
      pe::fill(dst.get(), 64, 100000 + pe::me(), salt);
      shmem_barrier_all();
      shmem_putmem(dst.get() + doff, src.get() + soff, n, pe::right());
      shmem_barrier_all();
      EXPECT_TRUE(pe::matches(dst.get() + doff, n, pe::left(), salt)) << "src+" << soff << " dest+" << doff;
      EXPECT_TRUE(pe::matches(dst.get(), doff, 100000 + pe::me(), salt))
          << "src+" << soff << " dest+" << doff;
      EXPECT_EQ(dst[doff + n], pe::value<unsigned char>(doff + n, 100000 + pe::me(), salt));
      shmem_barrier_all();
    }
}

// Transfers ending exactly at the last byte of a heap block and of a global array.
TEST(RmaMem, EndsExactlyAtTheEndOfTheObject) {
  constexpr std::size_t kBytes = 8192 + 5;
  pe::SymArray<unsigned char> block(kBytes);
  ASSERT_TRUE(block);
  unsigned salt = 70;
  for (unsigned char* base : {block.get(), pe::g_global_small + pe::kGlobalSmallBytes - kBytes}) {
    ++salt;
    std::vector<unsigned char> mine(kBytes - 1);
    pe::fill(mine.data(), mine.size(), pe::me(), salt);
    shmem_barrier_all();
    shmem_putmem(base + 1, mine.data(), kBytes - 1, pe::right());  // base[1 + i] = value(i, sender)
    shmem_barrier_all();
    EXPECT_TRUE(pe::matches(base + 1, kBytes - 1, pe::left(), salt));
    // The right neighbour's copy holds what this PE sent; read back its last 100 bytes.
    unsigned char tail[100];
    shmem_getmem(tail, base + kBytes - 100, 100, pe::right());
    std::size_t wrong = 0;
    for (std::size_t j = 0; j < 100; ++j)
      wrong += tail[j] != pe::value<unsigned char>(kBytes - 100 + j - 1, pe::me(), salt);
    EXPECT_EQ(wrong, 0u);
    shmem_barrier_all();
  }
}

}  // namespace
