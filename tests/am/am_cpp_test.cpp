// SPDX-License-Identifier: BSD-3-Clause
// The C++ typed messages (causeway/am.hpp): values and spans arrive as sent, replies are typed too.
#include <causeway/am.hpp>
#include <numeric>
#include <vector>

#include "pe_util.hpp"

namespace {

struct Point {
  int x;
  double y;
};

struct Seen {
  long messages = 0, bad = 0, replies = 0, reply_sum = 0;
};
Seen g_seen;

TEST(TypedMessages, ValuesAndSpansArriveAsSent) {
  static auto ack = causeway::message<long>::define([](causeway::am_token&, int, long v) {
    ++g_seen.replies;
    g_seen.reply_sum += v;
  });
  static auto msg = causeway::message<int, std::span<const double>, Point, char>::define(
      [](causeway::am_token& token, int src, int from, std::span<const double> values, Point p, char c) {
        ++g_seen.messages;
        bool ok = from == src && c == 'x' && p.x == src && p.y == 0.5 * src &&
                  values.size() == static_cast<std::size_t>(src + 1);
        for (std::size_t i = 0; ok && i < values.size(); ++i) ok = values[i] == static_cast<double>(i * src);
        if (!ok) ++g_seen.bad;
        ack.reply(token, static_cast<long>(values.size()));
      });
  g_seen = {};
  shmem_barrier_all();
  std::vector<double> values(pe::me() + 1);
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = static_cast<double>(i * pe::me());
  constexpr int kRounds = 100;
  for (int r = 0; r < kRounds; ++r)
    msg.send(pe::right(), pe::me(), std::span<const double>(values), Point{pe::me(), 0.5 * pe::me()}, 'x');
  shmem_quiet();
  EXPECT_EQ(g_seen.replies, kRounds);
  EXPECT_EQ(g_seen.reply_sum, kRounds * (pe::me() + 1L)) << "each reply carries the length this PE sent";
  shmem_barrier_all();
  EXPECT_EQ(g_seen.messages, kRounds) << "messages from PE " << pe::left();
  EXPECT_EQ(g_seen.bad, 0);
  shmem_barrier_all();
}

}  // namespace
