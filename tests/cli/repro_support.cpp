#include "cli/repro_support.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <cstdlib>
#include <stdexcept>

namespace repro {

namespace {

void make_executable(const fs::path& path) {
    fs::permissions(path, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                              fs::perms::others_read | fs::perms::others_exec);
}

std::string current_path_variable() {
    const char* path = std::getenv("PATH");
    return path ? path : "/usr/local/bin:/usr/bin:/bin";
}

}  // namespace

fs::path fixture(const std::string& relative) { return test::fixtures() / "repro" / relative; }

std::string python() {
    static const std::string interpreter = [] {
        // Debian's packages live in /usr/lib/python3/dist-packages, which only
        // Debian's own interpreter reads.
        const std::string debian = "/usr/bin/python3";
        auto probe = test::run({debian, "-c", "import sqlalchemy, alembic, asyncpg, psycopg, psycopg2"});
        if (probe.exit_code != 0)
            throw std::runtime_error("the reproduction tests need Debian's python3-sqlalchemy, python3-alembic, "
                                     "python3-asyncpg, python3-psycopg and python3-psycopg2 (scripts/setup.sh): " +
                                     probe.err);
        return debian;
    }();
    return interpreter;
}

Workspace::Workspace() {
    auto bin = dir_ / "bin";
    fs::create_directories(bin);
    fs::create_symlink(python(), bin / "python3");
    fs::create_symlink(python(), bin / "python");
    test::write_file(bin / "alembic", "#!/bin/sh\nexec " + python() + " -m alembic \"$@\"\n");
    make_executable(bin / "alembic");
}

Env Workspace::env(const Env& extra) const {
    Env env{{"PATH", (dir_ / "bin").string() + ":" + current_path_variable()},
            // The messages under test are the C locale's ('bash\r', not ‘bash\r’).
            {"LC_ALL", "C"},
            {"LANG", ""},
            {"LANGUAGE", ""},
            // A user's own libpq settings must not leak into a scenario.
            {"PGHOST", ""},
            {"PGPORT", ""},
            {"PGUSER", ""},
            {"PGDATABASE", ""},
            {"PGPASSWORD", ""},
            {"PGSERVICE", ""},
            {"DATABASE_URL", ""},
            {"PYTHONDONTWRITEBYTECODE", "1"}};
    for (const auto& [k, v] : extra) env[k] = v;
    return env;
}

std::string Match::top_runbook() const {
    if (!report.is_object() || !report.contains("matches") || report["matches"].empty()) return "";
    const auto& first = report["matches"][0]["runbook"];
    return first.is_string() ? first.get<std::string>() : "";
}

Params Match::top_params() const {
    Params params;
    if (!report.is_object() || !report.contains("matches") || report["matches"].empty()) return params;
    for (const auto& [k, v] : report["matches"][0]["params"].items()) params[k] = v.get<std::string>();
    return params;
}

std::string Match::top_command() const {
    if (!report.is_object() || !report.contains("matches") || report["matches"].empty()) return "";
    const auto& command = report["matches"][0]["command"];
    return command.is_string() ? command.get<std::string>() : "";
}

std::vector<std::string> Match::runbooks() const {
    std::vector<std::string> ids;
    if (!report.is_object() || !report.contains("matches")) return ids;
    for (const auto& m : report["matches"])
        ids.push_back(m["runbook"].is_string() ? m["runbook"].get<std::string>() : "");
    return ids;
}

test::Output deja(const Workspace& ws, const std::vector<std::string>& args, const Env& extra_env,
                  const std::string& input, const fs::path& cwd) {
    std::vector<std::string> argv{DEJA_BINARY};
    argv.insert(argv.end(), args.begin(), args.end());
    auto env = ws.env({{"DEJA_CACHE_DIR", (ws / "deja-cache").string()},
                       {"DEJA_STATE_DIR", (ws / "deja-state").string()},
                       {"NO_COLOR", "1"},
                       {"DEJA_KB", ""}});
    for (const auto& [k, v] : extra_env) env[k] = v;
    return test::run(argv, env, input, cwd.empty() ? ws.path() : cwd);
}

Match match(const Workspace& ws, const std::string& log) {
    auto out = deja(ws, {"match", "--json", "-"}, {}, log);
    Match result;
    result.exit_code = out.exit_code;
    result.stderr_text = out.err;
    if (!out.out.empty()) result.report = nlohmann::json::parse(out.out, nullptr, false);
    return result;
}

test::Output run_runbook(const Workspace& ws, const std::string& id, const Params& params, const Env& extra_env,
                         const fs::path& cwd) {
    std::vector<std::string> args{"run", id, "--yes"};
    for (const auto& [k, v] : params) {
        args.push_back("--param");
        args.push_back(k + "=" + v);
    }
    return deja(ws, args, extra_env, "", cwd);
}

std::string combined(const test::Output& out) { return out.out + out.err; }

fs::path alembic_project(const fs::path& dir, const std::vector<std::string>& revisions, AlembicEnv env) {
    const auto source = fixture("alembic");
    fs::create_directories(dir / "migrations" / "versions");
    for (const char* name : {"alembic.ini", "models.py", "create_all.py"})
        fs::copy_file(source / name, dir / name, fs::copy_options::overwrite_existing);
    fs::copy_file(source / "migrations" / "script.py.mako", dir / "migrations" / "script.py.mako",
                  fs::copy_options::overwrite_existing);
    const auto env_file = env == AlembicEnv::stock ? source / "migrations" / "env.py"
                                                   : source / "env_outside_transaction.py";
    fs::copy_file(env_file, dir / "migrations" / "env.py", fs::copy_options::overwrite_existing);
    for (const auto& revision : revisions) {
        bool found = false;
        for (const auto& entry : fs::directory_iterator(source / "revisions")) {
            if (entry.path().filename().string().rfind(revision, 0) != 0) continue;
            fs::copy_file(entry.path(), dir / "migrations" / "versions" / entry.path().filename(),
                          fs::copy_options::overwrite_existing);
            found = true;
        }
        if (!found) throw std::runtime_error("no fixture revision " + revision);
    }
    return dir;
}

test::Output alembic(const Workspace& ws, const fs::path& project, const std::string& sqlalchemy_url,
                     const std::vector<std::string>& args) {
    std::vector<std::string> argv{"alembic", "-c", (project / "alembic.ini").string()};
    argv.insert(argv.end(), args.begin(), args.end());
    return test::run(argv, ws.env({{"DATABASE_URL", sqlalchemy_url}}), "", project);
}

test::Output python_script(const Workspace& ws, const std::string& script, const std::string& database_url,
                           const std::vector<std::string>& args, const fs::path& cwd) {
    std::vector<std::string> argv{python(), fixture("python/" + script).string()};
    argv.insert(argv.end(), args.begin(), args.end());
    return test::run(argv, ws.env({{"DATABASE_URL", database_url}}), "", cwd.empty() ? ws.path() : cwd);
}

test::Output psql(const std::string& url, const std::string& sql) {
    return test::run({"psql", "-X", "-v", "ON_ERROR_STOP=1", url, "-c", sql},
                     {{"LC_ALL", "C"}, {"PGPASSWORD", ""}, {"PGSERVICE", ""}});
}

test::Output psql_file(const std::string& url, const fs::path& file) {
    return test::run({"psql", "-X", "-v", "ON_ERROR_STOP=1", url, "-f", file.string()},
                     {{"LC_ALL", "C"}, {"PGPASSWORD", ""}, {"PGSERVICE", ""}});
}

std::string psql_value(const std::string& url, const std::string& sql) {
    auto out = test::run({"psql", "-X", "-v", "ON_ERROR_STOP=1", "-Atq", url, "-c", sql},
                         {{"LC_ALL", "C"}, {"PGPASSWORD", ""}, {"PGSERVICE", ""}});
    if (out.exit_code != 0) throw std::runtime_error("psql failed: " + sql + "\n" + out.err);
    auto value = out.out;
    while (!value.empty() && (value.back() == '\n' || value.back() == '\r')) value.pop_back();
    auto newline = value.find('\n');
    return newline == std::string::npos ? value : value.substr(0, newline);
}

std::string to_crlf(const std::string& text) {
    std::string out;
    out.reserve(text.size() + text.size() / 16);
    for (char c : text) {
        if (c == '\n') out += '\r';
        out += c;
    }
    return out;
}

Params require_recognised(const Workspace& ws, const std::string& log, const std::string& runbook,
                          const Params& expected) {
    auto m = match(ws, log);
    INFO("log:\n" << log);
    INFO("deja match --json said:\n" << (m.report.is_null() ? std::string("(nothing)") : m.report.dump(2))
                                     << "\n" << m.stderr_text);
    REQUIRE(m.exit_code == 0);
    REQUIRE(m.top_runbook() == runbook);
    REQUIRE(m.top_params() == expected);
    return m.top_params();
}

test::Output require_run_succeeds(const Workspace& ws, const std::string& id, const Params& params,
                                  const Params& extra, const fs::path& cwd) {
    auto all = params;
    for (const auto& [k, v] : extra) all[k] = v;
    auto out = run_runbook(ws, id, all, {}, cwd);
    INFO("deja run " << id << " said:\n" << out.out << out.err);
    REQUIRE(out.exit_code == 0);

    // The history records it as succeeded, with the connection strings masked.
    auto runs = deja(ws, {"runs", "--json", "--limit", "1"});
    REQUIRE(runs.exit_code == 0);
    auto last = nlohmann::json::parse(runs.out, nullptr, false);
    REQUIRE(last.is_array());
    REQUIRE(last.size() == 1);
    CHECK(last[0]["runbook"] == id);
    CHECK(last[0]["status"] == "succeeded");
    for (const auto& [k, v] : all)
        if (k.size() >= 12 && k.compare(k.size() - 12, 12, "DATABASE_URL") == 0)
            CHECK_THAT(runs.out + out.out + out.err, !Catch::Contains(v));
    return out;
}

void require_dry_run_renders(const Workspace& ws, const std::string& id, const Params& params) {
    std::vector<std::string> args{"run", id, "--dry-run"};
    for (const auto& [k, v] : params) {
        args.push_back("--param");
        args.push_back(k + "=" + v);
    }
    auto out = deja(ws, args);
    INFO("deja run " << id << " --dry-run said:\n" << out.out << out.err);
    REQUIRE(out.exit_code == 0);
}

Background::Background(const Workspace& ws, const std::vector<std::string>& argv, const Env& extra_env) {
    static int counter = 0;
    log_ = ws / ("background-" + std::to_string(++counter) + ".log");
    auto env = ws.env(extra_env);
    pid_t pid = fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
        setpgid(0, 0);
        int in = open("/dev/null", O_RDONLY);
        int out = open(log_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (in < 0 || out < 0) _exit(127);
        dup2(in, 0);
        dup2(out, 1);
        dup2(out, 2);
        close(in);
        close(out);
        for (const auto& [k, v] : env) {
            if (v.empty()) unsetenv(k.c_str());
            else setenv(k.c_str(), v.c_str(), 1);
        }
        if (chdir(ws.path().c_str()) != 0) _exit(127);
        std::vector<char*> args;
        for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        execvp(args[0], args.data());
        _exit(127);
    }
    setpgid(pid, pid);  // also from here, so the group exists before any kill
    pid_ = pid;
}

Background::~Background() {
    if (pid_ < 0) return;
    kill(-pid_, SIGTERM);
    int status = 0;
    while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
}

int Background::wait() {
    if (pid_ < 0) return exit_code_;
    int status = 0;
    while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
    exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return exit_code_;
}

std::string Background::output() const { return test::read_file(log_); }

void set_hba(const test::PgServer& pg, const std::vector<std::string>& lines) {
    const auto hba_file = pg.query("SHOW hba_file");
    std::string values;
    for (const auto& line : lines) {
        if (!values.empty()) values += ", ";
        std::string quoted;
        for (char c : line) quoted += c == '\'' ? std::string("''") : std::string(1, c);
        values += "('" + quoted + "')";
    }
    const auto loaded_before = pg.query("SELECT pg_conf_load_time()");
    pg.query("COPY (VALUES " + values + ") TO '" + hba_file + "'");
    REQUIRE(pg.query("SELECT count(*) FROM pg_hba_file_rules WHERE error IS NOT NULL") == "0");
    pg.query("SELECT pg_reload_conf()");
    // The postmaster reloads on its own time; a session started after it did
    // inherits the new load time (and the new rules).
    for (int attempt = 0; attempt < 500; ++attempt) {
        if (pg.query("SELECT pg_conf_load_time()") != loaded_before) return;
        usleep(10 * 1000);
    }
    FAIL("the server did not reload pg_hba.conf");
}

std::vector<std::string> pg_ctl_command(const test::PgServer& pg, const std::vector<std::string>& args) {
    const fs::path data = pg.query("SHOW data_directory");
    std::vector<std::string> argv;
    if (geteuid() == 0) argv = {"/usr/sbin/runuser", "-u", pg.user(), "--"};
    argv.push_back((pg.bin_dir() / "pg_ctl").string());
    for (const auto& a : std::vector<std::string>{"-D", data.string(), "-l", (data.parent_path() / "server.log").string()})
        argv.push_back(a);
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
}

void restart(const test::PgServer& pg) {
    auto out = test::run(pg_ctl_command(pg, {"-w", "-t", "60", "-m", "fast", "restart"}), {{"LC_ALL", "C"}});
    INFO(out.out << out.err << pg.server_log());
    REQUIRE(out.exit_code == 0);
}

std::string role_url(const test::PgServer& pg, const std::string& role, const std::string& password,
                     const std::string& database) {
    return "postgresql://" + role + (password.empty() ? "" : ":" + password) + "@127.0.0.1:" +
           std::to_string(pg.port()) + "/" + database;
}

}  // namespace repro
