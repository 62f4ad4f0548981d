// Shared string helpers and date recognition.
#include <catch2/catch.hpp>

#include "kb/dates.hpp"
#include "kb/info_string.hpp"
#include "base/text.hpp"

using namespace kb;
using namespace base;

TEST_CASE("text helpers", "[kb][text]") {
    CHECK(text::trim("  a b \n") == "a b");
    CHECK(text::lower("ÄBC-Def") == "Äbc-def");
    CHECK(text::icontains("Permission DENIED", "denied"));
    CHECK(text::contains_word("no error here", "error"));
    CHECK_FALSE(text::contains_word("errors only", "error"));
    CHECK_FALSE(text::contains_word("terror", "error"));
    CHECK(text::split("a,,b", ',') == std::vector<std::string_view>{"a", "", "b"});
    CHECK(text::split_lines("a\nb\n") == std::vector<std::string_view>{"a", "b"});
    CHECK(text::collapse_whitespace("  a \t b\n\nc ") == "a b c");
    CHECK(text::replace_all("a-b-c", "-", "--") == "a--b--c");
    CHECK(text::slugify("Database Infrastructure Issue - Resolution Report") ==
          "database-infrastructure-issue-resolution-report");
    CHECK(text::slugify("\U0001F389 Sprint 4 MAJOR VICTORY \U0001F389") == "sprint-4-major-victory");
    CHECK(text::slugify("one two three four", 10) == "one-two");
    CHECK(text::trim_decoration("## \u2705 Done \U0001F389 ") == "Done");
    CHECK(text::truncate_words("alpha beta gamma", 12) == "alpha beta\u2026");
    std::size_t pos = 0;
    CHECK(text::decode_utf8("\xF0\x9F\x8E\x89", pos) == 0x1F389);
    CHECK(pos == 4);
}

TEST_CASE("dates are found in the forms people write", "[kb][dates]") {
    CHECK(dates::find_first("Date: 2025-10-01") == "2025-10-01");
    CHECK(dates::find_first("at 2025-10-01T23:34:04.48Z") == "2025-10-01");
    CHECK(dates::find_first("Day 2 (September 2, 2025) - fixes") == "2025-09-02");
    CHECK(dates::find_first("on 2 Sep 2025 we") == "2025-09-02");
    CHECK(dates::find_first("Sept. 2nd 2025") == "2025-09-02");
    CHECK(dates::find_first("the 3rd of March 2024") == "2024-03-03");
    CHECK(dates::find_first("2024/01/12 09:14") == "2024-01-12");
    CHECK(dates::find_first("build 2025-13-45 then 2025-02-28") == "2025-02-28");
    CHECK(dates::find_first("2023-02-29") == std::nullopt);
    CHECK(dates::find_first("version 1.2.3, port 5433:5432") == std::nullopt);
    CHECK(dates::find_first("Sep  2 11:09") == std::nullopt);
    CHECK(dates::starts_with_iso_date("2025-10-29-missing-extensions"));
    CHECK_FALSE(dates::starts_with_iso_date("20251029-x"));
}

TEST_CASE("step durations", "[kb][steps]") {
    CHECK(parse_duration("30s") == std::chrono::seconds(30));
    CHECK(parse_duration("5m") == std::chrono::seconds(300));
    CHECK(parse_duration("1h") == std::chrono::seconds(3600));
    CHECK(parse_duration("1h30m") == std::chrono::seconds(5400));
    CHECK(parse_duration("90") == std::chrono::seconds(90));
    CHECK(parse_duration("250ms") == std::chrono::seconds(1));
    CHECK(parse_duration("soon") == std::nullopt);
    CHECK(parse_duration("-5s") == std::nullopt);
    CHECK(parse_duration("") == std::nullopt);
}

TEST_CASE("info strings in Runme's attribute forms", "[kb][steps]") {
    auto json = parse_info_string(R"(sh {"name":"check","kind":"verify","excludeFromRunAll":true})");
    CHECK(json.language == "sh");
    CHECK(json.attributes["name"] == "check");
    CHECK(json.attributes["excludeFromRunAll"] == true);

    auto spaces = parse_info_string("bash {name=clean kind=apply timeout=5m}");
    CHECK(spaces.language == "bash");
    CHECK(spaces.attributes["kind"] == "apply");
    CHECK(spaces.attributes["timeout"] == "5m");

    auto commas = parse_info_string("SQL {name=enable,kind=apply,timeout=30}");
    CHECK(commas.language == "sql");
    CHECK(commas.attributes["timeout"] == 30);

    auto quoted = parse_info_string(R"(sh { name="two words" confirm=true })");
    CHECK(quoted.attributes["name"] == "two words");
    CHECK(quoted.attributes["confirm"] == true);

    auto plain = parse_info_string("python");
    CHECK(plain.language == "python");
    CHECK_FALSE(plain.has_attributes);

    CHECK_FALSE(parse_info_string(R"(sh {"name": )").error.empty());
    CHECK_FALSE(parse_info_string(R"(sh {name="open)").error.empty());

    // Lists and maps as values, but not nested without end: the index
    // writes attributes out again, recursively.
    auto nested = parse_info_string(R"(sh {"name":"x","env":{"A":["1",["2"]]}})");
    CHECK(nested.error.empty());
    CHECK(nested.attributes["env"]["A"][1][0] == "2");
    auto deep = parse_info_string("sh {\"name\":\"x\",\"v\":" + std::string(100000, '[') + std::string(100000, ']') + "}");
    CHECK(deep.error == "attributes are nested more than 16 deep");
    CHECK(deep.attributes.empty());
}

TEST_CASE("edit distance counts insertions, deletions and substitutions", "[base][text]") {
    CHECK(base::text::edit_distance("", "") == 0);
    CHECK(base::text::edit_distance("matc", "match") == 1);
    CHECK(base::text::edit_distance("mtach", "match") == 2);
    CHECK(base::text::edit_distance("kitten", "sitting") == 3);
    CHECK(base::text::edit_distance("", "run") == 3);
}
