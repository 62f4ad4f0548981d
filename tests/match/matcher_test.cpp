#include <catch2/catch.hpp>

#include <string>

#include "match/fixture_kb.hpp"

using test::match_kb::scan_text;

namespace {

std::string top_runbook(const match::Report& report) {
    return report.matches.empty() || !report.matches.front().runbook ? "" : *report.matches.front().runbook;
}

std::vector<std::string> ranked(const match::Report& report) {
    std::vector<std::string> ids;
    for (const auto& m : report.matches) ids.push_back(m.runbook ? *m.runbook : "incident:" + m.incidents.front().id);
    return ids;
}

}  // namespace

TEST_CASE("every client's wording of the same server error finds the same runbook", "[match][clients]") {
    const char* forms[] = {
        // psql
        R"(psql:migrations/002_search.sql:14: ERROR:  operator class "gin_trgm_ops" does not exist for access method "gin")",
        // psycopg2 through SQLAlchemy
        R"(sqlalchemy.exc.ProgrammingError: (psycopg2.errors.UndefinedObject) operator class "gin_trgm_ops" does not exist for access method "gin")",
        // psycopg 3
        R"(psycopg.errors.UndefinedObject: operator class "gin_trgm_ops" does not exist for access method "gin")",
        // asyncpg
        R"(asyncpg.exceptions.UndefinedObjectError: operator class "gin_trgm_ops" does not exist for access method "gin")",
        // Go pgx
        R"(migrate: ERROR: operator class "gin_trgm_ops" does not exist for access method "gin" (SQLSTATE 42704))",
        // JDBC
        R"(org.postgresql.util.PSQLException: ERROR: operator class "gin_trgm_ops" does not exist for access method "gin")",
        // node-postgres error object
        R"(error: operator class "gin_trgm_ops" does not exist for access method "gin")",
        // Rails
        R"(PG::UndefinedObject: ERROR:  operator class "gin_trgm_ops" does not exist for access method "gin")",
        // Elixir Postgrex
        R"(** (Postgrex.Error) ERROR 42704 (undefined_object) operator class "gin_trgm_ops" does not exist for access method "gin")",
        // Flyway
        R"(Message    : ERROR: operator class "gin_trgm_ops" does not exist for access method "gin")",
    };
    for (const char* form : forms) {
        INFO(form);
        auto report = scan_text(std::string("starting migration\n") + form + "\n");
        REQUIRE(top_runbook(report) == "pg-extension-missing");
        CHECK(report.matches.front().params == kb::ParamValues{{"EXTENSION", "pg_trgm"}});
        CHECK(report.matches.front().command == "deja run pg-extension-missing --param EXTENSION=pg_trgm");
        CHECK(report.matches.front().evidence.front().line == 2);
    }
}

TEST_CASE("named groups fill params; values the runbook would refuse are left out", "[match][params]") {
    auto report = scan_text("asyncpg.exceptions.UndefinedObjectError: type \"citext\" does not exist\n");
    REQUIRE(top_runbook(report) == "pg-extension-missing");
    CHECK(report.matches.front().params == kb::ParamValues{{"EXTENSION", "citext"}});

    report = scan_text("ERROR:  relation \"public.sensor_readings\" does not exist at character 15\n");
    REQUIRE(top_runbook(report) == "pg-relation-missing");
    CHECK(report.matches.front().params == kb::ParamValues{{"RELATION", "public.sensor_readings"}});

    // A relation name with a space fails RELATION's pattern: no param, still a match.
    report = scan_text("ERROR:  relation \"my table\" does not exist\n");
    REQUIRE(top_runbook(report) == "pg-relation-missing");
    CHECK(report.matches.front().params.empty());
    CHECK(report.matches.front().command == "deja run pg-relation-missing");

    report = scan_text("exec /app/docker-entrypoint.sh: permission denied\n");
    REQUIRE(top_runbook(report) == "script-not-executable");
    CHECK(report.matches.front().params == kb::ParamValues{{"SCRIPT", "/app/docker-entrypoint.sh"}});
}

TEST_CASE("the printed command quotes values for the shell", "[match][params]") {
    auto r = test::match_kb::runbook("x", "X", {}, {test::match_kb::param("A"), test::match_kb::param("B")});
    CHECK(match::run_command(r, {{"A", "plain_value-1.2"}, {"B", "it's here"}}) ==
          "deja run x --param A=plain_value-1.2 --param 'B=it'\\''s here'");
    CHECK(match::run_command(r, {{"B", "$(touch /tmp/x)"}}, {"--kb", "/srv/team kb"}) ==
          "deja --kb '/srv/team kb' run x --param 'B=$(touch /tmp/x)'");
    CHECK(match::shell_quote("") == "''");
}

