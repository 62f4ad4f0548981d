#include <catch2/catch.hpp>

#include "match/draft.hpp"
#include "match/fixture_kb.hpp"
#include "match/lint.hpp"
#include "support.hpp"

using test::match_kb::scan_text;

TEST_CASE("a serialized matcher loads back and matches the same way", "[match][cache]") {
    auto knowledge_base = std::make_shared<const kb::KnowledgeBase>(test::match_kb::knowledge_base());
    auto built = match::Matcher::build(knowledge_base);
    REQUIRE(built);
    std::string blob = built->serialize();
    REQUIRE_FALSE(blob.empty());
    auto loaded = match::Matcher::deserialize(knowledge_base, blob);
    REQUIRE(loaded);
    CHECK(loaded->from_cache());
    CHECK(loaded->cache_key() == built->cache_key());
    const std::string log =
        "psycopg2.errors.InvalidObjectDefinition: functions in index predicate must be marked IMMUTABLE\n"
        "Job has reached the specified backoff limit\n"
        "toxiproxy-cli: error creating proxy postgres_proxy: listen tcp 0.0.0.0:5434: bind: address already in use\n";
    CHECK(match::to_json(scan_text(*loaded, log)) == match::to_json(scan_text(*built, log)));

    // A blob compiled for other signatures is refused, never used.
    auto changed = test::match_kb::knowledge_base();
    changed.runbooks.front().signatures.front().pattern = "something else entirely went wrong here";
    auto other = match::Matcher::deserialize(std::make_shared<const kb::KnowledgeBase>(changed), blob);
    CHECK_FALSE(other);
    CHECK_FALSE(match::Matcher::deserialize(knowledge_base, blob.substr(0, blob.size() / 2)));
    CHECK_FALSE(match::Matcher::deserialize(knowledge_base, "garbage"));
}

TEST_CASE("signatures Vectorscan cannot take are still matched, and reported", "[match][cache]") {
    auto k = test::match_kb::knowledge_base();
    // Matches the empty string as a whole: Vectorscan would fire everywhere.
    k.runbooks.push_back(test::match_kb::runbook("odd", "Odd", {{R"re((?:zz_unusual_marker_[0-9]+)?$)re"}}));
    auto m = match::Matcher::build(k);
    REQUIRE(m);
    bool noted = false;
    for (const auto& n : m->notes()) noted = noted || n.message.find("signature 1 of odd") != std::string::npos;
    CHECK(noted);
    auto report = scan_text(*m, "ERROR:  relation \"users\" does not exist\n");
    REQUIRE(report.found());
    CHECK(report.matches.front().runbook == std::optional<std::string>("pg-relation-missing"));
}

TEST_CASE("a vague error line is reported unless a runbook the incident names recognises it", "[match][lint]") {
    auto k = test::match_kb::knowledge_base();
    k.runbooks.push_back(test::match_kb::runbook("health-timeout", "Health check timed out",
                                                 {{R"re(Timed out waiting for https?://\S+)re"}}));
    // Once the URL is masked, little is left to know the line by.
    const std::string vague = "Timed out waiting for http://127.0.0.1:8000/health";
    k.incidents.push_back(test::match_kb::incident("2025-10-01-health", "Health", "2025-10-01", {vague},
                                                   {"health-timeout"}));
    k.incidents.push_back(test::match_kb::incident("2025-10-02-health-again", "Health again", "2025-10-02", {vague}));
    auto m = match::Matcher::build(k);
    REQUIRE(m);
    std::vector<std::string> warned;
    for (const auto& n : m->notes())
        if (n.message.find("too vague") != std::string::npos) warned.push_back(n.file);
    // Only the incident without the runbook: the other's line is found by it.
    REQUIRE(warned.size() == 1);
    CHECK(warned.front().find("2025-10-02-health-again") != std::string::npos);
}

TEST_CASE("lint: examples rank their runbook first with their params", "[match][lint]") {
    auto k = test::match_kb::knowledge_base();
    auto& r = k.runbooks.front();  // pg-extension-missing
    r.examples.push_back({"ERROR:  type \"hstore\" does not exist", {{"EXTENSION", "hstore"}}, 40});
    r.examples.push_back({"ERROR:  type \"hstore\" does not exist", {{"EXTENSION", "citext"}}, 41});
    r.examples.push_back({"ERROR:  relation \"users\" does not exist", {}, 42});
    r.examples.push_back({"everything is fine", {}, 43});
    auto found = match::lint(k, std::nullopt);
    auto at = [&](int line) {
        std::vector<std::string> messages;
        for (const auto& d : found)
            if (d.file == r.path && d.line == line) messages.push_back(d.message);
        return messages;
    };
    CHECK(at(40).empty());
    REQUIRE(at(41).size() == 1);
    CHECK(at(41).front().find("expected EXTENSION=citext") != std::string::npos);
    REQUIRE(at(42).size() == 1);
    CHECK(at(42).front().find("ranks pg-relation-missing first") != std::string::npos);
    REQUIRE(at(43).size() == 1);
    CHECK(at(43).front().find("not recognised") != std::string::npos);
}

