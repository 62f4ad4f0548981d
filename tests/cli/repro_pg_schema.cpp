// Schema failures reproduced on a throwaway PostgreSQL server: an index on a
// non-immutable expression, an id column that lost its sequence default, a
// migration whose table already exists, and a query before any migration ran.
// The real error goes to `deja match`, the runbook runs with `--yes`, and the
// operation that failed (or the one the runbook replaces it with) is checked.
#include <catch2/catch.hpp>

#include "cli/repro_support.hpp"

namespace {

using repro::Params;

// The plan PostgreSQL picks for `query` when it may not scan sequentially.
std::string plan_without_seqscan(const test::PgServer& pg, const std::string& query) {
    auto out = test::run({"psql", "-X", "-At", "-v", "ON_ERROR_STOP=1", pg.url("app"), "-c",
                          "SET enable_seqscan = off", "-c", "EXPLAIN " + query});
    REQUIRE(out.exit_code == 0);
    return out.out;
}

// deja match finds nothing in `log` (exit 1).
void require_not_recognised(const repro::Workspace& ws, const std::string& log) {
    auto m = repro::match(ws, log);
    INFO("log:\n" << log << "\ndeja match said:\n" << m.report.dump(2) << m.stderr_text);
    REQUIRE(m.exit_code == 1);
}

}  // namespace

TEST_CASE("pg-index-function-not-immutable: indexes on now() and on a zone-dependent cast",
          "[repro][postgres]") {
    auto pg = test::start_postgres_or_warn();
    if (!pg) return;
    repro::Workspace ws;
    pg->create_database("app");
    const auto url = pg->url("app");
    REQUIRE(repro::psql_file(url, repro::fixture("sql/events.sql")).exit_code == 0);

    SECTION("a partial index over a moving window: a plain index serves it") {
        auto failed = repro::psql_file(url, repro::fixture("sql/recent_events_index.sql"));
        REQUIRE(failed.exit_code != 0);
        REQUIRE_THAT(failed.err, Catch::Contains("ERROR:  functions in index predicate must be marked IMMUTABLE"));

        auto params = repro::require_recognised(ws, repro::combined(failed), "pg-index-function-not-immutable", {});
        repro::require_run_succeeds(ws, "pg-index-function-not-immutable", params,
                                    {{"DATABASE_URL", url}, {"TABLE", "events"}, {"COLUMN", "created_at"},
                                     {"FORM", "plain"}});

        // The query the partial index was meant for now uses an index.
        REQUIRE_THAT(plan_without_seqscan(*pg, "SELECT * FROM events WHERE created_at > now() - interval '30 days'"),
                     Catch::Contains("events_created_at_idx"));
    }

    SECTION("an index on created_at::date: the same day computed in an explicit zone") {
        const std::string statement = "CREATE INDEX idx_events_day ON events ((created_at::date))";
        auto failed = repro::python_script(ws, "client.py", url, {"psycopg", statement});
        REQUIRE(failed.exit_code != 0);
        REQUIRE_THAT(failed.err, Catch::Contains("psycopg.errors.InvalidObjectDefinition: functions in index "
                                                 "expression must be marked IMMUTABLE"));

        auto params = repro::require_recognised(ws, repro::combined(failed), "pg-index-function-not-immutable", {});
        repro::require_run_succeeds(ws, "pg-index-function-not-immutable", params,
                                    {{"DATABASE_URL", url}, {"TABLE", "events"}, {"COLUMN", "created_at"},
                                     {"FORM", "utc-date"}});

        REQUIRE_THAT(pg->query("SELECT indexdef FROM pg_indexes WHERE indexname = 'events_created_at_utc_date_idx'",
                               "app"),
                     Catch::Contains("USING btree") && Catch::Contains("(created_at AT TIME ZONE 'UTC'::text))::date"));
        REQUIRE_THAT(plan_without_seqscan(
                         *pg, "SELECT * FROM events WHERE (created_at AT TIME ZONE 'UTC')::date = '2025-10-29'"),
                     Catch::Contains("events_created_at_utc_date_idx"));
    }
}