TEST_CASE("a root cause ranks above the symptoms it caused", "[match][ranking]") {
    const std::string log =
        "Release \"threads\" does not exist. Installing it now.\n"
        "migrations-7x2kq  psycopg2.errors.InvalidObjectDefinition: functions in index predicate must be marked IMMUTABLE\n"
        "job migrations failed: BackoffLimitExceeded\n"
        "Warning  BackoffLimitExceeded  job/migrations  Job has reached the specified backoff limit\n"
        "Error: INSTALLATION FAILED: release threads failed, and has been uninstalled due to atomic being set: timed out waiting for the condition\n"
        "Error: Process completed with exit code 1.\n";
    auto report = scan_text(log);
    REQUIRE(report.matches.size() == 3);
    CHECK(ranked(report) ==
          std::vector<std::string>{"pg-index-function-not-immutable", "k8s-job-backoff-limit", "helm-atomic-rollback"});
    CHECK_FALSE(report.matches[0].symptom);
    CHECK(report.matches[1].symptom);
    CHECK(report.matches[1].confidence < report.matches[0].confidence);
    CHECK(report.matches[2].confidence < report.matches[0].confidence);

    // On its own a symptom is still what the log shows.
    report = scan_text("Warning  BackoffLimitExceeded  job/migrations  Job has reached the specified backoff limit\n");
    CHECK(top_runbook(report) == "k8s-job-backoff-limit");
}

TEST_CASE("several distinct lines add up; repeats of one line do not", "[match][ranking]") {
    const std::string reached = "job/migrate: Job has reached the specified backoff limit\n";
    const std::string reason = "Warning  BackoffLimitExceeded  job/migrate\n";
    auto once = scan_text(reached);
    std::string repeated;
    for (int i = 0; i < 10; ++i) repeated += reached;
    auto ten = scan_text(repeated);
    // Two lines that ask for the same fix (different lines asking for
    // different values are separate failures: params_test.cpp).
    auto distinct = scan_text(reached + reason);
    REQUIRE(top_runbook(once) == "k8s-job-backoff-limit");
    REQUIRE(distinct.matches.size() == 1);
    CHECK(ten.matches.front().confidence == once.matches.front().confidence);
    CHECK(distinct.matches.front().confidence > once.matches.front().confidence);
    CHECK(distinct.matches.front().confidence <= 1.0);
    CHECK(distinct.matches.front().evidence.size() == 2);
}

TEST_CASE("a longer, more specific signature is more confident", "[match][ranking]") {
    auto specific = scan_text("ERROR: operator class \"gin_trgm_ops\" does not exist for access method \"gin\"\n");
    auto short_one = scan_text("ERROR: relation \"users\" does not exist\n");
    REQUIRE(specific.found());
    REQUIRE(short_one.found());
    CHECK(specific.matches.front().confidence > short_one.matches.front().confidence);
    CHECK(specific.matches.front().confidence >= 0.9);
}

TEST_CASE("unknown failures that share trigger words are not matched", "[match][unknown]") {
    const char* logs[] = {
        "mkdir: cannot create directory '/var/lib/app': Permission denied\n",
        "Error: connect ECONNREFUSED 127.0.0.1:6379\n    at TCPConnectWrapper.afterConnect [as oncomplete] (node:net:1494:16)\n",
        "ERROR 1049 (42000): Unknown database 'app'\n",
        "fatal: repository 'https://github.com/acme/missing.git/' not found\n",
        "Error: Cannot find module 'express'\nRequire stack:\n- /app/server.js\n",
        "error[E0433]: failed to resolve: use of undeclared crate or module `tokio`\n",
        "ls: cannot access '/data': No such file or directory\n",
        "The relation between A and B does not exist in this model\n",
        "Error: Process completed with exit code 1.\n",
        "exit status 1\n",
    };
    for (const char* log : logs) {
        INFO(log);
        auto report = scan_text(log);
        CHECK_FALSE(report.found());
        for (const auto& near : report.near_misses) CHECK(near.confidence < 0.5);
    }
}

TEST_CASE("PostgreSQL NOTICE lines are never evidence", "[match][notice]") {
    auto report = scan_text(
        "psql:migrations/001.sql:3: NOTICE:  relation \"users\" already exists, skipping\n"
        "NOTICE:  extension \"pg_trgm\" already exists, skipping\n"
        "CREATE TABLE\n");
    CHECK_FALSE(report.found());
    report = scan_text("psycopg.errors.DuplicateTable: relation \"users\" already exists\n");
    CHECK(top_runbook(report) == "pg-relation-exists");
}

TEST_CASE("an incident without a runbook is found through its error line", "[match][incidents]") {
    auto report = scan_text(
        "chaos-1  | toxiproxy-cli: error creating proxy postgres_proxy: listen tcp 0.0.0.0:5434: bind: address already in use\n");
    REQUIRE(report.found());
    const auto& m = report.matches.front();
    CHECK_FALSE(m.runbook.has_value());
    CHECK(m.title == "Chaos proxy never became healthy");
    REQUIRE(m.incidents.size() == 1);
    CHECK(m.incidents.front().id == "2025-09-02-toxiproxy-timeout");
    CHECK(m.command.empty());
    CHECK(m.evidence.front().kind == match::EvidenceKind::incident);
    // The template masks the address and port: another run, another port.
    report = scan_text("toxiproxy-cli: error creating proxy postgres_proxy: listen tcp 127.0.0.1:6000: bind: address already in use\n");
    CHECK(report.found());
}

