// General string helpers shared by every module: trimming, ASCII case,
// splitting, slugs and UTF-8 decoding. All work on std::string_view and
// never allocate more than their result.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace base::text {

// What deja shows in place of a secret: a secret param's value in `deja run`,
// a credential in a log line `deja match` repeats.
inline constexpr std::string_view secret_mask = "••••••";

constexpr std::string_view whitespace = " \t\r\n\f\v";

std::string_view trim(std::string_view s);
std::string_view trim_left(std::string_view s);
std::string_view trim_right(std::string_view s);

// ASCII-only case folding: bytes >= 0x80 are left alone, so UTF-8 survives.
inline char lower_char(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }
std::string lower(std::string_view s);

// A name the shell takes as a variable: [A-Za-z_][A-Za-z0-9_]*.
bool is_env_name(std::string_view name);
// One in capitals with at least one letter (`DB_HOST`, not `db_host` or `_1`):
// the names Runme treats as the document's own variables.
bool is_capital_env_name(std::string_view name);
bool iequals(std::string_view a, std::string_view b);
bool istarts_with(std::string_view s, std::string_view prefix);
bool icontains(std::string_view haystack, std::string_view needle);
// `needle` (lower-case) appears in `lowered` bounded by non-alphanumerics.
bool contains_word(std::string_view lowered, std::string_view needle);

bool starts_with(std::string_view s, std::string_view prefix);
bool ends_with(std::string_view s, std::string_view suffix);

std::vector<std::string_view> split(std::string_view s, char separator);
// Lines without their terminating '\n' (a final empty line is not returned).
std::vector<std::string_view> split_lines(std::string_view s);
std::string join(const std::vector<std::string>& parts, std::string_view separator);
// Levenshtein distance in bytes: how many insertions, deletions and
// substitutions turn `a` into `b`.
std::size_t edit_distance(std::string_view a, std::string_view b);
std::string replace_all(std::string_view s, std::string_view from, std::string_view to);

// Runs of whitespace become one space; leading/trailing whitespace removed.
std::string collapse_whitespace(std::string_view s);

// Lower-case ASCII letters and digits joined by '-', at most `max_length`
// bytes, never starting or ending with '-'. Non-ASCII characters are dropped.
std::string slugify(std::string_view s, std::size_t max_length = 60);

// Leading/trailing characters that are decoration rather than words:
// whitespace, emoji, pictographs, check marks, '#', '*', '=' rules.
std::string_view trim_decoration(std::string_view s);

// UTF-8. decode_utf8 reads one code point at `pos` and advances it; invalid
// sequences yield `invalid_code_point` and advance by one byte.
constexpr char32_t invalid_code_point = 0xFFFFFFFF;
char32_t decode_utf8(std::string_view s, std::size_t& pos);
void append_utf8(std::string& out, char32_t code_point);
bool is_valid_utf8(std::string_view s);
// Emoji and other pictographic symbols (and their joiners/selectors).
bool is_pictographic(char32_t code_point);

}  // namespace base::text

namespace base::text {

// At most `max_bytes`, cut at a word boundary (never inside a UTF-8
// character), with "…" appended when something was cut.
std::string truncate_words(std::string_view s, std::size_t max_bytes);

}  // namespace base::text
