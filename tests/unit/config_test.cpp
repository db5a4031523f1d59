// util::parse_size and the environment-variable table (config_table.def): parsing, and falling back
// to the default when a value is malformed.
#include "util/config.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

using causeway::util::Config;
using causeway::util::config_table;
using causeway::util::load_config;
using causeway::util::parse_size;

namespace {

std::size_t size_of(const char* text) {
  std::size_t out = 12345;
  EXPECT_TRUE(parse_size(text, &out)) << "'" << text << "' should parse";
  return out;
}

bool rejects(const char* text) {
  std::size_t out = 777;
  bool ok = parse_size(text, &out);
  EXPECT_EQ(out, 777u) << "a rejected value must leave the output alone: '" << (text ? text : "(null)")
                       << "'";
  return !ok;
}

TEST(ParseSize, PlainNumbers) {
  EXPECT_EQ(size_of("0"), 0u);
  EXPECT_EQ(size_of("1"), 1u);
  EXPECT_EQ(size_of("4096"), 4096u);
  EXPECT_EQ(size_of("18446744073709551615"), ~std::size_t{0});
}

TEST(ParseSize, SuffixesArePowersOf1024) {
  EXPECT_EQ(size_of("1K"), 1024u);
  EXPECT_EQ(size_of("64k"), 64u * 1024);
  EXPECT_EQ(size_of("3M"), 3u * 1024 * 1024);
  EXPECT_EQ(size_of("3m"), 3u * 1024 * 1024);
  EXPECT_EQ(size_of("2G"), std::size_t{2} << 30);
  EXPECT_EQ(size_of("1g"), std::size_t{1} << 30);
  EXPECT_EQ(size_of("5T"), std::size_t{5} << 40);
  EXPECT_EQ(size_of("10KB"), 10u * 1024);
  EXPECT_EQ(size_of("10kb"), 10u * 1024);
  EXPECT_EQ(size_of("7b"), 7u);
}

TEST(ParseSize, RejectsJunk) {
  EXPECT_TRUE(rejects(nullptr));
  EXPECT_TRUE(rejects(""));
  EXPECT_TRUE(rejects("abc"));
  EXPECT_TRUE(rejects("K"));
  EXPECT_TRUE(rejects("-1"));
  EXPECT_TRUE(rejects("-1G"));
  EXPECT_TRUE(rejects("12X"));
  EXPECT_TRUE(rejects("1.5G"));
  EXPECT_TRUE(rejects("1GG"));
  EXPECT_TRUE(rejects("1KBx"));
  EXPECT_TRUE(rejects("64 M"));
}

TEST(ParseSize, RejectsOverflow) {
  EXPECT_TRUE(rejects("18446744073709551616"));  // 2^64
  EXPECT_TRUE(rejects("99999999999999999999999"));
  EXPECT_TRUE(rejects("16777216T"));     // 2^24 * 2^40
  EXPECT_TRUE(rejects("17179869184G"));  // 2^34 * 2^30
  EXPECT_EQ(size_of("16777215T"), std::size_t{16777215} << 40);
}

// Sets environment variables for one test and restores the previous values after it.
class EnvGuard {
 public:
  void set(const char* name, const char* value) {
    const char* old = std::getenv(name);
    saved_.push_back({name, old ? std::string(old) : std::string(), old != nullptr});
    if (value)
      setenv(name, value, 1);
    else
      unsetenv(name);
  }
  ~EnvGuard() {
    for (auto it = saved_.rbegin(); it != saved_.rend(); ++it) {
      if (it->had)
        setenv(it->name.c_str(), it->value.c_str(), 1);
      else
        unsetenv(it->name.c_str());
    }
  }

 private:
  struct Saved {
    std::string name, value;
    bool had;
  };
  std::vector<Saved> saved_;
};

const char* const kAllNames[] = {
    "SHMEM_SYMMETRIC_SIZE",      "SHMEM_DEBUG",         "SHMEM_VERSION",        "SHMEM_INFO",
    "CAUSEWAY_CHECKS",           "CAUSEWAY_LOG",        "CAUSEWAY_TRANSPORTS",  "CAUSEWAY_DIRECT_ACCESS",
    "CAUSEWAY_MAP_DATA_SEGMENT", "CAUSEWAY_SPIN_COUNT", "CAUSEWAY_YIELD_COUNT", "CAUSEWAY_MAX_SLEEP_US"};

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* name : kAllNames) env_.set(name, nullptr);
  }
  EnvGuard env_;
};

TEST_F(ConfigTest, TableNamesEveryDocumentedVariable) {
  for (const char* name : kAllNames) {
    bool found = false;
    for (const auto& e : config_table()) found = found || std::string(e.name) == name;
    EXPECT_TRUE(found) << name << " is missing from config_table()";
  }
  for (const auto& e : config_table()) {
    EXPECT_NE(e.help, nullptr);
    EXPECT_GT(std::string(e.help).size(), 0u) << e.name;
  }
}

