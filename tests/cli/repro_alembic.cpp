// Alembic and SQLAlchemy failures reproduced with Debian's python3-alembic,
// python3-sqlalchemy (1.4), python3-asyncpg and python3-psycopg2 against a
// throwaway PostgreSQL server: an asyncpg URL in a synchronous env.py, an
// env.py whose work is rolled back, a revision the checkout does not have, two
// heads, autogenerate against an old database, a driver SQLAlchemy cannot load,
// and a mapped table without a primary key. The real output goes to
// `deja match`; the runbook runs with `--yes`; the Alembic command is retried.
#include <catch2/catch.hpp>

#include "cli/repro_support.hpp"

namespace {

namespace fs = std::filesystem;
using repro::Params;

std::string asyncpg_url(const test::PgServer& pg, const std::string& database) {
    return "postgresql+asyncpg://" + pg.user() + "@127.0.0.1:" + std::to_string(pg.port()) + "/" + database;
}

}  // namespace

TEST_CASE("sqlalchemy-missing-greenlet: the application's asyncpg URL given to a synchronous env.py",
          "[repro][postgres][alembic]") {
    auto pg = test::start_postgres_or_warn();
    if (!pg) return;
    repro::Workspace ws;
    pg->create_database("app");
    auto project = repro::alembic_project(ws / "project", {"a3f1c2d4e5b6"});
    const auto async_url = asyncpg_url(*pg, "app");

    auto failed = repro::alembic(ws, project, async_url, {"upgrade", "head"});
    REQUIRE(failed.exit_code != 0);
    REQUIRE_THAT(failed.err, Catch::Contains("sqlalchemy.exc.MissingGreenlet: greenlet_spawn has not been called; "
                                             "can't call await_only() here."));

    auto params = repro::require_recognised(ws, repro::combined(failed), "sqlalchemy-missing-greenlet", {});
    repro::require_run_succeeds(ws, "sqlalchemy-missing-greenlet", params,
                                {{"DATABASE_URL", async_url}, {"PROJECT_DIR", project.string()}});

    // The runbook migrated through the synchronous driver, and left no file behind.
    REQUIRE(pg->query("SELECT version_num FROM alembic_version", "app") == "a3f1c2d4e5b6");
    REQUIRE(pg->query("SELECT count(*) FROM services", "app") == "0");
    for (const auto& entry : fs::directory_iterator(project))
        REQUIRE(entry.path().filename().string().rfind(".deja-sync", 0) != 0);
    auto current = repro::alembic(ws, project, pg->url("app"), {"current"});
    REQUIRE_THAT(current.out, Catch::Contains("a3f1c2d4e5b6 (head)"));
}

TEST_CASE("alembic-changes-not-committed: upgrade reports success and the database stays empty",
          "[repro][postgres][alembic]") {
    auto pg = test::start_postgres_or_warn();
    if (!pg) return;
    repro::Workspace ws;
    pg->create_database("app");
    const auto url = pg->url("app");
    auto project = repro::alembic_project(ws / "project", {"a3f1c2d4e5b6", "c5d8e1f2a3b9"},
                                          repro::AlembicEnv::outside_transaction);

    // What the 2025-10-29 report saw: a clean upgrade log, then no tables.
    auto upgrade = repro::alembic(ws, project, url, {"upgrade", "head"});
    INFO(upgrade.err);
    REQUIRE(upgrade.exit_code == 0);
    REQUIRE_THAT(upgrade.err, Catch::Contains("Running upgrade  -> a3f1c2d4e5b6, create services"));
    REQUIRE_THAT(upgrade.err, Catch::Contains("Running upgrade a3f1c2d4e5b6 -> c5d8e1f2a3b9, create customers"));
    auto tables = repro::psql(url, "\\dt");
    REQUIRE_THAT(repro::combined(tables), Catch::Contains("Did not find any relations."));
    auto version = repro::psql(url, "SELECT version_num FROM alembic_version");
    REQUIRE_THAT(version.err, Catch::Contains(R"(ERROR:  relation "alembic_version" does not exist)"));

    // The upgrade log alone is a success: no known failure in it.
    auto quiet = repro::match(ws, repro::combined(upgrade));
    REQUIRE(quiet.exit_code == 1);

    const auto log = repro::combined(upgrade) + repro::combined(tables) + repro::combined(version);
    auto params = repro::require_recognised(ws, log, "alembic-changes-not-committed", {});
    repro::require_run_succeeds(ws, "alembic-changes-not-committed", params,
                                {{"DATABASE_URL", url}, {"PROJECT_DIR", project.string()}});
    REQUIRE(fs::exists(project / "migrations" / "env.py.deja-bak"));
    REQUIRE(pg->query("SELECT version_num FROM alembic_version", "app") == "c5d8e1f2a3b9");

    // New migrations now persist too.
    fs::copy_file(repro::fixture("alembic/revisions/b7e2d9c0f1a4_services_name_trgm.py"),
                  project / "migrations" / "versions" / "b7e2d9c0f1a4_services_name_trgm.py");
    pg->query("CREATE EXTENSION pg_trgm", "app");
    auto again = repro::alembic(ws, project, url, {"upgrade", "heads"});
    INFO(again.err);
    REQUIRE(again.exit_code == 0);
    REQUIRE(pg->query("SELECT count(*) FROM pg_indexes WHERE indexname = 'idx_services_name_trgm'", "app") == "1");
}

