// SPDX-License-Identifier: BSD-3-Clause
// util::parse_size and the environment-variable table (config_table.def): parsing, and rejecting
// (never defaulting) a value that is malformed or out of range.
#include "util/config.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <string>
#include <vector>

using causeway::util::Config;
using causeway::util::config_effective_text;
using causeway::util::config_table;
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

TEST(ParseSize, LongUnitsAreAlsoPowersOf1024) {
  EXPECT_EQ(size_of("64MiB"), std::size_t{64} << 20);
  EXPECT_EQ(size_of("64mib"), std::size_t{64} << 20);
  EXPECT_EQ(size_of("64MB"), std::size_t{64} << 20);
  EXPECT_EQ(size_of("2KiB"), 2048u);
  EXPECT_EQ(size_of("3GiB"), std::size_t{3} << 30);
  EXPECT_EQ(size_of("3gb"), std::size_t{3} << 30);
  EXPECT_EQ(size_of("1TiB"), std::size_t{1} << 40);
  EXPECT_EQ(size_of("1tb"), std::size_t{1} << 40);
}

TEST(ParseSize, FractionsThatComeToWholeBytes) {
  EXPECT_EQ(size_of("1.5G"), std::size_t{3} << 29);
  EXPECT_EQ(size_of("1.5g"), std::size_t{3} << 29);
  EXPECT_EQ(size_of("0.5K"), 512u);
  EXPECT_EQ(size_of("2.25MiB"), std::size_t{9} << 18);
  EXPECT_EQ(size_of("1.000G"), std::size_t{1} << 30);
  EXPECT_EQ(size_of("4096.0"), 4096u);
  EXPECT_EQ(size_of("0.0009765625K"), 1u);  // 1/1024 K
  EXPECT_TRUE(rejects("1.5"));              // half a byte
  EXPECT_TRUE(rejects("0.1K"));             // 102.4 bytes
  EXPECT_TRUE(rejects("1.G"));
  EXPECT_TRUE(rejects(".5G"));
  EXPECT_TRUE(rejects("1.5.5G"));
  EXPECT_TRUE(rejects("1,5G"));
  EXPECT_TRUE(rejects("1.0000000000000000001G"));  // too many significant digits
}

TEST(ParseSize, RejectsJunk) {
  EXPECT_TRUE(rejects(nullptr));
  EXPECT_TRUE(rejects(""));
  EXPECT_TRUE(rejects("abc"));
  EXPECT_TRUE(rejects("K"));
  EXPECT_TRUE(rejects("-1"));
  EXPECT_TRUE(rejects("-1G"));
  EXPECT_TRUE(rejects("12X"));
  EXPECT_TRUE(rejects("1GG"));
  EXPECT_TRUE(rejects(" 64M"));
  EXPECT_TRUE(rejects(" -1"));
  EXPECT_TRUE(rejects("+64M"));
  EXPECT_TRUE(rejects("64M "));
  EXPECT_TRUE(rejects("1P"));
  EXPECT_TRUE(rejects("64MiBs"));
  EXPECT_TRUE(rejects("64Mi"));
  EXPECT_TRUE(rejects("0x10"));
  EXPECT_TRUE(rejects("1KBx"));
  EXPECT_TRUE(rejects("64 M"));
}

TEST(ParseSize, RejectsOverflow) {
  EXPECT_TRUE(rejects("18446744073709551616"));  // 2^64
  EXPECT_TRUE(rejects("99999999999999999999999"));
  EXPECT_TRUE(rejects("16777216T"));     // 2^24 * 2^40
  EXPECT_TRUE(rejects("17179869184G"));  // 2^34 * 2^30
  EXPECT_EQ(size_of("16777215T"), std::size_t{16777215} << 40);
  EXPECT_EQ(size_of("16777215.5T"), (std::size_t{16777215} << 40) + (std::size_t{1} << 39));
  EXPECT_TRUE(rejects("16777215.99999T"));  // no whole number of bytes
  EXPECT_TRUE(rejects("18446744073709551615.5"));
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
    for (const auto& e : config_table()) env_.set(e.name, nullptr);
  }
  Config load() {
    Config c{};
    std::string error;
    EXPECT_TRUE(causeway::util::load_config(&c, &error)) << error;
    EXPECT_EQ(error, "");
    return c;
  }
  // load_config must refuse the environment; returns its message.
  std::string refused() {
    Config c{};
    std::string error;
    EXPECT_FALSE(causeway::util::load_config(&c, &error));
    EXPECT_NE(error, "");
    return error;
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
  Config c = load();
  EXPECT_EQ(c.symmetric_size, std::size_t{1} << 30);
  EXPECT_FALSE(c.debug);
  EXPECT_FALSE(c.checks);
  EXPECT_EQ(c.log_level, "warn");
  EXPECT_EQ(c.transports, "auto");
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
  env_.set("CAUSEWAY_YIELD_COUNT", "3");
  Config c = load();
  EXPECT_EQ(c.symmetric_size, std::size_t{64} << 20);
  EXPECT_TRUE(c.checks);
  EXPECT_TRUE(c.debug);
  EXPECT_FALSE(c.direct_access);
  EXPECT_FALSE(c.map_data_segment);
  EXPECT_EQ(c.transports, "shm");
  EXPECT_EQ(c.log_level, "debug");
  EXPECT_EQ(c.spin_count, 17);
  EXPECT_EQ(c.yield_count, 3);
}

