#include "match/pattern.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>

#include "base/text.hpp"

namespace match {

namespace {

constexpr int unbounded = -1;

// A parsed RE2 expression, reduced to what the prefilter and the weight need.
struct Node {
    enum class Kind { empty, literal, any, klass, assertion, concat, alternate, group, repeat, flags };
    explicit Node(Kind k = Kind::empty) : kind(k) {}
    Kind kind;
    std::string text;     // literal: the character's UTF-8 bytes; klass/any/assertion/flags: emitted form
    bool wide = false;    // matches one character that may span several bytes
    bool dropped = false; // assertion removed from the prefilter (^ $ \A \z)
    int min = 1, max = 1;  // repeat bounds
    std::string name;      // group: capture name
    std::string group_flags;  // group: "i" in (?i:...)
    std::vector<Node> children;
};

struct ParseError {
    std::string message;
};

std::string hex_byte(unsigned char c) {
    static const char* digits = "0123456789abcdef";
    std::string out = "\\x";
    out += digits[c >> 4];
    out += digits[c & 0xF];
    return out;
}

bool is_alnum(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// Bytes of a literal, safe inside or outside a Vectorscan character class.
std::string escape_bytes(std::string_view bytes) {
    std::string out;
    for (char c : bytes) out += is_alnum(c) ? std::string(1, c) : hex_byte(static_cast<unsigned char>(c));
    return out;
}

class Parser {
public:
    explicit Parser(std::string_view pattern) : p_(pattern) {}

    Node parse() {
        Node node = alternation();
        if (pos_ < p_.size()) fail("unmatched ')'");
        return node;
    }

    std::vector<std::string> names;
    bool folds_case = false;

private:
    // Groups nest this deep at most: the parser and the walks over its tree
    // recurse once per level, and a signature never needs more (RE2 itself
    // still runs a deeper one, only without Vectorscan in front).
    static constexpr int max_group_depth = 256;
    // RE2's own limit on a counted repetition.
    static constexpr long long max_repeat_count = 1000;

    std::string_view p_;
    std::size_t pos_ = 0;
    int depth_ = 0;

    [[noreturn]] void fail(const std::string& what) {
        throw ParseError{what + " at offset " + std::to_string(pos_)};
    }
    bool at_end() const { return pos_ >= p_.size(); }
    char peek(std::size_t ahead = 0) const { return pos_ + ahead < p_.size() ? p_[pos_ + ahead] : '\0'; }

    Node alternation() {
        Node alt{Node::Kind::alternate};
        alt.children.push_back(concat());
        while (!at_end() && peek() == '|') {
            ++pos_;
            alt.children.push_back(concat());
        }
        if (alt.children.size() == 1) return std::move(alt.children.front());
        return alt;
    }

    Node concat() {
        Node seq{Node::Kind::concat};
        while (!at_end() && peek() != '|' && peek() != ')') seq.children.push_back(repeat());
        if (seq.children.size() == 1) return std::move(seq.children.front());
        return seq;
    }

    bool read_int(int& out) {
        std::size_t start = pos_;
        long long value = 0;
        while (!at_end() && peek() >= '0' && peek() <= '9') {
            value = value * 10 + (peek() - '0');
            if (value > max_repeat_count) fail("invalid repetition size");
            ++pos_;
        }
        out = static_cast<int>(value);
        return pos_ > start;
    }

    Node repeat() {
        Node atom_node = atom();
        for (;;) {
            if (at_end()) return atom_node;
            char c = peek();
            int min = 0, max = 0;
            if (c == '*') {
                min = 0, max = unbounded, ++pos_;
            } else if (c == '+') {
                min = 1, max = unbounded, ++pos_;
            } else if (c == '?') {
                min = 0, max = 1, ++pos_;
            } else if (c == '{') {
                std::size_t save = pos_;
                ++pos_;
                if (!read_int(min)) {
                    pos_ = save;  // a literal '{', as RE2 reads it
                    return atom_node;
                }
                max = min;
                if (peek() == ',') {
                    ++pos_;
                    if (!read_int(max)) max = unbounded;
                }
                if (peek() != '}') {
                    pos_ = save;
                    return atom_node;
                }
                ++pos_;
                if (max != unbounded && max < min) fail("bad repeat bounds");
            } else {
                return atom_node;
            }
            if (peek() == '?') ++pos_;  // lazy: the same lines match either way
            if (atom_node.kind == Node::Kind::assertion || atom_node.kind == Node::Kind::flags) fail("nothing to repeat");
            // RE2 refuses `a**`, `a+*`, `a{2}{3}`: a repetition of a repetition
            // must be written with a group.
            if (atom_node.kind == Node::Kind::repeat) fail("bad repetition operator");
            Node rep{Node::Kind::repeat};
            rep.min = min;
            rep.max = max;
            rep.children.push_back(std::move(atom_node));
            atom_node = std::move(rep);
        }
    }

    Node literal(std::string bytes) {
        Node n{Node::Kind::literal};
        n.text = std::move(bytes);
        return n;
    }

    Node wide_any() {
        Node n{Node::Kind::any};
        n.text = ".";
        n.wide = true;
        return n;
    }

    enum class Width { one_byte, any_character };  // a class of bytes, or of characters that may span several

    Node klass(std::string text, Width width) {
        Node n{Node::Kind::klass};
        n.text = std::move(text);
        n.wide = width == Width::any_character;
        return n;
    }
    static Width width_of(bool wide) { return wide ? Width::any_character : Width::one_byte; }

    Node atom() {
        char c = peek();
        switch (c) {
            case '(':
                return group();
            case '[':
                return char_class();
            case '.':
                ++pos_;
                return wide_any();
            case '^':
            case '$': {
                ++pos_;
                Node n{Node::Kind::assertion};
                n.dropped = true;
                return n;
            }
            case '\\':
                return escape();
            case '*':
            case '+':
            case '?':
                fail("missing argument to repetition operator");
            default:
                return literal(read_char());
        }
    }

    // One UTF-8 character of the pattern (invalid bytes taken one at a time).
    std::string read_char() {
        unsigned char lead = static_cast<unsigned char>(p_[pos_]);
        std::size_t len = lead < 0x80 ? 1 : (lead >> 5) == 6 ? 2 : (lead >> 4) == 14 ? 3 : (lead >> 3) == 30 ? 4 : 1;
        if (pos_ + len > p_.size()) len = 1;
        std::string out(p_.substr(pos_, len));
        pos_ += len;
        return out;
    }

    Node group() {
        if (++depth_ > max_group_depth) fail("groups nested more than " + std::to_string(max_group_depth) + " deep");
        ++pos_;  // (
        Node g{Node::Kind::group};
        if (peek() == '?') {
            ++pos_;
            if (peek() == 'P' && peek(1) == '<') {
                pos_ += 2;
                g.name = group_name();
            } else if (peek() == '<') {
                ++pos_;
                g.name = group_name();
            } else if (peek() == 'P' && peek(1) == '=') {
                fail("backreferences are not RE2 syntax");
            } else {
                std::string flags;
                bool negate = false;
                while (!at_end() && peek() != ')' && peek() != ':') {
                    char f = peek();
                    if (f == '-') negate = true;
                    else if (f != 'i' && f != 'm' && f != 's' && f != 'U') fail("unknown group flag");
                    else if (f == 'i') {
                        flags += negate ? "-i" : "i";
                        if (!negate) folds_case = true;
                    }
                    ++pos_;
                }
                if (at_end()) fail("missing ')'");
                if (peek() == ')') {
                    ++pos_;
                    Node n{Node::Kind::flags};
                    // Only case folding changes which lines match; m, s and U
                    // do not matter once the prefilter works line by line.
                    n.text = flags.empty() ? "" : "(?" + flags + ")";
                    --depth_;
                    return n;
                }
                ++pos_;  // ':'
                g.group_flags = flags;
            }
        }
        if (!g.name.empty()) names.push_back(g.name);
        g.children.push_back(alternation());
        if (peek() != ')') fail("missing ')'");
        ++pos_;
        --depth_;
        return g;
    }

    std::string group_name() {
        std::size_t start = pos_;
        while (!at_end() && peek() != '>') {
            char c = peek();
            if (!is_alnum(c) && c != '_') fail("bad character in group name");
            ++pos_;
        }
        if (at_end() || pos_ == start) fail("bad group name");
        std::string name(p_.substr(start, pos_ - start));
        ++pos_;  // >
        return name;
    }

    static std::uint32_t hex_value(std::string_view digits) {
        std::uint32_t v = 0;
        for (char d : digits) {
            v <<= 4;
            if (d >= '0' && d <= '9') v |= static_cast<std::uint32_t>(d - '0');
            else if (d >= 'a' && d <= 'f') v |= static_cast<std::uint32_t>(d - 'a' + 10);
            else v |= static_cast<std::uint32_t>(d - 'A' + 10);
        }
        return v;
    }

    static bool is_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

    // \xHH or \x{H...}: the code point.
    std::uint32_t hex_escape() {
        if (peek() == '{') {
            std::size_t close = p_.find('}', pos_);
            if (close == std::string_view::npos || close == pos_ + 1) fail("bad \\x{...}");
            std::string_view digits = p_.substr(pos_ + 1, close - pos_ - 1);
            if (digits.size() > 6 || !std::all_of(digits.begin(), digits.end(), is_hex)) fail("bad \\x{...}");
            pos_ = close + 1;
            std::uint32_t cp = hex_value(digits);
            if (cp > 0x10FFFF) fail("code point out of range");
            return cp;
        }
        if (!is_hex(peek()) || !is_hex(peek(1))) fail("bad \\x escape");
        std::uint32_t cp = hex_value(p_.substr(pos_, 2));
        pos_ += 2;
        return cp;
    }

    void skip_property_name() {
        if (peek() == '{') {
            std::size_t close = p_.find('}', pos_);
            if (close == std::string_view::npos) fail("bad \\p{...}");
            pos_ = close + 1;
        } else if (!at_end()) {
            ++pos_;
        } else {
            fail("bad \\p");
        }
    }

    // Escapes shared by atoms and classes. Returns false for class escapes
    // (\d \s \w and their negations), leaving `klass_text`/`wide` set.
    bool simple_escape(std::string& bytes, std::string& klass_text, bool& wide) {
        char e = peek();
        ++pos_;
        switch (e) {
            case 'd': klass_text = "\\d"; wide = false; return false;
            case 's': klass_text = "\\s"; wide = false; return false;
            case 'w': klass_text = "\\w"; wide = false; return false;
            case 'D': klass_text = "\\D"; wide = true; return false;
            case 'S': klass_text = "\\S"; wide = true; return false;
            case 'W': klass_text = "\\W"; wide = true; return false;
            case 'p':
            case 'P':
                skip_property_name();
                klass_text = ".";  // any character: a superset of every property
                wide = true;
                return false;
            case 'n': bytes = "\n"; return true;
            case 't': bytes = "\t"; return true;
            case 'r': bytes = "\r"; return true;
            case 'f': bytes = "\f"; return true;
            case 'v': bytes = "\v"; return true;
            case 'a': bytes = "\a"; return true;
            case 'x': {
                std::uint32_t cp = hex_escape();
                bytes.clear();
                base::text::append_utf8(bytes, cp);
                return true;
            }
            default:
                break;
        }
        if (e >= '0' && e <= '7') {
            std::uint32_t v = static_cast<std::uint32_t>(e - '0');
            for (int i = 0; i < 2 && peek() >= '0' && peek() <= '7'; ++i, ++pos_) v = v * 8 + static_cast<std::uint32_t>(peek() - '0');
            if (e != '0' && v < 8) fail("backreferences are not RE2 syntax");
            bytes.clear();
            base::text::append_utf8(bytes, v);
            return true;
        }
        if (is_alnum(e)) {
            --pos_;
            fail(std::string("unknown escape \\") + e);
        }
        bytes = std::string(1, e);
        return true;
    }

    Node escape() {
        ++pos_;  // backslash
        if (at_end()) fail("trailing backslash");
        char e = peek();
        if (e == 'b' || e == 'B') {
            ++pos_;
            Node n{Node::Kind::assertion};
            n.text = e == 'b' ? "\\b" : "\\B";
            return n;
        }
        if (e == 'A' || e == 'z') {
            ++pos_;
            Node n{Node::Kind::assertion};
            n.dropped = true;
            return n;
        }
        if (e == 'C') {
            ++pos_;
            return klass(".", Width::one_byte);
        }
        if (e == 'Q') {
            ++pos_;
            std::size_t end = p_.find("\\E", pos_);
            std::string_view quoted = p_.substr(pos_, end == std::string_view::npos ? std::string_view::npos : end - pos_);
            pos_ = end == std::string_view::npos ? p_.size() : end + 2;
            Node seq{Node::Kind::concat};
            std::size_t i = 0;
            while (i < quoted.size()) {
                Parser sub(quoted.substr(i));
                std::string ch = sub.read_char();
                i += ch.size();
                seq.children.push_back(literal(ch));
            }
            return seq;
        }
        std::string bytes, klass_text;
        bool wide = false;
        if (simple_escape(bytes, klass_text, wide)) return literal(bytes);
        if (klass_text == ".") return wide_any();
        return klass(klass_text, width_of(wide));
    }

    Node char_class() {
        ++pos_;  // [
        bool negated = false;
        if (peek() == '^') {
            negated = true;
            ++pos_;
        }
        std::string body;
        bool wide = negated;
        bool any = false;  // contains \p: the prefilter takes any character
        bool first = true;
        auto add_byte_range = [&](std::uint32_t lo, std::uint32_t hi) {
            if (hi < 0x80) {
                body += escape_bytes(std::string(1, static_cast<char>(lo)));
                if (hi != lo) body += "-" + escape_bytes(std::string(1, static_cast<char>(hi)));
            } else {
                any = true;  // non-ASCII members: several bytes each
                if (lo < 0x80) {
                    body += escape_bytes(std::string(1, static_cast<char>(lo)));
                    body += "-\\x7f";
                }
            }
        };
        auto read_member = [&](std::uint32_t& cp) -> bool {  // false: a class escape was appended
            if (peek() == '\\') {
                ++pos_;
                if (at_end()) fail("trailing backslash");
                std::string bytes, klass_text;
                bool w = false;
                if (!simple_escape(bytes, klass_text, w)) {
                    if (klass_text == ".") any = true;
                    else body += klass_text;
                    wide = wide || w;
                    return false;
                }
                cp = decode(bytes);
                return true;
            }
            std::string ch = read_char();
            cp = decode(ch);
            return true;
        };
        for (;;) {
            if (at_end()) fail("missing ']'");
            char c = peek();
            if (c == ']' && !first) {
                ++pos_;
                break;
            }
            first = false;
            if (c == '[' && peek(1) == ':') {
                std::size_t close = p_.find(":]", pos_ + 2);
                if (close == std::string_view::npos) fail("bad [:class:]");
                std::string_view named = p_.substr(pos_, close + 2 - pos_);
                if (named.size() > 3 && named[2] == '^') wide = true;
                body += std::string(named);
                pos_ = close + 2;
                continue;
            }
            std::uint32_t lo = 0;
            if (!read_member(lo)) continue;
            if (peek() == '-' && peek(1) != ']' && peek(1) != '\0') {
                ++pos_;
                std::uint32_t hi = 0;
                if (!read_member(hi)) fail("bad class range");
                if (hi < lo) fail("bad class range");
                add_byte_range(lo, hi);
            } else {
                add_byte_range(lo, lo);
            }
        }
        if (any) return klass(".", Width::any_character);
        if (body.empty()) {
            if (!negated) fail("empty character class");
            return klass(".", Width::any_character);
        }
        // A line never holds a newline, so excluding it changes nothing for
        // RE2; but Vectorscan 5.4.9 misses `"[^"]+"` on runs longer than about
        // 64 bytes when the class leaves out exactly one byte, and leaving out
        // two avoids that engine (tests/match/vectorscan_test.cpp).
        if (negated) body += escape_bytes("\n");
        return klass(std::string("[") + (negated ? "^" : "") + body + "]", width_of(wide));
    }

    static std::uint32_t decode(const std::string& bytes) {
        auto b = [&](std::size_t i) { return static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i])); };
        if (bytes.size() == 1) return b(0);
        if (bytes.size() == 2) return ((b(0) & 0x1F) << 6) | (b(1) & 0x3F);
        if (bytes.size() == 3) return ((b(0) & 0x0F) << 12) | ((b(1) & 0x3F) << 6) | (b(2) & 0x3F);
        return ((b(0) & 0x07) << 18) | ((b(1) & 0x3F) << 12) | ((b(2) & 0x3F) << 6) | (b(3) & 0x3F);
    }
};

