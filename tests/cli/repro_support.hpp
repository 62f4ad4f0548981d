// Shared pieces of the reproduction tests: each one causes a catalogued failure
// for real, feeds the real output to `deja match`, runs the runbook it names
// with `deja run --yes`, and retries the original operation. Here: the Debian
// Python that has the database clients, a PATH holding `python3` and `alembic`
// as a project's virtualenv would, Alembic projects assembled from
// tests/fixtures/repro, and deja driven the way a user drives it.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "pg_server.hpp"
#include "support.hpp"

namespace repro {

namespace fs = std::filesystem;
using Env = std::map<std::string, std::string>;
using Params = std::map<std::string, std::string>;

// tests/fixtures/repro/<relative>
fs::path fixture(const std::string& relative);

// Debian's interpreter, which has python3-sqlalchemy, -alembic, -asyncpg,
// -psycopg and -psycopg2; PATH may find another python3 first (pyenv).
std::string python();

// A scratch area for one scenario: a temp folder, deja's own cache and state
// under it, and a bin/ folder put first on PATH with `python3` and `alembic`
// (so runbook steps that call them find the interpreter with the clients).
class Workspace {
public:
    Workspace();
    const fs::path& path() const { return dir_.path(); }
    fs::path operator/(const std::string& name) const { return dir_ / name; }
    // PATH with bin/ first, plus `extra`.
    Env env(const Env& extra = {}) const;

private:
    test::TempDir dir_;
};

// What `deja match --json -` said about one log.
struct Match {
    int exit_code = -1;
    nlohmann::json report;   // the JSON document (null when none was printed)
    std::string stderr_text;

    std::string top_runbook() const;  // "" when there is no match
    Params top_params() const;
    std::string top_command() const;
    // Runbook ids in rank order.
    std::vector<std::string> runbooks() const;
};

Match match(const Workspace& ws, const std::string& log);

// `deja run ID --yes --param K=V...` run from `cwd` (the workspace when empty).
test::Output run_runbook(const Workspace& ws, const std::string& id, const Params& params,
                         const Env& extra_env = {}, const fs::path& cwd = {});

// Any deja command, from `cwd`, with the workspace's cache, state and PATH.
test::Output deja(const Workspace& ws, const std::vector<std::string>& args, const Env& extra_env = {},
                  const std::string& input = "", const fs::path& cwd = {});

// A command's stdout and stderr as one log, the way `2>&1 | deja match -` sees it.
std::string combined(const test::Output& out);

// Which env.py the Alembic project uses.
enum class AlembicEnv {
    stock,                // the template's online mode, DATABASE_URL from the environment
    outside_transaction,  // the 2025-10-29 report's env.py: executes before configure()
};

// Copies the fixture Alembic project into `dir` with the named revision files
// (by revision id prefix) in migrations/versions. Returns `dir`.
fs::path alembic_project(const fs::path& dir, const std::vector<std::string>& revisions,
                         AlembicEnv env = AlembicEnv::stock);

// deja match ranks `runbook` first for `log`, with exactly `expected` as the
// params taken from the log; returns those params (Catch REQUIREs inside).
Params require_recognised(const Workspace& ws, const std::string& log, const std::string& runbook,
                          const Params& expected);

// `deja run ID --yes` with `params` plus `extra`, which must succeed.
test::Output require_run_succeeds(const Workspace& ws, const std::string& id, const Params& params,
                                  const Params& extra = {}, const fs::path& cwd = {});

// `deja run ID --dry-run` with `params`, which must show the plan and run nothing.
void require_dry_run_renders(const Workspace& ws, const std::string& id, const Params& params);

// A process left running while the test goes on (a client holding connections,
// a restart in progress), in its own process group: the whole group is ended
// when the object goes away. Its output goes to a file in the workspace.
class Background {
public:
    Background(const Workspace& ws, const std::vector<std::string>& argv, const Env& extra_env = {});
    ~Background();
    Background(const Background&) = delete;
    Background& operator=(const Background&) = delete;
    // Waits for it to exit; returns its exit code.
    int wait();
    std::string output() const;

private:
    fs::path log_;
    int pid_ = -1;
    int exit_code_ = -1;
};

// The throwaway server's own settings: pg_hba.conf rewritten through the
// server (COPY ... TO, as its own user) and reloaded; a restart with the
// options it was started with (postmaster.opts).
void set_hba(const test::PgServer& pg, const std::vector<std::string>& lines);
// `pg_ctl -D DATA -l LOG ARGS...` as the server's user.
std::vector<std::string> pg_ctl_command(const test::PgServer& pg, const std::vector<std::string>& args);
void restart(const test::PgServer& pg);

// postgresql://ROLE[:PASSWORD]@127.0.0.1:PORT/DATABASE on the throwaway server.
std::string role_url(const test::PgServer& pg, const std::string& role, const std::string& password,
                     const std::string& database);

// `alembic -c dir/alembic.ini ARGS...` with DATABASE_URL = `sqlalchemy_url`.
test::Output alembic(const Workspace& ws, const fs::path& project, const std::string& sqlalchemy_url,
                     const std::vector<std::string>& args);

// `python3 fixtures/repro/python/SCRIPT ARGS...` with DATABASE_URL.
test::Output python_script(const Workspace& ws, const std::string& script, const std::string& database_url,
                           const std::vector<std::string>& args = {}, const fs::path& cwd = {});

// `psql -X -v ON_ERROR_STOP=1 URL -c SQL` / `-f FILE`, as a user would type it.
test::Output psql(const std::string& url, const std::string& sql);
test::Output psql_file(const std::string& url, const fs::path& file);
// First column of the first row of a query that must succeed.
std::string psql_value(const std::string& url, const std::string& sql);

// A file's bytes with every "\n" turned into "\r\n", as a Windows editor saves it.
std::string to_crlf(const std::string& text);

}  // namespace repro
