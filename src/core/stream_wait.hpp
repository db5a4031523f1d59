// SPDX-License-Identifier: BSD-3-Clause
// Which SHMEM_CMP_ waits on a 64-bit signal word a stream wait operation (cuStreamWaitValue64)
// performs with exactly the same meaning, and with which condition. Kept free of CUDA so the unit
// tests check it on any machine.
//
// Unsigned comparisons, as shmemx_signal_wait_until_on_stream makes them, mostly do not fit: the
// driver's "greater or equal" (CU_STREAM_WAIT_VALUE_GEQ) is cyclic, (int64_t)(*addr - value) >= 0,
// which differs from *addr >= value once the two are 2^63 or more apart, so it is never used. What
// fits is equality, and the comparisons that reduce to "some bit of a mask is set" (AND) or "some
// bit is clear in both" (NOR).
#pragma once
#include <cstdint>

namespace causeway::core {

enum class StreamWait : int {
  none,  // no stream wait operation means the same: wait in a kernel
  eq,    // *addr == operand (CU_STREAM_WAIT_VALUE_EQ)
  any,   // (*addr & operand) != 0 (CU_STREAM_WAIT_VALUE_AND)
  nor,   // ~(*addr | operand) != 0 (CU_STREAM_WAIT_VALUE_NOR, where the GPU has it)
};

struct StreamWaitOp {
  StreamWait condition = StreamWait::none;
  uint64_t operand = 0;
};

// `cmp` is SHMEM_CMP_EQ (0), _NE, _GT, _GE, _LT, _LE (5); `have_nor`: the GPU supports NOR.
constexpr StreamWaitOp stream_wait_op(int cmp, uint64_t value, bool have_nor) {
  constexpr uint64_t kAll = ~uint64_t{0};
  const auto power_of_two = [](uint64_t v) { return v != 0 && (v & (v - 1)) == 0; };
  switch (cmp) {
    case 0: return {StreamWait::eq, value};
    case 1:  // x != 0: some bit set; x != ~0: some bit clear
      if (value == 0) return {StreamWait::any, kAll};
      if (value == kAll && have_nor) return {StreamWait::nor, 0};
      return {};
    case 2:  // x > 2^k - 1, i.e. x >= 2^k: some bit at k or above is set
      if (value != kAll && power_of_two(value + 1)) return {StreamWait::any, ~value};
      return {};
    case 3:  // x >= 2^k
      if (power_of_two(value)) return {StreamWait::any, ~(value - 1)};
      return {};
    case 4:  // x < 1
      if (value == 1) return {StreamWait::eq, 0};
      return {};
    case 5:  // x <= 0
      if (value == 0) return {StreamWait::eq, 0};
      return {};
    default: return {};
  }
}

// What the GPU tests for `op` on the word `seen` (the unit tests' model of the driver's conditions).
constexpr bool stream_wait_holds(StreamWaitOp op, uint64_t seen) {
  switch (op.condition) {
    case StreamWait::eq: return seen == op.operand;
    case StreamWait::any: return (seen & op.operand) != 0;
    case StreamWait::nor: return ~(seen | op.operand) != 0;
    case StreamWait::none: break;
  }
  return false;
}

}  // namespace causeway::core