std::string bounds(int min, int max) {
    if (min == 0 && max == unbounded) return "*";
    if (min == 1 && max == unbounded) return "+";
    if (min == 0 && max == 1) return "?";
    if (max == unbounded) return "{" + std::to_string(min) + ",}";
    if (min == max) return "{" + std::to_string(min) + "}";
    return "{" + std::to_string(min) + "," + std::to_string(max) + "}";
}

// Two limits keep Vectorscan's compile of one signature near linear, measured
// with Vectorscan 5.4.9 here. Its parser checks every repeat's child twice, so
// each level of repeats nested in repeats doubled the time: thirty levels ran
// for minutes. And it unrolls a counted repeat: `[^"]{1,4000}` took 1.1 s and
// `(?:ab|cd){1000}` 2.3 s, where 128 positions take about 20 ms.
constexpr int max_repeat_nesting = 8;
constexpr long long max_counted_positions = 128;

// The node a repeat repeats, with plain groups around it looked through: the
// prefilter has no captures, so `(x+)+` is a repeat of a repeat.
const Node& through_groups(const Node& n) {
    const Node* at = &n;
    while (at->kind == Node::Kind::group && at->group_flags.empty()) at = &at->children.front();
    return *at;
}

// Bytes a match of `n` spans at most, as counted repeats unroll it; capped.
long long positions(const Node& n) {
    constexpr long long cap = 1'000'000;
    switch (n.kind) {
        case Node::Kind::literal: return static_cast<long long>(n.text.size());
        case Node::Kind::any:
        case Node::Kind::klass: return n.wide ? 4 : 1;
        case Node::Kind::repeat: {
            long long child = positions(n.children.front());
            long long count = n.max == unbounded ? std::max(n.min, 1) : n.max;
            return std::min(cap, child * count);
        }
        case Node::Kind::alternate: {
            long long widest = 0;
            for (const auto& c : n.children) widest = std::max(widest, positions(c));
            return widest;
        }
        case Node::Kind::concat:
        case Node::Kind::group: {
            long long sum = 0;
            for (const auto& c : n.children) sum = std::min(cap, sum + positions(c));
            return sum;
        }
        default: return 0;
    }
}

