// SPDX-License-Identifier: BSD-3-Clause
// util::log_configure: CAUSEWAY_LOG's "LEVEL,TOPIC=LEVEL,..." form, and rejecting what it does not
// know without changing anything.
#include "util/log.hpp"

#include <gtest/gtest.h>

using causeway::util::log_configure;
using causeway::util::log_level;
using causeway::util::log_raise_level;
using causeway::util::LogLevel;
using causeway::util::LogTopic;

namespace {

class LogConfig : public ::testing::Test {
 protected:
  void TearDown() override { EXPECT_TRUE(log_configure("warn", error, sizeof error)); }
  char error[256] = {};
};

TEST_F(LogConfig, OneLevelForEveryTopic) {
  ASSERT_TRUE(log_configure("debug", error, sizeof error)) << error;
  EXPECT_EQ(log_level(), LogLevel::debug);
  EXPECT_EQ(log_level(LogTopic::coll), LogLevel::debug);
  EXPECT_EQ(log_level(LogTopic::progress), LogLevel::debug);
}

TEST_F(LogConfig, TopicsSetApart) {
  ASSERT_TRUE(log_configure("error,coll=trace,Transport=DEBUG", error, sizeof error)) << error;
  EXPECT_EQ(log_level(), LogLevel::error);
  EXPECT_EQ(log_level(LogTopic::heap), LogLevel::error);
  EXPECT_EQ(log_level(LogTopic::coll), LogLevel::trace);
  EXPECT_EQ(log_level(LogTopic::transport), LogLevel::debug);
}

TEST_F(LogConfig, LaterItemsWin) {
  ASSERT_TRUE(log_configure("coll=trace,info", error, sizeof error)) << error;
  EXPECT_EQ(log_level(LogTopic::coll), LogLevel::info);
}

TEST_F(LogConfig, UnknownLevelOrTopicChangesNothing) {
  ASSERT_TRUE(log_configure("info,am=debug", error, sizeof error));
  EXPECT_FALSE(log_configure("trace,colll=debug", error, sizeof error));
  EXPECT_NE(std::string(error).find("'colll=debug' is not TOPIC=LEVEL"), std::string::npos) << error;
  EXPECT_FALSE(log_configure("verbose", error, sizeof error));
  EXPECT_NE(std::string(error).find("'verbose' is not a level"), std::string::npos) << error;
  EXPECT_FALSE(log_configure("coll=", error, sizeof error));
  EXPECT_EQ(log_level(), LogLevel::info);
  EXPECT_EQ(log_level(LogTopic::am), LogLevel::debug);
}

TEST_F(LogConfig, RaiseKeepsHigherTopics) {
  ASSERT_TRUE(log_configure("warn,coll=trace", error, sizeof error));
  log_raise_level(LogLevel::debug);
  EXPECT_EQ(log_level(), LogLevel::debug);
  EXPECT_EQ(log_level(LogTopic::coll), LogLevel::trace);
}

}  // namespace
