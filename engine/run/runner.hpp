// `deja run`: shows the plan, asks for confirmation (or refuses when nothing
// can be asked), runs the steps with their semantics (diagnose always,
// apply unless its skip_if diagnose succeeded, stop at the first failing
// apply, verify after the applies, rollback when an apply or verify failed),
// records everything in the history as it happens and ends with a summary.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "kb/model.hpp"
#include "base/result.hpp"
#include "run/capture.hpp"
#include "run/console.hpp"
#include "run/params.hpp"
#include "run/plan.hpp"
#include "store/history.hpp"

namespace run {

enum class Mode { run, dry_run, diagnose };
enum class AssumeYes { no, yes };
enum class Pace { whole_run, step_by_step };
enum class Answer { yes, no, quit };
// The whole run: yes or no. One step: yes, no (skip it) or quit (stop the run).
enum class Choices { yes_no, yes_skip_quit };

// Asks the person at the terminal; empty when there is no terminal, in which
// case nothing is ever asked (and apply steps need AssumeYes::yes).
using Ask = std::function<Answer(const std::string& question, Choices choices)>;

struct RunOptions {
    Mode mode = Mode::run;
    AssumeYes assume_yes = AssumeYes::no;
    Pace pace = Pace::whole_run;
    std::filesystem::path invocation_dir;  // empty: the current directory
    std::chrono::milliseconds kill_grace{5000};
    std::size_t capture_limit = default_capture_limit;
    nlohmann::json evidence;               // what --from-log matched; null otherwise
    StepSelection selection;               // --step / --tag; empty: the whole runbook
    Colour colour = Colour::off;
    EnvFile dot_env;                       // a Runme-style runbook's .env (read_dot_env)
};

struct RunOutcome {
    store::RunStatus status = store::RunStatus::succeeded;
    int exit_code = 0;  // 0 succeeded, 1 failed, 2 refused, 130 interrupted
    long long run_id = 0;  // 0 when nothing was recorded (dry run)
    std::vector<store::StepRecord> steps;
    std::string message;
};

// Fails only when the runbook cannot be planned or the history cannot record
// the run; a failing or refused run is an outcome, not an error.
base::Result<RunOutcome> run_runbook(const kb::Runbook& runbook, const std::vector<ResolvedParam>& params,
                                   const RunOptions& options, const Ask& ask, store::History* history,
                                   std::ostream& out);

// Why a runbook may not run at all, whatever its params: its front matter
// does not parse (it would run without what that declares). --dry-run still shows it.
std::optional<std::string> not_runnable(const kb::Runbook& runbook);

}  // namespace run
