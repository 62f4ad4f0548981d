// PostgreSQL extension failures reproduced on a throwaway server: an index or
// default that needs an extension nobody enabled (in psql's, psycopg 3's,
// psycopg2's, asyncpg's, SQLAlchemy's and Alembic's words), an extension the
// server does not ship, and one the application role may not create. The real
// error goes to `deja match`, the runbook it names runs with `--yes`, and the
// statement that failed is run again.
#include <catch2/catch.hpp>

#include "cli/repro_support.hpp"

namespace {

using repro::Params;

const std::string trgm_error = R"(operator class "gin_trgm_ops" does not exist for access method "gin")";
const std::string trgm_index_sql =
    "CREATE INDEX idx_services_name_trgm ON services USING gin (name gin_trgm_ops)";

}  // namespace

TEST_CASE("pg-extension-missing: a trigram index without pg_trgm in every client's words", "[repro][postgres]") {
    auto pg = test::start_postgres_or_warn();
    if (!pg) return;
    repro::Workspace ws;
    pg->create_database("app");
    const auto url = pg->url("app");
    REQUIRE(repro::psql_file(url, repro::fixture("sql/services.sql")).exit_code == 0);

    const Params expected{{"EXTENSION", "pg_trgm"}};
    struct Client {
        std::string name;
        std::string exception;  // how this client prefixes the server's message
        test::Output output;
    };
    std::vector<Client> clients{
        {"psql", "ERROR:  ", repro::psql_file(url, repro::fixture("sql/trgm_index.sql"))},
        {"psycopg 3", "psycopg.errors.UndefinedObject: ",
         repro::python_script(ws, "client.py", url, {"psycopg", trgm_index_sql})},
        {"psycopg2", "psycopg2.errors.UndefinedObject: ",
         repro::python_script(ws, "client.py", url, {"psycopg2", trgm_index_sql})},
        {"asyncpg", "asyncpg.exceptions.UndefinedObjectError: ",
         repro::python_script(ws, "client.py", url, {"asyncpg", trgm_index_sql})},
        {"SQLAlchemy", "sqlalchemy.exc.ProgrammingError: (psycopg2.errors.UndefinedObject) ",
         repro::python_script(ws, "client.py", url, {"sqlalchemy", trgm_index_sql})},
    };
    Params params;
    for (const auto& client : clients) {
        INFO("client: " << client.name);
        REQUIRE(client.output.exit_code != 0);
        REQUIRE_THAT(client.output.err, Catch::Contains(client.exception + trgm_error));
        params = repro::require_recognised(ws, repro::combined(client.output), "pg-extension-missing", expected);
    }

    repro::require_run_succeeds(ws, "pg-extension-missing", params, {{"DATABASE_URL", url}});
    REQUIRE(pg->query("SELECT extname FROM pg_extension WHERE extname = 'pg_trgm'", "app") == "pg_trgm");

    auto again = repro::psql_file(url, repro::fixture("sql/trgm_index.sql"));
    INFO(again.err);
    REQUIRE(again.exit_code == 0);
    REQUIRE(pg->query("SELECT indexdef FROM pg_indexes WHERE indexname = 'idx_services_name_trgm'", "app") ==
            "CREATE INDEX idx_services_name_trgm ON public.services USING gin (name gin_trgm_ops)");

    // Running it again is harmless.
    repro::require_run_succeeds(ws, "pg-extension-missing", params, {{"DATABASE_URL", url}});
}

TEST_CASE("pg-extension-missing: the Alembic migration of the 2025-10-29 report end to end", "[repro][postgres]") {
    auto pg = test::start_postgres_or_warn();
    if (!pg) return;
    repro::Workspace ws;
    pg->create_database("app");
    const auto url = pg->url("app");
    auto project = repro::alembic_project(ws / "project", {"a3f1c2d4e5b6", "b7e2d9c0f1a4"});

    auto failed = repro::alembic(ws, project, url, {"upgrade", "head"});
    REQUIRE(failed.exit_code != 0);
    REQUIRE_THAT(failed.err, Catch::Contains("sqlalchemy.exc.ProgrammingError: (psycopg2.errors.UndefinedObject) " +
                                             trgm_error));
    REQUIRE_THAT(failed.err, Catch::Contains("[SQL: CREATE INDEX idx_services_name_trgm ON services USING gin "
                                             "(name gin_trgm_ops)]"));
    // Transactional DDL: the failed upgrade left nothing behind.
    REQUIRE(pg->query("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'", "app") == "0");

    auto params = repro::require_recognised(ws, repro::combined(failed), "pg-extension-missing",
                                            {{"EXTENSION", "pg_trgm"}});
    repro::require_run_succeeds(ws, "pg-extension-missing", params, {{"DATABASE_URL", url}});

    auto again = repro::alembic(ws, project, url, {"upgrade", "head"});
    INFO(again.err);
    REQUIRE(again.exit_code == 0);
    REQUIRE_THAT(again.err, Catch::Contains("Running upgrade a3f1c2d4e5b6 -> b7e2d9c0f1a4"));
    REQUIRE(pg->query("SELECT version_num FROM alembic_version", "app") == "b7e2d9c0f1a4");
    REQUIRE(pg->query("SELECT count(*) FROM pg_indexes WHERE indexname = 'idx_services_name_trgm'", "app") == "1");
}

