#include <catch2/catch.hpp>

#include "match/report.hpp"
#include "store/index.hpp"
#include "support.hpp"

TEST_CASE("the compiled signature database is cached in the index", "[match][cache]") {
    test::TempDir home;
    std::vector<std::filesystem::path> dirs{test::fixtures() / "match" / "kb"};
    auto db = home / "index.sqlite";
    // A runbook's signature, and an error line known only from an incident.
    // A symptom before its cause: telling them apart needs the runbooks'
    // tags, which a cached matcher reads only for runbooks with evidence.
    const std::string log =
        "runner: widget pipeline gave up after 3 attempts\n"
        "widgets.FrobnicatorError: the frobnicator jammed at stage 3\n"
        "SprocketCalibrationError: sprocket drift of 0.52 mm exceeds tolerance on line C\n";
    std::string first_json;
    {
        auto index = store::Index::open(dirs, db);
        REQUIRE(index);
        auto built = match::Matcher::load_or_build(*index);
        REQUIRE(built);
        CHECK_FALSE(built->from_cache());
        auto report = match::scan(*built, {match::Input::from_text("ci.log", log)});
        REQUIRE(report);
        REQUIRE(report->found());
        first_json = match::to_json(*report).dump();
        INFO(first_json);
        CHECK(first_json.find("2025-08-02-sprocket-drift") != std::string::npos);
        REQUIRE(report->matches.size() == 3);
        CHECK(report->matches.front().runbook == std::optional<std::string>("frobnicator-jammed"));
        CHECK(report->matches.front().params.at("STAGE") == "3");
        CHECK(report->matches.back().runbook == std::optional<std::string>("widget-pipeline-gave-up"));
        CHECK(report->matches.back().symptom);
    }
    {
        auto index = store::Index::open(dirs, db);
        REQUIRE(index);
        CHECK_FALSE(index->rebuilt());
        auto loaded = match::Matcher::load_or_build(*index);
        REQUIRE(loaded);
        CHECK(loaded->from_cache());
        auto report = match::scan(*loaded, {match::Input::from_text("ci.log", log)});
        REQUIRE(report);
        CHECK(match::to_json(*report).dump() == first_json);
    }
    // A damaged blob is rebuilt, not trusted.
    {
        auto index = store::Index::open(dirs, db);
        REQUIRE(index);
        REQUIRE(index->blob(match::Matcher::blob_name()));
        REQUIRE(index->put_blob(match::Matcher::blob_name(), "not a database"));
        auto rebuilt = match::Matcher::load_or_build(*index);
        REQUIRE(rebuilt);
        auto report = match::scan(*rebuilt, {match::Input::from_text("ci.log", log)});
        REQUIRE(report);
        CHECK(match::to_json(*report).dump() == first_json);
    }
}
