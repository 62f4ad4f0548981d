// Turning the bytes people actually commit into clean UTF-8: BOM, CRLF,
// invalid sequences, and text that went through UTF-8 -> Windows-1252 ->
// UTF-8 once too often (a heading "# ðŸŽ‰" meant "# 🎉").
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace kb::encoding {

// The Windows-1252 byte a code point stands for, or -1. Accepts the C1
// controls U+0080..U+009F too: decoders that lack the five undefined
// cp1252 bytes (0x81, 0x8D, 0x8F, 0x90, 0x9D) pass them through as those.
int cp1252_byte(char32_t code_point);

// Replaces invalid UTF-8 with U+FFFD, CRLF and lone CR with LF, drops a
// leading BOM. Line numbers are preserved.
std::string normalize_utf8(std::string_view bytes);

// Reverses double encoding wherever a run of characters maps back through
// Windows-1252 to valid multi-byte UTF-8; anything else is left as it is.
// Returns the number of characters repaired through `repaired` if given.
std::string repair_double_encoding(std::string_view text, std::size_t* repaired = nullptr);

// NUL bytes, or mostly control characters, in the first few KiB.
bool looks_binary(std::string_view bytes);

}  // namespace kb::encoding