TEST_CASE("pg-extension-missing: uuid_generate_v4() as a column default without uuid-ossp", "[repro][postgres]") {
    auto pg = test::start_postgres_or_warn();
    if (!pg) return;
    repro::Workspace ws;
    pg->create_database("app");
    const auto url = pg->url("app");
    const auto table = repro::fixture("sql/customers_uuid.sql");

    auto failed = repro::psql_file(url, table);
    REQUIRE(failed.exit_code != 0);
    REQUIRE_THAT(failed.err, Catch::Contains("ERROR:  function uuid_generate_v4() does not exist"));

    auto params = repro::require_recognised(ws, repro::combined(failed), "pg-extension-missing",
                                            {{"EXTENSION", "uuid-ossp"}});
    repro::require_run_succeeds(ws, "pg-extension-missing", params, {{"DATABASE_URL", url}});

    auto again = repro::psql_file(url, table);
    INFO(again.err);
    REQUIRE(again.exit_code == 0);
    pg->query("INSERT INTO customers (phone) VALUES ('+34612000001')", "app");
    REQUIRE(pg->query("SELECT length(id::text) FROM customers", "app") == "36");
}

TEST_CASE("pg-extension-not-installed-on-server: CREATE EXTENSION for files the server lacks", "[repro][postgres]") {
    auto pg = test::start_postgres_or_warn();
    if (!pg) return;
    repro::Workspace ws;
    pg->create_database("app");
    const auto url = pg->url("app");
    // TimescaleDB is not in Debian: no package can appear behind this test's back.
    const std::string statement = "CREATE EXTENSION IF NOT EXISTS timescaledb";

    auto psql_form = repro::psql(url, statement);
    REQUIRE(psql_form.exit_code != 0);
    REQUIRE_THAT(psql_form.err, Catch::Contains(R"(ERROR:  extension "timescaledb" is not available)"));
    REQUIRE_THAT(psql_form.err, Catch::Contains(R"(Could not open extension control file ")"));
    auto params = repro::require_recognised(ws, repro::combined(psql_form), "pg-extension-not-installed-on-server",
                                            {{"EXTENSION", "timescaledb"}});

    auto asyncpg_form = repro::python_script(ws, "client.py", url, {"asyncpg", statement});
    REQUIRE_THAT(asyncpg_form.err,
                 Catch::Contains(R"(asyncpg.exceptions.FeatureNotSupportedError: extension "timescaledb" is not available)"));
    repro::require_recognised(ws, repro::combined(asyncpg_form), "pg-extension-not-installed-on-server",
                              {{"EXTENSION", "timescaledb"}});

    // No package ships it here, so the run must end as a failure that says
    // so, and leave the database as it was.
    auto run = repro::run_runbook(ws, "pg-extension-not-installed-on-server",
                                  {{"EXTENSION", params["EXTENSION"]}, {"DATABASE_URL", url}});
    INFO(run.out << run.err);
    REQUIRE(run.exit_code == 1);
    REQUIRE_THAT(run.out + run.err, Catch::Contains("timescaledb-2-postgresql-15"));
    REQUIRE(pg->query("SELECT count(*) FROM pg_extension WHERE extname = 'timescaledb'", "app") == "0");
}

TEST_CASE("pg-extension-permission: the application role may not create the extension", "[repro][postgres]") {
    auto pg = test::start_postgres_or_warn();
    if (!pg) return;
    repro::Workspace ws;
    pg->create_database("app");
    pg->query("CREATE ROLE app LOGIN");
    const auto admin = pg->url("app");
    const auto app = repro::role_url(*pg, "app", "", "app");

    SECTION("a trusted extension without CREATE on the database") {
        // The first migration of the 2025-10-29 report.
        const std::string statement = R"(CREATE EXTENSION IF NOT EXISTS "pg_trgm")";
        auto failed = repro::python_script(ws, "client.py", app, {"psycopg2", statement});
        REQUIRE(failed.exit_code != 0);
        REQUIRE_THAT(failed.err, Catch::Contains(R"(psycopg2.errors.InsufficientPrivilege: permission denied to create extension "pg_trgm")"));
        REQUIRE_THAT(failed.err, Catch::Contains("HINT:  Must have CREATE privilege on current database"));

        auto params = repro::require_recognised(ws, repro::combined(failed), "pg-extension-permission",
                                                {{"EXTENSION", "pg_trgm"}});
        repro::require_run_succeeds(ws, "pg-extension-permission", params,
                                    {{"DATABASE_URL", app}, {"ADMIN_DATABASE_URL", admin}});
        // Created by the administrator; the application role gained nothing.
        REQUIRE(pg->query("SELECT rolsuper::text || has_database_privilege('app', 'app', 'CREATE')::text "
                          "FROM pg_roles WHERE rolname = 'app'") == "falsefalse");

        auto again = repro::python_script(ws, "client.py", app, {"psycopg2", statement});
        INFO(again.err);
        REQUIRE(again.exit_code == 0);
    }

    SECTION("an untrusted extension needs a superuser") {
        const std::string statement = "CREATE EXTENSION IF NOT EXISTS file_fdw";
        auto failed = repro::psql(app, statement);
        REQUIRE(failed.exit_code != 0);
        REQUIRE_THAT(failed.err, Catch::Contains(R"(ERROR:  permission denied to create extension "file_fdw")"));
        REQUIRE_THAT(failed.err, Catch::Contains("HINT:  Must be superuser to create this extension."));

        auto params = repro::require_recognised(ws, repro::combined(failed), "pg-extension-permission",
                                                {{"EXTENSION", "file_fdw"}});
        repro::require_run_succeeds(ws, "pg-extension-permission", params,
                                    {{"DATABASE_URL", app}, {"ADMIN_DATABASE_URL", admin}});

        auto again = repro::psql(app, statement);
        INFO(again.err);
        REQUIRE(again.exit_code == 0);
        REQUIRE_THAT(again.err, Catch::Contains(R"(extension "file_fdw" already exists, skipping)"));
    }
}
