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
    bool excluded = false;               // excludeFromRunAll: shown, run only when asked for by name
    std::string shown_only;              // why it is shown and never run (kb::Step::shown_only, or no interpreter here)
    bool session = false;                // a Runme cell in a shell: its exports reach the cells after it
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

// Refuses (naming file and line) a step of a deja runbook whose language deja
// cannot run and has no interpreter, or whose skip_if names no diagnose step.
// A Runme-style block that is not a program, or whose interpreter is not
// installed, is shown and never run (a block without a language runs in the
// shell, with Runme's `set -e -o pipefail` and the front matter's `shell`,
// and shares its exports with the cells after it). Relative `cwd`
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

// The cells a user asked for: names, 1-based positions in the document or
// globs (`--step`, `ID:NAME`), and tags/categories. Named cells run even when
// marked excludeFromRunAll, as in Runme; cells picked by tag do not.
struct StepSelection {
    std::vector<std::string> names;
    std::vector<std::string> tags;
    bool empty() const { return names.empty() && tags.empty(); }
};

// The plan with only the selected steps, in plan order; an error naming the
// cells there are when a name matches none.
base::Result<Plan> select_steps(const Plan& plan, const StepSelection& selection);

// Whether `program` can be started: a path that is executable, or a name
// found on PATH.
bool program_available(const std::string& program);

// One line, each word quoted for a POSIX shell where it needs it.
std::string shell_quote_join(const std::vector<std::string>& words);

}  // namespace run