TEST_F(ConfigTest, Defaults) {
  Config c = load_config();
  EXPECT_EQ(c.symmetric_size, std::size_t{1} << 30);
  EXPECT_FALSE(c.debug);
  EXPECT_FALSE(c.checks);
  EXPECT_EQ(c.log_level, "warn");
  EXPECT_EQ(c.transports, "self,shm");
  EXPECT_TRUE(c.direct_access);
  EXPECT_TRUE(c.map_data_segment);
  EXPECT_EQ(c.spin_count, 4000);
  EXPECT_EQ(c.yield_count, 200);
  EXPECT_EQ(c.max_sleep_us, 200);
}

TEST_F(ConfigTest, ValidValuesAreRead) {
  env_.set("SHMEM_SYMMETRIC_SIZE", "64M");
  env_.set("CAUSEWAY_CHECKS", "1");
  env_.set("SHMEM_DEBUG", "yes");
  env_.set("CAUSEWAY_DIRECT_ACCESS", "0");
  env_.set("CAUSEWAY_MAP_DATA_SEGMENT", "off");
  env_.set("CAUSEWAY_TRANSPORTS", "shm");
  env_.set("CAUSEWAY_LOG", "debug");
  env_.set("CAUSEWAY_SPIN_COUNT", "17");
  env_.set("CAUSEWAY_YIELD_COUNT", "-3");
  Config c = load_config();
  EXPECT_EQ(c.symmetric_size, std::size_t{64} << 20);
  EXPECT_TRUE(c.checks);
  EXPECT_TRUE(c.debug);
  EXPECT_FALSE(c.direct_access);
  EXPECT_FALSE(c.map_data_segment);
  EXPECT_EQ(c.transports, "shm");
  EXPECT_EQ(c.log_level, "debug");
  EXPECT_EQ(c.spin_count, 17);
  EXPECT_EQ(c.yield_count, -3);
}

TEST_F(ConfigTest, BooleanSpellings) {
  for (const char* yes : {"1", "y", "Y", "yes", "YES", "true", "True", "on", "ON"}) {
    env_.set("CAUSEWAY_CHECKS", yes);
    EXPECT_TRUE(load_config().checks) << yes;
  }
  for (const char* no : {"0", "n", "no", "No", "false", "FALSE", "off", "Off"}) {
    env_.set("CAUSEWAY_DIRECT_ACCESS", no);
    EXPECT_FALSE(load_config().direct_access) << no;
  }
}

TEST_F(ConfigTest, MalformedValuesFallBackToTheDefault) {
  env_.set("SHMEM_SYMMETRIC_SIZE", "lots");
  env_.set("CAUSEWAY_CHECKS", "maybe");
  env_.set("CAUSEWAY_DIRECT_ACCESS", "2");
  env_.set("CAUSEWAY_MAP_DATA_SEGMENT", "");
  env_.set("CAUSEWAY_SPIN_COUNT", "12x");
  env_.set("CAUSEWAY_YIELD_COUNT", "");
  env_.set("CAUSEWAY_MAX_SLEEP_US", "99999999999999999999999");
  Config c = load_config();
  EXPECT_EQ(c.symmetric_size, std::size_t{1} << 30);
  EXPECT_FALSE(c.checks);
  EXPECT_TRUE(c.direct_access);
  EXPECT_TRUE(c.map_data_segment);
  EXPECT_EQ(c.spin_count, 4000);
  EXPECT_EQ(c.yield_count, 200);
  EXPECT_EQ(c.max_sleep_us, 200);
}

TEST_F(ConfigTest, OneBadValueDoesNotDisturbTheOthers) {
  env_.set("SHMEM_SYMMETRIC_SIZE", "1.5G");
  env_.set("CAUSEWAY_CHECKS", "on");
  Config c = load_config();
  EXPECT_EQ(c.symmetric_size, std::size_t{1} << 30);
  EXPECT_TRUE(c.checks);
}

TEST_F(ConfigTest, ValueTextShowsEnvironmentOrDefault) {
  const causeway::util::ConfigEntry* entry = nullptr;
  for (const auto& e : config_table())
    if (std::string(e.name) == "SHMEM_SYMMETRIC_SIZE") entry = &e;
  ASSERT_NE(entry, nullptr);
  EXPECT_EQ(causeway::util::config_value_text(*entry), "1G");
  env_.set("SHMEM_SYMMETRIC_SIZE", "3M");
  EXPECT_EQ(causeway::util::config_value_text(*entry), "3M");
}

}  // namespace
