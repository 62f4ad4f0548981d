#include "site/regex_js.hpp"

#include <re2/re2.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <optional>
#include <utility>
#include <vector>

#include "base/text.hpp"

namespace site {

namespace {

// RE2's flags; they are emulated token by token (never JavaScript modifier
// groups, which not every browser has), so scoped flags keep RE2's meaning.
struct Flags {
    bool i = false;  // case-insensitive
    bool m = false;  // ^ and $ at line boundaries
    bool s = false;  // . matches \n
    bool U = false;  // ungreedy: swaps x* and x*?
};

using Range = std::pair<char32_t, char32_t>;

constexpr char32_t max_code_point = 0x10FFFF;

// The POSIX classes RE2 knows, as ASCII ranges.
std::vector<Range> posix_class(std::string_view name) {
    if (name == "alnum") return {{'0', '9'}, {'A', 'Z'}, {'a', 'z'}};
    if (name == "alpha") return {{'A', 'Z'}, {'a', 'z'}};
    if (name == "ascii") return {{0, 0x7F}};
    if (name == "blank") return {{'\t', '\t'}, {' ', ' '}};
    if (name == "cntrl") return {{0, 0x1F}, {0x7F, 0x7F}};
    if (name == "digit") return {{'0', '9'}};
    if (name == "graph") return {{'!', '~'}};
    if (name == "lower") return {{'a', 'z'}};
    if (name == "print") return {{' ', '~'}};
    if (name == "punct") return {{'!', '/'}, {':', '@'}, {'[', '`'}, {'{', '~'}};
    if (name == "space") return {{'\t', '\r'}, {' ', ' '}};
    if (name == "upper") return {{'A', 'Z'}};
    if (name == "word") return {{'0', '9'}, {'A', 'Z'}, {'_', '_'}, {'a', 'z'}};
    if (name == "xdigit") return {{'0', '9'}, {'A', 'F'}, {'a', 'f'}};
    return {};
}

std::vector<Range> complement(std::vector<Range> ranges) {
    std::sort(ranges.begin(), ranges.end());
    std::vector<Range> out;
    char32_t next = 0;
    for (const auto& [lo, hi] : ranges) {
        if (lo > next) out.emplace_back(next, lo - 1);
        next = std::max<char32_t>(next, hi + 1);
    }
    if (next <= max_code_point) out.emplace_back(next, max_code_point);
    return out;
}

bool is_general_category(std::string_view name) {
    static constexpr std::array<std::string_view, 38> categories = {
        "C",  "Cc", "Cf", "Co", "Cs", "L",  "Ll", "Lm", "Lo", "Lt", "Lu", "M",  "Mc",
        "Me", "Mn", "N",  "Nd", "Nl", "No", "P",  "Pc", "Pd", "Pe", "Pf", "Pi", "Po",
        "Ps", "S",  "Sc", "Sk", "Sm", "So", "Z",  "Zl", "Zp", "Zs", "Any", "L&"};
    return std::find(categories.begin(), categories.end(), name) != categories.end();
}

bool is_word_char(char32_t c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

// Controls, surrogates, private use and noncharacters are written as escapes
// so the translated source stays readable and valid.
bool needs_hex(char32_t c) {
    return c < 0x20 || (c >= 0x7F && c <= 0x9F) || (c >= 0xD800 && c <= 0xF8FF) || c >= 0xFFF0;
}

std::string hex_escape(char32_t c) {
    char buffer[16];
    if (c <= 0xFF)
        std::snprintf(buffer, sizeof buffer, "\\x%02X", static_cast<unsigned>(c));
    else
        std::snprintf(buffer, sizeof buffer, "\\u{%X}", static_cast<unsigned>(c));
    return buffer;
}

class Translator {
public:
    explicit Translator(std::string_view pattern) : p_(pattern) {}

    base::Result<JsRegex> run() {
        read_leading_flags();
        while (pos_ < p_.size() && error_.empty()) step();
        if (!error_.empty()) return base::error(error_);
        JsRegex result{std::move(out_), global_i_ ? "iu" : "u"};
        return result;
    }

private:
    std::string_view p_;
    std::size_t pos_ = 0;
    std::string out_;
    std::size_t assertion_at_ = std::string::npos;  // where in out_ the last token began, if an assertion
    Flags cur_;
    std::vector<Flags> stack_;
    bool global_i_ = false;
    std::string error_;

    void fail(std::string message) {
        if (error_.empty()) error_ = std::move(message);
    }

    bool at(std::string_view s) const { return p_.substr(pos_, s.size()) == s; }

    char32_t next_code_point() {
        char32_t c = base::text::decode_utf8(p_, pos_);
        if (c == base::text::invalid_code_point) {
            fail("invalid UTF-8 in the pattern");
            return 0;
        }
        return c;
    }

    // A leading (?flags) applies to the whole pattern: its `i` becomes the
    // JavaScript flag so the translation stays readable.
    void read_leading_flags() {
        if (!at("(?")) return;
        std::size_t end = pos_ + 2;
        while (end < p_.size() && std::string_view("imsU-").find(p_[end]) != std::string_view::npos) ++end;
        if (end == pos_ + 2 || end >= p_.size() || p_[end] != ')') return;
        pos_ += 2;
        apply_flags(cur_);
        ++pos_;  // ')'
        global_i_ = cur_.i;
    }

    // Reads flag letters at pos_ (up to ':' or ')') into `flags`.
    void apply_flags(Flags& flags) {
        bool on = true;
        while (pos_ < p_.size() && p_[pos_] != ')' && p_[pos_] != ':') {
            char c = p_[pos_++];
            switch (c) {
                case '-': on = false; break;
                case 'i': flags.i = on; break;
                case 'm': flags.m = on; break;
                case 's': flags.s = on; break;
                case 'U': flags.U = on; break;
                default: fail(std::string("unknown flag '") + c + "'"); return;
            }
        }
        if (global_i_ && !flags.i) fail("case-sensitive part inside a pattern that starts with (?i)");
    }

    bool expand_case() const { return cur_.i && !global_i_; }

    void emit_literal(char32_t c) {
        if (expand_case() && c < 0x80 && std::isalpha(static_cast<int>(c))) {
            char lower = static_cast<char>(std::tolower(static_cast<int>(c)));
            char upper = static_cast<char>(std::toupper(static_cast<int>(c)));
            out_ += '[';
            out_ += lower;
            out_ += upper;
            out_ += ']';
            return;
        }
        if (c < 0x80 && std::string_view("^$\\.*+?()[]{}|").find(static_cast<char>(c)) != std::string_view::npos) {
            out_ += '\\';
            out_ += static_cast<char>(c);
        } else if (needs_hex(c)) {
            out_ += hex_escape(c);
        } else {
            base::text::append_utf8(out_, c);
        }
    }

    static void emit_class_char(std::string& out, char32_t c) {
        if (c < 0x80 && std::string_view("\\]-[^").find(static_cast<char>(c)) != std::string_view::npos) {
            out += '\\';
            out += static_cast<char>(c);
        } else if (needs_hex(c)) {
            out += hex_escape(c);
        } else {
            base::text::append_utf8(out, c);
        }
    }

    // One token, with what RE2 allows and JavaScript does not: a repeated
    // assertion (`\b?`, `^*`) is "nothing to repeat" under the u flag, so
    // the assertion is repeated as a group, which means the same.
    void step() {
        const std::size_t start = out_.size();
        const char c = p_[pos_];
        const bool assertion = c == '^' || c == '$' ||
                               (c == '\\' && pos_ + 1 < p_.size() && std::string_view("bBAz").find(p_[pos_ + 1]) != std::string_view::npos);
        const bool repeat = c == '*' || c == '+' || c == '?' || c == '{';
        token();
        if (repeat && assertion_at_ != std::string::npos && out_.compare(start, 2, "\\{") != 0) {
            out_.insert(start, ")");
            out_.insert(assertion_at_, "(?:");
        }
        assertion_at_ = assertion ? start : std::string::npos;
    }

    void token() {
        char c = p_[pos_];
        switch (c) {
            case '(': open_group(); return;
            case ')':
                ++pos_;
                out_ += ')';
                if (stack_.empty()) {
                    fail("unbalanced ')'");
                    return;
                }
                cur_ = stack_.back();
                stack_.pop_back();
                return;
            case '|': ++pos_; out_ += '|'; return;
            case '^': ++pos_; out_ += cur_.m ? "(?<![^\\n])" : "^"; return;
            case '$': ++pos_; out_ += cur_.m ? "(?![^\\n])" : "$"; return;
            case '.': ++pos_; out_ += cur_.s ? "[\\s\\S]" : "[^\\n]"; return;
            case '*':
            case '+':
            case '?':
                ++pos_;
                out_ += c;
                greediness();
                return;
            case '{':
                if (!repetition()) {
                    ++pos_;
                    out_ += "\\{";
                }
                return;
            case '[': char_class(); return;
            case '\\': escape_outside_class(); return;
            default: emit_literal(next_code_point()); return;
        }
    }

    // x*? is lazy in both dialects; under RE2's U flag the meanings swap.
    void greediness() {
        bool lazy_mark = pos_ < p_.size() && p_[pos_] == '?';
        if (lazy_mark) ++pos_;
        if (lazy_mark != cur_.U) out_ += '?';
    }

    // {n}, {n,}, {n,m}; anything else is a literal brace in RE2.
    bool repetition() {
        std::size_t end = p_.find('}', pos_);
        if (end == std::string_view::npos) return false;
        std::string_view inside = p_.substr(pos_ + 1, end - pos_ - 1);
        std::size_t comma = inside.find(',');
        auto digits = [](std::string_view s) {
            return !s.empty() && std::all_of(s.begin(), s.end(), [](char d) { return d >= '0' && d <= '9'; });
        };
        bool valid = comma == std::string_view::npos
                         ? digits(inside)
                         : digits(inside.substr(0, comma)) &&
                               (comma + 1 == inside.size() || digits(inside.substr(comma + 1)));
        if (!valid) return false;
        out_ += '{';
        out_ += inside;
        out_ += '}';
        pos_ = end + 1;
        greediness();
        return true;
    }

    void open_group() {
        stack_.push_back(cur_);
        if (!at("(?")) {
            ++pos_;
            out_ += '(';
            return;
        }
        if (at("(?P<") || (at("(?<") && !at("(?<=") && !at("(?<!"))) {
            pos_ += at("(?P<") ? 4 : 3;
            std::size_t end = p_.find('>', pos_);
            if (end == std::string_view::npos) {
                fail("unterminated group name");
                return;
            }
            std::string_view name = p_.substr(pos_, end - pos_);
            if (name.empty() || !std::all_of(name.begin(), name.end(), [](char n) { return is_word_char(static_cast<unsigned char>(n)); })) {
                fail("group name '" + std::string(name) + "' is not a JavaScript identifier");
                return;
            }
            if (name[0] >= '0' && name[0] <= '9') {
                fail("group name '" + std::string(name) + "' starts with a digit");
                return;
            }
            out_ += "(?<";
            out_ += name;
            out_ += '>';
            pos_ = end + 1;
            return;
        }
        if (at("(?=") || at("(?!") || at("(?<=") || at("(?<!")) {
            fail("lookaround is not RE2 syntax");
            return;
        }
        pos_ += 2;
        Flags scoped = cur_;
        apply_flags(scoped);
        if (!error_.empty()) return;
        if (pos_ >= p_.size()) {
            fail("unterminated flag group");
            return;
        }
        if (p_[pos_] == ':') {  // (?flags:...) : a group with its own flags
            ++pos_;
            out_ += "(?:";
            cur_ = scoped;
            return;
        }
        // (?flags) : the rest of the enclosing group
        ++pos_;
        stack_.pop_back();
        cur_ = scoped;
    }

    // \p{Greek}, \pL, \P{^Lu} ...
    std::string unicode_class(bool negated) {
        std::string name;
        if (pos_ < p_.size() && p_[pos_] == '{') {
            std::size_t end = p_.find('}', pos_);
            if (end == std::string_view::npos) {
                fail("unterminated \\p{");
                return {};
            }
            name = std::string(p_.substr(pos_ + 1, end - pos_ - 1));
            pos_ = end + 1;
        } else if (pos_ < p_.size()) {
            name = std::string(1, p_[pos_++]);
        }
        if (!name.empty() && name[0] == '^') {
            negated = !negated;
            name.erase(0, 1);
        }
        if (name.empty()) {
            fail("empty Unicode class name");
            return {};
        }
        std::string prefix = negated ? "\\P{" : "\\p{";
        if (name == "L&") return prefix + "LC}";
        if (is_general_category(name)) return prefix + name + "}";
        return prefix + "Script=" + name + "}";
    }

    // An escape that stands for one code point; nullopt when it is something else.
    std::optional<char32_t> code_point_escape(char e) {
        switch (e) {
            case 'a': return 0x07;
            case 'f': return '\f';
            case 't': return '\t';
            case 'n': return '\n';
            case 'r': return '\r';
            case 'v': return '\v';
            case 'x': {
                std::string hex;
                if (pos_ < p_.size() && p_[pos_] == '{') {
                    std::size_t end = p_.find('}', pos_);
                    if (end == std::string_view::npos) return std::nullopt;
                    hex = std::string(p_.substr(pos_ + 1, end - pos_ - 1));
                    pos_ = end + 1;
                } else {
                    hex = std::string(p_.substr(pos_, 2));
                    pos_ += hex.size();
                }
                if (hex.empty() || hex.size() > 6 || !std::all_of(hex.begin(), hex.end(), [](char h) { return std::isxdigit(static_cast<unsigned char>(h)); }))
                    return std::nullopt;
                return static_cast<char32_t>(std::stoul(hex, nullptr, 16));
            }
            default: break;
        }
        if (e >= '0' && e <= '7') {
            char32_t value = static_cast<char32_t>(e - '0');
            for (int n = 0; n < 2 && pos_ < p_.size() && p_[pos_] >= '0' && p_[pos_] <= '7'; ++n)
                value = value * 8 + static_cast<char32_t>(p_[pos_++] - '0');
            return value;
        }
        if (static_cast<unsigned char>(e) < 0x80 && !std::isalnum(static_cast<unsigned char>(e)))
            return static_cast<char32_t>(e);  // escaped punctuation
        return std::nullopt;
    }

    void escape_outside_class() {
        ++pos_;
        if (pos_ >= p_.size()) {
            fail("trailing backslash");
            return;
        }
        char e = p_[pos_++];
        switch (e) {
            case 'd': case 'D': case 'w': case 'W': case 's': case 'S': case 'b': case 'B':
                out_ += '\\';
                out_ += e;
                return;
            case 'A': out_ += '^'; return;
            case 'z': out_ += '$'; return;
            case 'C': fail("\\C (any single byte) has no JavaScript equivalent"); return;
            case 'p': out_ += unicode_class(false); return;
            case 'P': out_ += unicode_class(true); return;
            case 'Q': {
                std::size_t end = p_.find("\\E", pos_);
                std::size_t stop = end == std::string_view::npos ? p_.size() : end;
                while (pos_ < stop && error_.empty()) emit_literal(next_code_point());
                pos_ = end == std::string_view::npos ? p_.size() : end + 2;
                return;
            }
            case 'E': return;
            default: break;
        }
        if (e >= '1' && e <= '9' && (pos_ >= p_.size() || p_[pos_] < '0' || p_[pos_] > '7')) {
            fail("backreferences are not RE2 syntax");
            return;
        }
        if (auto c = code_point_escape(e)) {
            emit_literal(*c);
            return;
        }
        fail(std::string("unknown escape \\") + e);
    }

    // One member of a bracket class: a code point, or a class like \d.
    struct ClassAtom {
        std::optional<char32_t> code_point;
        std::string text;  // set for \d, \pL, ...
    };

    ClassAtom class_atom() {
        if (p_[pos_] != '\\') return {next_code_point(), {}};
        ++pos_;
        if (pos_ >= p_.size()) {
            fail("trailing backslash");
            return {};
        }
        char e = p_[pos_++];
        switch (e) {
            case 'd': case 'D': case 'w': case 'W': case 's': case 'S':
                return {std::nullopt, std::string("\\") + e};
            case 'p': return {std::nullopt, unicode_class(false)};
            case 'P': return {std::nullopt, unicode_class(true)};
            default: break;
        }
        if (auto c = code_point_escape(e)) return {*c, {}};
        fail(std::string("unknown escape \\") + e + " in a character class");
        return {};
    }

    void char_class() {
        ++pos_;  // '['
        bool negated = false;
        if (pos_ < p_.size() && p_[pos_] == '^') {
            negated = true;
            ++pos_;
        }
        std::vector<Range> ranges;
        std::string classes;
        bool first = true;
        while (error_.empty()) {
            if (pos_ >= p_.size()) {
                fail("missing ']'");
                return;
            }
            if (p_[pos_] == ']' && !first) {
                ++pos_;
                break;
            }
            first = false;
            if (at("[:")) {
                std::size_t end = p_.find(":]", pos_ + 2);
                if (end != std::string_view::npos) {
                    std::string_view name = p_.substr(pos_ + 2, end - pos_ - 2);
                    bool negate_posix = !name.empty() && name[0] == '^';
                    if (negate_posix) name.remove_prefix(1);
                    auto posix = posix_class(name);
                    if (posix.empty()) {
                        fail("unknown POSIX class [:" + std::string(name) + ":]");
                        return;
                    }
                    if (negate_posix) posix = complement(posix);
                    ranges.insert(ranges.end(), posix.begin(), posix.end());
                    pos_ = end + 2;
                    continue;
                }
            }
            ClassAtom lo = class_atom();
            if (!error_.empty()) return;
            if (!lo.code_point) {
                classes += lo.text;
                continue;
            }
            if (pos_ + 1 < p_.size() && p_[pos_] == '-' && p_[pos_ + 1] != ']') {
                ++pos_;
                ClassAtom hi = class_atom();
                if (!error_.empty()) return;
                if (!hi.code_point || *hi.code_point < *lo.code_point) {
                    fail("bad character class range");
                    return;
                }
                ranges.emplace_back(*lo.code_point, *hi.code_point);
            } else {
                ranges.emplace_back(*lo.code_point, *lo.code_point);
            }
        }
        if (expand_case()) {
            std::vector<Range> folded;
            for (const auto& [lo, hi] : ranges) {
                char32_t a = std::max<char32_t>(lo, 'a'), b = std::min<char32_t>(hi, 'z');
                if (a <= b) folded.emplace_back(a - 32, b - 32);
                a = std::max<char32_t>(lo, 'A'), b = std::min<char32_t>(hi, 'Z');
                if (a <= b) folded.emplace_back(a + 32, b + 32);
            }
            ranges.insert(ranges.end(), folded.begin(), folded.end());
        }
        out_ += negated ? "[^" : "[";
        for (const auto& [lo, hi] : ranges) {
            emit_class_char(out_, lo);
            if (hi > lo) {
                out_ += '-';
                emit_class_char(out_, hi);
            }
        }
        out_ += classes;
        out_ += ']';
    }
};

}  // namespace

base::Result<JsRegex> to_js_regex(std::string_view re2_pattern) {
    RE2::Options options;
    options.set_log_errors(false);
    RE2 compiled(re2::StringPiece(re2_pattern.data(), re2_pattern.size()), options);
    if (!compiled.ok()) return base::error("not a valid RE2 pattern: " + compiled.error());
    return Translator(re2_pattern).run();
}

}  // namespace site
