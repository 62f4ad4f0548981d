#include "match/normalise.hpp"

#include <algorithm>

#include "match/pattern.hpp"
#include "base/text.hpp"
#include "match/text.hpp"

namespace match {

namespace {

constexpr std::size_t max_quoted = 300;

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
bool is_word(char c) { return is_digit(c) || is_alpha(c) || c == '_'; }
bool is_space(char c) { return c == ' ' || c == '\t'; }

bool all_of(std::string_view s, bool (*pred)(char)) {
    return !s.empty() && std::all_of(s.begin(), s.end(), pred);
}

bool is_number(std::string_view w) {
    if (!w.empty() && (w[0] == 'v' || w[0] == 'V')) w.remove_prefix(1);
    if (w.empty() || !is_digit(w[0])) return false;
    for (char c : w)
        if (!is_digit(c) && c != '.' && c != ',' && c != ':' && c != '-') return false;
    return true;
}

bool is_ipv4(std::string_view w) {
    int dots = 0, digits = 0;
    for (char c : w) {
        if (c == '.') {
            if (digits == 0) return false;
            ++dots, digits = 0;
        } else if (is_digit(c)) {
            if (++digits > 3) return false;
        } else {
            return false;
        }
    }
    return dots == 3 && digits > 0;
}

bool is_uuid(std::string_view w) {
    if (w.size() != 36) return false;
    for (std::size_t i = 0; i < w.size(); ++i) {
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? w[i] != '-' : !is_hex(w[i])) return false;
    }
    return true;
}

// Hex ids (commit hashes, alembic revisions, container ids): all hex digits
// with at least one digit and one letter, so that words such as "decade" or
// "added" stay words.
bool is_hex_id(std::string_view w) {
    if (w.size() > 2 && w[0] == '0' && (w[1] == 'x' || w[1] == 'X')) return all_of(w.substr(2), is_hex);
    if (w.size() < 6 || !all_of(w, is_hex)) return false;
    bool digit = std::any_of(w.begin(), w.end(), is_digit);
    bool letter = std::any_of(w.begin(), w.end(), [](char c) { return !is_digit(c); });
    return digit && letter;
}

// A generated part of a name (a pod's hash suffix, a run number).
bool is_generated_part(std::string_view part) {
    if (part.empty()) return false;
    if (is_digit(part[0])) return true;
    return part.size() >= 5 && all_of(part, is_hex) && std::any_of(part.begin(), part.end(), is_digit);
}

std::string mask_word(std::string_view w) {
    if (is_ipv4(w)) return "<ip>";
    if (is_uuid(w)) return "<uuid>";
    if (is_number(w)) return "<num>";
    if (is_hex_id(w)) return "<hex>";
    if (is_digit(w[0])) return "<num>";
    if (w.find('-') == std::string_view::npos) return std::string(w);
    // pod and job names: threads-migrations-7x2kq
    std::string out;
    std::size_t start = 0;
    for (;;) {
        std::size_t dash = w.find('-', start);
        std::string_view part = w.substr(start, dash == std::string_view::npos ? std::string_view::npos : dash - start);
        out += start > 0 && is_generated_part(part) ? "<*>" : std::string(part);
        if (dash == std::string_view::npos) break;
        out += '-';
        start = dash + 1;
    }
    return out;
}

std::size_t scheme_length(std::string_view s, std::size_t i) {
    std::size_t j = i;
    while (j < s.size() && (is_alpha(s[j]) || is_digit(s[j]) || s[j] == '+' || s[j] == '.' || s[j] == '-')) ++j;
    if (j > i && j + 2 < s.size() && s.compare(j, 3, "://") == 0) return j + 3 - i;
    return 0;
}

bool ends_token(char c) {
    return is_space(c) || c == '"' || c == '\'' || c == '`' || c == ',' || c == ')' || c == ']' || c == '>' || c == ';';
}

bool path_start(std::string_view s, std::size_t i) {
    char prev = i == 0 ? ' ' : s[i - 1];
    bool boundary = is_space(prev) || prev == '(' || prev == '=' || prev == '[' || prev == ':' || prev == '\'' ||
                    prev == '"' || prev == '`';
    if (!boundary) return false;
    if (s[i] == '/') return i + 1 < s.size() && (is_word(s[i + 1]) || s[i + 1] == '.');
    if (s[i] == '.' || s[i] == '~') {
        std::size_t j = i;
        while (j < s.size() && s[j] == '.') ++j;
        if (s[i] == '~') j = i + 1;
        return j < s.size() && s[j] == '/' && j - i <= 2;
    }
    return false;
}

bool has_space(std::string_view s) {
    return std::any_of(s.begin(), s.end(), [](char c) { return is_space(c); });
}

// A quoted single word is normalised like any other (an address, a number, a
// path); quoted prose is a value that changes, masked whole.
std::string normalise_quoted(std::string_view content) {
    std::string_view t = base::text::trim(content);
    if (t.empty()) return std::string(content);
    if (has_space(t)) return "<*>";
    return normalise(t);
}

// A clock time with optional fraction and zone, after its first digits.
std::size_t time_length(std::string_view s, std::size_t i) {
    std::size_t j = i;
    auto digits = [&] {
        std::size_t k = j;
        while (k < s.size() && is_digit(s[k])) ++k;
        bool any = k > j;
        j = k;
        return any;
    };
    if (!digits() || j - i > 2 || j >= s.size() || s[j] != ':') return 0;
    ++j;
    if (!digits()) return 0;
    while (j + 1 < s.size() && s[j] == ':' && is_digit(s[j + 1])) {
        ++j;
        digits();
    }
    if (j + 1 < s.size() && (s[j] == '.' || s[j] == ',') && is_digit(s[j + 1])) {
        ++j;
        digits();
    }
    if (j + 1 < s.size() && (s[j] == '+' || s[j] == '-') && is_digit(s[j + 1])) {
        std::size_t save = j++;
        digits();
        if (j + 1 < s.size() && s[j] == ':' && is_digit(s[j + 1])) {
            ++j;
            digits();
        }
        if (j - save > 6) j = save;
    }
    if (j < s.size() && s[j] == 'Z') ++j;
    if (j < s.size() && is_word(s[j])) return 0;
    return j - i;
}

bool is_quote(char c) { return c == '"' || c == '\'' || c == '`'; }

}  // namespace