TEST_CASE("lint refuses generic signatures and names groups that are not params", "[match][lint]") {
    auto k = test::match_kb::knowledge_base();
    k.runbooks.push_back(test::match_kb::runbook(
        "too-generic", "Too generic",
        {{"permission denied"}, {R"re(Process completed with exit code (?P<CODE>\d+))re"},
         {R"re(could not open extension control file "(?P<FILE>[^"]+)": No such file)re"}},
        {test::match_kb::param("EXTENSION")}));
    auto found = match::lint(k, std::nullopt);
    auto messages_at = [&](int line) {
        std::string all;
        for (const auto& d : found)
            if (d.file == "runbooks/too-generic.md" && d.line == line && d.severity == kb::Severity::error)
                all += d.message + "\n";
        return all;
    };
    CHECK(messages_at(10).find("too generic") != std::string::npos);
    CHECK(messages_at(11).find("every failing job prints") != std::string::npos);
    CHECK(messages_at(12).find("named group FILE is not a param") != std::string::npos);
    // The fixture runbooks themselves are clean.
    for (const auto& d : found)
        if (d.file != "runbooks/too-generic.md") CHECK(d.format() == "");
}

TEST_CASE("lint: no signature may match a line of a passing run", "[match][lint]") {
    test::TempDir corpus;
    test::write_file(corpus / "psql.log",
                     "CREATE EXTENSION\n"
                     "psql:001.sql:4: NOTICE:  relation \"users\" already exists, skipping\n"
                     "migration note: relation \"audit\" does not exist yet, creating it\n");
    auto found = match::lint(test::match_kb::knowledge_base(), corpus.path());
    std::vector<kb::Diagnostic> passing;
    for (const auto& d : found)
        if (d.message.find("passing run") != std::string::npos) passing.push_back(d);
    REQUIRE(passing.size() == 1);  // the NOTICE is not a match; the second line is
    CHECK(passing.front().file == "runbooks/pg-relation-missing.md");
    CHECK(passing.front().message.find("psql.log:3") != std::string::npos);
}

TEST_CASE("an incident draft keeps error lines, not a traceback's scaffolding or credentials", "[match][draft]") {
    auto report = scan_text(
        "DATABASE_URL=postgresql://app:S3cretPassw0rd@db:5432/app\n"
        "Traceback (most recent call last):\n"
        "  File \"/app/migrate.py\", line 3, in <module>\n"
        "psycopg.errors.UndefinedObject: operator class \"gin_trgm_ops\" does not exist for access method \"gin\"\n"
        "\n"
        "The above exception was the direct cause of the following exception:\n"
        "\n"
        "sqlalchemy.exc.ProgrammingError: (psycopg.errors.UndefinedObject) operator class \"gin_trgm_ops\" does not "
        "exist for access method \"gin\" (Background on this error at: https://sqlalche.me/e/20/f405)\n"
        "(Background on this error at: https://sqlalche.me/e/20/f405)\n"
        "error: connecting with PGPASSWORD=hunter22 to postgres://app:hunter22@db/app failed\n");
    auto draft = match::incident_draft(report, {"", "2025-11-02", ""});
    const std::string& t = draft.text;
    CHECK(t.find("operator class \"gin_trgm_ops\" does not exist") != std::string::npos);
    CHECK(t.find("Traceback") == std::string::npos);
    CHECK(t.find("The above exception") == std::string::npos);
    CHECK(t.find("\n(Background on this error") == std::string::npos);
    CHECK(t.find("S3cretPassw0rd") == std::string::npos);
    CHECK(t.find("hunter22") == std::string::npos);
    CHECK(t.find("PGPASSWORD=••••••") != std::string::npos);
    CHECK(t.find("postgres://app:••••••@db/app") != std::string::npos);
}

TEST_CASE("an incident draft from a log", "[match][draft]") {
    auto report = scan_text(
        "Running migrations\n"
        "psycopg.errors.UndefinedObject: operator class \"gin_trgm_ops\" does not exist for access method \"gin\"\n"
        "```evil``` Traceback (most recent call last): error in fence\n");
    auto draft = match::incident_draft(report, {"", "2025-11-02", ""});
    CHECK(draft.id == "2025-11-02-enable-a-missing-postgresql-extension");
    CHECK(draft.file_name == draft.id + ".md");
    const std::string& t = draft.text;
    CHECK(t.rfind("---\nid: 2025-11-02-enable-a-missing-postgresql-extension\n"
                  "title: \"Enable a missing PostgreSQL extension\"\ndate: 2025-11-02\nstatus: open\n"
                  "runbooks: [pg-extension-missing]\n---\n",
                  0) == 0);
    CHECK(t.find("````text\n") != std::string::npos);  // longer than the backticks inside
    CHECK(t.find("psycopg.errors.UndefinedObject: operator class \"gin_trgm_ops\"") != std::string::npos);
    CHECK(t.find("[Enable a missing PostgreSQL extension](../runbooks/pg-extension-missing.md)") != std::string::npos);
    CHECK(t.find("`deja run pg-extension-missing --param EXTENSION=pg_trgm`") != std::string::npos);
    for (const char* heading : {"## Summary", "## Symptoms", "## Root cause", "## Resolution", "## Lessons"})
        CHECK(t.find(heading) != std::string::npos);

    auto named = match::incident_draft(report, {"", "2025-11-02", "2025-11-02-enable-a-missing-postgresql-extension-2"});
    CHECK(named.file_name == "2025-11-02-enable-a-missing-postgresql-extension-2.md");
    CHECK(named.text.find("\nid: 2025-11-02-enable-a-missing-postgresql-extension-2\n") != std::string::npos);

    auto titled = match::incident_draft(report, {"Nightly CI: search index migration", "2025-11-02", ""});
    CHECK(titled.id == "2025-11-02-nightly-ci-search-index-migration");
    auto empty = match::incident_draft(match::Report{}, {"", "2025-11-02", ""});
    CHECK(empty.id == "2025-11-02-untitled-incident");
    CHECK(empty.text.find("runbooks: []") != std::string::npos);
}
