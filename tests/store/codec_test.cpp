#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "kb/load.hpp"
#include "store/codec.hpp"
#include "support.hpp"

namespace {

template <class T>
void check_round_trip(const T& original) {
    auto row = store::codec::encode(original);
    store::codec::Stored stored{row.json, row.detail, *row.markdown, *row.summary, row.code_text(), *row.body};
    std::optional<T> back;
    if constexpr (std::is_same_v<T, kb::Runbook>) back = store::codec::decode_runbook(stored);
    else back = store::codec::decode_incident(stored);
    REQUIRE(back);
    auto difference = nlohmann::json::diff(nlohmann::json(original), nlohmann::json(*back));
    INFO(difference.dump().substr(0, 600));
    CHECK(difference.empty());
}

}  // namespace

TEST_CASE("codec: documents come back exactly as loaded", "[store][codec]") {
    // Real reports (messy, no front matter), where the checkout has them,
    // and the store fixtures.
    if (auto folder = test::shared_reports()) {
        auto reports = kb::load({*folder});
        REQUIRE(reports.incidents.size() >= 5);
        for (const auto& i : reports.incidents) {
            INFO(i.path);
            check_round_trip(i);
        }
    }
    auto fixture = kb::load({test::fixtures() / "store" / "kb"});
    REQUIRE_FALSE(fixture.runbooks.empty());
    for (const auto& r : fixture.runbooks) {
        INFO(r.path);
        check_round_trip(r);
    }
    for (const auto& i : fixture.incidents) {
        INFO(i.path);
        check_round_trip(i);
    }
}

TEST_CASE("codec: a section is stored as where it is in the body, not as a copy", "[store][codec]") {
    kb::Incident i;
    i.id = "x";
    i.body_markdown = "# T\n\n## Symptoms\n\nIt broke.\n\n## Other\n";
    i.sections.push_back({kb::SectionKind::symptoms, "Symptoms", i.body_markdown.find("It broke."), 9, 3});
    i.sections.push_back({kb::SectionKind::other, "Other", 0, 0, 7});
    REQUIRE(kb::markdown_of(i, i.sections[0]) == "It broke.");
    check_round_trip(i);
    auto row = store::codec::encode(i);
    CHECK(row.json.find("It broke.") == std::string::npos);
    CHECK(row.detail.find("It broke.") == std::string::npos);
    // What `deja show --json` prints has the text.
    CHECK(nlohmann::json(i)["sections"][0]["markdown"] == "It broke.");
}

TEST_CASE("codec: a damaged row is reported, not thrown", "[store][codec]") {
    CHECK_FALSE(store::codec::decode_runbook({"not json", "", "", "", "", ""}));
    CHECK_FALSE(store::codec::decode_incident({"[1, 2]", "", "", "", "", ""}));
    CHECK_FALSE(store::codec::decode_runbook({R"({"id": "x"})", "{\"steps\": [", "", "", "", ""}));
    // Section ranges past the end of the Markdown do not read past it, even
    // when their end wraps around.
    auto odd = store::codec::decode_incident(
        {R"({"id": "x"})",
         R"({"sections": [{"heading": "h", "markdown_at": [500, 20]}, {"markdown_at": [2, 18446744073709551615]},
                          {"markdown_at": [1, 3]}, {"markdown_at": "x"}]})",
         "short", "", "", ""});
    REQUIRE(odd);
    REQUIRE(odd->sections.size() == 4);
    CHECK(kb::markdown_of(*odd, odd->sections[0]).empty());
    CHECK(kb::markdown_of(*odd, odd->sections[1]).empty());
    CHECK(kb::markdown_of(*odd, odd->sections[2]) == "hor");
    CHECK(kb::markdown_of(*odd, odd->sections[3]).empty());
}

TEST_CASE("codec: an outline is read from the outline column alone", "[store][codec]") {
    auto fixture = kb::load({test::fixtures() / "store" / "kb"});
    const kb::Runbook* with_steps = nullptr;
    for (const auto& r : fixture.runbooks)
        if (!r.steps.empty() && !r.examples.empty() && !r.signatures.empty()) with_steps = &r;
    REQUIRE(with_steps);
    auto row = store::codec::encode(*with_steps);
    // What an outline leaves out is not in the column it reads.
    CHECK(row.json.find("\"steps\"") == std::string::npos);
    CHECK(row.json.find("\"examples\"") == std::string::npos);
    CHECK(row.detail.find("\"steps\"") != std::string::npos);
    auto outline = store::codec::decode_runbook({row.json, "", "", *row.summary, "", ""}, store::codec::Detail::outline);
    REQUIRE(outline);
    CHECK(outline->id == with_steps->id);
    CHECK(outline->steps.empty());
    CHECK(outline->examples.empty());
    REQUIRE(outline->signatures.size() == with_steps->signatures.size());
    CHECK(outline->signatures.front().pattern == with_steps->signatures.front().pattern);
    CHECK(outline->params.size() == with_steps->params.size());
}