TEST_CASE("incidents seen before come with a runbook's match, the ones in this log first", "[match][incidents]") {
    auto report = scan_text(
        "2025-10-01T23:34:05.1Z psycopg.errors.UndefinedObject: operator class \"gin_trgm_ops\" does not exist for access method \"gin\"\n");
    REQUIRE(top_runbook(report) == "pg-extension-missing");
    const auto& m = report.matches.front();
    REQUIRE_FALSE(m.incidents.empty());
    CHECK(m.incidents.front().id == "2025-10-29-missing-pg-extensions");
    CHECK(m.incidents.front().in_log);
    CHECK(m.incidents.front().date == "2025-10-29");
    CHECK(m.confidence >= 0.95);
}

TEST_CASE("when nothing is confident the closest candidates are near misses", "[match][near]") {
    auto report = scan_text("ERROR: operator class \"foo_ops\" does not exist for access method \"gin\"\n");
    CHECK_FALSE(report.found());
    REQUIRE_FALSE(report.near_misses.empty());
    CHECK(report.near_misses.front().runbook == std::optional<std::string>("pg-extension-missing"));
    CHECK(report.near_misses.front().command.empty());
    CHECK(report.near_misses.front().confidence < 0.5);
}

TEST_CASE("line numbers and context are right across block boundaries", "[match][input]") {
    std::string log;
    for (int i = 1; i <= 400; ++i) {
        if (i == 137) log += "ERROR:  relation \"users\" does not exist\n";
        else log += "step " + std::to_string(i) + " ok, nothing to see in this rather ordinary line\n";
    }
    match::Options small;
    small.block_size = 256;
    small.max_line = 128;
    match::Options single = small, many = small;
    single.threads = 1;
    many.threads = 4;
    for (const auto& options : {match::Options{}, small, single, many}) {
        auto report = scan_text(log, options);
        CHECK(report.lines == 400);
        REQUIRE(report.found());
        const auto& e = report.matches.front().evidence.front();
        CHECK(e.line == 137);
        CHECK(e.context_line == 136);
        CHECK(e.context == "step 136 ok, nothing to see in this rather ordinary line");
    }
}

TEST_CASE("a log without a final newline and an empty log", "[match][input]") {
    auto report = scan_text("first\nERROR:  relation \"users\" does not exist");
    CHECK(report.lines == 2);
    CHECK(report.found());
    report = scan_text("");
    CHECK(report.lines == 0);
    CHECK_FALSE(report.found());
}

TEST_CASE("a 10 MB line is capped and the lines after it still match", "[match][input]") {
    std::string log = "before\n";
    log += "ERROR:  relation \"head\" does not exist " + std::string(10 << 20, 'x') +
           " ERROR:  relation \"tail\" does not exist\n";
    log += "ERROR:  type \"hstore\" does not exist\n";
    auto report = scan_text(log);
    CHECK(report.lines == 3);
    REQUIRE(report.matches.size() == 2);
    for (const auto& m : report.matches) {
        for (const auto& e : m.evidence) CHECK(e.text.size() < 1000);
        if (m.runbook == std::optional<std::string>("pg-relation-missing")) {
            CHECK(m.params.at("RELATION") == "head");  // the part after the cap is not read
            CHECK(m.evidence.size() == 1);
        }
    }
}

TEST_CASE("binary input and invalid UTF-8 are survived", "[match][input]") {
    std::string log;
    for (int i = 0; i < 5000; ++i) log += static_cast<char>((i * 7919) % 256);
    log += "\nERROR:  relation \"users\xff\xfe\" does not exist\n";
    log += std::string("\0\0\0binary\0", 10) + "\n";
    auto report = scan_text(log);
    REQUIRE(report.found());
    auto json = match::to_json(report);
    CHECK_NOTHROW(json.dump());
    CHECK(json["matches"][0]["evidence"][0]["text"].get<std::string>().find("\xEF\xBF\xBD") != std::string::npos);
}

TEST_CASE("error lines are taken from the head and the tail of a long log", "[match][input]") {
    std::string log = "fatal: could not read Username for 'https://github.com'\n";
    for (int i = 0; i < 50000; ++i) log += "compiling unit " + std::to_string(i) + " of a long and uneventful build\n";
    log += "Traceback (most recent call last):\n";
    log += "RuntimeError: the frobnicator refused to start\n";
    match::Options options;
    options.block_size = 64 << 10;
    auto report = scan_text(log, options);
    CHECK_FALSE(report.found());
    std::vector<std::string> texts;
    for (const auto& e : report.error_lines) texts.push_back(std::to_string(e.line) + " " + e.text);
    // The traceback's header says only that an exception follows.
    CHECK(texts == std::vector<std::string>{"1 fatal: could not read Username for 'https://github.com'",
                                            "50003 RuntimeError: the frobnicator refused to start"});
}
