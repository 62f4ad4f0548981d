#include "run/run_support.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include <chrono>
#include <fstream>
#include <thread>

#include <catch2/catch.hpp>

#include "kb/load.hpp"
#include "run/params.hpp"

namespace runtest {

Kb::Kb() { fs::create_directories(kb() / "runbooks"); }

kb::Runbook Kb::add(const std::string& id, const std::string& markdown) {
    fs::path file = kb() / "runbooks" / (id + ".md");
    test::write_file(file, markdown);
    std::vector<kb::Diagnostic> diagnostics;
    auto runbook = kb::parse_runbook(file.string(), markdown, diagnostics);
    for (const auto& d : diagnostics)
        if (d.severity == kb::Severity::error) FAIL("runbook fixture does not parse: " << d.format());
    REQUIRE(runbook);
    return *runbook;
}

run::RunOptions yes_options() {
    run::RunOptions options;
    options.assume_yes = run::AssumeYes::yes;
    return options;
}

LibraryRun run_library(const Kb& kb, const kb::Runbook& runbook, const kb::ParamValues& params,
                       run::RunOptions options, const run::Ask& ask) {
    auto history = store::History::open(kb.history_path());
    REQUIRE(history);
    // The test's own environment stays out; a Runme document's .env is read.
    run::EnvLookup nothing = [](const std::string&) { return std::nullopt; };
    if (runbook.runme_style) options.dot_env = run::read_dot_env(runbook.path);
    auto resolution = run::resolve_params(runbook, params, {},
                                          runbook.runme_style ? run::runbook_environment(runbook, options.dot_env) : nothing);
    INFO("param problems: " << resolution.problems.size());
    REQUIRE(resolution.problems.empty());
    REQUIRE(resolution.missing.empty());
    if (options.invocation_dir.empty()) options.invocation_dir = kb.path();
    if (options.kill_grace == std::chrono::milliseconds(5000)) options.kill_grace = std::chrono::milliseconds(300);
    std::ostringstream out;
    auto outcome = run::run_runbook(runbook, resolution.values, options, ask, &*history, out);
    INFO(out.str());
    REQUIRE(outcome);
    LibraryRun result;
    result.outcome = *outcome;
    result.out = out.str();
    if (outcome->run_id > 0) {
        auto record = history->run(outcome->run_id);
        REQUIRE(record);
        REQUIRE(*record);
        result.record = **record;
    }
    return result;
}

test::Output deja(const Kb& kb, const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
                  const std::string& input) {
    std::vector<std::string> full{"--kb", kb.kb().string()};
    full.insert(full.end(), args.begin(), args.end());
    std::map<std::string, std::string> e{{"DEJA_KILL_GRACE_MS", "300"}};
    for (const auto& [k, v] : env) e[k] = v;
    return test::deja(full, kb.path() / "home", e, input);
}

BackgroundDeja::BackgroundDeja(const Kb& kb, const std::vector<std::string>& args,
                               const std::map<std::string, std::string>& env)
    : out_(kb / "deja.out"), err_(kb / "deja.err") {
    std::vector<std::string> argv{DEJA_BINARY, "--kb", kb.kb().string()};
    argv.insert(argv.end(), args.begin(), args.end());
    std::map<std::string, std::string> full{{"DEJA_CACHE_DIR", (kb.path() / "home" / "cache").string()},
                                            {"DEJA_STATE_DIR", kb.state().string()},
                                            {"NO_COLOR", "1"},
                                            {"DEJA_KILL_GRACE_MS", "300"}};
    for (const auto& [k, v] : env) full[k] = v;
    std::vector<char*> cargv;
    for (auto& a : argv) cargv.push_back(a.data());
    cargv.push_back(nullptr);
    pid_ = fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
        int in = open("/dev/null", O_RDONLY);
        int out = open(out_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int err = open(err_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        dup2(in, 0);
        dup2(out, 1);
        dup2(err, 2);
        unsetenv("DEJA_KB");
        for (const auto& [k, v] : full) setenv(k.c_str(), v.c_str(), 1);
        execv(cargv[0], cargv.data());
        _exit(127);
    }
}

BackgroundDeja::~BackgroundDeja() {
    if (pid_ > 0) {
        kill(pid_, SIGKILL);
        waitpid(pid_, nullptr, 0);
    }
}

int BackgroundDeja::wait() {
    int status = 0;
    while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::string BackgroundDeja::out() const { return test::read_file(out_); }
std::string BackgroundDeja::err() const { return test::read_file(err_); }

bool process_gone(pid_t pid) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    if (!stat) return true;
    std::string content((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    auto close = content.rfind(')');
    return close != std::string::npos && close + 2 < content.size() && content[close + 2] == 'Z';
}

std::optional<pid_t> wait_for_pid_file(const fs::path& path) {
    for (int i = 0; i < 3000; ++i) {
        std::ifstream in(path);
        long long pid = 0;
        std::string rest;
        if (in >> pid && pid > 0 && std::getline(in, rest)) return static_cast<pid_t>(pid);
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return std::nullopt;
}

store::RunRecord history_run(const Kb& kb, long long id) {
    auto history = store::History::open(kb.history_path());
    REQUIRE(history);
    auto record = history->run(id);
    REQUIRE(record);
    REQUIRE(*record);
    return **record;
}

}  // namespace runtest
