#include "util/config.hpp"

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>

#include "util/log.hpp"

namespace causeway::util {

const std::vector<ConfigEntry>& config_table() {
  static const std::vector<ConfigEntry> table = {
#define X(id, name, type, def, help) {name, ConfigType::type, def, help},
#include "util/config_table.def"
#undef X
  };
  return table;
}

bool parse_size(const char* text, std::size_t* out) {
  if (text == nullptr || *text == '\0') return false;
  errno = 0;
  char* end = nullptr;
  unsigned long long value = std::strtoull(text, &end, 10);
  if (errno != 0 || end == text || text[0] == '-') return false;
  unsigned shift = 0;
  switch (*end) {
    case 'k':
    case 'K':
      shift = 10;
      ++end;
      break;
    case 'm':
    case 'M':
      shift = 20;
      ++end;
      break;
    case 'g':
    case 'G':
      shift = 30;
      ++end;
      break;
    case 't':
    case 'T':
      shift = 40;
      ++end;
      break;
    default: break;
  }
  if (*end == 'B' || *end == 'b') ++end;
  if (*end != '\0') return false;
  if (shift && value > (ULLONG_MAX >> shift)) return false;
  *out = static_cast<std::size_t>(value << shift);
  return true;
}

static bool parse_bool(const char* text, bool* out) {
  if (!std::strcmp(text, "1") || !strcasecmp(text, "y") || !strcasecmp(text, "yes") ||
      !strcasecmp(text, "true") || !strcasecmp(text, "on")) {
    *out = true;
    return true;
  }
  if (!std::strcmp(text, "0") || !strcasecmp(text, "n") || !strcasecmp(text, "no") ||
      !strcasecmp(text, "false") || !strcasecmp(text, "off")) {
    *out = false;
    return true;
  }
  return false;
}

static bool parse_int(const char* text, long* out) {
  errno = 0;
  char* end = nullptr;
  long value = std::strtol(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0') return false;
  *out = value;
  return true;
}

template <class T>
static void assign(const ConfigEntry& e, T* field) {
  const char* env = std::getenv(e.name);
  bool ok = false;
  for (const char* text : {env, e.default_value}) {
    if (text == nullptr) continue;
    if constexpr (std::is_same_v<T, bool>)
      ok = parse_bool(text, field);
    else if constexpr (std::is_same_v<T, long>)
      ok = parse_int(text, field);
    else if constexpr (std::is_same_v<T, std::size_t>)
      ok = parse_size(text, field);
    else {
      *field = text;
      ok = true;
    }
    if (ok) return;
    log(LogLevel::warn, "environment variable %s=\"%s\" is not a valid %s; using the default \"%s\"", e.name,
        text, std::is_same_v<T, bool> ? "boolean" : "number", e.default_value);
  }
}

Config load_config() {
  Config config{};
  std::size_t index = 0;
  const auto& table = config_table();
#define X(id, name, type, def, help) assign(table[index++], &config.id);
#include "util/config_table.def"
#undef X
  return config;
}

std::string config_value_text(const ConfigEntry& entry) {
  const char* env = std::getenv(entry.name);
  return env ? std::string(env) : std::string(entry.default_value);
}

}  // namespace causeway::util
