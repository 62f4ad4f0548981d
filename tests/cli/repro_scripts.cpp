// Script, port and disk failures reproduced for real: a script committed
// without its execute bit, one saved with Windows line endings, one with no
// interpreter line started through execve, a server whose port is taken, and
// writes to a device that is always full. Each real
// error goes through `deja match`; the runbook runs with `--yes`; the command
// that failed is run again.
#include <catch2/catch.hpp>

#include "cli/repro_support.hpp"

namespace {

namespace fs = std::filesystem;
using repro::Params;

// A git checkout holding `files` (name -> content), committed as they are.
fs::path checkout(const repro::Workspace& ws, const std::map<std::string, std::string>& files) {
    const auto dir = ws / "app";
    for (const auto& [name, content] : files) test::write_file(dir / name, content);
    const repro::Env git_env{{"GIT_AUTHOR_NAME", "Dev"}, {"GIT_AUTHOR_EMAIL", "dev@example.com"},
                             {"GIT_COMMITTER_NAME", "Dev"}, {"GIT_COMMITTER_EMAIL", "dev@example.com"},
                             {"GIT_CONFIG_NOSYSTEM", "1"}, {"HOME", ws.path().string()}};
    for (const auto& command : std::vector<std::vector<std::string>>{
             {"git", "init", "-q"}, {"git", "add", "."}, {"git", "commit", "-q", "-m", "scripts"}}) {
        auto out = test::run(command, ws.env(git_env), "", dir);
        INFO(out.err);
        REQUIRE(out.exit_code == 0);
    }
    return dir;
}

std::string git_mode(const repro::Workspace& ws, const fs::path& dir, const std::string& path) {
    auto out = test::run({"git", "ls-files", "-s", "--", path}, ws.env({{"HOME", ws.path().string()}}), "", dir);
    return out.out.substr(0, out.out.find(' '));
}

void add_execute_bits(const fs::path& path) {
    fs::permissions(path, fs::perms::owner_exec | fs::perms::group_exec | fs::perms::others_exec,
                    fs::perm_options::add);
}

}  // namespace

TEST_CASE("script-not-executable: a script committed without +x is repaired in the tree and in git", "[repro]") {
    repro::Workspace ws;
    const auto app = checkout(ws, {{"scripts/migrate.sh", test::read_file(repro::fixture("scripts/migrate.sh"))}});
    REQUIRE(git_mode(ws, app, "scripts/migrate.sh") == "100644");

    // How a CI step runs it (root is refused too: execve needs an execute bit
    // whoever asks).
    const std::vector<std::string> step{"bash", "-c", "./scripts/migrate.sh"};
    auto failed = test::run(step, ws.env(), "", app);
    REQUIRE(failed.exit_code == 126);
    REQUIRE_THAT(failed.err, Catch::Contains("./scripts/migrate.sh: Permission denied"));

    auto params = repro::require_recognised(ws, repro::combined(failed), "script-not-executable",
                                            {{"SCRIPT", "./scripts/migrate.sh"}});
    // The same failure in dash's words.
    auto dash = test::run({"sh", "-c", "./scripts/migrate.sh"}, ws.env(), "", app);
    repro::require_recognised(ws, repro::combined(dash), "script-not-executable",
                              {{"SCRIPT", "./scripts/migrate.sh"}});

    repro::require_run_succeeds(ws, "script-not-executable", params, {{"PROJECT_DIR", app.string()}});
    REQUIRE(git_mode(ws, app, "scripts/migrate.sh") == "100755");

    auto again = test::run(step, ws.env(), "", app);
    REQUIRE(again.exit_code == 0);
    REQUIRE(again.out == "migrations applied\n");
}

