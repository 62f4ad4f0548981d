// Small text helpers for log lines: whatever bytes a log holds, what deja
// prints and writes as JSON is valid UTF-8 without control characters.
#pragma once

#include <string>
#include <string_view>

namespace match {

// Invalid UTF-8 and control characters other than tab become U+FFFD.
std::string sanitize_utf8(std::string_view bytes);

// At most `max_bytes` bytes, cut on a character boundary, with "…" appended
// when something was cut. Expects valid UTF-8.
std::string truncate_utf8(std::string_view text, std::size_t max_bytes);

}  // namespace match
