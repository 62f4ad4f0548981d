// Telling error output from the commands, code and tables around it.
#include <catch2/catch.hpp>

#include "kb/error_lines.hpp"

using namespace kb::errors;

namespace {

std::vector<std::string> errors_in(const std::string& language, const std::string& code) {
    std::vector<std::string> out;
    for (const auto& e : from_code_block(language, code, 1)) out.push_back(e.text);
    return out;
}

}  // namespace

TEST_CASE("log prefixes are removed", "[kb][errors]") {
    CHECK(strip_log_prefix("linux\tOrchestrate up\t2025-10-01T23:34:36.2546802Z Timed out waiting") == "Timed out waiting");
    CHECK(strip_log_prefix("2025-10-01 12:00:00,123 ERROR boom") == "ERROR boom");
    CHECK(strip_log_prefix("[2025-10-01T12:00:00Z] fatal: x") == "fatal: x");
    CHECK(strip_log_prefix("12:00:01.5 worker crashed") == "worker crashed");
    CHECK(strip_log_prefix("Oct  1 12:00:00 host kernel: Out of memory") == "Out of memory");
    CHECK(strip_log_prefix("##[error]Process completed with exit code 1.") == "Process completed with exit code 1.");
    CHECK(strip_log_prefix("api-1  | Traceback") == "Traceback");
    CHECK(strip_log_prefix("plain line") == "plain line");
}

TEST_CASE("error output is recognised", "[kb][errors]") {
    for (std::string line : {"psycopg.errors.UndefinedObject: operator class \"x\" does not exist",
                             "sqlalchemy.exc.MissingGreenlet: greenlet_spawn has not been called",
                             "ValueError: bad value", "BackoffLimitExceeded", "ERROR:  relation \"t\" does not exist",
                             "FATAL:  the database system is starting up", "Error: Process completed with exit code 1.",
                             "fatal: not a git repository", "error[E0382]: borrow of moved value",
                             "job migrations failed: BackoffLimitExceeded", "Timed out waiting for http://x/health",
                             "exec /docker-entrypoint.sh: permission denied",
                             "couldn't get resource list for metrics.k8s.io/v1beta1: unavailable",
                             "no custom metrics API (custom.metrics.k8s.io) registered",
                             "connection to server at \"localhost\" (127.0.0.1), port 5432 failed: Connection refused",
                             "npm ERR! code ELIFECYCLE", "/bin/sh: 1: ./run.sh: Permission denied",
                             "Pod worker-0 is in CrashLoopBackOff"}) {
        INFO(line);
        CHECK_FALSE(looks_like_noise(line));
        CHECK(looks_like_error(line));
    }
}

TEST_CASE("commands, code, prompts, tables and check lists are not error output", "[kb][errors]") {
    for (std::string line : {"$ psql -c 'select 1'", "# Before: permission denied error",
                             "echo \"Migration attempt $i failed, retrying\"", "docker exec db psql -c \"\\dt\"",
                             "CREATE INDEX idx ON t USING gin (name gin_trgm_ops);", "SELECT * FROM pg_extension;",
                             "kubectl describe job -l job-name=migrations", "\u2705 No errors during migration",
                             "\u2713 Created stylist", " public | services | table | app", "---------+--------",
                             "INFO  [alembic.runtime.migration] Will assume transactional DDL.",
                             "DATABASE_URL=postgres://x alembic upgrade head", "until nc -z db 5432; do sleep 1; done",
                             "[SQL: CREATE INDEX x ON y]", "id = Column(Integer, primary_key=True)",
                             "  File \"/app/x.py\", line 3, in <module>", "def fail_on_error():", "ok"}) {
        INFO(line);
        CHECK(looks_like_noise(line));
    }
}

TEST_CASE("error lines from code blocks depend on what the block holds", "[kb][errors]") {
    SECTION("output block: errors kept, the rest dropped") {
        CHECK(errors_in("", "Running upgrade\nERROR: boom\n\n$ make\nmake: *** [all] Error 2\n") ==
              std::vector<std::string>{"ERROR: boom", "make: *** [all] Error 2"});
    }
    SECTION("shell block: commands and comments are not errors, pasted output is") {
        CHECK(errors_in("bash", "chmod +x run.sh\n# was: permission denied\n./run.sh\nbash: ./run.sh: Permission denied\n") ==
              std::vector<std::string>{"bash: ./run.sh: Permission denied"});
    }
    SECTION("source blocks: only unmistakable error lines") {
        CHECK(errors_in("yaml", "command: [\"sh\", \"-c\"]\nargs:\n  - echo \"attempt failed\"\n").empty());
        CHECK(errors_in("python", "raise RuntimeError('x failed')\nprint('connection failed')\n").empty());
        CHECK(errors_in("sql", "SELECT 1;\nERROR:  syntax error at or near \"SELEC\"\n") ==
              std::vector<std::string>{"ERROR:  syntax error at or near \"SELEC\""});
    }
    SECTION("a Python traceback keeps the exception, not the frames") {
        CHECK(errors_in("python", "Traceback (most recent call last):\n  File \"a.py\", line 1, in <module>\n"
                                  "    main()\nKeyError: 'DATABASE_URL'\n") ==
              std::vector<std::string>{"KeyError: 'DATABASE_URL'"});
    }
    SECTION("lines keep their file line") {
        auto found = from_code_block("", "ok\nok\nFATAL: x happened\n", 40);
        REQUIRE(found.size() == 1);
        CHECK(found[0].line == 42);
    }
}

TEST_CASE("errors quoted in prose", "[kb][errors]") {
    auto found = from_prose("Startup failed with \"permission denied: unknown\" on the init script", 7);
    REQUIRE(found.size() == 1);
    CHECK(found[0].text == "permission denied: unknown");
    CHECK(found[0].line == 7);
    CHECK(from_prose("Tests said \"Run seeds first\" and stopped", 1).empty());
}
