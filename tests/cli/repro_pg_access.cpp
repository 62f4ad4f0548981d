// Failures to reach or use a PostgreSQL server, reproduced on a throwaway one:
// PostgreSQL 15's locked public schema, a wrong password, a database or role
// that does not exist, nothing on the port, a host name that does not resolve,
// every connection slot taken, and a server on its way down. Each real error
// goes to `deja match`; where the runbook can repair it here, it runs with
// `--yes` and the client then connects.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <set>
#include <sstream>

#include "cli/repro_support.hpp"

namespace {

using repro::Params;

// Ports of the machine's own Debian clusters, running or not: a runbook that
// starts a stopped cluster must never find one behind the test's port.
std::set<int> debian_cluster_ports() {
    std::set<int> ports;
    auto out = test::run({"pg_lsclusters", "-h"});
    std::istringstream lines(out.out);
    std::string version, cluster;
    int port = 0;
    std::string rest;
    while (lines >> version >> cluster >> port && std::getline(lines, rest)) ports.insert(port);
    return ports;
}

// A PostgreSQL-like port (5430-5439) on which nothing listens and that no
// local cluster owns, as a client with the wrong port from a Compose file
// would use.
int unused_postgres_port() {
    const auto owned = debian_cluster_ports();
    for (int port = 5439; port >= 5430; --port) {
        if (port == 5432 || owned.count(port)) continue;
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        addr.sin_port = htons(static_cast<uint16_t>(port));
        bool refused = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0;
        close(fd);
        if (refused) return port;
    }
    FAIL("every port from 5430 to 5439 is in use or owned by a local cluster");
    return 0;
}

// The superuser's name as pg_hba.conf must spell it.
std::string hba_user(const test::PgServer& pg) { return "\"" + pg.user() + "\""; }

}  // namespace

TEST_CASE("pg-schema-permission: PostgreSQL 15 refuses CREATE in public to a non-owner", "[repro][postgres]") {
    auto pg = test::start_postgres_or_warn();
    if (!pg) return;
    repro::Workspace ws;
    pg->create_database("app");
    pg->query("CREATE ROLE app LOGIN");
    const auto admin = pg->url("app");
    const auto app = repro::role_url(*pg, "app", "", "app");
    auto project = repro::alembic_project(ws / "project", {"a3f1c2d4e5b6"});

    auto psql_form = repro::psql(app, "CREATE TABLE services (id serial PRIMARY KEY, name text NOT NULL)");
    REQUIRE(psql_form.exit_code != 0);
    REQUIRE_THAT(psql_form.err, Catch::Contains("ERROR:  permission denied for schema public"));
    repro::require_recognised(ws, repro::combined(psql_form), "pg-schema-permission", {{"SCHEMA", "public"}});

    // The migration a new CI image on PostgreSQL 15 refuses.
    auto failed = repro::alembic(ws, project, app, {"upgrade", "head"});
    REQUIRE(failed.exit_code != 0);
    REQUIRE_THAT(failed.err, Catch::Contains("sqlalchemy.exc.ProgrammingError: (psycopg2.errors.InsufficientPrivilege) "
                                             "permission denied for schema public"));
    auto params = repro::require_recognised(ws, repro::combined(failed), "pg-schema-permission",
                                            {{"SCHEMA", "public"}});
    repro::require_run_succeeds(ws, "pg-schema-permission", params,
                                {{"DATABASE_URL", app}, {"ADMIN_DATABASE_URL", admin}});
    REQUIRE(pg->query("SELECT rolsuper FROM pg_roles WHERE rolname = 'app'") == "f");

    auto again = repro::alembic(ws, project, app, {"upgrade", "head"});
    INFO(again.err);
    REQUIRE(again.exit_code == 0);
    REQUIRE(pg->query("SELECT tableowner FROM pg_tables WHERE tablename = 'services'", "app") == "app");
}