std::string normalise(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    std::size_t i = 0;
    s = base::text::trim(s);
    while (i < s.size()) {
        char c = s[i];
        if (is_space(c)) {
            while (i < s.size() && is_space(s[i])) ++i;
            out += ' ';
            continue;
        }
        if (is_quote(c)) {
            // A quote that opens a value: at a boundary, closed on this line.
            char prev = i == 0 ? ' ' : s[i - 1];
            std::size_t close = s.find(c, i + 1);
            if (!is_word(prev) && close != std::string_view::npos && close - i - 1 <= max_quoted) {
                out += c;
                out += normalise_quoted(s.substr(i + 1, close - i - 1));
                out += c;
                i = close + 1;
                continue;
            }
            out += c;
            ++i;
            continue;
        }
        if (is_alpha(c) && (i == 0 || !is_word(s[i - 1]))) {
            if (std::size_t len = scheme_length(s, i)) {
                std::size_t j = i + len;
                while (j < s.size() && !ends_token(s[j])) ++j;
                out += "<url>";
                i = j;
                continue;
            }
        }
        if (path_start(s, i)) {
            std::size_t j = i;
            while (j < s.size() && !ends_token(s[j]) && s[j] != ':') ++j;
            out += "<path>";
            i = j;
            continue;
        }
        if (is_digit(c) && (i == 0 || !is_word(s[i - 1]))) {
            if (std::size_t len = time_length(s, i)) {
                out += "<num>";
                i += len;
                continue;
            }
        }
        if (is_word(c)) {
            std::size_t j = i;
            while (j < s.size() && (is_word(s[j]) || s[j] == '.' || s[j] == '-')) ++j;
            while (j > i + 1 && (s[j - 1] == '.' || s[j - 1] == '-')) --j;
            out += mask_word(s.substr(i, j - i));
            i = j;
            continue;
        }
        out += c;
        ++i;
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out;
}

std::string_view message_core(std::string_view t) {
    // Labels: `Word.Dotted::Name:` followed by space, or `(dotted.Name)`.
    for (int round = 0; round < 4; ++round) {
        std::size_t i = 0;
        if (!t.empty() && t[0] == '(') {
            std::size_t close = t.find(')');
            if (close == std::string_view::npos) break;
            std::string_view label = t.substr(1, close - 1);
            if (label.empty() || has_space(label) || !(is_alpha(label[0]) || label[0] == '_')) break;
            i = close + 1;
        } else {
            while (i < t.size() && (is_word(t[i]) || t[i] == '.' || t[i] == ':')) ++i;
            // The label ends with a colon and a space, and is not all colons.
            if (i < 2 || t[i - 1] != ':' || i >= t.size() || !is_space(t[i]) || !is_alpha(t[0])) break;
        }
        std::string_view rest = base::text::trim(t.substr(i));
        if (rest.empty()) break;
        t = rest;
    }
    return t;
}

std::vector<std::string> template_tokens(std::string_view t) {
    std::vector<std::string> tokens;
    std::size_t i = 0;
    while (i < t.size()) {
        if (t[i] == '<') {
            std::size_t close = t.find('>', i);
            if (close != std::string_view::npos && close - i <= 6 && close > i + 1) {
                std::string_view inner = t.substr(i + 1, close - i - 1);
                if (inner == "num" || inner == "ip" || inner == "hex" || inner == "uuid" || inner == "path" ||
                    inner == "url" || inner == "*") {
                    tokens.emplace_back(t.substr(i, close - i + 1));
                    i = close + 1;
                    continue;
                }
            }
        }
        if (is_word(t[i])) {
            std::size_t j = i;
            while (j < t.size() && is_word(t[j])) ++j;
            tokens.push_back(base::text::lower(t.substr(i, j - i)));
            i = j;
            continue;
        }
        ++i;
    }
    std::sort(tokens.begin(), tokens.end());
    tokens.erase(std::unique(tokens.begin(), tokens.end()), tokens.end());
    return tokens;
}

namespace {

double token_weight(const std::string& token) {
    if (!token.empty() && token.front() == '<') return 0.5;
    return word_weight(token);
}

}  // namespace

std::vector<double> token_weights(const std::vector<std::string>& tokens) {
    std::vector<double> weights;
    weights.reserve(tokens.size());
    for (const auto& t : tokens) weights.push_back(token_weight(t));
    return weights;
}

double similarity(const std::vector<std::string>& a, const std::vector<std::string>& b) {
    return similarity(a, token_weights(a), b, token_weights(b));
}

double similarity(const std::vector<std::string>& a, std::span<const double> a_weights,
                  const std::vector<std::string>& b, std::span<const double> b_weights) {
    double shared = 0, total = 0;
    std::size_t i = 0, j = 0;
    while (i < a.size() || j < b.size()) {
        if (j == b.size() || (i < a.size() && a[i] < b[j])) {
            total += a_weights[i++];
        } else if (i == a.size() || b[j] < a[i]) {
            total += b_weights[j++];
        } else {
            double w = a_weights[i];
            shared += w;
            total += w;
            ++i, ++j;
        }
    }
    return total > 0 ? shared / total : 0;
}

double coverage(const std::vector<std::string>& required, const std::vector<std::string>& tokens) {
    double have = 0, total = 0;
    for (const auto& r : required) {
        double w = token_weight(r);
        total += w;
        if (std::binary_search(tokens.begin(), tokens.end(), r)) have += w;
    }
    return total > 0 ? have / total : 0;
}

double template_weight(std::string_view t) {
    std::string stripped;
    std::size_t i = 0;
    while (i < t.size()) {
        if (t[i] == '<') {
            std::size_t close = t.find('>', i);
            if (close != std::string_view::npos && close - i <= 6) {
                stripped += ' ';
                i = close + 1;
                continue;
            }
        }
        stripped += t[i++];
    }
    return text_weight(stripped);
}

}  // namespace match