// The tree the prefilter is written from: a repeat of a repeat becomes one
// repeat whose bounds hold every count the two allow ((x{a,b}){c,d} repeats
// x between a*c and b*d times), and a counted repeat wider than the budget
// becomes an open-ended one. Both only widen what matches, and RE2 confirms
// every line the prefilter lets through.
Node prefilter_tree(const Node& n) {
    if (n.kind != Node::Kind::repeat) {
        Node copy{n.kind};
        copy.text = n.text;
        copy.wide = n.wide;
        copy.dropped = n.dropped;
        copy.group_flags = n.group_flags;
        copy.min = n.min;
        copy.max = n.max;
        copy.children.reserve(n.children.size());
        for (const auto& c : n.children) copy.children.push_back(prefilter_tree(c));
        return copy;
    }
    long long min = n.min;
    long long max = n.max;
    const Node* child = &through_groups(n.children.front());
    while (child->kind == Node::Kind::repeat) {
        min = std::min<long long>(min * child->min, max_counted_positions);
        max = max == unbounded || child->max == unbounded || max * child->max > max_counted_positions
                  ? unbounded
                  : max * child->max;
        child = &through_groups(child->children.front());
    }
    Node core = prefilter_tree(*child);
    const long long width = std::max(1LL, positions(core));
    if (max != unbounded && max > 1 && width * max > max_counted_positions) max = unbounded;
    if (width * min > max_counted_positions) min = std::max(1LL, max_counted_positions / width);
    Node repeat{Node::Kind::repeat};
    repeat.min = static_cast<int>(min);
    repeat.max = static_cast<int>(max);
    repeat.children.push_back(std::move(core));
    return repeat;
}

