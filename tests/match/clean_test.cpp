#include <catch2/catch.hpp>

#include "match/clean.hpp"
#include "match/text.hpp"

namespace {

struct Case {
    const char* raw;
    const char* cleaned;
};

}  // namespace

TEST_CASE("clean_line strips what CI runners, containers and loggers wrap around a message", "[match][clean]") {
    const Case cases[] = {
        // GitHub Actions: timestamps, markers, `gh run view --log` columns
        {"2025-10-01T23:34:05.7547805Z INFO  [alembic.runtime.migration] Running upgrade  -> 8144e6c26432",
         "INFO  [alembic.runtime.migration] Running upgrade  -> 8144e6c26432"},
        {"linux\tOrchestrate up\t2025-10-01T23:34:36.2546802Z Timed out waiting for http://127.0.0.1:8000/health",
         "Timed out waiting for http://127.0.0.1:8000/health"},
        {"build\tRun migrations\t\xEF\xBB\xBF" "2025-10-01T23:34:05.1Z ##[error]Process completed with exit code 1.",
         "Process completed with exit code 1."},
        {"2025-10-01T23:34:05.7547805Z ##[error]psycopg.errors.UndefinedObject: operator class \"gin_trgm_ops\"",
         "psycopg.errors.UndefinedObject: operator class \"gin_trgm_ops\""},
        {"::error file=app.py,line=3::ModuleNotFoundError: No module named 'psycopg2'",
         "ModuleNotFoundError: No module named 'psycopg2'"},
        {"::error::relation \"users\" does not exist", "relation \"users\" does not exist"},
        {"##[warning]Node.js 16 actions are deprecated.", "Node.js 16 actions are deprecated."},
        // ISO and syslog timestamps, server process ids
        {"2025-10-01 23:34:05,123 ERROR could not connect", "ERROR could not connect"},
        {"2025-10-01 23:34:05.123 UTC [4711] ERROR:  relation \"sensor_readings\" already exists",
         "ERROR:  relation \"sensor_readings\" already exists"},
        {"[2025-10-01 23:34:05] production.ERROR: SQLSTATE[42P01]", "production.ERROR: SQLSTATE[42P01]"},
        {"2025/10/01 23:34:05 pq: password authentication failed for user \"app\"",
         "pq: password authentication failed for user \"app\""},
        {"Oct  1 23:34:05 db01 postgres[123]: FATAL:  the database system is starting up",
         "FATAL:  the database system is starting up"},
        {"Oct 11 03:04:05 web kernel: Out of memory: Killed process 4242 (python3)",
         "Out of memory: Killed process 4242 (python3)"},
        {"[12:34:56] Starting 'build'...", "Starting 'build'..."},
        // docker compose and kubectl prefixes
        {"api-1  | sqlalchemy.exc.MissingGreenlet: greenlet_spawn has not been called",
         "sqlalchemy.exc.MissingGreenlet: greenlet_spawn has not been called"},
        {"db_1 |FATAL:  password authentication failed", "FATAL:  password authentication failed"},
        {"db-1  | 2025-10-01 23:34:05.123 UTC [1] LOG:  database system is ready to accept connections",
         "LOG:  database system is ready to accept connections"},
        {"[pod/migrations-7x2kq/migrate] alembic.util.exc.CommandError: Multiple head revisions are present",
         "alembic.util.exc.CommandError: Multiple head revisions are present"},
        // ANSI colour, carriage-return progress, CRLF
        {"\x1b[31mERROR\x1b[0m: relation \"x\" does not exist", "ERROR: relation \"x\" does not exist"},
        {"\x1b[1;31merror\x1b[0m\x1b[1m: could not compile `app`\x1b[0m", "error: could not compile `app`"},
        {"Downloading  10%\rDownloading  50%\rDownloading 100%", "Downloading 100%"},
        {"ERROR:  role \"app\" does not exist\r", "ERROR:  role \"app\" does not exist"},
        {"\x1b]0;title\aplain text", "plain text"},
        // pasted logs
        {"> psycopg2.OperationalError: connection refused", "psycopg2.OperationalError: connection refused"},
        {"> > ERROR:  permission denied for schema public", "ERROR:  permission denied for schema public"},
        // structured logs
        {R"re({"level":"error","ts":"2025-10-01T23:34:05Z","msg":"migration failed","error":"relation \"users\" does not exist"})re",
         "migration failed: relation \"users\" does not exist"},
        {R"re({"message": "Back-off restarting failed container migrate", "severity": "WARNING"})re",
         "Back-off restarting failed container migrate"},
        {R"re({"log":"2025-10-01T23:34:05.123Z ERROR could not translate host name \"db\"\n","stream":"stderr"})re",
         "ERROR could not translate host name \"db\""},
        {R"re(api-1  | {"event": "\u001b[31mboom\u001b[0m happened", "level": "error"})re", "boom happened"},
        {R"re(time="2025-10-01T23:34:05Z" level=error msg="failed to start container" error="exec: \"/app/run.sh\": permission denied")re",
         "failed to start container: exec: \"/app/run.sh\": permission denied"},
        {R"re({"level":"error","message":"migration failed","error.message":"ERROR: function uuid_generate_v4() does not exist"})re",
         "migration failed: ERROR: function uuid_generate_v4() does not exist"},
        {R"re({"msg":"startup failed","errorMessage":"connection refused"})re", "startup failed: connection refused"},
        {R"re({"msg":"job failed","reason":"BackoffLimitExceeded"})re", "job failed: BackoffLimitExceeded"},
        {R"re({"message":"query failed","error":{"message":"relation \"users\" does not exist"}})re",
         "query failed: relation \"users\" does not exist"},
        // things that must stay as they are
        {"  File \"/app/migrations/env.py\", line 12, in <module>", "File \"/app/migrations/env.py\", line 12, in <module>"},
        {"{not json at all}", "{not json at all}"},
        {"id | name", "id | name"},
        {"", ""},
    };
    for (const auto& c : cases) {
        INFO("raw: " << c.raw);
        CHECK(match::clean_line(c.raw) == c.cleaned);
    }
}

