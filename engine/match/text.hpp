// Small text helpers for log lines: whatever bytes a log holds, what deja
// prints and writes as JSON is valid UTF-8 without control characters, and
// the credentials a log let slip are not repeated.
#pragma once

#include <string>
#include <string_view>

namespace match {

// Invalid UTF-8 and control characters other than tab become U+FFFD.
std::string sanitize_utf8(std::string_view bytes);

// At most `max_bytes` bytes, cut on a character boundary, with "…" appended
// when something was cut. Expects valid UTF-8.
std::string truncate_utf8(std::string_view text, std::size_t max_bytes);

// A line of a log as a report shows it: valid UTF-8, credentials masked
// (kb::redact_credentials), at most `max_bytes` bytes.
std::string shown_line(std::string_view raw, std::size_t max_bytes);

}  // namespace match
