#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "kb/load.hpp"
#include "store/codec.hpp"
#include "support.hpp"

namespace {

template <class T>
void check_round_trip(const T& original) {
    auto row = store::codec::encode(original);
    store::codec::Stored stored{row.json, *row.markdown, *row.summary, row.code_text(), *row.body};
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

TEST_CASE("codec: sections that are not slices of the body are kept whole", "[store][codec]") {
    kb::Incident i;
    i.id = "x";
    i.body_markdown = "# T\n\n## Symptoms\n\nIt broke.\n";
    i.sections.push_back({kb::SectionKind::symptoms, "Symptoms", "It broke.\n", 3});
    i.sections.push_back({kb::SectionKind::other, "Invented", "text that is nowhere in the body", 9});
    i.sections.push_back({kb::SectionKind::other, "Empty", "", 10});
    check_round_trip(i);
    auto row = store::codec::encode(i);
    CHECK(row.json.find("It broke.") == std::string::npos);
    CHECK(row.json.find("text that is nowhere in the body") != std::string::npos);
}

TEST_CASE("codec: a damaged row is reported, not thrown", "[store][codec]") {
    CHECK_FALSE(store::codec::decode_runbook({"not json", "", "", "", ""}));
    CHECK_FALSE(store::codec::decode_incident({"[1, 2]", "", "", "", ""}));
    // Section ranges past the end of the Markdown do not read past it.
    auto odd = store::codec::decode_incident(
        {R"({"id": "x", "sections": [{"heading": "h", "markdown_at": [500, 20]}]})", "short", "", "", ""});
    REQUIRE(odd);
    CHECK(odd->sections.at(0).markdown.empty());
}
