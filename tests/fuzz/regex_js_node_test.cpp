// RE2 and the site's JavaScript translation, run in node, must agree on
// thousands of generated signatures and lines: whether a line matches, what
// the match is, and what each named group captures. The signatures come from
// a small grammar of the RE2 syntax signatures use; each comes with lines
// built to match it, lines one edit away, and unrelated text.
#include <catch2/catch.hpp>

#include <random>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>
#include <re2/re2.h>

#include "site/regex_js.hpp"
#include "site/js_regex_support.hpp"
#include "support.hpp"

namespace {

// A piece of a pattern and a string it matches (when case and flags allow).
struct Piece {
    std::string pattern;
    std::string sample;
    // Holds a repeat or an alternation. Such a piece is never repeated:
    // JavaScript backtracks, and a repeat of one takes it exponential time
    // on a line that almost matches (`(?:a*)*b` on forty a's), where RE2
    // stays linear.
    bool branching = false;
};

class Generator {
public:
    explicit Generator(unsigned seed) : random_(seed) {}

    Piece signature() {
        repeats_ = 0;
        Piece p = sequence(0);
        const int flags = pick(12);
        if (flags == 0) p.pattern = "(?i)" + p.pattern;
        else if (flags == 1) p.pattern = "(?s)" + p.pattern;
        else if (flags == 2) p.pattern = "(?U)" + p.pattern;
        else if (flags == 3) p.pattern = "^" + p.pattern;
        else if (flags == 4) p.pattern += "$";
        else if (flags == 5) p.pattern = "\\A" + p.pattern + "\\z";
        else if (flags == 6) p.pattern = "(?m)^" + p.pattern + "$";
        return p;
    }

    // Lines for a signature: its sample, inside other text, edited, unrelated.
    std::vector<std::string> lines(const Piece& p) {
        std::vector<std::string> out{p.sample, text(3) + p.sample + text(3), edited(p.sample), text(12)};
        if (pick(3) == 0) out.push_back(p.sample + "\n" + text(4));
        return out;
    }

private:
    int pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(random_); }

    std::string text(int max) {
        static const std::vector<std::string> alphabet = {"a", "b", "c", "A", "B", "x", "1", "9", " ", "-", "_", ".",
                                                          "/", ":", "\"", "'", "é", "λ", "\t", "(", ")", "é"};
        std::string out;
        for (int n = pick(max + 1); n > 0; --n) out += alphabet[static_cast<std::size_t>(pick(static_cast<int>(alphabet.size())))];
        return out;
    }

    // One character deleted, inserted or replaced (whole characters: the
    // lines stay UTF-8, as cleaned log lines are).
    std::string edited(std::string s) {
        if (s.empty()) return text(2);
        std::size_t at = static_cast<std::size_t>(pick(static_cast<int>(s.size())));
        while (at > 0 && (static_cast<unsigned char>(s[at]) & 0xC0) == 0x80) --at;
        std::size_t length = 1;
        while (at + length < s.size() && (static_cast<unsigned char>(s[at + length]) & 0xC0) == 0x80) ++length;
        switch (pick(3)) {
            case 0: s.erase(at, length); break;
            case 1: s.insert(at, text(1)); break;
            default: s.replace(at, length, std::string(1, "aZ9 ."[pick(5)])); break;
        }
        return s;
    }

    Piece sequence(int depth) {
        Piece out;
        for (int n = 1 + pick(3); n > 0; --n) {
            Piece p = repeated(depth);
            out.pattern += p.pattern;
            out.sample += p.sample;
            out.branching = out.branching || p.branching;
        }
        return out;
    }

    Piece repeated(int depth) {
        Piece p = atom(depth);
        auto times = [&](int n) {
            std::string s;
            for (int i = 0; i < n; ++i) s += p.sample;
            return s;
        };
        // A few repeats in a row at most, for the same reason: each one
        // multiplies what a backtracking engine tries.
        if (p.branching || repeats_ == max_repeats) return p;
        ++repeats_;
        const std::string lazy = pick(4) == 0 ? "?" : "";
        switch (pick(10)) {
            case 0: return {p.pattern + "*" + lazy, times(pick(3)), true};
            case 1: return {p.pattern + "+" + lazy, times(1 + pick(3)), true};
            case 2: return {p.pattern + "?" + lazy, times(pick(2)), true};
            case 3: {
                int n = 1 + pick(3);
                return {p.pattern + "{" + std::to_string(n) + "}", times(n), true};
            }
            case 4: {
                int n = pick(2), m = n + 1 + pick(2);
                return {p.pattern + "{" + std::to_string(n) + "," + std::to_string(m) + "}" + lazy, times(m), true};
            }
            case 5: return {p.pattern + "{2,}" + lazy, times(2 + pick(2)), true};
            default: return p;
        }
    }

