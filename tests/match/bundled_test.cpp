// The bundled knowledge base against the matcher: what `deja lint` checks,
// as a test, so a runbook whose examples stop ranking it first fails CI.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>

#include "kb/load.hpp"
#include "kb/paths.hpp"
#include "match/lint.hpp"
#include "match/report.hpp"
#include "support.hpp"

namespace {

kb::KnowledgeBase bundled() {
    auto root = kb::bundled_root();
    REQUIRE(root);
    return kb::load({*root});
}

}  // namespace

TEST_CASE("every bundled runbook's examples rank it first with their params", "[match][bundled]") {
    auto k = bundled();
    REQUIRE_FALSE(k.runbooks.empty());
    auto matcher = match::Matcher::build(k);
    REQUIRE(matcher);
    std::size_t examples = 0;
    for (const auto& r : k.runbooks) {
        for (const auto& example : r.examples) {
            ++examples;
            INFO(r.path << ":" << example.line << ": " << example.text);
            auto report = match::scan(*matcher, {match::Input::from_text("example", example.text)});
            REQUIRE(report);
            REQUIRE_FALSE(report->matches.empty());
            CHECK(report->matches.front().runbook == std::optional<std::string>(r.id));
            for (const auto& [name, value] : example.params) {
                INFO("param " << name);
                auto it = report->matches.front().params.find(name);
                CHECK((it != report->matches.front().params.end() && it->second == value));
            }
            // The same line inside a log, with blank lines after it (a
            // signature may run on over newlines): found on its own line.
            auto framed = match::scan(
                *matcher, {match::Input::from_text("log", "starting\n" + example.text + "\n\n\r\n\nexit 1\n")});
            REQUIRE(framed);
            REQUIRE_FALSE(framed->matches.empty());
            CHECK(framed->matches.front().runbook == std::optional<std::string>(r.id));
            const auto example_lines = 1 + std::count(example.text.begin(), example.text.end(), '\n');
            CHECK(framed->matches.front().evidence.front().line >= 2);
            CHECK(framed->matches.front().evidence.front().line <= 1 + example_lines);
        }
    }
    CHECK(examples >= k.runbooks.size());
}

TEST_CASE("deja lint's matching checks pass on the bundled knowledge base", "[match][bundled]") {
    auto corpus = match::default_passing_corpus();
    REQUIRE(corpus);
    for (const auto& d : match::lint(bundled(), corpus)) {
        if (d.severity == kb::Severity::error) CHECK(d.format() == "");
    }
}

TEST_CASE("the example from the design recognises a missing extension", "[match][bundled]") {
    auto matcher = match::Matcher::build(bundled());
    REQUIRE(matcher);
    auto report = match::scan(
        *matcher,
        {match::Input::from_text(
            "stdin",
            "INFO  [alembic.runtime.migration] Running upgrade 3c0e8fb40e2c -> 3a1c83d19243, Ensure GIN trigram index.\n"
            "psycopg.errors.UndefinedObject: operator class \"gin_trgm_ops\" does not exist for access method \"gin\"\n"
            "[SQL: CREATE INDEX idx_services_name_trgm ON services USING gin (name gin_trgm_ops)]\n")});
    REQUIRE(report);
    REQUIRE(report->found());
    const auto& top = report->matches.front();
    CHECK(top.runbook == std::optional<std::string>("pg-extension-missing"));
    CHECK(top.params == kb::ParamValues{{"EXTENSION", "pg_trgm"}});
    CHECK(top.command == "deja run pg-extension-missing --param EXTENSION=pg_trgm");
    CHECK(top.confidence >= 0.9);
}

TEST_CASE("failures the knowledge base does not know are not matched, trigger words or not", "[match][bundled]") {
    // tests/fixtures/unrelated: npm, cargo, Maven, Terraform, Go, MySQL, Redis,
    // ssh... saying "permission denied", "connection refused", "not found".
    auto matcher = match::Matcher::build(bundled());
    REQUIRE(matcher);
    std::size_t logs = 0;
    for (const auto& entry : std::filesystem::directory_iterator(test::fixtures() / "unrelated")) {
        if (entry.path().extension() != ".log") continue;
        ++logs;
        auto report = match::scan(*matcher, {match::Input::file(entry.path())});
        REQUIRE(report);
        for (const auto& m : report->matches) {
            INFO(entry.path().filename().string() << ": " << m.evidence.front().text);
            CHECK(m.runbook.value_or("incident") == "");
        }
    }
    CHECK(logs >= 10);
}