// Repeats nested in repeats, at the deepest.
int repeat_nesting(const Node& n) {
    int deepest = 0;
    for (const auto& c : n.children) deepest = std::max(deepest, repeat_nesting(c));
    return deepest + (n.kind == Node::Kind::repeat ? 1 : 0);
}

std::string emit(const Node& n);

std::string emit_alternatives(const Node& n) {
    if (n.kind != Node::Kind::alternate) return emit(n);
    std::string out;
    for (std::size_t i = 0; i < n.children.size(); ++i) {
        if (i) out += "|";
        out += emit(n.children[i]);
    }
    return out;
}

std::string emit(const Node& n) {
    switch (n.kind) {
        case Node::Kind::empty: return "";
        case Node::Kind::literal: return escape_bytes(n.text);
        case Node::Kind::any:
        case Node::Kind::klass:
            // A lone wide atom may stand for a 2-4 byte character.
            return n.wide ? "(?:" + n.text + "){1,4}" : n.text;
        case Node::Kind::assertion: return n.dropped ? "" : n.text;
        case Node::Kind::flags: return n.text;
        case Node::Kind::concat: {
            std::string out;
            for (const auto& c : n.children) out += emit(c);
            return out;
        }
        case Node::Kind::alternate: return "(?:" + emit_alternatives(n) + ")";
        case Node::Kind::group: {
            std::string flags = n.group_flags.empty() ? "" : n.group_flags;
            return "(?" + flags + ":" + emit_alternatives(n.children.front()) + ")";
        }
        case Node::Kind::repeat: {
            const Node& child = n.children.front();
            if ((child.kind == Node::Kind::any || child.kind == Node::Kind::klass) && child.wide) {
                int max = n.max == unbounded ? unbounded : std::min(n.max * 4, 100000);
                return child.text + bounds(n.min, max);
            }
            return "(?:" + emit(child) + ")" + bounds(n.min, n.max);
        }
    }
    return "";
}

