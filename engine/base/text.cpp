#include "base/text.hpp"

#include <algorithm>

namespace base::text {

std::string_view trim_left(std::string_view s) {
    auto start = s.find_first_not_of(whitespace);
    return start == std::string_view::npos ? std::string_view{} : s.substr(start);
}

std::string_view trim_right(std::string_view s) {
    auto end = s.find_last_not_of(whitespace);
    return end == std::string_view::npos ? std::string_view{} : s.substr(0, end + 1);
}

std::string_view trim(std::string_view s) { return trim_right(trim_left(s)); }

std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = lower_char(c);
    return out;
}

bool is_env_name(std::string_view name) {
    if (name.empty() || (name[0] >= '0' && name[0] <= '9')) return false;
    for (char c : name)
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) return false;
    return true;
}

bool is_capital_env_name(std::string_view name) {
    if (!is_env_name(name)) return false;
    bool letter = false;
    for (char c : name) {
        if (c >= 'a' && c <= 'z') return false;
        letter = letter || (c >= 'A' && c <= 'Z');
    }
    return letter;
}

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (lower_char(a[i]) != lower_char(b[i])) return false;
    return true;
}

bool istarts_with(std::string_view s, std::string_view prefix) {
    return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

bool icontains(std::string_view haystack, std::string_view needle) {
    if (needle.empty()) return true;
    auto it = std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end(),
                          [](char a, char b) { return lower_char(a) == lower_char(b); });
    return it != haystack.end();
}

namespace {
bool is_word_byte(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}
}  // namespace

bool contains_word(std::string_view lowered, std::string_view needle) {
    if (needle.empty()) return false;
    std::size_t pos = 0;
    while ((pos = lowered.find(needle, pos)) != std::string_view::npos) {
        bool left_ok = pos == 0 || !is_word_byte(lowered[pos - 1]);
        std::size_t end = pos + needle.size();
        bool right_ok = end >= lowered.size() || !is_word_byte(lowered[end]);
        if (left_ok && right_ok) return true;
        pos += 1;
    }
    return false;
}

bool starts_with(std::string_view s, std::string_view prefix) { return s.starts_with(prefix); }
bool ends_with(std::string_view s, std::string_view suffix) { return s.ends_with(suffix); }

std::vector<std::string_view> split(std::string_view s, char separator) {
    std::vector<std::string_view> parts;
    std::size_t start = 0;
    while (true) {
        auto pos = s.find(separator, start);
        if (pos == std::string_view::npos) {
            parts.push_back(s.substr(start));
            return parts;
        }
        parts.push_back(s.substr(start, pos - start));
        start = pos + 1;
    }
}

std::vector<std::string_view> split_lines(std::string_view s) {
    std::vector<std::string_view> lines;
    std::size_t start = 0;
    while (start < s.size()) {
        auto pos = s.find('\n', start);
        if (pos == std::string_view::npos) {
            lines.push_back(s.substr(start));
            break;
        }
        lines.push_back(s.substr(start, pos - start));
        start = pos + 1;
    }
    return lines;
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diagonal = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            std::size_t up = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
            diagonal = up;
        }
    }
    return row[b.size()];
}

std::string join(const std::vector<std::string>& parts, std::string_view separator) {
    std::string out;
    for (std::size_t i = 0; i < parts.size(); ++i) {
        if (i) out += separator;
        out += parts[i];
    }
    return out;
}

std::string replace_all(std::string_view s, std::string_view from, std::string_view to) {
    if (from.empty()) return std::string(s);
    std::string out;
    out.reserve(s.size());
    std::size_t start = 0;
    while (true) {
        auto pos = s.find(from, start);
        if (pos == std::string_view::npos) break;
        out.append(s.substr(start, pos - start));
        out.append(to);
        start = pos + from.size();
    }
    out.append(s.substr(start));
    return out;
}

std::string collapse_whitespace(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    bool pending_space = false;
    for (char c : s) {
        if (whitespace.find(c) != std::string_view::npos) {
            pending_space = !out.empty();
            continue;
        }
        if (pending_space) out += ' ';
        pending_space = false;
        out += c;
    }
    return out;
}

