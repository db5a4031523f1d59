// PE-prefixed logging. Every message a user sees names the PE, so a job's merged output stays readable.
#pragma once
#include <cstdarg>

namespace causeway::util {

enum class LogLevel { error = 0, warn = 1, info = 2, debug = 3, trace = 4 };

// Set once the PE knows its rank (before that, messages say "PE ?").
void log_set_pe(int pe);
void log_set_level(LogLevel level);
bool log_set_level(const char* name);  // false if the name is unknown
LogLevel log_level();

void log(LogLevel level, const char* fmt, ...) __attribute__((format(printf, 2, 3)));

// Reports a user error in "PE p: call: message" form and ends the whole job with a non-zero status.
[[noreturn]] void fatal_user_error(const char* call, const char* fmt, ...)
    __attribute__((format(printf, 2, 3)));

// Hook installed by the runtime so that fatal errors take the job down (launcher abort), not just this PE.
using AbortHook = void (*)(int status);
void set_abort_hook(AbortHook hook);
[[noreturn]] void abort_job(int status);

}  // namespace causeway::util

#define CW_LOG(level, ...)                                                          \
  do {                                                                              \
    if (static_cast<int>(level) <= static_cast<int>(::causeway::util::log_level())) \
      ::causeway::util::log(level, __VA_ARGS__);                                    \
  } while (0)
