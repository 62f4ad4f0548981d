// Turning a raw log line into the message a person would read: what CI
// runners, container tools and loggers wrap around it is removed before
// signatures and incident templates are compared with it.
#pragma once

#include <string>
#include <string_view>

namespace match {

// Removes, in any combination: ANSI escape sequences; carriage-return
// progress (only the text after the last \r is kept); `gh run view --log`
// job and step columns; GitHub Actions, ISO and syslog timestamps (and the
// process id that follows a server's timestamp); docker compose service
// prefixes (`api-1  | `, `db_1 |`); `kubectl logs --prefix` pod prefixes;
// `##[error]` and `::error ...::` workflow markers; `> ` quoting of pasted
// logs; surrounding whitespace. A JSON log line becomes its message field
// (with its error field appended), a logfmt line its msg (and err).
std::string clean_line(std::string_view raw);

// PostgreSQL reports things that are not errors as NOTICE (`relation "x"
// already exists, skipping`): such lines are never evidence.
bool is_notice(std::string_view cleaned);

// Lines that every failure prints ("Process completed with exit code 1",
// "exit status 1", "make: *** [all] Error 2"): never evidence on their own.
bool is_generic(std::string_view cleaned);

// Compiles the expressions the three functions above use, which are
// otherwise compiled on their first use. Safe to call from any thread at any
// time: `deja match` calls it on a second thread while the index opens.
void prepare_cleaning();

}  // namespace match
