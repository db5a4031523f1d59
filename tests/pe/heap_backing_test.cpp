// SPDX-License-Identifier: BSD-3-Clause
// A symmetric heap larger than the machine (SHMEM_SYMMETRIC_SIZE=1T, set by meson for this binary):
// it is reserved sparsely, so the job starts, but a block the machine cannot back returns NULL on
// every PE (it used to get the PE killed by the OOM killer while its pages were populated), and
// the heap stays usable afterwards.
#include <shmem.h>
#include <shmemx.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>

#include "pe_util.hpp"

namespace {

// Twice the machine's memory: no node can back it.
std::size_t beyond_memory() {
  return 2 * static_cast<std::size_t>(sysconf(_SC_PHYS_PAGES)) *
         static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
}

#define REQUIRE_HUGE_HEAP()                                                                     \
  do {                                                                                          \
    const char* size = std::getenv("SHMEM_SYMMETRIC_SIZE");                                     \
    if (!size || std::string(size) != "1T") GTEST_SKIP() << "run with SHMEM_SYMMETRIC_SIZE=1T"; \
    if (beyond_memory() > (std::size_t{1} << 40) / 2)                                           \
      GTEST_SKIP() << "this machine has more than 256 GiB of memory";                           \
  } while (0)

TEST(HeapBacking, BlockBeyondMemoryReturnsNullEverywhere) {
  REQUIRE_HUGE_HEAP();
  const std::size_t before = shmemx_heap_bytes_in_use();
  EXPECT_EQ(shmem_malloc(beyond_memory()), nullptr);
  EXPECT_EQ(shmem_calloc(beyond_memory() / 8, 8), nullptr);
  EXPECT_EQ(shmem_align(1 << 21, beyond_memory()), nullptr);
  EXPECT_EQ(shmemx_heap_bytes_in_use(), before) << "a refused allocation kept heap space";
  // The heap still works, for small and large blocks.
  for (std::size_t bytes : {std::size_t{4096}, std::size_t{8} << 20}) {
    auto* p = static_cast<long*>(shmem_malloc(bytes));
    ASSERT_NE(p, nullptr) << bytes;
    const std::size_t last = bytes / sizeof(long) - 1;
    shmem_long_p(&p[last], pe::me(), pe::right());
    shmem_barrier_all();
    EXPECT_EQ(p[last], pe::left());
    shmem_free(p);
  }
}

TEST(HeapBacking, ReallocBeyondMemoryKeepsTheOldBlock) {
  REQUIRE_HUGE_HEAP();
  auto* p = static_cast<long*>(shmem_malloc(2 << 20));
  ASSERT_NE(p, nullptr);
  for (int i = 0; i < 16; ++i) p[i] = pe::me() * 100 + i;
  shmem_barrier_all();
  EXPECT_EQ(shmem_realloc(p, beyond_memory()), nullptr);
  for (int i = 0; i < 16; ++i) EXPECT_EQ(p[i], pe::me() * 100 + i) << i;
  auto* q = static_cast<long*>(shmem_realloc(p, 4 << 20));  // a size the machine can back
  ASSERT_NE(q, nullptr);
  for (int i = 0; i < 16; ++i) EXPECT_EQ(q[i], pe::me() * 100 + i) << i;
  shmem_free(q);
}

}  // namespace