TEST_F(ConfigTest, BooleanSpellings) {
  for (const char* yes : {"1", "y", "Y", "yes", "YES", "true", "True", "on", "ON"}) {
    env_.set("CAUSEWAY_CHECKS", yes);
    EXPECT_TRUE(load().checks) << yes;
  }
  for (const char* no : {"0", "n", "no", "No", "false", "FALSE", "off", "Off"}) {
    env_.set("CAUSEWAY_DIRECT_ACCESS", no);
    EXPECT_FALSE(load().direct_access) << no;
  }
}

// The cases: each was a warning and 1G, or an overflowed heap. Now each is an error that
// names the variable, the value and what is accepted.
TEST_F(ConfigTest, BadSymmetricSizeIsAnError) {
  for (const char* bad : {"abc", "-1", "18446744073709551615", "1.5", "1P", "", "64 M", "1G1"}) {
    env_.set("SHMEM_SYMMETRIC_SIZE", bad);
    const std::string error = refused();
    EXPECT_NE(error.find("SHMEM_SYMMETRIC_SIZE=\"" + std::string(bad) + "\""), std::string::npos) << error;
    EXPECT_NE(error.find("K, M, G or T"), std::string::npos) << error;
  }
}

TEST_F(ConfigTest, SymmetricSizeUnitsOtherImplementationsAccept) {
  const struct {
    const char* text;
    std::size_t bytes;
  } cases[] = {{"1.5G", std::size_t{3} << 29},
               {"64MiB", std::size_t{64} << 20},
               {"64mb", std::size_t{64} << 20},
               {"2g", std::size_t{2} << 30},
               {"1048576", std::size_t{1} << 20}};
  for (const auto& c : cases) {
    env_.set("SHMEM_SYMMETRIC_SIZE", c.text);
    EXPECT_EQ(load().symmetric_size, c.bytes) << c.text;
  }
}

TEST_F(ConfigTest, MalformedValuesAreErrors) {
  const struct {
    const char* name;
    const char* value;
    const char* expected;  // part of what the message says is accepted
  } cases[] = {
      {"CAUSEWAY_CHECKS", "maybe", "a boolean"},
      {"CAUSEWAY_DIRECT_ACCESS", "2", "a boolean"},
      {"CAUSEWAY_MAP_DATA_SEGMENT", "", "a boolean"},
      {"SHMEM_DEBUG", " 1", "a boolean"},
      {"CAUSEWAY_SPIN_COUNT", "12x", "a whole number from 0 to 1000000000"},
      {"CAUSEWAY_YIELD_COUNT", "", "a whole number"},
      {"CAUSEWAY_YIELD_COUNT", "-3", "a whole number from 0 to"},
      {"CAUSEWAY_MAX_SLEEP_US", "99999999999999999999999", "a whole number from 1 to 999999"},
      {"CAUSEWAY_MAX_SLEEP_US", "0", "a whole number from 1 to 999999"},
      {"CAUSEWAY_MAX_SLEEP_US", "1000000", "a whole number from 1 to 999999"},
      {"CAUSEWAY_COLL_TEAMS", "4", "a whole number from 8 to 64"},
      {"CAUSEWAY_COLL_TEAMS", "65", "a whole number from 8 to 64"},
      {"CAUSEWAY_PROGRESS_INTERVAL_US", "0", "a whole number from 1 to"},
      {"CAUSEWAY_COLL_TREE_MIN_PES", "1", "a whole number from 2 to"},
      {"CAUSEWAY_HEAP_CHUNK", "1.5", "a size from 0 to"},
      {"CAUSEWAY_COLL_SCRATCH", "4Mx", "a size from 0 to"},
      {"CAUSEWAY_COLL_REDUCE_ONESHOT_MAX", "5G", "a size from 0 to 4G"},
  };
  for (const auto& c : cases) {
    env_.set(c.name, c.value);
    const std::string error = refused();
    const std::string named = std::string(c.name) + "=\"" + c.value + "\"";
    EXPECT_NE(error.find(named), std::string::npos) << error;
    EXPECT_NE(error.find(c.expected), std::string::npos) << error;
    env_.set(c.name, nullptr);
    load();  // with it unset again, the environment is fine
  }
}