TEST_CASE("pg-auth-failed: the stored password is not the one the client sends", "[repro][postgres]") {
    auto pg = test::start_postgres_or_warn();
    if (!pg) return;
    repro::Workspace ws;
    pg->create_database("app");
    // The volume was initialised with another password than the one the
    // application now uses.
    pg->query("CREATE ROLE app LOGIN PASSWORD 'initial-secret'");
    repro::set_hba(*pg, {"local all all trust", "host all " + hba_user(*pg) + " 127.0.0.1/32 trust",
                         "host all all 127.0.0.1/32 scram-sha-256"});
    const auto admin = pg->url("app");
    const auto app = repro::role_url(*pg, "app", "rotated-secret", "app");

    auto failed = repro::psql(app, "SELECT 1");
    REQUIRE(failed.exit_code == 2);
    REQUIRE_THAT(failed.err, Catch::Contains(R"(FATAL:  password authentication failed for user "app")"));

    auto asyncpg_form = repro::python_script(ws, "client.py", app, {"asyncpg"});
    REQUIRE_THAT(asyncpg_form.err, Catch::Contains(R"(asyncpg.exceptions.InvalidPasswordError: password authentication failed for user "app")"));
    repro::require_recognised(ws, repro::combined(asyncpg_form), "pg-auth-failed", {{"ROLE", "app"}});

    auto params = repro::require_recognised(ws, repro::combined(failed), "pg-auth-failed", {{"ROLE", "app"}});
    auto run = repro::require_run_succeeds(ws, "pg-auth-failed", params,
                                           {{"DATABASE_URL", app}, {"ADMIN_DATABASE_URL", admin}});
    // Secrets are masked in what deja shows.
    REQUIRE_THAT(run.out + run.err, !Catch::Contains("rotated-secret"));

    auto again = repro::psql(app, "SELECT current_user");
    INFO(again.err);
    REQUIRE(again.exit_code == 0);
    REQUIRE_THAT(again.out, Catch::Contains("app"));
    REQUIRE(pg->query("SELECT left(rolpassword, 13) FROM pg_authid WHERE rolname = 'app'") == "SCRAM-SHA-256");
}

TEST_CASE("pg-database-missing: the client's database or role was never created", "[repro][postgres]") {
    auto pg = test::start_postgres_or_warn();
    if (!pg) return;
    repro::Workspace ws;
    const auto admin = pg->url("postgres");

    SECTION("database \"x\" does not exist") {
        pg->query("CREATE ROLE app LOGIN");
        const auto app = repro::role_url(*pg, "app", "", "app_test");
        auto failed = repro::psql(app, "SELECT 1");
        REQUIRE(failed.exit_code == 2);
        REQUIRE_THAT(failed.err, Catch::Contains(R"(FATAL:  database "app_test" does not exist)"));

        auto asyncpg_form = repro::python_script(ws, "client.py", app, {"asyncpg"});
        REQUIRE_THAT(asyncpg_form.err,
                     Catch::Contains(R"(asyncpg.exceptions.InvalidCatalogNameError: database "app_test" does not exist)"));
        repro::require_recognised(ws, repro::combined(asyncpg_form), "pg-database-missing",
                                  {{"DATABASE", "app_test"}});

        auto params = repro::require_recognised(ws, repro::combined(failed), "pg-database-missing",
                                                {{"DATABASE", "app_test"}});
        repro::require_run_succeeds(ws, "pg-database-missing", params,
                                    {{"DATABASE_URL", app}, {"ADMIN_DATABASE_URL", admin}});

        auto again = repro::psql(app, "SELECT current_database()");
        INFO(again.err);
        REQUIRE(again.exit_code == 0);
        REQUIRE(pg->query("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'app_test'") == "app");
    }

    SECTION("role \"x\" does not exist") {
        pg->create_database("app");
        const auto app = repro::role_url(*pg, "app", "", "app");
        auto failed = repro::python_script(ws, "client.py", app, {"psycopg2"});
        REQUIRE(failed.exit_code != 0);
        REQUIRE_THAT(failed.err, Catch::Contains(R"(psycopg2.OperationalError: connection to server at "127.0.0.1", port )"));
        REQUIRE_THAT(failed.err, Catch::Contains(R"(failed: FATAL:  role "app" does not exist)"));

        auto params = repro::require_recognised(ws, repro::combined(failed), "pg-database-missing", {{"ROLE", "app"}});
        repro::require_run_succeeds(ws, "pg-database-missing", params,
                                    {{"DATABASE_URL", app}, {"ADMIN_DATABASE_URL", admin}});

        auto again = repro::python_script(ws, "client.py", app, {"psycopg2"});
        INFO(again.err);
        REQUIRE(again.exit_code == 0);
    }
}

