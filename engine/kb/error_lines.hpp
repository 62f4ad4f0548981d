// Which lines of a report are error output a log could contain again:
// exception lines, "ERROR:"/"FATAL:" lines, "... failed: ...", timeouts,
// refusals. Not the commands, SQL, source code, prompts, tables or
// check-mark lists around them. Also strips what CI runners and loggers put
// in front of a message (job/step columns, timestamps, levels in brackets).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "kb/model.hpp"

namespace kb::errors {

// "linux\tOrchestrate up\t2025-10-01T23:34:36.2546802Z Timed out ..." ->
// "Timed out ...". Also ISO and syslog timestamps, "[12:34:56]", "##[error]",
// "::error::" and "service-1  | " prefixes.
std::string_view strip_log_prefix(std::string_view line);

// The line (already stripped) reads as error output.
bool looks_like_error(std::string_view line);
// Only the unmistakable forms: exception classes, ERROR:/FATAL:/PANIC: lines.
bool looks_like_strong_error(std::string_view line);
// A shell command, SQL statement, comment, prompt, table row or check-list
// entry rather than output.
bool looks_like_noise(std::string_view line);

// Error lines of a fenced or indented code block. `language` is the first
// word of the info string; `first_line` is the file line of the block's
// first content line.
std::vector<ErrorLine> from_code_block(std::string_view language, std::string_view code, int first_line);

// Error messages quoted in prose: `failed with "permission denied: unknown"`.
std::vector<ErrorLine> from_prose(std::string_view line_text, int line);

}  // namespace kb::errors