TEST_CASE("script-crlf-line-endings: every form of a CRLF script is recognised and converted", "[repro]") {
    repro::Workspace ws;
    const auto migrate = repro::to_crlf(test::read_file(repro::fixture("scripts/migrate.sh")));
    const auto entrypoint = repro::to_crlf(test::read_file(repro::fixture("scripts/entrypoint.sh")));
    const auto app = checkout(ws, {{"migrate.sh", migrate}, {"entrypoint.sh", entrypoint}});
    add_execute_bits(app / "migrate.sh");
    add_execute_bits(app / "entrypoint.sh");

    SECTION("#!/bin/bash<CR>: the kernel finds no interpreter of that name") {
        const std::vector<std::string> step{"bash", "-c", "./migrate.sh"};
        auto failed = test::run(step, ws.env(), "", app);
        REQUIRE(failed.exit_code == 127);
        // bash 5.1+ says "cannot execute: required file not found"; older
        // ones "/bin/bash^M: bad interpreter".
        REQUIRE_THAT(failed.err, Catch::Contains("./migrate.sh: ") && (Catch::Contains("required file not found") ||
                                                                       Catch::Contains("bad interpreter")));

        auto params = repro::require_recognised(ws, repro::combined(failed), "script-crlf-line-endings",
                                                {{"SCRIPT", "./migrate.sh"}});
        repro::require_run_succeeds(ws, "script-crlf-line-endings", params, {{"PROJECT_DIR", app.string()}});
        REQUIRE(test::read_file(app / "migrate.sh").find('\r') == std::string::npos);
        // git is told to keep it that way.
        auto attr = test::run({"git", "check-attr", "eol", "--", "migrate.sh"}, ws.env(), "", app);
        REQUIRE(attr.out == "migrate.sh: eol: lf\n");

        auto again = test::run(step, ws.env(), "", app);
        INFO(again.err);
        REQUIRE(again.exit_code == 0);
        REQUIRE(again.out == "migrations applied\n");
    }

    SECTION("#!/usr/bin/env bash<CR>: env looks for 'bash\\r'") {
        const std::vector<std::string> step{"bash", "-c", "./entrypoint.sh"};
        auto failed = test::run(step, ws.env(), "", app);
        REQUIRE(failed.exit_code == 127);
        REQUIRE_THAT(failed.err, Catch::Contains("/usr/bin/env: 'bash\\r': No such file or directory"));

        // env's message does not name the script: the user names it.
        auto params = repro::require_recognised(ws, repro::combined(failed), "script-crlf-line-endings", {});
        repro::require_run_succeeds(ws, "script-crlf-line-endings", params,
                                    {{"SCRIPT", "entrypoint.sh"}, {"PROJECT_DIR", app.string()}});

        auto again = test::run(step, ws.env(), "", app);
        INFO(again.err);
        REQUIRE(again.exit_code == 0);
        REQUIRE(again.out == "entrypoint ready\n");
    }

    SECTION("bash entrypoint.sh: the CR is read as a command") {
        const std::vector<std::string> step{"bash", "entrypoint.sh"};
        auto failed = test::run(step, ws.env(), "", app);
        REQUIRE_THAT(failed.err, Catch::Contains("entrypoint.sh: line 3: $'\\r': command not found"));

        auto params = repro::require_recognised(ws, repro::combined(failed), "script-crlf-line-endings",
                                                {{"SCRIPT", "entrypoint.sh"}});
        repro::require_run_succeeds(ws, "script-crlf-line-endings", params, {{"PROJECT_DIR", app.string()}});

        auto again = test::run(step, ws.env(), "", app);
        REQUIRE(again.err.empty());
        REQUIRE(again.out == "entrypoint ready\n");
    }
}

TEST_CASE("exec-format-error: a file with no interpreter line started through execve", "[repro]") {
    repro::Workspace ws;
    const auto app = ws / "app";
    const auto file = app / "warm-cache";
    test::write_file(file, test::read_file(repro::fixture("scripts/warm-cache")));
    add_execute_bits(file);

    // A shell would fall back to running it itself; execve (a CI runner, a
    // container runtime, subprocess) refuses it.
    const std::vector<std::string> launch{repro::python(), repro::fixture("scripts/launch.py").string(),
                                          "./warm-cache"};
    auto failed = test::run(launch, ws.env(), "", app);
    REQUIRE(failed.exit_code == 1);
    REQUIRE_THAT(failed.err, Catch::Contains("OSError: [Errno 8] Exec format error: './warm-cache'"));

    auto params = repro::require_recognised(ws, repro::combined(failed), "exec-format-error", {});
    auto all = params;
    all["FILE"] = file.string();

    // Nothing to pull for a script: the run fails and says what to do.
    auto refused = repro::run_runbook(ws, "exec-format-error", all, {}, app);
    INFO(refused.out << refused.err);
    REQUIRE(refused.exit_code == 1);
    REQUIRE_THAT(refused.out + refused.err, Catch::Contains("add a #! line"));

    // The fix it names, then the runbook's check confirms it.
    test::write_file(file, "#!/bin/sh\n" + test::read_file(file));
    add_execute_bits(file);
    repro::require_run_succeeds(ws, "exec-format-error", all, {}, app);

    auto again = test::run(launch, ws.env(), "", app);
    REQUIRE(again.exit_code == 0);
    REQUIRE(again.out == "cache warmed\n");
}

