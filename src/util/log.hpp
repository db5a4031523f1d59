// SPDX-License-Identifier: BSD-3-Clause
// PE-prefixed logging. Every message a user sees names the PE, so a job's merged output stays readable.
#pragma once
#include <cstdarg>
#include <cstddef>

namespace causeway::util {

enum class LogLevel { error = 0, warn = 1, info = 2, debug = 3, trace = 4 };

// Subsystems a user can turn up one by one (CAUSEWAY_LOG=warn,coll=debug). `general` has no tag.
#define CAUSEWAY_LOG_TOPICS(X) X(general) X(bootstrap) X(heap) X(transport) X(team) X(coll) X(am) X(progress)
enum class LogTopic {
#define CAUSEWAY_LOG_TOPIC_ENUM(name) name,
  CAUSEWAY_LOG_TOPICS(CAUSEWAY_LOG_TOPIC_ENUM)
#undef CAUSEWAY_LOG_TOPIC_ENUM
      count
};

// Set once the PE knows its rank (before that, messages say "PE ?").
void log_set_pe(int pe);
// Raises every topic below `level` to it.
void log_raise_level(LogLevel level);
// "LEVEL" or "LEVEL,TOPIC=LEVEL,...": a level for every topic, then topics set apart. False (with
// `error` saying what is wrong) if a level or topic is unknown; nothing changes then.
bool log_configure(const char* spec, char* error, std::size_t error_size);
LogLevel log_level(LogTopic topic = LogTopic::general);

void log(LogLevel level, const char* fmt, ...) __attribute__((format(printf, 2, 3)));
void log_topic(LogTopic topic, LogLevel level, const char* fmt, ...) __attribute__((format(printf, 3, 4)));
// "causeway: PE p: TAG: message", whatever the log level: reports the user asked for (stalls).
void log_report(const char* tag, const char* fmt, ...) __attribute__((format(printf, 2, 3)));

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

// A message of one subsystem: "causeway: PE p: LEVEL: TOPIC: ...".
#define CW_LOG_AT(topic, level, ...)                                                      \
  do {                                                                                    \
    if (static_cast<int>(level) <=                                                        \
        static_cast<int>(::causeway::util::log_level(::causeway::util::LogTopic::topic))) \
      ::causeway::util::log_topic(::causeway::util::LogTopic::topic, level, __VA_ARGS__); \
  } while (0)
