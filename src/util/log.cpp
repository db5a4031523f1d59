// SPDX-License-Identifier: BSD-3-Clause
#include "util/log.hpp"

#include <strings.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace causeway::util {

namespace {
int g_pe = -1;
constexpr int kTopics = static_cast<int>(LogTopic::count);
LogLevel g_levels[kTopics] = {LogLevel::warn, LogLevel::warn, LogLevel::warn, LogLevel::warn,
                              LogLevel::warn, LogLevel::warn, LogLevel::warn, LogLevel::warn};
static_assert(kTopics == 8, "one initial level per topic");
const char* const kTopicNames[] = {
#define CAUSEWAY_LOG_TOPIC_NAME(name) #name,
    CAUSEWAY_LOG_TOPICS(CAUSEWAY_LOG_TOPIC_NAME)
#undef CAUSEWAY_LOG_TOPIC_NAME
};
AbortHook g_abort_hook = nullptr;
const char* const kLevelNames[] = {"error", "warn", "info", "debug", "trace"};

// A level by name, or -1.
int level_named(const char* name, std::size_t length) {
  for (int i = 0; i < 5; ++i)
    if (std::strlen(kLevelNames[i]) == length && !strncasecmp(name, kLevelNames[i], length)) return i;
  return -1;
}

void vwrite(const char* level_name, const char* call, const char* fmt, va_list ap) {
  // One write() per message so lines from different PEs do not interleave mid-line.
  char buf[2048];
  int used = g_pe >= 0 ? std::snprintf(buf, sizeof buf, "causeway: PE %d: ", g_pe)
                       : std::snprintf(buf, sizeof buf, "causeway: PE ? (pid %d): ", (int)getpid());
  if (level_name && std::strcmp(level_name, "error") != 0)
    used += std::snprintf(buf + used, sizeof buf - used, "%s: ", level_name);
  if (call) used += std::snprintf(buf + used, sizeof buf - used, "%s: ", call);
  if (used < (int)sizeof buf) used += std::vsnprintf(buf + used, sizeof buf - used, fmt, ap);
  if (used > (int)sizeof buf - 2) used = sizeof buf - 2;
  buf[used++] = '\n';
  ssize_t ignored = ::write(STDERR_FILENO, buf, used);
  (void)ignored;
}
}  // namespace

void log_set_pe(int pe) { g_pe = pe; }
void log_raise_level(LogLevel level) {
  for (LogLevel& l : g_levels)
    if (l < level) l = level;
}
LogLevel log_level(LogTopic topic) { return g_levels[static_cast<int>(topic)]; }

bool log_configure(const char* spec, char* error, std::size_t error_size) {
  LogLevel levels[kTopics];
  std::memcpy(levels, g_levels, sizeof levels);
  for (const char* item = spec; *item;) {
    const char* end = std::strchr(item, ',');
    const std::size_t length = end ? static_cast<std::size_t>(end - item) : std::strlen(item);
    const char* eq = static_cast<const char*>(std::memchr(item, '=', length));
    const char* level_text = eq ? eq + 1 : item;
    const int level = level_named(level_text, length - static_cast<std::size_t>(level_text - item));
    int topic = -1;  // -1: every topic
    if (eq)
      for (int t = 0; t < kTopics; ++t)
        if (std::strlen(kTopicNames[t]) == static_cast<std::size_t>(eq - item) &&
            !strncasecmp(item, kTopicNames[t], static_cast<std::size_t>(eq - item)))
          topic = t;
    if (level < 0 || (eq && topic < 0)) {
      std::snprintf(error, error_size,
                    "'%.*s' is not %s (levels: error, warn, info, debug, trace; topics: general, bootstrap, "
                    "heap, transport, team, coll, am, progress)",
                    static_cast<int>(length), item, eq ? "TOPIC=LEVEL" : "a level");
      return false;
    }
    if (topic < 0) {
      for (LogLevel& l : levels) l = static_cast<LogLevel>(level);
    } else {
      levels[topic] = static_cast<LogLevel>(level);
    }
    item = end ? end + 1 : item + length;
  }
  std::memcpy(g_levels, levels, sizeof levels);
  return true;
}

void log(LogLevel level, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vwrite(kLevelNames[static_cast<int>(level)], nullptr, fmt, ap);
  va_end(ap);
}

void log_topic(LogTopic topic, LogLevel level, const char* fmt, ...) {
  char tag[32];
  std::snprintf(tag, sizeof tag, "%s: %s", kLevelNames[static_cast<int>(level)],
                kTopicNames[static_cast<int>(topic)]);
  va_list ap;
  va_start(ap, fmt);
  vwrite(tag, nullptr, fmt, ap);
  va_end(ap);
}

void log_report(const char* tag, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vwrite(tag, nullptr, fmt, ap);
  va_end(ap);
}

void fatal_user_error(const char* call, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vwrite("error", call, fmt, ap);
  va_end(ap);
  abort_job(1);
}

void set_abort_hook(AbortHook hook) { g_abort_hook = hook; }

void abort_job(int status) {
  if (g_abort_hook) g_abort_hook(status);
  std::_Exit(status ? status : 1);
}

}  // namespace causeway::util
