// The real reports in ../shared/reports, read as a team would point deja at
// its post-mortems folder: five incidents with the facts their text states.
#include <catch2/catch.hpp>

#include <algorithm>

#include "kb/load.hpp"
#include "support.hpp"

namespace {

const kb::Incident& by_file(const kb::KnowledgeBase& base, const std::string& prefix) {
    auto it = std::find_if(base.incidents.begin(), base.incidents.end(), [&](const kb::Incident& i) {
        return test::fs::path(i.path).filename().string().starts_with(prefix);
    });
    REQUIRE(it != base.incidents.end());
    return *it;
}

bool has_error_line(const kb::Incident& incident, const std::string& text) {
    return std::any_of(incident.error_lines.begin(), incident.error_lines.end(),
                       [&](const kb::ErrorLine& e) { return e.text == text; });
}

bool any_error_line_contains(const kb::Incident& incident, const std::string& part) {
    return std::any_of(incident.error_lines.begin(), incident.error_lines.end(),
                       [&](const kb::ErrorLine& e) { return e.text.find(part) != std::string::npos; });
}

}  // namespace

TEST_CASE("the shared reports folder reads as five incidents", "[kb][reports]") {
    auto folder = test::shared_reports();
    if (!folder) return;
    auto base = kb::load({*folder});
    REQUIRE(base.incidents.size() == 5);
    CHECK(base.runbooks.empty());
    CHECK(base.diagnostics.empty());

    SECTION("titles are the first headings, mojibake repaired, emoji kept") {
        CHECK(by_file(base, "000_").title ==
              "Day 2 (September 2, 2025) - CI/CD Database Schema Conflicts & Docker Permission Issues "
              "Resolution \u2705 COMPLETE");
        CHECK(by_file(base, "001_").title == "30-Day Sprint Changelog");
        CHECK(by_file(base, "002_").title == "\U0001F389 Sprint 4 MAJOR VICTORY \U0001F389");
        CHECK(by_file(base, "003_").title == "Database Infrastructure Issue - Resolution Report");
        CHECK(by_file(base, "004_").title == "\U0001F527 Dev-CI 35% Success Rate Fix");
    }

    SECTION("dates come from the text; none is invented") {
        CHECK(by_file(base, "000_").date == "2025-09-02");  // "September 2, 2025" in the title
        CHECK(by_file(base, "001_").date == "2025-08-12");  // the dated entry that resolves the incident
        CHECK(by_file(base, "002_").date == "2025-10-01");  // "**Date**: 2025-10-01"
        CHECK(by_file(base, "003_").date == "2025-10-29");  // "**Date:** 2025-10-29"
        CHECK(by_file(base, "004_").date.empty());          // no date in the text or the file name
    }

    SECTION("statuses: only the report that proposes fixes is open") {
        CHECK(by_file(base, "000_").status == "resolved");
        CHECK(by_file(base, "001_").status == "resolved");
        CHECK(by_file(base, "002_").status == "resolved");
        CHECK(by_file(base, "003_").status == "resolved");
        CHECK(by_file(base, "004_").status == "open");
        CHECK(by_file(base, "003_").severity == "high");
    }

    SECTION("error lines are the real error output") {
        const auto& extensions = by_file(base, "003_");
        CHECK(has_error_line(extensions, "psycopg.errors.UndefinedObject: operator class \"gin_trgm_ops\" does not "
                                         "exist for access method \"gin\""));
        const auto& immutable = by_file(base, "004_");
        CHECK(has_error_line(immutable, "psycopg2.errors.InvalidObjectDefinition: functions in index predicate must "
                                        "be marked IMMUTABLE"));
        CHECK(has_error_line(immutable, "job migrations failed: BackoffLimitExceeded"));
        CHECK(has_error_line(immutable, "couldn't get resource list for metrics.k8s.io/v1beta1: the server is "
                                        "currently unable to handle the request"));
        CHECK(has_error_line(immutable, "no custom metrics API (custom.metrics.k8s.io) registered"));
        // CI columns and timestamps are removed from the line.
        CHECK(has_error_line(by_file(base, "002_"), "Timed out waiting for http://127.0.0.1:8000/health"));
        CHECK(has_error_line(by_file(base, "000_"), "permission denied: unknown"));
    }

    SECTION("commands, SQL, source, prompts and check lists are not error lines") {
        for (const auto& incident : base.incidents) {
            INFO(incident.path);
            for (const auto& e : incident.error_lines) {
                INFO(e.text);
                CHECK_FALSE(e.text.starts_with("echo"));
                CHECK_FALSE(e.text.starts_with("$ "));
                CHECK_FALSE(e.text.starts_with("CREATE"));
                CHECK_FALSE(e.text.starts_with("\u2705"));
                CHECK_FALSE(e.text.starts_with("INFO"));
                CHECK(e.text.find("2025-10-01T") == std::string::npos);
            }
        }
        CHECK_FALSE(any_error_line_contains(by_file(base, "004_"), "Migration attempt"));
        CHECK_FALSE(any_error_line_contains(by_file(base, "003_"), "CREATE INDEX"));
        CHECK(by_file(base, "001_").error_lines.empty());
    }

    SECTION("error lines carry their file line") {
        const auto& extensions = by_file(base, "003_");
        auto it = std::find_if(extensions.error_lines.begin(), extensions.error_lines.end(),
                               [](const kb::ErrorLine& e) { return e.text.starts_with("psycopg.errors"); });
        REQUIRE(it != extensions.error_lines.end());
        auto lines = test::read_file(extensions.path);
        std::size_t pos = 0;
        for (int l = 1; l < it->line; ++l) pos = lines.find('\n', pos) + 1;
        CHECK(lines.substr(pos, 31) == "psycopg.errors.UndefinedObject:");
    }

    SECTION("sections are found under each report's own headings") {
        const auto& extensions = by_file(base, "003_");
        auto kinds = [](const kb::Incident& i) {
            std::vector<kb::SectionKind> out;
            for (const auto& s : i.sections) out.push_back(s.kind);
            return out;
        };
        auto k = kinds(extensions);
        for (auto kind : {kb::SectionKind::symptoms, kb::SectionKind::root_cause, kb::SectionKind::resolution,
                          kb::SectionKind::verification, kb::SectionKind::lessons})
            CHECK(std::count(k.begin(), k.end(), kind) >= 1);
        auto root = std::find_if(extensions.sections.begin(), extensions.sections.end(),
                                 [](const kb::Section& s) { return s.kind == kb::SectionKind::root_cause; });
        REQUIRE(root != extensions.sections.end());
        CHECK(kb::markdown_of(extensions, *root).find("gin_trgm_ops") != std::string::npos);
    }

    SECTION("ids: the date and title when a date is known, else the file name") {
        CHECK(by_file(base, "003_").id.starts_with("2025-10-29-"));
        CHECK(by_file(base, "004_").id == "004-dc5eee27428738a0");
    }
}