TEST_CASE("pg-connection-refused: nothing listens on the port the client uses", "[repro][postgres]") {
    repro::Workspace ws;
    const int port = unused_postgres_port();
    const auto url = "postgresql://app@127.0.0.1:" + std::to_string(port) + "/app";
    const Params expected{{"HOST", "127.0.0.1"}, {"PORT", std::to_string(port)}};

    auto psql_form = repro::psql(url, "SELECT 1");
    REQUIRE(psql_form.exit_code == 2);
    REQUIRE_THAT(psql_form.err, Catch::Contains("connection to server at \"127.0.0.1\", port " + std::to_string(port) +
                                                " failed: Connection refused"));
    REQUIRE_THAT(psql_form.err, Catch::Contains("Is the server running on that host and accepting TCP/IP connections?"));
    auto params = repro::require_recognised(ws, repro::combined(psql_form), "pg-connection-refused", expected);

    auto psycopg2_form = repro::python_script(ws, "client.py", url, {"psycopg2"});
    repro::require_recognised(ws, repro::combined(psycopg2_form), "pg-connection-refused", expected);

    auto asyncpg_form = repro::python_script(ws, "client.py", url, {"asyncpg"});
    REQUIRE_THAT(asyncpg_form.err, Catch::Contains("ConnectionRefusedError: [Errno 111] Connect call failed ('127.0.0.1', " +
                                                   std::to_string(port) + ")"));
    repro::require_recognised(ws, repro::combined(asyncpg_form), "pg-connection-refused", expected);

    // psycopg 3 names neither host nor port: recognised, params left to the user.
    auto psycopg_form = repro::python_script(ws, "client.py", url, {"psycopg"});
    REQUIRE_THAT(psycopg_form.err, Catch::Contains("psycopg.OperationalError: connection failed: Connection refused"));
    repro::require_recognised(ws, repro::combined(psycopg_form), "pg-connection-refused", {});

    // Nothing here can start the server the client expects: the plan renders,
    // and a real run reports failure instead of claiming a fix.
    repro::require_dry_run_renders(ws, "pg-connection-refused", params);
    auto run = repro::run_runbook(ws, "pg-connection-refused", params, {}, {});
    INFO(run.out << run.err);
    REQUIRE(run.exit_code == 1);
}

TEST_CASE("pg-host-unresolvable: the client uses a host name nothing resolves", "[repro][postgres]") {
    repro::Workspace ws;
    // .invalid never resolves (RFC 2606), without any network.
    const std::string url = "postgresql://app@db.invalid:5432/app";

    auto psql_form = repro::psql(url, "SELECT 1");
    REQUIRE(psql_form.exit_code == 2);
    REQUIRE_THAT(psql_form.err, Catch::Contains(R"(could not translate host name "db.invalid" to address)"));
    auto params = repro::require_recognised(ws, repro::combined(psql_form), "pg-host-unresolvable",
                                            {{"HOST", "db.invalid"}});

    auto sqlalchemy_form = repro::python_script(ws, "client.py", url, {"sqlalchemy"});
    REQUIRE_THAT(sqlalchemy_form.err, Catch::Contains(R"(sqlalchemy.exc.OperationalError: (psycopg2.OperationalError) could not translate host name "db.invalid" to address)"));
    repro::require_recognised(ws, repro::combined(sqlalchemy_form), "pg-host-unresolvable", {{"HOST", "db.invalid"}});

    auto psycopg_form = repro::python_script(ws, "client.py", url, {"psycopg"});
    REQUIRE_THAT(psycopg_form.err, Catch::Contains("psycopg.OperationalError: connection is bad: "));
    repro::require_recognised(ws, repro::combined(psycopg_form), "pg-host-unresolvable", {});

    repro::require_dry_run_renders(ws, "pg-host-unresolvable", params);
}

