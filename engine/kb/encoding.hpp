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

// What normalize_utf8 found that was not UTF-8.
struct Decoding {
    std::size_t invalid = 0;     // sequences that were not UTF-8
    std::size_t first_line = 0;  // 1-based line of the first, 0 if none
    bool legacy = false;         // read as Windows-1252 instead
};

// CRLF and lone CR to LF, a leading BOM dropped. Bytes that are not UTF-8
// become U+FFFD, except in a file with no valid multi-byte UTF-8 at all:
// that is a legacy Windows-1252 / Latin-1 file ("Caf\xE9"), read as such.
// Line numbers are preserved.
std::string normalize_utf8(std::string_view bytes, Decoding* decoding = nullptr);

// Reverses double encoding wherever a run of characters maps back through
// Windows-1252 to valid multi-byte UTF-8; anything else is left as it is.
// Returns the number of characters repaired through `repaired` if given.
std::string repair_double_encoding(std::string_view text, std::size_t* repaired = nullptr);

// NUL bytes, or mostly control characters, in the first few KiB.
bool looks_binary(std::string_view bytes);

}  // namespace kb::encoding
