// SPDX-License-Identifier: BSD-3-Clause
#include "util/config.hpp"

#include <strings.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <type_traits>

#include "util/log.hpp"

namespace causeway::util {

const std::vector<ConfigEntry>& config_table() {
  static const std::vector<ConfigEntry> table = {
#define X(id, name, type, def, min, max, scope, help) \
  {name, ConfigType::type, def, help, min, max, ConfigScope::scope},
#include "util/config_table.def"
#undef X
  };
  return table;
}

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// The unit after a size's number: its power of 1024, or -1 if it is not one.
int unit_shift(const char* unit) {
  static const struct {
    const char* name;
    int shift;
  } kUnits[] = {{"", 0},     {"b", 0},  {"k", 10},  {"kb", 10},  {"kib", 10}, {"m", 20},  {"mb", 20},
                {"mib", 20}, {"g", 30}, {"gb", 30}, {"gib", 30}, {"t", 40},   {"tb", 40}, {"tib", 40}};
  for (const auto& u : kUnits)
    if (!strcasecmp(unit, u.name)) return u.shift;
  return -1;
}

}  // namespace

bool parse_size(const char* text, std::size_t* out) {
  if (text == nullptr || !is_digit(*text)) return false;  // no sign, no blanks, no empty value
  using u128 = unsigned __int128;
  const u128 limit = static_cast<u128>(~std::size_t{0});
  const char* p = text;
  u128 whole = 0;
  for (; is_digit(*p); ++p) {
    whole = whole * 10 + static_cast<unsigned>(*p - '0');
    if (whole > limit) return false;
  }
  // A fraction: at most 18 significant digits after trailing zeros go (enough for any whole byte
  // count of up to 2^40 units' fractions, and keeps the arithmetic in 128 bits).
  u128 frac = 0, frac_scale = 1;
  if (*p == '.') {
    ++p;
    if (!is_digit(*p)) return false;
    const char* digits = p;
    while (is_digit(*p)) ++p;
    const char* last = p;
    while (last > digits && last[-1] == '0') --last;
    if (last - digits > 18) return false;
    for (const char* d = digits; d < last; ++d) {
      frac = frac * 10 + static_cast<unsigned>(*d - '0');
      frac_scale *= 10;
    }
  }
  const int shift = unit_shift(p);
  if (shift < 0) return false;
  const u128 scaled_frac = frac << shift;
  if (scaled_frac % frac_scale != 0) return false;  // not a whole number of bytes
  if (shift > 0 && whole > (limit >> shift)) return false;
  const u128 value = (whole << shift) + scaled_frac / frac_scale;
  if (value > limit) return false;
  *out = static_cast<std::size_t>(value);
  return true;
}