TEST_CASE("port-already-allocated: a dev server wants the port a PostgreSQL server holds", "[repro][postgres]") {
    auto pg = test::start_postgres_or_warn();
    if (!pg) return;
    repro::Workspace ws;
    const auto port = std::to_string(pg->port());

    const std::vector<std::string> node_server{
        "node", "-e",
        "const s = require('net').createServer();"
        "s.listen(" + port + ", '127.0.0.1', () => { console.log('listening'); s.close(); });"};
    auto failed = test::run(node_server, ws.env(), "", ws.path());
    REQUIRE(failed.exit_code != 0);
    REQUIRE_THAT(failed.err, Catch::Contains("Error: listen EADDRINUSE: address already in use 127.0.0.1:" + port));
    auto params = repro::require_recognised(ws, repro::combined(failed), "port-already-allocated", {{"PORT", port}});

    auto python_form = test::run({repro::python(), "-m", "http.server", "--bind", "127.0.0.1", port}, ws.env(), "",
                                 ws.path());
    REQUIRE_THAT(python_form.err, Catch::Contains("OSError: [Errno 98] Address already in use"));
    repro::require_recognised(ws, repro::combined(python_form), "port-already-allocated", {});

    // The holder is no container: the runbook shows it and refuses to kill it.
    auto refused = repro::run_runbook(ws, "port-already-allocated", params);
    INFO(refused.out << refused.err);
    REQUIRE(refused.exit_code == 1);
    REQUIRE_THAT(refused.out + refused.err, Catch::Contains("no container publishes " + port));

    // Its owner stops it; the runbook then confirms the port is free.
    auto stop = test::run(repro::pg_ctl_command(*pg, {"-w", "-m", "fast", "stop"}));
    INFO(stop.out << stop.err);
    REQUIRE(stop.exit_code == 0);
    repro::require_run_succeeds(ws, "port-already-allocated", params);

    auto again = test::run(node_server, ws.env(), "", ws.path());
    INFO(again.err);
    REQUIRE(again.exit_code == 0);
    REQUIRE(again.out == "listening\n");
}

TEST_CASE("runner-disk-full: writes to a full device are recognised, and its filesystem looked at", "[repro]") {
    repro::Workspace ws;
    const auto artifact = ws / "artifact.bin";
    test::write_file(artifact, std::string(4096, 'x'));

    // /dev/full fails every write with ENOSPC, as a full disk does.
    auto failed = test::run({"cp", artifact.string(), "/dev/full"}, ws.env(), "", ws.path());
    REQUIRE(failed.exit_code != 0);
    REQUIRE_THAT(failed.err, Catch::Contains("error writing '/dev/full': No space left on device"));
    auto params = repro::require_recognised(ws, repro::combined(failed), "runner-disk-full", {{"TARGET", "/dev/full"}});

    auto python_form = test::run({repro::python(), "-c", "with open('/dev/full', 'w') as f: f.write('x')"}, ws.env(), "", ws.path());
    REQUIRE_THAT(python_form.err, Catch::Contains("OSError: [Errno 28] No space left on device"));
    repro::require_recognised(ws, repro::combined(python_form), "runner-disk-full", {});

    // That filesystem has room: its usage is shown, and nothing is pruned.
    auto run = repro::require_run_succeeds(ws, "runner-disk-full", params);
    const auto shown = run.out + run.err;
    CHECK_THAT(shown, Catch::Contains("Use%") && Catch::Contains("IUse%"));
    CHECK_THAT(shown, Catch::Contains("prune") && Catch::Contains("skipped"));
    CHECK_THAT(shown, Catch::Contains("inodes"));
}
