#include "kb/dates.hpp"

#include <array>
#include <cstdio>

#include <re2/re2.h>

#include "base/text.hpp"

namespace kb::dates {

namespace {

constexpr std::string_view months_pattern =
    "(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    "sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)";

int month_number(std::string_view name) {
    static constexpr std::array<std::string_view, 12> prefixes = {"jan", "feb", "mar", "apr", "may", "jun",
                                                                  "jul", "aug", "sep", "oct", "nov", "dec"};
    std::string lowered = base::text::lower(name.substr(0, 3));
    for (std::size_t i = 0; i < prefixes.size(); ++i)
        if (lowered == prefixes[i]) return static_cast<int>(i) + 1;
    return 0;
}

int to_int(std::string_view s) {
    int value = 0;
    for (char c : s) value = value * 10 + (c - '0');
    return value;
}

std::optional<std::string> format(int year, int month, int day) {
    static constexpr std::array<int, 12> days_in_month = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (year < 1970 || year > 2199 || month < 1 || month > 12 || day < 1) return std::nullopt;
    if (day > days_in_month[static_cast<std::size_t>(month - 1)]) return std::nullopt;
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    if (month == 2 && day == 29 && !leap) return std::nullopt;
    char buffer[40];
    std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02d", year, month, day);
    return std::string(buffer);
}

const RE2& date_regex() {
    static const RE2 regex(
        "(?i)(?:^|[^0-9])((?:19|20|21)[0-9]{2})[-/]([0-9]{1,2})[-/]([0-9]{1,2})(?:[^0-9]|$)"
        "|\\b" + std::string(months_pattern) +
        "\\.?\\s+([0-9]{1,2})(?:st|nd|rd|th)?,?\\s+((?:19|20|21)[0-9]{2})\\b"
        "|\\b([0-9]{1,2})(?:st|nd|rd|th)?\\s+(?:of\\s+)?" + std::string(months_pattern) +
        "\\.?,?\\s+((?:19|20|21)[0-9]{2})\\b");
    return regex;
}

// A year (19xx, 20xx, 21xx) not inside a longer number: every form needs one.
bool has_year(std::string_view s) {
    for (std::size_t i = 0; i + 4 <= s.size(); ++i) {
        if ((s[i] == '1' && s[i + 1] == '9') || (s[i] == '2' && (s[i + 1] == '0' || s[i + 1] == '1'))) {
            bool digits = s[i + 2] >= '0' && s[i + 2] <= '9' && s[i + 3] >= '0' && s[i + 3] <= '9';
            bool alone = (i == 0 || s[i - 1] < '0' || s[i - 1] > '9') &&
                         (i + 4 == s.size() || s[i + 4] < '0' || s[i + 4] > '9');
            if (digits && alone) return true;
        }
    }
    return false;
}

}  // namespace

std::optional<std::string> find_first(std::string_view input) {
    // Most values are a bare date or hold no year at all; neither needs the regex.
    std::string_view trimmed = base::text::trim(input);
    if (trimmed.size() == 10 && starts_with_iso_date(trimmed)) return std::string(trimmed);
    if (!has_year(input)) return std::nullopt;
    const RE2& regex = date_regex();
    constexpr int groups = 10;
    std::array<re2::StringPiece, groups> match;
    std::size_t offset = 0;
    while (offset < input.size() &&
           regex.Match(re2::StringPiece(input.data(), input.size()), offset, input.size(), RE2::UNANCHORED,
                       match.data(), groups)) {
        std::optional<std::string> date;
        if (!match[1].empty()) {
            date = format(to_int(match[1]), to_int(match[2]), to_int(match[3]));
        } else if (!match[4].empty()) {
            date = format(to_int(match[6]), month_number(match[4]), to_int(match[5]));
        } else if (!match[7].empty()) {
            date = format(to_int(match[9]), month_number(match[8]), to_int(match[7]));
        }
        if (date) return date;
        // An impossible date (2025-13-45): look again just past its start.
        offset = static_cast<std::size_t>(match[0].data() - input.data()) + 1;
    }
    return std::nullopt;
}

bool starts_with_iso_date(std::string_view s) {
    if (s.size() < 10) return false;
    for (std::size_t i : {0u, 1u, 2u, 3u, 5u, 6u, 8u, 9u})
        if (s[i] < '0' || s[i] > '9') return false;
    if (s[4] != '-' || s[7] != '-') return false;
    return format(to_int(s.substr(0, 4)), to_int(s.substr(5, 2)), to_int(s.substr(8, 2))).has_value() &&
           (s.size() == 10 || s[10] < '0' || s[10] > '9');
}

}  // namespace kb::dates
