#include "util/log.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace causeway::util {

namespace {
int g_pe = -1;
LogLevel g_level = LogLevel::warn;
AbortHook g_abort_hook = nullptr;
const char* const kLevelNames[] = {"error", "warn", "info", "debug", "trace"};

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
void log_set_level(LogLevel level) { g_level = level; }
LogLevel log_level() { return g_level; }

bool log_set_level(const char* name) {
  for (int i = 0; i < 5; ++i)
    if (!strcasecmp(name, kLevelNames[i])) {
      g_level = static_cast<LogLevel>(i);
      return true;
    }
  return false;
}

void log(LogLevel level, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vwrite(kLevelNames[static_cast<int>(level)], nullptr, fmt, ap);
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
