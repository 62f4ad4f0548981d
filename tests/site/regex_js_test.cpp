// RE2 -> JavaScript RegExp: the translation table, what cannot be
// translated, and (with node, a real JavaScript engine) that each translated
// pattern accepts and rejects the same lines, with the same captures, as RE2.
#include <catch2/catch.hpp>

#include <re2/re2.h>

#include <nlohmann/json.hpp>

#include "site/regex_js.hpp"
#include "site/js_regex_support.hpp"
#include "support.hpp"

namespace {

site::JsRegex translate(const std::string& pattern) {
    auto result = site::to_js_regex(pattern);
    INFO(pattern << " -> " << (result ? "" : result.error().message));
    REQUIRE(result);
    return result.value();
}

std::string error_of(const std::string& pattern) {
    auto result = site::to_js_regex(pattern);
    REQUIRE_FALSE(result);
    return result.error().message;
}

}  // namespace

TEST_CASE("RE2 syntax is rewritten in JavaScript's", "[site][regex]") {
    struct Row {
        const char* re2;
        const char* source;
        const char* flags;
    };
    const Row table[] = {
        {"operator class \"gin_trgm_ops\"", "operator class \"gin_trgm_ops\"", "u"},
        {"type \"(?P<EXTENSION>vector|hstore)\"", "type \"(?<EXTENSION>vector|hstore)\"", "u"},
        {"(?i)no space left", "no space left", "iu"},
        {"\\Aerror\\z", "^error$", "u"},
        {"[[:alpha:]]+", "[A-Za-z]+", "u"},
        {"[[:^digit:]x]", "[\\x00-/:-\\u{10FFFF}x]", "u"},
        {"[^[:space:]]", "[^\\x09-\\x0D ]", "u"},
        {"\\pL\\p{Greek}\\PN\\p{^Lu}", "\\p{L}\\p{Script=Greek}\\P{N}\\P{Lu}", "u"},
        {"\\x{263A}\\x41", "\u263a" "A", "u"},
        {"a.b", "a[^\\n]b", "u"},
        {"(?s:a.b)", "(?:a[\\s\\S]b)", "u"},
        {"(?m)^x$", "(?<![^\\n])x(?![^\\n])", "u"},
        {"(?U)a+b*?", "a+?b*", "u"},
        {"x(?i:ab)y", "x(?:[aA][bB])y", "u"},
        {"(?i:[a-c_])", "(?:[a-c_A-C])", "u"},
        {"\\Qa.b*c\\E+", "a\\.b\\*c+", "u"},
        {"function {", "function \\{", "u"},
        {"x{2,3}y{,2}", "x{2,3}y\\{,2\\}", "u"},
        {"a]b", "a\\]b", "u"},
        {"\\-\\\"\\'", "-\"'", "u"},
        {"\\d+\\.\\d+\\s\\w\\b", "\\d+\\.\\d+\\s\\w\\b", "u"},
        {"[\\d.-]", "[.\\-\\d]", "u"},
        {"\\t\\n\\a", "\\x09\\x0A\\x07", "u"},
        {"path/to", "path/to", "u"},
        {"\\b?x\\B+(?m)$*", "(?:\\b)?x(?:\\B)+(?:(?![^\\n]))*", "u"},
        {"x\\b{2}\\b\\{", "x(?:\\b){2}\\b\\{", "u"},
    };
    for (const auto& row : table) {
        auto js = translate(row.re2);
        INFO(row.re2);
        CHECK(js.source == row.source);
        CHECK(js.flags == row.flags);
    }
}

TEST_CASE("what JavaScript cannot express is refused with the reason", "[site][regex]") {
    CHECK_THAT(error_of("\\C+"), Catch::Contains("\\C"));
    CHECK_THAT(error_of("(?i)a(?-i:b)"), Catch::Contains("case-sensitive part"));
    CHECK_THAT(error_of("(unclosed"), Catch::Contains("not a valid RE2 pattern"));
    CHECK_THAT(error_of("(?P<1x>a)"), Catch::Contains("starts with a digit"));
}

TEST_CASE("translated patterns behave like RE2 in a JavaScript engine", "[site][regex]") {
    struct Case {
        std::string pattern;
        std::vector<std::string> lines;
    };
    const std::vector<Case> cases = {
        {"operator class \"g(?:in|ist)_trgm_ops\" does not exist",
         {"ERROR: operator class \"gin_trgm_ops\" does not exist for access method \"gin\"", "gin_trgm_ops", "gist_trgm_ops\""}},
        {"type \"(?P<EXTENSION>vector|hstore|citext)\" does not exist", {"type \"citext\" does not exist", "type \"uuid\" does not exist"}},
        {"(?i)no space left on device", {"write: No Space Left On Device", "no space"}},
        {"\\Aerror: (?P<WHAT>\\w+)\\z", {"error: disk", "an error: disk", "error: disk full"}},
        {"[[:alpha:]]+[[:digit:]]{2}", {"abc12", "12ab", "x9"}},
        {"[[:^alpha:]]{3}", {"ab1-2", "abcd"}},
        {"\\pL+ \\p{Greek}", {"café λ", "cafe x"}},
        {"x(?i:ab)y", {"xABy", "XABy", "xaby"}},
        {"(?U)a(?P<MORE>b+)", {"abbb"}},
        {"(?s:a.c)", {"abc", "ac"}},
        {"function \\w+\\(\\) does not exist", {"function uuid_generate_v4() does not exist", "function x does not exist"}},
        {"\\Q(1+1)\\E=2", {"(1+1)=2", "11=2"}},
        {"Filesystem\\s+[[:alnum:]/]+\\s+is (?:100|9[89])% full", {"Filesystem /dev/sda1   is 99% full", "Filesystem / is 50% full"}},
        {"[^\\x00-\\x7F]+ ok", {"ünïcode ok", "ascii ok"}},
        {"a\\b?-\\B*x", {"a-x", "a -x", "ab-x"}},
    };

    // Expected results from RE2 itself: matched?, then each named group.
    nlohmann::json input = nlohmann::json::array();
    nlohmann::json expected = nlohmann::json::array();
    for (const auto& c : cases) {
        RE2 re(c.pattern);
        REQUIRE(re.ok());
        auto js = translate(c.pattern);
        nlohmann::json lines = nlohmann::json::array();
        for (const auto& line : c.lines) {
            expected.push_back(test::re2_verdict(re, c.pattern, line));
            lines.push_back(line);
        }
        input.push_back({{"source", js.source}, {"flags", js.flags}, {"lines", lines}});
    }

    auto actual = test::run_in_node(input);
    REQUIRE(actual.size() == expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i) {
        INFO(expected[i]["pattern"].get<std::string>() << " on " << expected[i]["line"].get<std::string>());
        INFO("JavaScript " << actual[i].dump());
        CHECK(test::same_verdict(actual[i], expected[i]));
    }
}
