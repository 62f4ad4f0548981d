// What a run will do, decided before anything executes: the steps in the
// order they run (diagnose, apply, verify, rollback; document order within
// each), the program each one runs with, and its working directory.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "kb/model.hpp"
#include "base/result.hpp"
#include "run/params.hpp"

namespace run {

struct PlannedStep {
    const kb::Step* step = nullptr;
    int number = 0;                      // 1-based position in the document
    bool excluded = false;               // excludeFromRunAll: shown, never run
    std::vector<std::string> program;    // interpreter and its fixed arguments; the code file follows
    std::string extension;               // of the code file (".sh", ".sql", ".py")
    bool is_sql = false;                 // psql: params also as -v variables
    std::filesystem::path cwd;           // absolute; empty = deja's own working directory
};

struct Plan {
    const kb::Runbook* runbook = nullptr;
    std::vector<PlannedStep> steps;      // execution order
    bool runme_style = false;

    const PlannedStep* find(const std::string& name) const;
};

// Refuses (naming file and line) a step whose language deja cannot run and
// has no interpreter (a Runme-style block without a language runs in bash), or whose skip_if names no diagnose step. Relative `cwd`
// resolves against `invocation_dir` for deja runbooks and against the
// runbook's own folder for Runme-style ones (Runme's rule; its blocks also
// run in that folder by default).
base::Result<Plan> make_plan(const kb::Runbook& runbook, const std::filesystem::path& invocation_dir);

// The argv for one step. Params travel as data only: psql gets them as -v
// variables; every program also gets them in its environment (`env`).
enum class CommandView { execute, display };
std::vector<std::string> command_line(const PlannedStep& step, const std::string& code_file,
                                      const std::vector<ResolvedParam>& params,
                                      const std::map<std::string, std::string>& env, CommandView view);

// One line, each word quoted for a POSIX shell where it needs it.
std::string shell_quote_join(const std::vector<std::string>& words);

}  // namespace run