TEST_CASE("alembic-revision-missing: the database is at a revision this checkout does not have",
          "[repro][postgres][alembic]") {
    auto pg = test::start_postgres_or_warn();
    if (!pg) return;
    repro::Workspace ws;
    pg->create_database("app");
    pg->query("CREATE EXTENSION pg_trgm", "app");
    const auto url = pg->url("app");

    // A feature branch migrated the shared database to b7e2d9c0f1a4...
    auto branch = repro::alembic_project(ws / "branch", {"a3f1c2d4e5b6", "b7e2d9c0f1a4"});
    REQUIRE(repro::alembic(ws, branch, url, {"upgrade", "head"}).exit_code == 0);
    // ...and main, which never merged it, runs its migrations there.
    auto project = repro::alembic_project(ws / "project", {"a3f1c2d4e5b6"});
    auto failed = repro::alembic(ws, project, url, {"upgrade", "head"});
    REQUIRE(failed.exit_code != 0);
    REQUIRE_THAT(repro::combined(failed), Catch::Contains("FAILED: Can't locate revision identified by 'b7e2d9c0f1a4'"));

    auto params = repro::require_recognised(ws, repro::combined(failed), "alembic-revision-missing",
                                            {{"REVISION", "b7e2d9c0f1a4"}});

    // Without a target the runbook refuses to stamp, and says why.
    auto refused = repro::run_runbook(ws, "alembic-revision-missing",
                                      {{"REVISION", params["REVISION"]}, {"DATABASE_URL", url},
                                       {"PROJECT_DIR", project.string()}});
    INFO(refused.out << refused.err);
    REQUIRE(refused.exit_code == 1);
    REQUIRE_THAT(refused.out + refused.err, Catch::Contains("--param TARGET="));
    REQUIRE(pg->query("SELECT version_num FROM alembic_version", "app") == "b7e2d9c0f1a4");

    // The missing migration only added an index: the schema is a3f1c2d4e5b6's.
    repro::require_run_succeeds(ws, "alembic-revision-missing", params,
                                {{"DATABASE_URL", url}, {"PROJECT_DIR", project.string()},
                                 {"TARGET", "a3f1c2d4e5b6"}});

    auto again = repro::alembic(ws, project, url, {"upgrade", "head"});
    INFO(again.err);
    REQUIRE(again.exit_code == 0);
    REQUIRE(pg->query("SELECT version_num FROM alembic_version", "app") == "a3f1c2d4e5b6");
}

TEST_CASE("alembic-multiple-heads: two branches each added a migration on the same parent",
          "[repro][postgres][alembic]") {
    auto pg = test::start_postgres_or_warn();
    if (!pg) return;
    repro::Workspace ws;
    pg->create_database("app");
    pg->query("CREATE EXTENSION pg_trgm", "app");
    const auto url = pg->url("app");
    auto project = repro::alembic_project(ws / "project", {"a3f1c2d4e5b6", "b7e2d9c0f1a4", "c5d8e1f2a3b9"});

    auto failed = repro::alembic(ws, project, url, {"upgrade", "head"});
    REQUIRE(failed.exit_code != 0);
    REQUIRE_THAT(repro::combined(failed), Catch::Contains("FAILED: Multiple head revisions are present for given argument 'head'"));

    auto params = repro::require_recognised(ws, repro::combined(failed), "alembic-multiple-heads", {});
    // The project's env.py reads DATABASE_URL from the environment, as the
    // user's shell provides it.
    auto all = params;
    all["PROJECT_DIR"] = project.string();
    auto run = repro::run_runbook(ws, "alembic-multiple-heads", all, {{"DATABASE_URL", url}});
    INFO(run.out << run.err);
    REQUIRE(run.exit_code == 0);

    auto again = repro::alembic(ws, project, url, {"upgrade", "head"});
    INFO(again.err);
    REQUIRE(again.exit_code == 0);
    auto heads = repro::alembic(ws, project, url, {"heads"});
    REQUIRE(heads.exit_code == 0);
    REQUIRE_THAT(heads.out, Catch::Contains("(head)"));
    REQUIRE(pg->query("SELECT count(*) FROM pg_tables WHERE tablename IN ('services', 'customers')", "app") == "2");
}