std::string slugify(std::string_view s, std::size_t max_length) {
    std::string out;
    bool dash = false;
    for (char c : s) {
        char l = lower_char(c);
        bool alnum = (l >= 'a' && l <= 'z') || (l >= '0' && l <= '9');
        if (alnum) {
            if (dash && !out.empty()) out += '-';
            dash = false;
            out += l;
        } else if (static_cast<unsigned char>(c) < 0x80) {
            dash = true;
        }
    }
    if (out.size() > max_length) {
        // Cut at a word boundary when there is one in the second half.
        auto cut = out.rfind('-', max_length);
        out.resize(cut != std::string::npos && cut > max_length / 2 ? cut : max_length);
    }
    while (!out.empty() && out.back() == '-') out.pop_back();
    return out;
}

char32_t decode_utf8(std::string_view s, std::size_t& pos) {
    auto byte = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
    unsigned char b0 = byte(pos);
    if (b0 < 0x80) {
        ++pos;
        return b0;
    }
    int length = 0;
    char32_t cp = 0;
    char32_t min = 0;
    if (b0 >= 0xC2 && b0 <= 0xDF) {
        length = 2, cp = b0 & 0x1F, min = 0x80;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
        length = 3, cp = b0 & 0x0F, min = 0x800;
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
        length = 4, cp = b0 & 0x07, min = 0x10000;
    } else {
        ++pos;
        return invalid_code_point;
    }
    if (pos + length > s.size()) {
        ++pos;
        return invalid_code_point;
    }
    for (int i = 1; i < length; ++i) {
        unsigned char b = byte(pos + i);
        if ((b & 0xC0) != 0x80) {
            ++pos;
            return invalid_code_point;
        }
        cp = (cp << 6) | (b & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
        ++pos;
        return invalid_code_point;
    }
    pos += length;
    return cp;
}

void append_utf8(std::string& out, char32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

bool is_valid_utf8(std::string_view s) {
    std::size_t pos = 0;
    while (pos < s.size()) {
        if (static_cast<unsigned char>(s[pos]) < 0x80) {
            ++pos;
            continue;
        }
        if (decode_utf8(s, pos) == invalid_code_point) return false;
    }
    return true;
}

bool is_pictographic(char32_t cp) {
    return (cp >= 0x2190 && cp <= 0x21FF) ||    // arrows
           (cp >= 0x2300 && cp <= 0x23FF) ||    // technical symbols (hourglass, alarm clock)
           (cp >= 0x25A0 && cp <= 0x27BF) ||    // shapes, symbols, dingbats (check marks)
           (cp >= 0x2900 && cp <= 0x297F) ||    // supplemental arrows
           (cp >= 0x2B00 && cp <= 0x2BFF) ||    // stars, squares
           (cp >= 0x1F000 && cp <= 0x1FAFF) ||  // emoji blocks
           cp == 0x200D || cp == 0xFE0F || cp == 0xFE0E || cp == 0x20E3 ||
           (cp >= 0xE0020 && cp <= 0xE007F);   // tag sequences (flags)
}

std::string_view trim_decoration(std::string_view s) {
    auto decorative = [](char32_t cp) {
        return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == '#' || cp == '*' ||
               cp == '=' || cp == '|' || cp == '_' || cp == 0xA0 || cp == 0x200B || is_pictographic(cp);
    };
    std::size_t start = 0;
    while (start < s.size()) {
        std::size_t next = start;
        char32_t cp = decode_utf8(s, next);
        if (!decorative(cp)) break;
        start = next;
    }
    std::size_t end = start;
    std::size_t last_good = start;
    while (end < s.size()) {
        char32_t cp = decode_utf8(s, end);
        if (!decorative(cp)) last_good = end;
    }
    return s.substr(start, last_good - start);
}

}  // namespace base::text

namespace base::text {

std::string truncate_words(std::string_view s, std::size_t max_bytes) {
    if (s.size() <= max_bytes) return std::string(s);
    std::size_t cut = max_bytes;
    while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
    auto space = s.substr(0, cut).find_last_of(' ');
    if (space != std::string_view::npos && space > max_bytes / 2) cut = space;
    return std::string(trim_right(s.substr(0, cut))) + "\xE2\x80\xA6";
}

}  // namespace base::text