// Literal runs every match must contain. `open` is the run being extended.
struct Required {
    std::vector<std::string> runs;
    std::string open;
    void cut() {
        if (!open.empty()) runs.push_back(std::move(open));
        open.clear();
    }
    double weight() const {
        double w = text_weight(open);
        for (const auto& r : runs) w += text_weight(r);
        return w;
    }
};

void collect(const Node& n, Required& req);

// The alternative that guarantees the least: its runs are what is certain.
void collect_alternatives(const Node& alt, Required& req) {
    double best = std::numeric_limits<double>::max();
    Required chosen;
    for (const auto& branch : alt.children) {
        Required r;
        collect(branch, r);
        double w = r.weight();
        if (w < best) {
            best = w;
            chosen = std::move(r);
        }
    }
    if (chosen.runs.empty()) {
        req.open += chosen.open;  // a pure literal branch continues the run
        return;
    }
    req.open += chosen.runs.front();
    req.cut();
    for (std::size_t i = 1; i < chosen.runs.size(); ++i) req.runs.push_back(chosen.runs[i]);
    req.open = chosen.open;
}

void collect(const Node& n, Required& req) {
    switch (n.kind) {
        case Node::Kind::empty:
        case Node::Kind::flags:
        case Node::Kind::assertion:
            return;
        case Node::Kind::literal:
            req.open += n.text;
            return;
        case Node::Kind::any:
        case Node::Kind::klass:
            req.cut();
            return;
        case Node::Kind::concat:
            for (const auto& c : n.children) collect(c, req);
            return;
        case Node::Kind::alternate:
            collect_alternatives(n, req);
            return;
        case Node::Kind::group:
            collect(n.children.front(), req);
            return;
        case Node::Kind::repeat:
            if (n.min == 0) {
                req.cut();
                return;
            }
            collect(n.children.front(), req);
            if (n.max != 1) req.cut();
            return;
    }
}

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool is_word_char(char c) { return is_alnum(c) || c == '_' || static_cast<unsigned char>(c) >= 0x80; }