TEST_CASE("clean_line survives binary and invalid UTF-8", "[match][clean]") {
    std::string binary("\x00\x01\xff\xfe ERROR \x1b[", 12);
    CHECK_NOTHROW(match::clean_line(binary));
    CHECK_NOTHROW(match::clean_line("{\"msg\": \"\xff\xfe\"}"));
    CHECK_NOTHROW(match::clean_line(std::string(100000, '\x1b')));
}

TEST_CASE("PostgreSQL NOTICE lines are not errors", "[match][clean]") {
    CHECK(match::is_notice("NOTICE:  relation \"users\" already exists, skipping"));
    CHECK(match::is_notice("psql:migrations/001.sql:3: NOTICE:  extension \"pg_trgm\" already exists, skipping"));
    CHECK(match::is_notice("[4711] NOTICE:  table \"old\" does not exist, skipping"));
    CHECK_FALSE(match::is_notice("ERROR:  relation \"users\" already exists"));
    CHECK_FALSE(match::is_notice("psycopg.errors.DuplicateTable: relation \"users\" already exists"));
}

TEST_CASE("generic failure lines are recognised as such", "[match][clean]") {
    for (const char* line : {"Process completed with exit code 1.", "Error: Process completed with exit code 2.",
                             "exit status 1", "make: *** [Makefile:12: all] Error 2", "make[1]: *** [build] Error 1",
                             "npm ERR! code ELIFECYCLE", "ERROR: Job failed: exit code 1", "FAILED", "Error",
                             "script returned exit code 1", "db-1 exited with code 1",
                             "The process '/usr/bin/bash' failed with exit code 1",
                             "Error: Command failed with exit code 1.", "Traceback (most recent call last):",
                             "The above exception was the direct cause of the following exception:",
                             "During handling of the above exception, another exception occurred:",
                             "(Background on this error at: https://sqlalche.me/e/14/f405)"}) {
        INFO(line);
        CHECK(match::is_generic(line));
    }
    for (const char* line : {"psycopg.errors.UndefinedObject: operator class \"gin_trgm_ops\" does not exist",
                             "Job has reached the specified backoff limit", "exit status 1 while running migrations: relation missing"}) {
        INFO(line);
        CHECK_FALSE(match::is_generic(line));
    }
}