namespace {

bool parse_bool(const char* text, bool* out) {
  for (const char* yes : {"1", "y", "yes", "true", "on"})
    if (!strcasecmp(text, yes)) {
      *out = true;
      return true;
    }
  for (const char* no : {"0", "n", "no", "false", "off"})
    if (!strcasecmp(text, no)) {
      *out = false;
      return true;
    }
  return false;
}

bool parse_int(const char* text, long* out) {
  if (!is_digit(*text) && !(*text == '-' && is_digit(text[1]))) return false;  // no blanks, no '+'
  errno = 0;
  char* end = nullptr;
  long value = std::strtol(text, &end, 10);
  if (errno != 0 || *end != '\0') return false;
  *out = value;
  return true;
}

// "1536M" for 1.5 GiB: the largest unit that divides the value.
void format_size(std::size_t value, char* buf, std::size_t len) {
  static const char kUnits[] = {'T', 'G', 'M', 'K'};
  for (int i = 0; i < 4; ++i) {
    const unsigned shift = 40u - 10u * static_cast<unsigned>(i);
    if (value != 0 && value % (std::size_t{1} << shift) == 0) {
      std::snprintf(buf, len, "%zu%c", value >> shift, kUnits[i]);
      return;
    }
  }
  std::snprintf(buf, len, "%zu", value);
}

// Reads one variable into *field, or describes why it cannot.
template <class T>
bool assign(const ConfigEntry& e, T* field, std::string* error) {
  const char* env = std::getenv(e.name);
  const char* text = env ? env : e.default_value;
  bool ok = false;
  char accepted[512];
  if constexpr (std::is_same_v<T, bool>) {
    ok = parse_bool(text, field);
    std::snprintf(accepted, sizeof accepted, "a boolean: 1, y, yes, true, on or 0, n, no, false, off");
  } else if constexpr (std::is_same_v<T, long>) {
    long value = 0;
    ok = parse_int(text, &value) && value >= e.min && value <= e.max;
    if (ok) *field = value;
    std::snprintf(accepted, sizeof accepted, "a whole number from %lld to %lld", e.min, e.max);
  } else if constexpr (std::is_same_v<T, std::size_t>) {
    std::size_t value = 0;
    ok = parse_size(text, &value) && value >= static_cast<std::size_t>(e.min) &&
         value <= static_cast<std::size_t>(e.max);
    if (ok) *field = value;
    char lo[32], hi[32];
    format_size(static_cast<std::size_t>(e.min), lo, sizeof lo);
    format_size(static_cast<std::size_t>(e.max), hi, sizeof hi);
    std::snprintf(accepted, sizeof accepted,
                  "a size from %s to %s bytes: a number of bytes, or one with a K, M, G or T suffix (also "
                  "KB/KiB, MB/MiB, GB/GiB, TB/TiB; powers of 1024), which may have a decimal fraction if "
                  "the result is a whole number of bytes, e.g. 512M or 1.5G",
                  lo, hi);
  } else {
    *field = text;
    ok = true;
    accepted[0] = '\0';
  }
  if (ok || !error->empty()) return ok;
  char message[1024];
  std::snprintf(message, sizeof message, "environment variable %s=\"%s\" is not valid: expected %s", e.name,
                text, accepted);
  *error = message;
  return false;
}

}  // namespace

bool load_config(Config* config, std::string* error) {
  error->clear();
  std::size_t index = 0;
  bool ok = true;
  const auto& table = config_table();
#define X(id, name, type, def, min, max, scope, help) ok &= assign(table[index++], &config->id, error);
#include "util/config_table.def"
#undef X
  return ok;
}

std::string config_value_text(const ConfigEntry& entry) {
  const char* env = std::getenv(entry.name);
  return env ? std::string(env) : std::string(entry.default_value);
}

namespace {

std::string text_of(bool value) { return std::string(1, value ? '1' : '0'); }
std::string text_of(long value) { return std::to_string(value); }
std::string text_of(std::size_t value) {
  char buf[32];
  format_size(value, buf, sizeof buf);
  return std::string(buf);
}
std::string text_of(const std::string& value) { return value; }

std::uint64_t digest_of(bool value) { return value ? 1 : 0; }
std::uint64_t digest_of(long value) { return static_cast<std::uint64_t>(value); }
std::uint64_t digest_of(std::size_t value) { return value; }
std::uint64_t digest_of(const std::string& value) {
  std::uint64_t h = 14695981039346656037ull;  // FNV-1a
  for (unsigned char c : value) h = (h ^ c) * 1099511628211ull;
  return h;
}

}  // namespace

std::string config_effective_text(const Config& config, std::size_t index) {
  std::size_t i = 0;
#define X(id, name, type, def, min, max, scope, help) \
  if (i++ == index) return text_of(config.id);
#include "util/config_table.def"
#undef X
  return std::string();
}

std::vector<std::uint64_t> config_digests(const Config& config) {
  std::vector<std::uint64_t> out;
#define X(id, name, type, def, min, max, scope, help) out.push_back(digest_of(config.id));
#include "util/config_table.def"
#undef X
  return out;
}

}  // namespace causeway::util