// Literal runs that every match contains: an alternation guarantees
// nothing (its branches differ), an optional part neither.
void collect_certain(const Node& n, Required& req) {
    switch (n.kind) {
        case Node::Kind::empty:
        case Node::Kind::flags:
        case Node::Kind::assertion:
            return;
        case Node::Kind::literal:
            req.open += n.text;
            return;
        case Node::Kind::any:
        case Node::Kind::klass:
        case Node::Kind::alternate:
            req.cut();
            return;
        case Node::Kind::concat:
            for (const auto& c : n.children) collect_certain(c, req);
            return;
        case Node::Kind::group:
            collect_certain(n.children.front(), req);
            return;
        case Node::Kind::repeat:
            if (n.min == 0) {
                req.cut();
                return;
            }
            collect_certain(n.children.front(), req);
            if (n.max != 1) req.cut();
            return;
    }
}

// Below this an anchor would be found in too many unrelated lines (a
// quote and "does not exist"): the whole expression prefilters instead.
constexpr double min_anchor_weight = 6;
constexpr std::size_t min_anchor_length = 4;

}  // namespace

// No common error word is longer than this.
constexpr std::size_t longest_common_word = 10;

// Words that many unrelated failures share: on their own they say little
// about which failure this is.
constexpr std::array<std::string_view, 96> common_error_words = {
    "a", "able", "access", "all", "an", "and", "any", "are", "as", "at", "bad", "be", "been", "but",
    "by", "can", "cannot", "code", "command", "connect", "connection", "could", "did", "directory",
    "does", "done", "err", "error", "errors", "exception", "exist", "exists", "exit", "exited",
    "fail", "failed", "failing", "fails", "failure", "false", "fatal", "file", "for", "found",
    "from", "get", "had", "has", "have", "if", "in", "info", "invalid", "is", "it", "missing",
    "no", "not", "null", "of", "on", "or", "out", "panic", "permission", "please", "problem",
    "process", "refused", "returned", "run", "running", "set", "some", "status", "such", "that",
    "the", "this", "timed", "timeout", "to", "true", "unable", "unexpected", "unknown", "was",
    "warn", "warning", "when", "while", "with", "denied"};
