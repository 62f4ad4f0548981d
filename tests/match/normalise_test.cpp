#include <catch2/catch.hpp>

#include "match/normalise.hpp"

TEST_CASE("normalise masks what changes from run to run", "[match][normalise]") {
    struct Case {
        const char* line;
        const char* normalised;
    };
    const Case cases[] = {
        {"psycopg.errors.UndefinedObject: operator class \"gin_trgm_ops\" does not exist for access method \"gin\"",
         "psycopg.errors.UndefinedObject: operator class \"gin_trgm_ops\" does not exist for access method \"gin\""},
        {"couldn't get resource list for metrics.k8s.io/v1beta1: the server is currently unable to handle the request",
         "couldn't get resource list for metrics.k8s.io/v1beta1: the server is currently unable to handle the request"},
        {"connection to server at \"127.0.0.1\", port 5432 failed: Connection refused",
         "connection to server at \"<ip>\", port <num> failed: Connection refused"},
        {"dial tcp 10.0.0.12:5432: connect: connection refused", "dial tcp <ip>:<num>: connect: connection refused"},
        {"Running upgrade 8144e6c26432 -> 94f9767a55ea, create core tables",
         "Running upgrade <hex> -> <hex>, create core tables"},
        {"request 123e4567-e89b-12d3-a456-426614174000 took 15ms", "request <uuid> took <num>"},
        {"at 2025-10-01 23:34:05.123 pid 4711", "at <num> <num> pid <num>"},
        {"at 12:00:00Z and 09:30", "at <num> and <num>"},
        {"File \"/app/migrations/versions/001_init.py\", line 42, in upgrade",
         "File \"<path>\", line <num>, in upgrade"},
        {"exec /docker-entrypoint.sh: permission denied", "exec <path>: permission denied"},
        {"open ./scripts/init.sh: no such file", "open <path>: no such file"},
        {"Get \"https://registry-1.docker.io/v2/\": net/http: request canceled",
         "Get \"<url>\": net/http: request canceled"},
        {"null value in column \"id\" of relation \"sensor_readings\" violates not-null constraint",
         "null value in column \"id\" of relation \"sensor_readings\" violates not-null constraint"},
        {"DETAIL:  Failing row contains (null, 2025-10-01 12:00:00+00, 42.5).",
         "DETAIL: Failing row contains (null, <num> <num>, <num>)."},
        {"pod threads-migrations-7x2kq failed", "pod threads-migrations-<*> failed"},
        {"value 'it is a long sentence' is invalid", "value '<*>' is invalid"},
        {"0xdeadbeef at address 0x7ffd5", "<hex> at address <hex>"},
        {"  several   spaces\there  ", "several spaces here"},
    };
    for (const auto& c : cases) {
        INFO(c.line);
        CHECK(match::normalise(c.line) == c.normalised);
    }
}

TEST_CASE("the same failure from two runs gives one template", "[match][normalise]") {
    CHECK(match::normalise("could not connect to server: Connection refused\n\tIs the server running on host \"localhost\" (127.0.0.1) and accepting TCP/IP connections on port 5433?") ==
          match::normalise("could not connect to server: Connection refused\n\tIs the server running on host \"localhost\" (10.1.2.3) and accepting TCP/IP connections on port 5432?"));
    CHECK(match::normalise("Job migrations-1759361645 has reached the specified backoff limit") ==
          match::normalise("Job migrations-1759999999 has reached the specified backoff limit"));
}

TEST_CASE("message_core drops the labels clients put in front of a message", "[match][normalise]") {
    CHECK(match::message_core("ERROR: relation \"users\" does not exist") == "relation \"users\" does not exist");
    CHECK(match::message_core("sqlalchemy.exc.ProgrammingError: (psycopg2.errors.UndefinedTable) relation \"users\" does not exist") ==
          "relation \"users\" does not exist");
    CHECK(match::message_core("PG::UndefinedTable: ERROR: relation \"users\" does not exist") ==
          "relation \"users\" does not exist");
    CHECK(match::message_core("operator class \"gin_trgm_ops\" does not exist") == "operator class \"gin_trgm_ops\" does not exist");
    CHECK(match::message_core("exec <path>: permission denied") == "exec <path>: permission denied");
    CHECK(match::message_core("Error:") == "Error:");
}

TEST_CASE("similarity weighs distinctive words over common ones", "[match][normalise]") {
    auto tokens = [](const char* s) { return match::template_tokens(match::normalise(s)); };
    auto core_tokens = [](const char* s) { return match::template_tokens(match::message_core(match::normalise(s))); };
    auto a = tokens("psycopg.errors.UndefinedObject: operator class \"gin_trgm_ops\" does not exist for access method \"gin\"");
    auto b = tokens("asyncpg.exceptions.UndefinedObjectError: operator class \"gin_trgm_ops\" does not exist for access method \"gin\"");
    auto c = tokens("psycopg.errors.UndefinedTable: relation \"users\" does not exist");
    CHECK(match::similarity(a, a) == Approx(1.0));
    CHECK(match::similarity(a, b) > 0.4);
    CHECK(match::similarity(a, c) < 0.35);
    CHECK(match::similarity(a, b) > match::similarity(a, c));
    CHECK(match::similarity(core_tokens("psycopg.errors.UndefinedObject: operator class \"gin_trgm_ops\" does not exist"),
                            core_tokens("asyncpg.exceptions.UndefinedObjectError: operator class \"gin_trgm_ops\" does not exist")) ==
          Approx(1.0));
}