TEST_CASE("pg-null-id-no-default: inserts fail once the id lost its sequence default", "[repro][postgres]") {
    auto pg = test::start_postgres_or_warn();
    if (!pg) return;
    repro::Workspace ws;
    pg->create_database("app");
    const auto url = pg->url("app");
    REQUIRE(repro::psql_file(url, repro::fixture("sql/users_lost_default.sql")).exit_code == 0);

    auto failed = repro::psql_file(url, repro::fixture("sql/users_insert.sql"));
    REQUIRE(failed.exit_code != 0);
    REQUIRE_THAT(failed.err, Catch::Contains(R"(ERROR:  null value in column "id" of relation "users" violates not-null constraint)"));
    repro::require_recognised(ws, repro::combined(failed), "pg-null-id-no-default", {{"RELATION", "users"}});

    // The application's own insert, through the ORM.
    auto orm = repro::python_script(ws, "orm_insert.py", url);
    REQUIRE(orm.exit_code != 0);
    REQUIRE_THAT(orm.err, Catch::Contains(R"(sqlalchemy.exc.IntegrityError: (psycopg2.errors.NotNullViolation) null value in column "id" of relation "users" violates not-null constraint)"));
    auto params = repro::require_recognised(ws, repro::combined(orm), "pg-null-id-no-default", {{"RELATION", "users"}});

    repro::require_run_succeeds(ws, "pg-null-id-no-default", params, {{"DATABASE_URL", url}});

    auto again = repro::python_script(ws, "orm_insert.py", url);
    INFO(again.err);
    REQUIRE(again.exit_code == 0);
    auto insert = repro::psql_file(url, repro::fixture("sql/users_insert.sql"));
    REQUIRE(insert.exit_code == 0);
    // New ids continue after the existing ones instead of colliding with them.
    REQUIRE(pg->query("SELECT string_agg(id::text, ',' ORDER BY id) FROM users", "app") == "1,2,3,4");
}

TEST_CASE("pg-relation-exists: tables made by create_all() before Alembic ran", "[repro][postgres]") {
    auto pg = test::start_postgres_or_warn();
    if (!pg) return;
    repro::Workspace ws;
    pg->create_database("app");
    const auto url = pg->url("app");
    auto project = repro::alembic_project(ws / "project", {"a3f1c2d4e5b6", "c5d8e1f2a3b9"});

    // The 2025-10-29 report's shortcut: tables created from the models.
    auto create_all = test::run({repro::python(), "create_all.py"}, ws.env({{"DATABASE_URL", url}}), "", project);
    INFO(create_all.err);
    REQUIRE(create_all.exit_code == 0);

    auto failed = repro::alembic(ws, project, url, {"upgrade", "head"});
    REQUIRE(failed.exit_code != 0);
    REQUIRE_THAT(failed.err, Catch::Contains(R"(sqlalchemy.exc.ProgrammingError: (psycopg2.errors.DuplicateTable) relation "services" already exists)"));
    auto params = repro::require_recognised(ws, repro::combined(failed), "pg-relation-exists",
                                            {{"RELATION", "services"}});

    // The NOTICE of IF NOT EXISTS is no failure.
    auto notice = repro::psql(url, "CREATE TABLE IF NOT EXISTS services (id serial PRIMARY KEY)");
    REQUIRE(notice.exit_code == 0);
    REQUIRE_THAT(notice.err, Catch::Contains(R"(NOTICE:  relation "services" already exists, skipping)"));
    require_not_recognised(ws, repro::combined(notice));

    // Both tables of the history exist: the database is really at c5d8e1f2a3b9.
    repro::require_run_succeeds(ws, "pg-relation-exists", params,
                                {{"DATABASE_URL", url}, {"REVISION", "c5d8e1f2a3b9"},
                                 {"PROJECT_DIR", project.string()}});

    auto again = repro::alembic(ws, project, url, {"upgrade", "head"});
    INFO(again.err);
    REQUIRE(again.exit_code == 0);
    REQUIRE(pg->query("SELECT version_num FROM alembic_version", "app") == "c5d8e1f2a3b9");
}

TEST_CASE("pg-relation-missing: the application queries a table before migrations ran", "[repro][postgres]") {
    auto pg = test::start_postgres_or_warn();
    if (!pg) return;
    repro::Workspace ws;
    pg->create_database("app");
    const auto url = pg->url("app");
    auto project = repro::alembic_project(ws / "project", {"a3f1c2d4e5b6"});
    const std::string query = "SELECT count(*) FROM services";

    auto failed = repro::python_script(ws, "client.py", url, {"psycopg2", query});
    REQUIRE(failed.exit_code != 0);
    REQUIRE_THAT(failed.err, Catch::Contains(R"(psycopg2.errors.UndefinedTable: relation "services" does not exist)"));
    auto params = repro::require_recognised(ws, repro::combined(failed), "pg-relation-missing",
                                            {{"RELATION", "services"}});

    auto psql_form = repro::psql(url, query);
    REQUIRE_THAT(psql_form.err, Catch::Contains(R"(ERROR:  relation "services" does not exist)"));
    repro::require_recognised(ws, repro::combined(psql_form), "pg-relation-missing", {{"RELATION", "services"}});

    auto notice = repro::psql(url, "DROP TABLE IF EXISTS services");
    REQUIRE_THAT(notice.err, Catch::Contains(R"(NOTICE:  table "services" does not exist, skipping)"));
    require_not_recognised(ws, repro::combined(notice));

    repro::require_run_succeeds(ws, "pg-relation-missing", params,
                                {{"DATABASE_URL", url}, {"PROJECT_DIR", project.string()}});

    auto again = repro::python_script(ws, "client.py", url, {"psycopg2", query});
    INFO(again.err);
    REQUIRE(again.exit_code == 0);
    REQUIRE(pg->query("SELECT version_num FROM alembic_version", "app") == "a3f1c2d4e5b6");
}