static_assert([] {
    for (std::size_t i = 0; i < common_error_words.size(); ++i)
        if (common_error_words[i].size() > longest_common_word) return false;
    return true;
}());

bool is_common_error_word(std::string_view w) {
    return std::find(common_error_words.begin(), common_error_words.end(), w) != common_error_words.end();
}

namespace {

struct WordInfo {
    double weight = 0;
    bool common = false;
};

// Without allocating: comparing a log line with thousands of incident
// templates weighs every word of each, and building the lowered copy as a
// string was half of that (bench/match.sh).
WordInfo weigh_word(std::string_view word) {
    if (word.empty()) return {};
    std::array<char, longest_common_word> lowered{};
    bool has_digit = false, has_alpha = false, has_underscore = false, has_lower = false, inner_upper = false;
    for (std::size_t i = 0; i < word.size(); ++i) {
        char c = word[i];
        if (i < lowered.size()) lowered[i] = lower(c);
        if (c >= '0' && c <= '9') has_digit = true;
        else if (c == '_') has_underscore = true;
        else if (is_alnum(c)) has_alpha = true;
        if (c >= 'a' && c <= 'z') has_lower = true;
        if (i > 0 && c >= 'A' && c <= 'Z') inner_upper = true;
    }
    double len = static_cast<double>(word.size());
    if (word.size() <= longest_common_word && is_common_error_word(std::string_view(lowered.data(), word.size())))
        return {0.25 * len, true};
    // CamelCase and mixed case (ImagePullBackOff, OOMKilled), snake_case,
    // letters with digits (k8s, v1beta1): names of things, not prose.
    bool distinctive = (has_underscore && has_alpha) || (has_digit && has_alpha) || (inner_upper && has_lower);
    return {distinctive ? 2 * len : len, false};
}

// Two ordinary words in a row ("exec format") say more than each alone.
constexpr double phrase_bonus = 2;

}  // namespace

double word_weight(std::string_view word) { return weigh_word(word).weight; }

