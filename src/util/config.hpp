// Typed access to the environment-variable table (config_table.def). Read once at init.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace causeway::util {

enum class ConfigType { Bool, Int, Size, String };

struct ConfigEntry {
  const char* name;
  ConfigType type;
  const char* default_value;
  const char* help;
};

struct Config {
#define X(id, name, type, def, help) CW_CONFIG_FIELD_##type id;
#define CW_CONFIG_FIELD_Bool bool
#define CW_CONFIG_FIELD_Int long
#define CW_CONFIG_FIELD_Size std::size_t
#define CW_CONFIG_FIELD_String std::string
#include "util/config_table.def"
#undef X
};

// Every variable, in table order (for causeway-info and SHMEM_INFO).
const std::vector<ConfigEntry>& config_table();

// Parses the environment. Malformed values are reported by name and fall back to the default.
Config load_config();

// Parses "64M", "1G", "4096"; returns false on junk or overflow.
bool parse_size(const char* text, std::size_t* out);

// The current value of a variable as text (environment or default).
std::string config_value_text(const ConfigEntry& entry);

}  // namespace causeway::util