TEST_CASE("alembic-not-up-to-date: autogenerate against a database behind head", "[repro][postgres][alembic]") {
    auto pg = test::start_postgres_or_warn();
    if (!pg) return;
    repro::Workspace ws;
    pg->create_database("app");
    const auto url = pg->url("app");
    auto project = repro::alembic_project(ws / "project", {"a3f1c2d4e5b6", "c5d8e1f2a3b9"});
    REQUIRE(repro::alembic(ws, project, url, {"upgrade", "a3f1c2d4e5b6"}).exit_code == 0);

    const std::vector<std::string> autogenerate{"revision", "--autogenerate", "-m", "add customer email"};
    auto failed = repro::alembic(ws, project, url, autogenerate);
    REQUIRE(failed.exit_code != 0);
    REQUIRE_THAT(repro::combined(failed), Catch::Contains("FAILED: Target database is not up to date."));

    auto params = repro::require_recognised(ws, repro::combined(failed), "alembic-not-up-to-date", {});
    auto all = params;
    all["PROJECT_DIR"] = project.string();
    auto run = repro::run_runbook(ws, "alembic-not-up-to-date", all, {{"DATABASE_URL", url}});
    INFO(run.out << run.err);
    REQUIRE(run.exit_code == 0);

    auto again = repro::alembic(ws, project, url, autogenerate);
    INFO(again.err);
    REQUIRE(again.exit_code == 0);
    REQUIRE_THAT(again.out, Catch::Contains("Generating "));
}

TEST_CASE("python-module-missing-driver: a URL names a driver or dialect this Python cannot load",
          "[repro][alembic]") {
    repro::Workspace ws;

    SECTION("postgresql+psycopg:// on SQLAlchemy 1.4, which has no psycopg 3 dialect") {
        auto failed = repro::python_script(ws, "client.py", "postgresql+psycopg://app@127.0.0.1:5432/app",
                                           {"sqlalchemy"});
        REQUIRE(failed.exit_code != 0);
        REQUIRE_THAT(failed.err, Catch::Contains("sqlalchemy.exc.NoSuchModuleError: Can't load plugin: "
                                                 "sqlalchemy.dialects:postgresql.psycopg"));
        auto params = repro::require_recognised(ws, repro::combined(failed), "python-module-missing-driver",
                                                {{"MODULE", "psycopg"}});
        repro::require_dry_run_renders(ws, "python-module-missing-driver", params);
    }

    SECTION("postgresql+pg8000:// without pg8000 installed") {
        auto failed = repro::python_script(ws, "client.py", "postgresql+pg8000://app@127.0.0.1:5432/app",
                                           {"sqlalchemy"});
        REQUIRE(failed.exit_code != 0);
        REQUIRE_THAT(failed.err, Catch::Contains("ModuleNotFoundError: No module named 'pg8000'"));
        auto params = repro::require_recognised(ws, repro::combined(failed), "python-module-missing-driver",
                                                {{"MODULE", "pg8000"}});
        repro::require_dry_run_renders(ws, "python-module-missing-driver", params);
    }
}

TEST_CASE("sqlalchemy-mapper-primary-key: a model reflected from a table without a primary key",
          "[repro][postgres][alembic]") {
    auto pg = test::start_postgres_or_warn();
    if (!pg) return;
    repro::Workspace ws;
    pg->create_database("app");
    const auto url = pg->url("app");
    REQUIRE(repro::psql_file(url, repro::fixture("sql/audit_log.sql")).exit_code == 0);
    const auto app = ws / "app";
    fs::create_directories(app);
    fs::copy_file(repro::fixture("python/audit_models.py"), app / "audit_models.py");
    const std::vector<std::string> report{repro::python(), "-c", "import audit_models; audit_models.report()"};

    auto failed = test::run(report, ws.env({{"DATABASE_URL", url}}), "", app);
    REQUIRE(failed.exit_code != 0);
    REQUIRE_THAT(failed.err, Catch::Contains("sqlalchemy.exc.ArgumentError: Mapper mapped class AuditLog->audit_log "
                                             "could not assemble any primary key columns for mapped table 'audit_log'"));

    auto params = repro::require_recognised(ws, repro::combined(failed), "sqlalchemy-mapper-primary-key",
                                            {{"RELATION", "audit_log"}});
    const Params context{{"DATABASE_URL", url}, {"MODELS_MODULE", "audit_models"}, {"PROJECT_DIR", app.string()}};
    auto all = params;
    for (const auto& [k, v] : context) all[k] = v;

    // The runbook edits no model: its check fails until the keys agree.
    auto before = repro::run_runbook(ws, "sqlalchemy-mapper-primary-key", all);
    INFO(before.out << before.err);
    REQUIRE(before.exit_code == 1);

    // The fix it describes for this case: give the table its key.
    pg->query("ALTER TABLE audit_log ADD PRIMARY KEY (id)", "app");
    repro::require_run_succeeds(ws, "sqlalchemy-mapper-primary-key", params, context);

    auto again = test::run(report, ws.env({{"DATABASE_URL", url}}), "", app);
    INFO(again.err);
    REQUIRE(again.exit_code == 0);
    REQUIRE_THAT(again.out, Catch::Contains("rows: 2"));
}