double text_weight(std::string_view text) {
    double w = 0;
    std::size_t i = 0;
    std::size_t previous_end = std::string_view::npos;  // end of the last word
    bool previous_common = true;
    while (i < text.size()) {
        if (is_word_char(text[i])) {
            std::size_t j = i;
            while (j < text.size() && is_word_char(text[j])) ++j;
            WordInfo word = weigh_word(text.substr(i, j - i));
            w += word.weight;
            if (previous_end != std::string_view::npos && i == previous_end + 1 && text[previous_end] == ' ' &&
                !previous_common && !word.common)
                w += phrase_bonus;
            previous_end = j;
            previous_common = word.common;
            i = j;
        } else if (text[i] == ' ' || text[i] == '\t') {
            w += 0.2;
            ++i;
        } else {
            // Runs of symbols ($'\r', ::, ->) are rarer than a lone colon.
            std::size_t j = i;
            while (j < text.size() && !is_word_char(text[j]) && text[j] != ' ' && text[j] != '\t') ++j;
            std::size_t run = j - i;
            w += run >= 2 ? static_cast<double>(run) : 0.5;
            i = j;
        }
    }
    return w;
}

std::string literal_expression(std::string_view bytes) { return escape_bytes(bytes); }

namespace {

// Vectorscan's literal matchers look for a long literal by its last eight
// bytes and check the rest only where those are found.
constexpr std::size_t literal_fragment = 8;
// Cut no shorter than this: a short literal is found whole in more lines.
constexpr std::size_t min_cut_anchor = 12;

// How unlike ordinary text a fragment is: its digits, punctuation and (when
// case counts) capitals.
int unusual_bytes(std::string_view fragment, bool caseless) {
    int n = 0;
    for (char c : fragment) {
        if ((c >= 'a' && c <= 'z') || c == ' ') continue;
        if (c >= 'A' && c <= 'Z' && caseless) continue;
        ++n;
    }
    return n;
}

}  // namespace

// A literal that ends in a word logs are full of ("... cannot hydrate
// ledger ", "... checkpoint ") sent Vectorscan to check it at every such
// word: with the benchmark's 1,000 signatures that was 16% of a scan's CPU
// (perf, bench/match.sh 256, one thread).
std::string_view anchor_literal(std::string_view anchor, bool caseless) {
    if (anchor.size() <= min_cut_anchor) return anchor;
    std::size_t best_end = anchor.size();
    int best = unusual_bytes(anchor.substr(anchor.size() - literal_fragment), caseless);
    for (std::size_t end = anchor.size() - 1; end >= min_cut_anchor; --end) {
        int score = unusual_bytes(anchor.substr(end - literal_fragment, literal_fragment), caseless);
        if (score > best) {
            best = score;
            best_end = end;
        }
    }
    return anchor.substr(0, best_end);
}

double strength(double weight) { return 1.0 - std::exp(-weight / 15.0); }

PatternInfo analyse_pattern(std::string_view pattern) {
    PatternInfo info;
    try {
        Parser parser(pattern);
        Node root = parser.parse();
        const Node prefilter = prefilter_tree(root);
        if (repeat_nesting(prefilter) > max_repeat_nesting)
            info.prefilter_error = "repeats nested more than " + std::to_string(max_repeat_nesting) + " deep";
        else
            info.prefilter = emit(prefilter);
        info.group_names = std::move(parser.names);
        Required req;
        collect(root, req);
        req.cut();
        info.required = std::move(req.runs);
        for (const auto& r : info.required) info.weight += text_weight(r);
        // Vectorscan 5.4.9 (Debian) misses expressions whose only literal is
        // one byte followed by classes (`c\w`, `c.`, `c[ox]`) once the match
        // is some way into the buffer (found by tests/fuzz, `prefilter`); a
        // two-byte literal is not affected. Such a signature is left to RE2.
        std::size_t longest = 0;
        for (const auto& r : info.required) longest = std::max(longest, r.size());
        if (longest < 2 && info.prefilter_error.empty()) {
            info.prefilter.clear();
            info.prefilter_error = "no literal of two bytes or more, which Vectorscan 5.4.9 can miss";
        }
        Required certain;
        collect_certain(root, certain);
        certain.cut();
        double best = 0;
        for (const auto& run : certain.runs) {
            double w = text_weight(run);
            if (run.size() >= min_anchor_length && w >= min_anchor_weight && w > best) {
                best = w;
                info.anchor = run;
            }
        }
        info.anchor_caseless = parser.folds_case;
        info.ok = true;
    } catch (const ParseError& e) {
        info.error = e.message;
    }
    return info;
}

}  // namespace match