    Piece atom(int depth) {
        if (depth < 3) {
            switch (pick(14)) {
                case 0: {
                    Piece inner = sequence(depth + 1);
                    return {"(" + inner.pattern + ")", inner.sample, inner.branching};
                }
                case 1: {
                    Piece inner = sequence(depth + 1);
                    return {"(?:" + inner.pattern + ")", inner.sample, inner.branching};
                }
                case 2: {
                    Piece inner = sequence(depth + 1);
                    return {"(?P<G" + std::to_string(group_++) + ">" + inner.pattern + ")", inner.sample, inner.branching};
                }
                case 3: {
                    Piece a = sequence(depth + 1), b = sequence(depth + 1);
                    return {"(?:" + a.pattern + "|" + b.pattern + ")", pick(2) ? a.sample : b.sample, true};
                }
                case 4: {
                    Piece inner = sequence(depth + 1);
                    return {"(?i:" + inner.pattern + ")", inner.sample, inner.branching};
                }
                default: break;
            }
        }
        struct Leaf {
            const char* pattern;
            const char* sample;
        };
        static const Leaf leaves[] = {
            {"a", "a"}, {"b", "b"}, {"x", "x"}, {"A", "A"}, {"é", "é"}, {"λ", "λ"}, {" ", " "}, {"-", "-"},
            {"\\.", "."}, {"\\(", "("}, {"\"", "\""}, {"'", "'"}, {"/", "/"}, {":", ":"}, {"_", "_"}, {"1", "1"},
            {".", "é"}, {".", "q"}, {"\\d", "7"}, {"\\w", "k"}, {"\\s", " "}, {"\\S", "λ"}, {"\\D", "-"},
            {"\\W", "é"}, {"[a-c]", "b"}, {"[^a]", "é"}, {"[^\"]", "x"}, {"[[:alpha:]]", "Q"},
            {"[[:digit:]]", "4"}, {"[[:space:]]", "\t"}, {"[[:^alpha:]]", "-"}, {"[\\d.-]", "."},
            {"\\pL", "λ"}, {"\\p{Greek}", "λ"}, {"\\PN", "a"}, {"\\x41", "A"}, {"\\x{e9}", "é"},
            {"\\t", "\t"}, {"\\b", ""}, {"\\B", ""}, {"[^ ]", "/"}, {"[^/]", "a"}, {"\\Q.*\\E", ".*"},
        };
        const Leaf& leaf = leaves[pick(static_cast<int>(std::size(leaves)))];
        return {leaf.pattern, leaf.sample};
    }

    static constexpr int max_repeats = 4;
    std::mt19937 random_;
    int group_ = 0;
    int repeats_ = 0;
};

}  // namespace

TEST_CASE("fuzz: RE2 and the site's JavaScript agree on generated signatures and lines", "[fuzz][site][regex]") {
    Generator generator(20261207);
    nlohmann::json input = nlohmann::json::array();
    nlohmann::json expected = nlohmann::json::array();
    std::size_t translated = 0, matched = 0;
    for (int n = 0; n < 3000; ++n) {
        const Piece p = generator.signature();
        RE2 re(p.pattern, RE2::Quiet);
        if (!re.ok()) continue;
        // deja lint refuses a signature that matches an empty line, and for
        // one RE2 may report an empty match inside a UTF-8 character where
        // JavaScript goes on to a longer one: not a signature's shape.
        if (RE2::PartialMatch("", re)) continue;
        auto js = site::to_js_regex(p.pattern);
        if (!js) continue;
        ++translated;
        nlohmann::json lines = nlohmann::json::array();
        for (const auto& line : generator.lines(p)) {
            expected.push_back(test::re2_verdict(re, p.pattern, line));
            matched += expected.back()["match"].get<bool>();
            lines.push_back(line);
        }
        input.push_back({{"source", js.value().source}, {"flags", js.value().flags}, {"lines", lines}});
    }
    // The grammar is meant to produce signatures JavaScript can take, and
    // lines that match them about half the time.
    CHECK(translated > 2500);
    CHECK(matched > expected.size() / 4);
    CHECK(matched < expected.size() * 3 / 4 + 1);

    auto actual = test::run_in_node(input);
    REQUIRE(actual.size() == expected.size());
    std::size_t disagreements = 0;
    for (std::size_t i = 0; i < expected.size(); ++i) {
        const bool same = test::same_verdict(actual[i], expected[i]);
        if (same) continue;
        // The first few in full; the count says how many more.
        if (++disagreements <= 10) {
            INFO("RE2 " << expected[i].dump() << "\nJavaScript " << actual[i].dump());
            CHECK(same);
        }
    }
    CHECK(disagreements == 0);
}
