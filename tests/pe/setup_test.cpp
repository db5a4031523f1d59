// SPDX-License-Identifier: BSD-3-Clause
// Initialisation and queries: PE numbering, thread level, version and name, accessibility,
// shmem_ptr, and the deprecated query and allocation names.
#include <shmem.h>
#include <shmemx.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "pe_util.hpp"

namespace {

int g_init_global = 42;  // initialised data: must survive the move onto shared memory at init
long g_query_global[8];

TEST(Setup, PeNumbersAreConsistent) {
  const int n = shmem_n_pes(), me = shmem_my_pe();
  ASSERT_GE(n, 1);
  EXPECT_GE(me, 0);
  EXPECT_LT(me, n);
  if (const char* size = std::getenv("CAUSEWAY_EXPECT_NPES")) {
    EXPECT_EQ(n, std::atoi(size));
  }
  // Allgather (my_pe, n_pes) with puts: every PE ends up with every PE's view.
  pe::SymArray<int> seen(2 * n);
  const int mine[2] = {me, n};
  for (int t = 0; t < n; ++t) shmem_int_put(&seen[2 * me], mine, 2, t);
  shmem_barrier_all();
  for (int t = 0; t < n; ++t) {
    EXPECT_EQ(seen[2 * t], t) << "PE " << t << " calls itself " << seen[2 * t];
    EXPECT_EQ(seen[2 * t + 1], n) << "PE " << t << " counts " << seen[2 * t + 1] << " PEs";
  }
  EXPECT_EQ(_my_pe(), me);
  EXPECT_EQ(_num_pes(), n);
  shmem_barrier_all();
}

TEST(Setup, ThreadLevelAndRepeatedInit) {
  int provided = -1;
  shmem_query_thread(&provided);
  EXPECT_EQ(provided, SHMEM_THREAD_SINGLE) << "shmem_init asks for SHMEM_THREAD_SINGLE";
  // A second initialisation is allowed and changes nothing.
  shmem_init();
  int again = -1;
  EXPECT_EQ(shmem_init_thread(SHMEM_THREAD_MULTIPLE, &again), 0);
  EXPECT_EQ(again, SHMEM_THREAD_SINGLE);
  start_pes(0);
  shmem_query_thread(&provided);
  EXPECT_EQ(provided, SHMEM_THREAD_SINGLE);
  shmem_barrier_all();
}

TEST(Setup, VersionAndName) {
  int major = -1, minor = -1;
  shmem_info_get_version(&major, &minor);
  EXPECT_EQ(major, 1);
  EXPECT_EQ(minor, 5);
  EXPECT_EQ(major, SHMEM_MAJOR_VERSION);
  EXPECT_EQ(minor, SHMEM_MINOR_VERSION);
  char name[SHMEM_MAX_NAME_LEN + 8];
  std::memset(name, 'x', sizeof name);
  shmem_info_get_name(name);
  const std::size_t len = strnlen(name, sizeof name);
  EXPECT_LT(len, std::size_t{SHMEM_MAX_NAME_LEN}) << "name not NUL-terminated within SHMEM_MAX_NAME_LEN";
  EXPECT_GT(len, 0u);
  EXPECT_NE(std::string(name, len).find(SHMEM_VENDOR_STRING), std::string::npos) << name;
}

TEST(Setup, PeAccessible) {
  for (int t = 0; t < pe::npes(); ++t) {
    EXPECT_EQ(shmem_pe_accessible(t), 1) << "PE " << t;
  }
  EXPECT_EQ(shmem_pe_accessible(-1), 0);
  EXPECT_EQ(shmem_pe_accessible(pe::npes()), 0);
  EXPECT_EQ(shmem_pe_accessible(1 << 20), 0);
}

TEST(Setup, AddrAccessible) {
  pe::SymArray<long> heap(16);
  int on_stack = 0;
  std::vector<long> private_heap(4);
  for (int t = 0; t < pe::npes(); ++t) {
    EXPECT_EQ(shmem_addr_accessible(heap.get(), t), 1) << "heap, PE " << t;
    EXPECT_EQ(shmem_addr_accessible(&heap[15], t), 1) << "last heap element, PE " << t;
    EXPECT_EQ(shmem_addr_accessible(&g_query_global[3], t), 1) << "global, PE " << t;
    EXPECT_EQ(shmem_addr_accessible(&g_init_global, t), 1) << "initialised global, PE " << t;
    EXPECT_EQ(shmem_addr_accessible(&on_stack, t), 0) << "stack, PE " << t;
    EXPECT_EQ(shmem_addr_accessible(private_heap.data(), t), 0) << "malloc'd memory, PE " << t;
  }
  EXPECT_EQ(shmem_addr_accessible(heap.get(), -1), 0);
  EXPECT_EQ(shmem_addr_accessible(heap.get(), pe::npes()), 0);
  shmem_barrier_all();
}

TEST(Setup, InitialisedGlobalsKeepTheirValues) {
  EXPECT_EQ(g_init_global, 42);
  // And they are symmetric: read the neighbour's.
  EXPECT_EQ(shmem_int_g(&g_init_global, pe::right()), 42);
  shmem_barrier_all();
}

// shmem_ptr: with direct access, heap (and, when the data segment is mapped, globals) of every PE
// have a load/store address; stores through it are what the owner sees.
void check_shmem_ptr(long* object, bool expect_pointer, const char* what) {
  const int n = pe::npes();
  for (int from = 0; from < n; ++from) object[2 + from] = 0;
  shmem_barrier_all();
  for (int t = 0; t < n; ++t) {
    long* p = static_cast<long*>(shmem_ptr(object, t));
    if (expect_pointer) {
      EXPECT_NE(p, nullptr) << what << ", PE " << t;
    }
    if (!p) continue;
    if (t == pe::me()) {
      EXPECT_EQ(p[1], object[1]) << what << ": the pointer to this PE's own copy reads differently";
    }
    p[2 + pe::me()] = 1000L * (t + 1) + pe::me();  // slot `me` of PE t's copy
  }
  shmem_barrier_all();
  for (int from = 0; from < n; ++from) {
    const long v = object[2 + from];
    if (expect_pointer) {
      EXPECT_NE(v, 0) << what << ": the store through shmem_ptr by PE " << from << " is missing";
    }
    if (v != 0) {
      EXPECT_EQ(v, 1000L * (pe::me() + 1) + from) << what << ": store through shmem_ptr by PE " << from;
    }
  }
  shmem_barrier_all();
}

TEST(Setup, ShmemPtrHeap) {
  pe::SymArray<long> heap(2 + 64);
  heap[1] = 77;
  check_shmem_ptr(heap.get(), !pe::direct_access_off() && !pe::peers_partly_mapped(), "heap");
  EXPECT_EQ(shmem_ptr(&heap[0], -1), nullptr);
  EXPECT_EQ(shmem_ptr(&heap[0], pe::npes()), nullptr);
  int on_stack;
  EXPECT_EQ(shmem_ptr(&on_stack, pe::me()), nullptr) << "a stack address is not symmetric";
  // This PE's own memory is always reachable by load/store: shmem_ptr returns the address itself.
  EXPECT_EQ(shmem_ptr(heap.get(), pe::me()), heap.get());
  if (pe::direct_access_off()) {
    for (int t = 0; t < pe::npes(); ++t) {
      if (t != pe::me()) {
        EXPECT_EQ(shmem_ptr(heap.get(), t), nullptr)
            << "CAUSEWAY_DIRECT_ACCESS=0 hands out no pointers to peers";
      }
    }
  }
  shmem_barrier_all();
}

long g_ptr_global[2 + 64];

TEST(Setup, ShmemPtrGlobal) {
  g_ptr_global[1] = 88;
  std::memset(g_ptr_global + 2, 0, 64 * sizeof(long));
  const bool expect = !pe::direct_access_off() && !pe::peers_partly_mapped() && !pe::globals_by_cma();
  check_shmem_ptr(g_ptr_global, expect, "global");
  EXPECT_EQ(shmem_ptr(g_ptr_global, pe::me()), g_ptr_global);
  if (pe::globals_by_cma()) {
    for (int t = 0; t < pe::npes(); ++t)
      if (t != pe::me()) {
        EXPECT_EQ(shmem_ptr(g_ptr_global, t), nullptr) << "CMA has no load/store address";
      }
  }
  shmem_barrier_all();
}

TEST(Setup, DeprecatedAllocationNames) {
  long* a = static_cast<long*>(shmalloc(64 * sizeof(long)));
  ASSERT_NE(a, nullptr);
  for (int i = 0; i < 64; ++i) a[i] = i;
  a = static_cast<long*>(shrealloc(a, 128 * sizeof(long)));
  ASSERT_NE(a, nullptr);
  for (int i = 0; i < 64; ++i) {
    EXPECT_EQ(a[i], i);
  }
  void* b = shmemalign(256, 100);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(b) % 256, 0u);
  shmem_long_p(a + 127, pe::me(), pe::right());
  shmem_barrier_all();
  EXPECT_EQ(a[127], pe::left());
  shfree(b);
  shfree(a);
  // Cache management calls are accepted and do nothing.
  shmem_clear_cache_inv();
  shmem_set_cache_inv();
  shmem_clear_cache_line_inv(&g_init_global);
  shmem_set_cache_line_inv(&g_init_global);
  shmem_udcflush();
  shmem_udcflush_line(&g_init_global);
  shmem_pcontrol(1);
  shmem_barrier_all();
}

}  // namespace
