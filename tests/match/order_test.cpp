// Lines whose meaning depends on what came before or after them: a
// signature's `after` and a runbook's `cleared_by`.
#include <catch2/catch.hpp>

#include "kb/load.hpp"
#include "kb/paths.hpp"
#include "match/fixture_kb.hpp"
#include "match/report.hpp"
#include "store/index.hpp"
#include "support.hpp"

namespace {

using test::match_kb::runbook;

kb::Signature pattern(std::string text) {
    kb::Signature s;
    s.pattern = std::move(text);
    s.line = 30;
    return s;
}

// A refused connection that a wait loop may get past, and an empty listing
// that means something only after an upgrade ran.
kb::KnowledgeBase ordered_kb() {
    kb::KnowledgeBase k;
    k.runbooks.push_back(runbook("db-refused", "The database refused the connection",
                                 {{R"re(connection to server at "(?P<HOST>[^"]+)", port \d+ failed: Connection refused)re"}},
                                 {test::match_kb::param("HOST")}));
    k.runbooks.back().cleared_by.push_back(pattern(R"re(^\S+:\d+ - accepting connections$)re"));
    k.runbooks.back().cleared_by.push_back(pattern(R"re(^Postgres is up)re"));
    k.runbooks.push_back(runbook("upgrade-not-committed", "The upgrade left no tables",
                                 {{R"re(^Did not find any relations\.$)re"}}));
    k.runbooks.back().signatures.front().after = R"re(Running upgrade )re";
    return k;
}

const match::Matcher& ordered_matcher() {
    static const match::Matcher matcher = [] {
        auto built = match::Matcher::build(ordered_kb());
        REQUIRE(built);
        return std::move(*built);
    }();
    return matcher;
}

const std::string refused = R"(psql: error: connection to server at "db", port 5432 failed: Connection refused)";

std::vector<std::string> runbooks_of(const std::vector<match::Match>& matches) {
    std::vector<std::string> out;
    for (const auto& m : matches) out.push_back(m.runbook.value_or(""));
    return out;
}

}  // namespace

TEST_CASE("a failure a later line shows cleared is a near miss, not a match", "[match][order]") {
    const auto& m = ordered_matcher();
    SECTION("a wait loop that gets through") {
        auto report = test::match_kb::scan_text(
            m, "waiting for db\n" + refused + "\nsleeping\n" + refused + "\nPostgres is up - executing command\nok\n");
        CHECK_FALSE(report.found());
        REQUIRE_FALSE(report.near_misses.empty());
        const auto& near = report.near_misses.front();
        CHECK(near.runbook == std::optional<std::string>("db-refused"));
        CHECK(near.confidence < 0.5);
        CHECK(near.command.empty());
        REQUIRE(near.evidence.size() >= 2);
        CHECK(near.evidence.front().kind == match::EvidenceKind::signature);
        CHECK(near.evidence.back().kind == match::EvidenceKind::cleared);
        CHECK(near.evidence.back().line == 5);
        CHECK(near.evidence.back().text == "Postgres is up - executing command");
        CHECK(match::to_json(report).dump().find(R"("kind":"cleared")") != std::string::npos);
    }
    SECTION("the failure comes back after the line that cleared it") {
        auto report = test::match_kb::scan_text(m, refused + "\ndb:5432 - accepting connections\n" + refused + "\n");
        CHECK(runbooks_of(report.matches) == std::vector<std::string>{"db-refused"});
        CHECK(report.matches.front().params.at("HOST") == "db");
    }
    SECTION("a clearing line before the failure clears nothing") {
        auto report = test::match_kb::scan_text(m, "Postgres is up\n" + refused + "\nexit 1\n");
        CHECK(runbooks_of(report.matches) == std::vector<std::string>{"db-refused"});
    }
    SECTION("a failure of the same run hundreds of lines later is still found") {
        // Only the first of identical lines is kept as evidence; the last one
        // seen is what the clearing line is compared with.
        std::string log = refused + "\nPostgres is up\n";
        for (int i = 0; i < 300; ++i) log += "step " + std::to_string(i) + "\n";
        log += refused + "\n";
        auto report = test::match_kb::scan_text(m, log);
        CHECK(runbooks_of(report.matches) == std::vector<std::string>{"db-refused"});
    }
    SECTION("each log file is judged on its own") {
        auto report = match::scan(m, {match::Input::from_text("wait.log", refused + "\nPostgres is up\n"),
                                      match::Input::from_text("app.log", refused + "\n")});
        REQUIRE(report);
        REQUIRE(runbooks_of(report->matches) == std::vector<std::string>{"db-refused"});
        for (const auto& e : report->matches.front().evidence) CHECK(e.source == "app.log");
    }
}

TEST_CASE("a signature with after counts only below a line matching it", "[match][order]") {
    const auto& m = ordered_matcher();
    const std::string upgrade = "INFO  [alembic.runtime.migration] Running upgrade  -> 1a2b3c, create users";
    SECTION("before the upgrade an empty database is expected") {
        auto report = test::match_kb::scan_text(m, "Did not find any relations.\n" + upgrade + "\n");
        CHECK_FALSE(report.found());
    }
    SECTION("after it, the listing is the failure") {
        auto report = test::match_kb::scan_text(m, upgrade + "\nDid not find any relations.\n");
        CHECK(runbooks_of(report.matches) == std::vector<std::string>{"upgrade-not-committed"});
    }
    SECTION("the upgrade must be in the same log file") {
        auto report = match::scan(m, {match::Input::from_text("migrate.log", upgrade + "\n"),
                                      match::Input::from_text("check.log", "Did not find any relations.\n")});
        REQUIRE(report);
        CHECK_FALSE(report->found());
    }
}

TEST_CASE("after and cleared_by survive the index and the cached matcher", "[match][order][cache]") {
    test::TempDir home;
    auto dir = home / "kb";
    test::write_file(dir / "runbooks" / "db-refused.md", R"(---
id: db-refused
title: The database refused the connection
signatures:
  - pattern: 'failed: Connection refused'
  - pattern: '^Did not find any relations\.$'
    after: 'Running upgrade '
cleared_by:
  - pattern: '^Postgres is up'
    description: the wait loop got through
---
# The database refused the connection
)");
    const std::string log = "x failed: Connection refused\nPostgres is up\nDid not find any relations.\n";
    std::string first;
    for (int run = 0; run < 2; ++run) {
        auto index = store::Index::open({dir}, home / "index.sqlite");
        REQUIRE(index);
        auto matcher = match::Matcher::load_or_build(*index);
        REQUIRE(matcher);
        CHECK(matcher->from_cache() == (run == 1));
        auto report = match::scan(*matcher, {match::Input::from_text("ci.log", log)});
        REQUIRE(report);
        CHECK_FALSE(report->found());
        REQUIRE_FALSE(report->near_misses.empty());
        CHECK(report->near_misses.front().evidence.back().kind == match::EvidenceKind::cleared);
        auto json = match::to_json(*report).dump();
        if (run == 0) first = json;
        else CHECK(json == first);
    }
}

TEST_CASE("the bundled knowledge base lets a wait loop through and keeps an empty database before an upgrade",
          "[match][order][bundled]") {
    auto root = kb::bundled_root();
    REQUIRE(root);
    auto matcher = match::Matcher::build(kb::load({*root}));
    REQUIRE(matcher);
    // Real output of a wait loop (tests/fixtures/passing/wait-for-postgres.log).
    auto waited = match::scan(*matcher, {match::Input::file(test::fixtures() / "passing" / "wait-for-postgres.log")});
    REQUIRE(waited);
    CHECK(runbooks_of(waited->matches).empty());
    REQUIRE_FALSE(waited->near_misses.empty());
    CHECK(waited->near_misses.front().runbook == std::optional<std::string>("pg-connection-refused"));
    // The same loop that never gets through is the failure.
    auto failed = test::match_kb::scan_text(*matcher, refused + "\nPostgres is unavailable - sleeping\n" + refused +
                                                          "\nPostgres is unavailable - giving up\n");
    CHECK(runbooks_of(failed.matches) == std::vector<std::string>{"pg-connection-refused"});

    auto before = test::match_kb::scan_text(
        *matcher, "$ psql -c '\\d'\nDid not find any relations.\n$ alembic upgrade head\n"
                  "INFO  [alembic.runtime.migration] Running upgrade  -> 1a2b3c, create users\n");
    CHECK(runbooks_of(before.matches).empty());
    auto after = test::match_kb::scan_text(
        *matcher, "INFO  [alembic.runtime.migration] Running upgrade  -> 1a2b3c, create users\n$ psql -c '\\dt'\n"
                  "Did not find any relations.\n");
    CHECK(runbooks_of(after.matches) == std::vector<std::string>{"alembic-changes-not-committed"});
}