TEST_CASE("pg-too-many-connections: idle sessions hold every slot until the runbook ends them",
          "[repro][postgres]") {
    auto pg = test::start_postgres_or_warn();
    if (!pg) return;
    repro::Workspace ws;
    pg->create_database("app");
    pg->query("CREATE ROLE app LOGIN");
    // 8 slots, 3 of them reserved for superusers: 5 for the application.
    pg->query("ALTER SYSTEM SET max_connections = 8");
    repro::restart(*pg);
    REQUIRE(pg->query("SHOW max_connections") == "8");
    const auto app = repro::role_url(*pg, "app", "", "app");

    // A leaked pool: five sessions that connected and went idle.
    repro::Background pool(ws, {repro::python(), "-c",
                                "import os, sys, time, psycopg2\n"
                                "conns = [psycopg2.connect(os.environ['DATABASE_URL']) for _ in range(5)]\n"
                                "print('holding', len(conns), flush=True)\n"
                                "time.sleep(600)\n"},
                           {{"DATABASE_URL", app}});
    for (int attempt = 0; attempt < 500; ++attempt) {
        if (pool.output().find("holding 5") != std::string::npos) break;
        REQUIRE(pool.output().find("Error") == std::string::npos);
        usleep(20 * 1000);
    }
    REQUIRE_THAT(pool.output(), Catch::Contains("holding 5"));

    auto failed = repro::python_script(ws, "client.py", app, {"asyncpg"});
    REQUIRE(failed.exit_code != 0);
    REQUIRE_THAT(failed.err, Catch::Contains("asyncpg.exceptions.TooManyConnectionsError: remaining connection slots "
                                             "are reserved for non-replication superuser connections"));
    auto psql_form = repro::psql(app, "SELECT 1");
    REQUIRE_THAT(psql_form.err, Catch::Contains("FATAL:  remaining connection slots are reserved"));
    repro::require_recognised(ws, repro::combined(psql_form), "pg-too-many-connections", {});

    auto params = repro::require_recognised(ws, repro::combined(failed), "pg-too-many-connections", {});
    repro::require_run_succeeds(ws, "pg-too-many-connections", params,
                                {{"ADMIN_DATABASE_URL", pg->url("app")}, {"IDLE_MINUTES", "0"}});

    auto again = repro::python_script(ws, "client.py", app, {"asyncpg"});
    INFO(again.err);
    REQUIRE(again.exit_code == 0);
}

TEST_CASE("pg-starting-up: a client connects while the server restarts and the runbook waits it out",
          "[repro][postgres]") {
    auto pg = test::start_postgres_or_warn();
    if (!pg) return;
    repro::Workspace ws;
    pg->create_database("app");
    const auto url = pg->url("app");

    // A long report query keeps the session open while someone restarts the
    // server in "smart" mode: the server refuses new sessions until it is
    // back.
    repro::Background report(ws, {"psql", "-X", url, "-c", "SELECT pg_sleep(3)"});
    for (int attempt = 0; attempt < 500; ++attempt) {
        if (pg->query("SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep%'") == "1") break;
        usleep(10 * 1000);
    }
    repro::Background restart(ws, repro::pg_ctl_command(*pg, {"-w", "-t", "60", "-m", "smart", "restart"}));

    test::Output failed;
    for (int attempt = 0; attempt < 500; ++attempt) {
        failed = repro::psql(url, "SELECT 1");
        if (failed.err.find("shutting down") != std::string::npos) break;
        usleep(10 * 1000);
    }
    REQUIRE_THAT(failed.err, Catch::Contains("FATAL:  the database system is shutting down"));

    auto params = repro::require_recognised(ws, repro::combined(failed), "pg-starting-up", {});
    repro::require_run_succeeds(ws, "pg-starting-up", params, {{"DATABASE_URL", url}});
    REQUIRE(restart.wait() == 0);

    auto again = repro::psql(url, "SELECT 1");
    INFO(again.err);
    REQUIRE(again.exit_code == 0);
}
