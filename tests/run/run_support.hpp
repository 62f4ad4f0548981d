// Helpers for the run tests: runbooks written into a temporary knowledge
// base, run through the library (for outcomes and history) or through the
// real deja binary (for signals, terminals and exit codes).
#pragma once

#include <sys/types.h>

#include <map>
#include <optional>
#include <sstream>
#include <string>

#include "kb/model.hpp"
#include "run/runner.hpp"
#include "store/history.hpp"
#include "support.hpp"

namespace runtest {

namespace fs = std::filesystem;

// A knowledge base folder with runbooks/, plus state for deja's history.
class Kb {
public:
    Kb();
    const fs::path& path() const { return dir_.path(); }
    fs::path operator/(const std::string& name) const { return dir_ / name; }
    fs::path kb() const { return dir_ / "kb"; }
    fs::path state() const { return dir_ / "home" / "state"; }
    fs::path history_path() const { return state() / "history.sqlite"; }

    // Writes runbooks/<id>.md and parses it (failing the test on errors).
    kb::Runbook add(const std::string& id, const std::string& markdown);

private:
    test::TempDir dir_;
};

struct LibraryRun {
    run::RunOutcome outcome;
    std::string out;
    store::RunRecord record;  // from the history (empty when nothing recorded)
};

// Options as `deja run --yes` sets them.
run::RunOptions yes_options();

// Runs through the library (no terminal unless `ask` is given), recording
// into the test's history, with a short kill grace period.
LibraryRun run_library(const Kb& kb, const kb::Runbook& runbook, const kb::ParamValues& params = {},
                       run::RunOptions options = yes_options(), const run::Ask& ask = {});

// `deja --kb KB ARGS...` with the test's state and cache, `input` on stdin.
test::Output deja(const Kb& kb, const std::vector<std::string>& args,
                  const std::map<std::string, std::string>& env = {}, const std::string& input = "");

// The deja binary started in the background (stdin /dev/null, output to
// files), for tests that signal it while it runs.
class BackgroundDeja {
public:
    BackgroundDeja(const Kb& kb, const std::vector<std::string>& args,
                   const std::map<std::string, std::string>& env = {});
    ~BackgroundDeja();
    pid_t pid() const { return pid_; }
    // Waits for it to end; its exit code (128+N when killed by signal N).
    int wait();
    std::string out() const;
    std::string err() const;

private:
    pid_t pid_ = -1;
    fs::path out_, err_;
};

// A process that no longer runs (gone, or a zombie waiting to be reaped).
bool process_gone(pid_t pid);
// Waits (up to a generous bound, for slow machines) until `path` holds a
// number, and returns it.
std::optional<pid_t> wait_for_pid_file(const fs::path& path);

// The history run with steps, opened afresh.
store::RunRecord history_run(const Kb& kb, long long id);

}  // namespace runtest