TEST_F(ConfigTest, RangeBoundsAreInclusive) {
  env_.set("CAUSEWAY_MAX_SLEEP_US", "1");
  env_.set("CAUSEWAY_COLL_TEAMS", "8");
  env_.set("CAUSEWAY_SPIN_COUNT", "0");
  env_.set("CAUSEWAY_COLL_REDUCE_ONESHOT_MAX", "4G");
  Config c = load();
  EXPECT_EQ(c.max_sleep_us, 1);
  EXPECT_EQ(c.coll_teams, 8);
  EXPECT_EQ(c.spin_count, 0);
  EXPECT_EQ(c.coll_reduce_oneshot_max, std::size_t{4} << 30);
  env_.set("CAUSEWAY_MAX_SLEEP_US", "999999");
  env_.set("CAUSEWAY_COLL_TEAMS", "64");
  c = load();
  EXPECT_EQ(c.max_sleep_us, 999999);
  EXPECT_EQ(c.coll_teams, 64);
}

TEST_F(ConfigTest, TheFirstBadVariableIsReported) {
  env_.set("SHMEM_SYMMETRIC_SIZE", "1.5");
  env_.set("CAUSEWAY_MAX_SLEEP_US", "0");
  const std::string error = refused();
  EXPECT_NE(error.find("SHMEM_SYMMETRIC_SIZE"), std::string::npos) << error;
  EXPECT_EQ(error.find("CAUSEWAY_MAX_SLEEP_US"), std::string::npos) << error;
}

TEST_F(ConfigTest, EveryDefaultIsValid) {
  load();  // all unset: every default parses and lies in its range
  for (const auto& e : config_table()) {
    if (e.type == causeway::util::ConfigType::Int || e.type == causeway::util::ConfigType::Size) {
      EXPECT_LE(e.min, e.max) << e.name;
    }
  }
}

TEST_F(ConfigTest, EffectiveTextShowsTheParsedValue) {
  env_.set("SHMEM_SYMMETRIC_SIZE", "1.5G");
  env_.set("CAUSEWAY_CHECKS", "yes");
  env_.set("CAUSEWAY_HEAP_CHUNK", "1000");
  Config c = load();
  const auto& table = config_table();
  std::map<std::string, std::string> shown;
  for (std::size_t i = 0; i < table.size(); ++i) {
    shown[table[i].name] = config_effective_text(c, i);
  }
  EXPECT_EQ(shown["SHMEM_SYMMETRIC_SIZE"], "1536M");
  EXPECT_EQ(shown["CAUSEWAY_CHECKS"], "1");
  EXPECT_EQ(shown["CAUSEWAY_HEAP_CHUNK"], "1000");
  EXPECT_EQ(shown["CAUSEWAY_COLL_BCAST_PUSH_MAX"], "16K");
  EXPECT_EQ(shown["CAUSEWAY_TRANSPORTS"], "auto");
  EXPECT_EQ(shown["CAUSEWAY_SPIN_COUNT"], "4000");
}

TEST_F(ConfigTest, DigestsCompareValuesNotSpellings) {
  env_.set("SHMEM_SYMMETRIC_SIZE", "1G");
  env_.set("CAUSEWAY_CHECKS", "1");
  const auto a = causeway::util::config_digests(load());
  env_.set("SHMEM_SYMMETRIC_SIZE", "1024MiB");
  env_.set("CAUSEWAY_CHECKS", "on");
  const auto b = causeway::util::config_digests(load());
  EXPECT_EQ(a, b);
  env_.set("CAUSEWAY_CHECKS", "0");
  const auto c = causeway::util::config_digests(load());
  EXPECT_NE(a, c);
  ASSERT_EQ(a.size(), config_table().size());
}

TEST_F(ConfigTest, SettingsThatMustAgreeAcrossPEs) {
  for (const auto& e : config_table()) {
    const std::string name = e.name;
    const bool job = e.scope == causeway::util::ConfigScope::Job;
    if (name == "SHMEM_SYMMETRIC_SIZE" || name == "CAUSEWAY_CHECKS" || name == "SHMEM_DEBUG" ||
        name == "CAUSEWAY_TRANSPORTS" || name == "CAUSEWAY_MAP_DATA_SEGMENT" ||
        name == "CAUSEWAY_DIRECT_ACCESS" || name == "CAUSEWAY_HEAP_CHUNK" ||
        name.rfind("CAUSEWAY_COLL_", 0) == 0) {
      EXPECT_TRUE(job) << name;
    }
    if (name == "CAUSEWAY_LOG" || name == "SHMEM_INFO" || name == "CAUSEWAY_MAX_SLEEP_US") {
      EXPECT_FALSE(job) << name;
    }
  }
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
