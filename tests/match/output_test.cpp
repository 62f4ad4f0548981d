#include <catch2/catch.hpp>

#include <sstream>

#include "match/fixture_kb.hpp"
#include "match/output.hpp"
#include "support.hpp"

using test::match_kb::scan_text;

namespace {

const char* const extension_log =
    "INFO  [alembic.runtime.migration] Running upgrade 3c0e8fb40e2c -> 3a1c83d19243, GIN trigram index\n"
    "psycopg.errors.UndefinedObject: operator class \"gin_trgm_ops\" does not exist for access method \"gin\"\n";

std::vector<std::string> keys(const nlohmann::json& j) {
    std::vector<std::string> out;
    for (auto it = j.begin(); it != j.end(); ++it) out.push_back(it.key());
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace

TEST_CASE("JSON output follows the contract exactly", "[match][output]") {
    auto j = match::to_json(scan_text(extension_log));
    CHECK(keys(j) == std::vector<std::string>{"lines", "matches", "near_misses", "sources"});
    CHECK(j["sources"] == nlohmann::json::array({"ci.log"}));
    CHECK(j["lines"] == 2);
    CHECK(j["near_misses"] == nlohmann::json::array());
    REQUIRE(j["matches"].size() == 1);
    const auto& m = j["matches"][0];
    CHECK(keys(m) ==
          std::vector<std::string>{"command", "confidence", "evidence", "incidents", "missing", "params", "runbook",
                                   "title"});
    CHECK(m["missing"] == nlohmann::json::array());
    CHECK(m["runbook"] == "pg-extension-missing");
    CHECK(m["title"] == "Enable a missing PostgreSQL extension");
    CHECK(m["confidence"].is_number());
    CHECK(m["confidence"].get<double>() >= 0.9);
    CHECK(m["confidence"].get<double>() <= 1.0);
    CHECK(m["incidents"] == nlohmann::json::array({"2025-10-29-missing-pg-extensions"}));
    CHECK(m["params"] == nlohmann::json{{"EXTENSION", "pg_trgm"}});
    CHECK(m["command"] == "deja run pg-extension-missing --param EXTENSION=pg_trgm");
    REQUIRE(m["evidence"].size() == 1);
    const auto& e = m["evidence"][0];
    CHECK(keys(e) == std::vector<std::string>{"kind", "line", "signature", "source", "text"});
    CHECK(e["source"] == "ci.log");
    CHECK(e["line"] == 2);
    CHECK(e["kind"] == "signature");
    CHECK(e["text"] ==
          "psycopg.errors.UndefinedObject: operator class \"gin_trgm_ops\" does not exist for access method \"gin\"");
    CHECK(e["signature"] == R"re(operator class "g(?:in|ist)_trgm_ops" does not exist for access method)re");
}

TEST_CASE("the params a runbook still needs that the log did not give are named", "[match][output][cli]") {
    test::TempDir home;
    test::write_file(home / "ci.log",
                     "psycopg.errors.UndefinedObject: operator class \"gin_trgm_ops\" does not exist for access method \"gin\"\n");
    auto json = test::deja({"match", "--json", (home / "ci.log").string()}, home.path());
    INFO(json.err);
    REQUIRE(json.exit_code == 0);
    auto j = nlohmann::json::parse(json.out);
    REQUIRE_FALSE(j["matches"].empty());
    CHECK(j["matches"][0]["runbook"] == "pg-extension-missing");
    CHECK(j["matches"][0]["params"]["EXTENSION"] == "pg_trgm");
    CHECK(j["matches"][0]["missing"] == nlohmann::json::array({"DATABASE_URL"}));
    auto human = test::deja({"match", (home / "ci.log").string()}, home.path());
    CHECK_THAT(human.out, Catch::Contains("still needs:   --param DATABASE_URL=\u2026 (not in the log)"));
}

TEST_CASE("an incident-only match has a null runbook and command", "[match][output]") {
    auto j = match::to_json(scan_text(
        "toxiproxy-cli: error creating proxy postgres_proxy: listen tcp 0.0.0.0:5434: bind: address already in use\n"));
    REQUIRE(j["matches"].size() == 1);
    CHECK(j["matches"][0]["runbook"].is_null());
    CHECK(j["matches"][0]["command"].is_null());
    CHECK(j["matches"][0]["incidents"] == nlohmann::json::array({"2025-09-02-toxiproxy-timeout"}));
    CHECK(j["matches"][0]["evidence"][0]["kind"] == "incident");
}

TEST_CASE("human output: evidence with context, runbook, incidents, fix", "[match][output]") {
    std::ostringstream out;
    match::print_human(out, scan_text(extension_log), match::Colour::off);
    CHECK(out.str() ==
          "ci.log-1  INFO  [alembic.runtime.migration] Running upgrade 3c0e8fb40e2c -> 3a1c83d19243, GIN trigram index\n"
          "ci.log:2  psycopg.errors.UndefinedObject: operator class \"gin_trgm_ops\" does not exist for access method \"gin\"\n"
          "  known failure: pg-extension-missing \xE2\x80\x94 Enable a missing PostgreSQL extension   (confidence " +
              [] {
                  char buf[8];
                  std::snprintf(buf, sizeof buf, "%.2f", scan_text(extension_log).matches.front().confidence);
                  return std::string(buf);
              }() +
              ")\n"
              "  seen before:   2025-10-29 Integration tests blocked: tables never created (resolved)\n"
              "  fix:           deja run pg-extension-missing --param EXTENSION=pg_trgm\n");
    CHECK(out.str().find('\x1b') == std::string::npos);

    std::ostringstream coloured;
    match::print_human(coloured, scan_text(extension_log), match::Colour::on);
    CHECK(coloured.str().find("\x1b[") != std::string::npos);
}

TEST_CASE("human output: a symptom is called a consequence only below the failure that caused it", "[match][output]") {
    const std::string backoff = "Warning  BackoffLimitExceeded  job/migrations  Job has reached the specified backoff limit\n";
    std::ostringstream alone;
    match::print_human(alone, scan_text(backoff), match::Colour::off);
    CHECK(alone.str().find("symptom:       k8s-job-backoff-limit") != std::string::npos);
    CHECK(alone.str().find("consequence") == std::string::npos);

    std::ostringstream below;
    match::print_human(below,
                       scan_text("psycopg2.errors.InvalidObjectDefinition: functions in index predicate must be marked "
                                 "IMMUTABLE\n" + backoff),
                       match::Colour::off);
    INFO(below.str());
    auto cause = below.str().find("known failure: pg-index-function-not-immutable");
    auto symptom = below.str().find("symptom:       k8s-job-backoff-limit");
    REQUIRE(cause != std::string::npos);
    REQUIRE(symptom != std::string::npos);
    CHECK(cause < symptom);
    CHECK(below.str().find(", a consequence of the failure above", symptom) != std::string::npos);
}

TEST_CASE("human output when nothing is known", "[match][output]") {
    std::ostringstream out;
    match::print_human(out, scan_text("ERROR: operator class \"foo_ops\" does not exist for access method \"gin\"\n"),
                       match::Colour::off);
    CHECK(out.str().rfind("no known failure in ci.log (1 line)\n", 0) == 0);
    CHECK(out.str().find("closest candidates") != std::string::npos);
    CHECK(out.str().find("pg-extension-missing") != std::string::npos);
}

TEST_CASE("GitHub workflow commands are escaped and within the annotation limits", "[match][output]") {
    CHECK(match::github_escape_data("50% done\r\nnext") == "50%25 done%0D%0Anext");
    CHECK(match::github_escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A");

    std::ostringstream out;
    match::print_github(out, scan_text(extension_log));
    std::string text = out.str();
    CHECK(text.rfind("::error file=ci.log,line=2,title=deja%3A pg-extension-missing (confidence ", 0) == 0);
    CHECK(text.find("Fix: deja run pg-extension-missing --param EXTENSION=pg_trgm") != std::string::npos);
    CHECK(std::count(text.begin(), text.end(), '\n') == 1);

    // Twelve failures: GitHub shows ten errors per step, deja prints no more.
    match::Report many;
    many.sources = {"stdin"};
    for (int i = 0; i < 12; ++i) {
        match::Match m;
        m.runbook = "r" + std::to_string(i);
        m.title = "T";
        m.confidence = 0.9;
        m.evidence.push_back({"stdin", i + 1, std::string(5000, 'x'), "p", match::EvidenceKind::signature, 0, ""});
        many.matches.push_back(m);
    }
    std::ostringstream limited;
    match::print_github(limited, many);
    std::string lines = limited.str();
    CHECK(std::count(lines.begin(), lines.end(), '\n') == 11);
    // The ones GitHub would drop are counted in a notice at the end.
    CHECK(lines.find("\n::notice title=deja%3A more known failures::2 more known failures not annotated "
                     "(GitHub shows 10 of each kind per step); run deja match on the log to see all 12.\n") !=
          std::string::npos);
    CHECK(lines.find("file=") == std::string::npos);  // stdin is not a file in the repository
    std::istringstream in(lines);
    for (std::string line; std::getline(in, line);) CHECK(line.size() < 1200);

    std::ostringstream none;
    match::print_github(none, scan_text("all good\n"));
    CHECK(none.str().rfind("::notice title=deja%3A no known failure::No known failure in ci.log (1 line).", 0) == 0);
}
