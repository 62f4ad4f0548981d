// Params taken from a log: one command per distinct set of values.
#include <catch2/catch.hpp>

#include "match/fixture_kb.hpp"

namespace {

std::vector<std::string> commands_of(const match::Report& report) {
    std::vector<std::string> out;
    for (const auto& m : report.matches) out.push_back(m.command);
    return out;
}

}  // namespace

TEST_CASE("a runbook found with two values of a param gives a command for each", "[match][params]") {
    const std::string trgm = R"(ERROR:  operator class "gin_trgm_ops" does not exist for access method "gin")";
    const std::string vector = R"(ERROR:  type "vector" does not exist)";
    SECTION("two extensions missing") {
        auto report = test::match_kb::scan_text(trgm + "\n" + vector + "\n" + trgm + "\n");
        REQUIRE(report.matches.size() == 2);
        CHECK(report.matches[0].params == kb::ParamValues{{"EXTENSION", "pg_trgm"}});
        CHECK(report.matches[1].params == kb::ParamValues{{"EXTENSION", "vector"}});
        CHECK(report.matches[1].evidence.back().text == vector);
        for (const auto& m : report.matches) CHECK(m.runbook == std::optional<std::string>("pg-extension-missing"));
    }
    SECTION("the same value twice is one failure") {
        auto report = test::match_kb::scan_text(trgm + "\nretrying\n" + trgm + "\n");
        CHECK(commands_of(report).size() == 1);
    }
    SECTION("a changing detail repeated many times gives at most three") {
        std::string log;
        for (int i = 0; i < 10; ++i)
            log += "ERROR:  relation \"table_" + std::to_string(i) + "\" does not exist\n";
        auto report = test::match_kb::scan_text(log);
        REQUIRE(report.matches.size() == 3);
        CHECK(report.matches[0].params.at("RELATION") == "table_0");
        CHECK(report.matches[2].params.at("RELATION") == "table_2");
    }
}
