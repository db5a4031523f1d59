// SPDX-License-Identifier: BSD-3-Clause
// core::stream_wait_op: a stream wait operation stands in for a SHMEM_CMP_ wait only where it holds
// for exactly the same words. Checked against the unsigned comparison over words and values near
// every power of two, where a cyclic or off-by-one mapping would differ.
#include "core/stream_wait.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <vector>

using causeway::core::stream_wait_holds;
using causeway::core::stream_wait_op;
using causeway::core::StreamWait;

namespace {

constexpr int kEq = 0, kNe = 1, kGt = 2, kGe = 3, kLt = 4, kLe = 5;
constexpr uint64_t kAll = ~uint64_t{0};

bool shmem_compare(uint64_t seen, int cmp, uint64_t value) {
  switch (cmp) {
    case kEq: return seen == value;
    case kNe: return seen != value;
    case kGt: return seen > value;
    case kGe: return seen >= value;
    case kLt: return seen < value;
    case kLe: return seen <= value;
  }
  return false;
}

// 0, 1, 2^k - 1, 2^k, 2^k + 1 for every k, the largest words, and some random ones.
std::vector<uint64_t> interesting_words() {
  std::vector<uint64_t> words = {0, 1, 2, 3, kAll, kAll - 1, kAll - 2, uint64_t{1} << 63};
  for (int k = 1; k < 64; ++k) {
    const uint64_t p = uint64_t{1} << k;
    words.insert(words.end(), {p - 1, p, p + 1, ~p, ~(p - 1)});
  }
  std::mt19937_64 random(12345);
  for (int i = 0; i < 64; ++i) words.push_back(random());
  return words;
}

TEST(StreamWaitOp, EveryMappingMeansTheComparison) {
  const std::vector<uint64_t> words = interesting_words();
  int mapped = 0;
  for (const bool nor : {false, true})
    for (int cmp = kEq; cmp <= kLe; ++cmp)
      for (const uint64_t value : words) {
        const auto op = stream_wait_op(cmp, value, nor);
        if (op.condition == StreamWait::none) continue;
        EXPECT_TRUE(nor || op.condition != StreamWait::nor) << "NOR without the GPU's support";
        ++mapped;
        for (const uint64_t seen : words)
          ASSERT_EQ(shmem_compare(seen, cmp, value), stream_wait_holds(op, seen))
              << "cmp " << cmp << ", value " << value << ", word " << seen;
      }
  EXPECT_GT(mapped, 2 * int(words.size()));  // EQ at least, with and without NOR
}

TEST(StreamWaitOp, TheWaitsProgramsUse) {
  EXPECT_EQ(StreamWait::eq, stream_wait_op(kEq, 42, false).condition);
  EXPECT_EQ(42u, stream_wait_op(kEq, 42, false).operand);
  // "Anything arrived": GE 1, GT 0 and NE 0 are all "some bit set".
  for (const int cmp : {kGe, kGt, kNe}) {
    const auto op = stream_wait_op(cmp, cmp == kGe ? 1 : 0, false);
    EXPECT_EQ(StreamWait::any, op.condition) << cmp;
    EXPECT_EQ(kAll, op.operand) << cmp;
  }
  EXPECT_EQ(StreamWait::any, stream_wait_op(kGe, 64, false).condition);
  EXPECT_EQ(StreamWait::any, stream_wait_op(kGt, 63, false).condition);
  EXPECT_EQ(StreamWait::eq, stream_wait_op(kLe, 0, false).condition);
  EXPECT_EQ(StreamWait::nor, stream_wait_op(kNe, kAll, true).condition);
}

TEST(StreamWaitOp, WhatOnlyAKernelWaitsFor) {
  // Counters past a power of two: the driver's cyclic GEQ is not unsigned >=.
  EXPECT_EQ(StreamWait::none, stream_wait_op(kGe, 3, true).condition);
  EXPECT_EQ(StreamWait::none, stream_wait_op(kGt, 4, true).condition);
  EXPECT_EQ(StreamWait::none, stream_wait_op(kNe, 5, true).condition);
  EXPECT_EQ(StreamWait::none, stream_wait_op(kNe, kAll, false).condition);  // NOR missing
  EXPECT_EQ(StreamWait::none, stream_wait_op(kLt, 8, true).condition);
  EXPECT_EQ(StreamWait::none, stream_wait_op(kLe, 7, true).condition);
  EXPECT_EQ(StreamWait::none, stream_wait_op(kGt, kAll, true).condition);  // never true
  EXPECT_EQ(StreamWait::none, stream_wait_op(kGe, 0, true).condition);     // always true
  EXPECT_EQ(StreamWait::none, stream_wait_op(6, 0, true).condition);
}

}  // namespace
