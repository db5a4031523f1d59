// SPDX-License-Identifier: BSD-3-Clause
// Typed access to the environment-variable table (config_table.def). Read once at init.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace causeway::util {

enum class ConfigType { Bool, Int, Size, String };

// Limits used by the table's ranges: no machine maps more than 2^56 bytes (64 PiB), nor runs more
// than 2^24 PEs; a reduction's one-shot threshold is multiplied by the team size.
inline constexpr long long kMaxBytes = 1LL << 56;
inline constexpr long long kMaxCollBytes = 1LL << 32;
inline constexpr long long kMaxPes = 1LL << 24;

// Job: every PE must have the same value (Runtime::init compares them); PE: each PE may differ.
enum class ConfigScope { Job, PE };

struct ConfigEntry {
  const char* name;
  ConfigType type;
  const char* default_value;
  const char* help;
  long long min, max;  // Int and Size: the accepted range, inclusive
  ConfigScope scope;
};

struct Config {
#define X(id, name, type, def, min, max, scope, help) CW_CONFIG_FIELD_##type id;
#define CW_CONFIG_FIELD_Bool bool
#define CW_CONFIG_FIELD_Int long
#define CW_CONFIG_FIELD_Size std::size_t
#define CW_CONFIG_FIELD_String std::string
#include "util/config_table.def"
#undef X
};

// Every variable, in table order (for causeway-info and SHMEM_INFO).
const std::vector<ConfigEntry>& config_table();

// Parses the environment into *config. A value that does not parse, or is outside its entry's range,
// is an error, never a fallback: load_config returns false and *error names the variable, the value
// and what is accepted (the first such variable in table order).
bool load_config(Config* config, std::string* error);

// Parses a byte count: digits with an optional decimal fraction, then an optional unit, case-
// insensitive: B; K, KB, KiB; M, MB, MiB; G, GB, GiB; T, TB, TiB (all powers of 1024, as NVSHMEM and
// SOS read them). The result must be a whole number of bytes that fits in size_t ("1.5G" does, "1.5"
// does not). Returns false, leaving *out alone, on anything else.
bool parse_size(const char* text, std::size_t* out);

// The current value of a variable as text (environment or default).
std::string config_value_text(const ConfigEntry& entry);

// The value in effect for table entry `index` of `config`, as text ("1536M", "1", "self,shm").
std::string config_effective_text(const Config& config, std::size_t index);

// One 64-bit digest per table entry of the value in effect (equal values, however spelled, have
// equal digests), for comparing Job-scope settings across PEs.
std::vector<std::uint64_t> config_digests(const Config& config);

}  // namespace causeway::util
