#include "run/runner.hpp"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <optional>
#include <system_error>

#include "base/file.hpp"
#include "base/text.hpp"
#include "kb/secrets.hpp"
#include "run/env_file.hpp"
#include "run/interrupt.hpp"
#include "run/mask.hpp"
#include "run/plan.hpp"
#include "run/step_process.hpp"

extern char** environ;

namespace run {

namespace fs = std::filesystem;

namespace {

// A private folder for one run (0700): the step code files and the $DEJA_ENV
// files. Removed with the run.
class RunDir {
public:
    RunDir() {
        fs::path base = fs::temp_directory_path();
        std::string pattern = (base / "deja-run-XXXXXX").string();
        std::vector<char> buf(pattern.begin(), pattern.end());
        buf.push_back('\0');
        if (mkdtemp(buf.data())) path_ = buf.data();
    }
    ~RunDir() {
        std::error_code ec;
        if (!path_.empty()) fs::remove_all(path_, ec);
    }
    RunDir(const RunDir&) = delete;
    RunDir& operator=(const RunDir&) = delete;
    const fs::path& path() const { return path_; }

private:
    fs::path path_;
};

std::map<std::string, std::string> current_environment() {
    std::map<std::string, std::string> env;
    for (char** e = environ; e && *e; ++e) {
        std::string_view entry(*e);
        auto eq = entry.find('=');
        if (eq == std::string_view::npos) continue;
        env.emplace(std::string(entry.substr(0, eq)), std::string(entry.substr(eq + 1)));
    }
    return env;
}

nlohmann::json mask_json(const nlohmann::json& j, const Masker& masker) {
    if (j.is_string()) return masker.mask(j.get<std::string>());
    if (j.is_array() || j.is_object()) {
        nlohmann::json out = j;
        for (auto& [key, value] : out.items()) value = mask_json(value, masker);
        return out;
    }
    return j;
}

// The command a shell could not find: "bash: line 3: kubectl: command not
// found", "sh: 1: kubectl: not found", "zsh: command not found: kubectl".
std::string missing_command(std::string_view output) {
    for (auto line : base::text::split_lines(output)) {
        line = base::text::trim(line);
        for (std::string_view tail : {": command not found", ": not found"}) {
            if (!line.ends_with(tail)) continue;
            auto head = line.substr(0, line.size() - tail.size());
            auto colon = head.rfind(": ");
            return std::string(colon == std::string_view::npos ? head : head.substr(colon + 2));
        }
        if (auto at = line.find("command not found: "); at != std::string_view::npos)
            return std::string(line.substr(at + 19));
    }
    return "";
}

bool changes_something(const PlannedStep& step) {
    return step.step->kind == kb::StepKind::apply || step.step->kind == kb::StepKind::rollback;
}

class Execution {
public:
    Execution(const kb::Runbook& runbook, const Plan& plan, std::vector<ResolvedParam> params,
              const RunOptions& options, const Ask& ask, store::History* history, std::ostream& out)
        : runbook_(runbook), plan_(plan), params_(std::move(params)), options_(options), ask_(ask),
          history_(history), console_(out, options.colour) {
        for (const auto& p : params_)
            for (const auto& part : kb::hidden_parts(p.value, p.secret)) masker_.add(part);
        invocation_dir_ = options.invocation_dir.empty() ? fs::current_path() : options.invocation_dir;
    }

    RunOutcome dry_run() {
        console_.plan(plan_, params_);
        console_.note("\nDry run: every step's code follows; nothing is executed.\n");
        for (const auto& step : plan_.steps) {
            console_.step_code(step, step.shown_only.empty() ? display_command(step) : std::vector<std::string>{});
            console_.note("");
        }
        RunOutcome outcome;
        outcome.status = store::RunStatus::succeeded;
        outcome.message = "dry run";
        return outcome;
    }

    base::Result<RunOutcome> execute() {
        console_.plan(plan_, params_);
        InterruptGuard interrupt;
        interrupt_ = &interrupt;

        std::vector<const PlannedStep*> to_run;
        for (const auto& s : plan_.steps) {
            if (s.excluded || !s.shown_only.empty()) continue;
            if (options_.mode == Mode::diagnose && s.step->kind != kb::StepKind::diagnose) continue;
            to_run.push_back(&s);
        }
        bool changes = false, marked = false;
        for (const auto* s : to_run) {
            changes = changes || changes_something(*s);
            marked = marked || s->step->confirm;
        }

        if ((changes || marked) && options_.assume_yes == AssumeYes::no) {
            if (!ask_) {
                std::string message =
                    "runbook " + runbook_.id + " " +
                    (changes ? "changes something (apply steps)" : "has steps marked confirm") +
                    " and there is no terminal to confirm it: re-run with --yes to run it, --dry-run to see every "
                    "step's code, or --diagnose to run only the read-only steps";
                return refuse(message);
            }
            if (options_.pace == Pace::whole_run) {
                int changing = 0;
                for (const auto* s : to_run) changing += changes_something(*s) ? 1 : 0;
                Answer a = ask_("Run " + runbook_.id + " (" + std::to_string(to_run.size()) + " steps, " +
                                std::to_string(changing) + " that change something)?",
                                Choices::yes_no);
                if (interrupt.interrupted()) return stopped_before_start(interrupt);
                if (a != Answer::yes) return refuse("not confirmed: nothing was run");
            }
        }
        if (interrupt.interrupted()) return stopped_before_start(interrupt);

        if (history_) {
            auto id = history_->begin_run(new_run());
            if (!id) return id.error();
            run_id_ = *id;
        }
        run_dir_.emplace();
        if (!run_dir_->path().empty()) {
            base_env_ = current_environment();
            if (plan_.runme_style) load_dot_env(options_.dot_env);
            for (const auto& p : params_) base_env_[p.name] = p.value;
        } else {
            return finish_error("cannot create a private temporary folder for the run's files");
        }

        total_ = static_cast<int>(to_run.size());
        if (options_.mode == Mode::diagnose) run_diagnose_only(to_run);
        else run_all(to_run);

        if (interrupt.interrupted() && status_ != store::RunStatus::interrupted) {
            status_ = store::RunStatus::interrupted;
            message_ = interruption_message(interrupt);
        }
        return finish();
    }

private:
    store::NewRun new_run() const {
        return store::NewRun{runbook_.id, runbook_.title, runbook_.content_hash,
                             options_.mode == Mode::diagnose ? "diagnose" : "run", masked(params_),
                             invocation_dir_.string(), mask_json(options_.evidence, masker_)};
    }

    std::vector<std::string> display_command(const PlannedStep& step) {
        return command_line(step, "<code of " + step.step->name + ">", params_, {}, CommandView::display);
    }

    // A refusal is not a run: nothing ran, so the history has nothing to keep.
    base::Result<RunOutcome> refuse(const std::string& message) {
        RunOutcome outcome;
        outcome.status = store::RunStatus::refused;
        outcome.exit_code = 2;
        outcome.run_id = run_id_;
        outcome.message = message;
        return outcome;
    }

    std::string interruption_message(const InterruptGuard& interrupt) const {
        int sig = interrupt.signal();
        std::string name = sig == SIGINT    ? "SIGINT (Ctrl-C)"
                           : sig == SIGTERM ? "SIGTERM"
                           : sig == SIGHUP  ? "SIGHUP"
                                            : "signal " + std::to_string(sig);
        return "interrupted by " + name;
    }

    base::Result<RunOutcome> stopped_before_start(const InterruptGuard& interrupt) {
        std::string message = interruption_message(interrupt) + " before any step ran";
        if (history_) {
            auto id = history_->begin_run(new_run());
            if (!id) return id.error();
            run_id_ = *id;
            (void)history_->end_run(run_id_, store::RunStatus::interrupted, 130, message);
        }
        RunOutcome outcome;
        outcome.status = store::RunStatus::interrupted;
        outcome.exit_code = 130;
        outcome.run_id = run_id_;
        outcome.message = message;
        return outcome;
    }

    base::Result<RunOutcome> finish_error(const std::string& message) {
        status_ = store::RunStatus::failed;
        message_ = message;
        return finish();
    }

    bool interrupted() const { return interrupt_ && interrupt_->interrupted(); }

    void run_diagnose_only(const std::vector<const PlannedStep*>& to_run) {
        for (const auto* s : to_run) {
            if (stop_requested_ || interrupted()) {
                record_not_run(*s, "the run was stopped");
                continue;
            }
            run_step(*s);
        }
        if (cannot_run_) {
            status_ = store::RunStatus::failed;
            message_ = fail_message_;
        }
        if (interrupted() || stop_requested_) return;
        console_.note("\nWhat the other steps would do (--diagnose runs none of them):");
        for (const auto& s : plan_.steps) {
            if (s.step->kind == kb::StepKind::diagnose || s.excluded || !s.shown_only.empty()) continue;
            if (!s.step->skip_if.empty() && succeeded(s.step->skip_if)) {
                console_.note("· " + s.step->name + " would be skipped: " + s.step->skip_if +
                              " succeeded, so the change is already in place");
                continue;
            }
            console_.step_code(s, display_command(s));
        }
        status_ = store::RunStatus::succeeded;
    }

    void run_all(const std::vector<const PlannedStep*>& to_run) {
        bool failed = false;       // an apply (that may not fail) or a verify failed
        bool apply_failed = false;
        for (const auto* s : to_run) {
            kb::StepKind kind = s->step->kind;
            if (stop_requested_ || interrupted()) {
                record_not_run(*s, "the run was stopped");
                continue;
            }
            if (kind == kb::StepKind::rollback) {
                if (!failed) {
                    record_skipped(*s, "nothing failed, so nothing to roll back", store::StepStatus::not_run);
                    continue;
                }
            } else if (kind == kb::StepKind::verify && apply_failed) {
                record_not_run(*s, "an apply step failed");
                continue;
            } else if (kind == kb::StepKind::apply) {
                if (apply_failed) {
                    record_not_run(*s, "an earlier apply step failed");
                    continue;
                }
                if (!s->step->skip_if.empty() && succeeded(s->step->skip_if)) {
                    record_skipped(*s, s->step->skip_if + " succeeded: already in place", store::StepStatus::skipped);
                    continue;
                }
            }
            store::StepStatus status = run_step(*s);
            bool bad = status == store::StepStatus::failed || status == store::StepStatus::timed_out;
            if (!bad) continue;
            if (kind == kb::StepKind::apply && !s->step->continue_on_error) {
                apply_failed = failed = true;
                if (fail_message_.empty()) fail_message_ = "apply step " + s->step->name + " " + store::display(status);
            } else if (kind == kb::StepKind::verify) {
                failed = true;
                if (fail_message_.empty())
                    fail_message_ = "verify step " + s->step->name + " " + store::display(status);
            } else if (kind == kb::StepKind::rollback && !s->step->continue_on_error) {
                rollback_failed_ = true;
                stop_requested_ = true;  // later rollbacks may depend on this one
            }
        }
        if (status_ == store::RunStatus::interrupted) return;
        if (failed || cannot_run_) {
            status_ = store::RunStatus::failed;
            message_ = fail_message_;
            if (rollback_failed_) message_ += "; a rollback step failed too";
        } else {
            status_ = store::RunStatus::succeeded;
        }
    }

    bool succeeded(const std::string& step_name) const {
        for (const auto& r : records_)
            if (r.name == step_name) return r.status == store::StepStatus::ok;
        return false;
    }

    store::StepRecord base_record(const PlannedStep& s) {
        store::StepRecord r;
        r.position = static_cast<int>(records_.size()) + 1;
        r.name = s.step->name;
        r.kind = s.step->kind;
        r.language = s.step->language;
        return r;
    }

    void record(store::StepRecord r) {
        if (history_ && run_id_ > 0) {
            if (auto st = history_->end_step(run_id_, r); !st) history_warning(st.error().message);
        }
        records_.push_back(std::move(r));
    }

    void record_not_run(const PlannedStep& s, const std::string& why) {
        auto r = base_record(s);
        r.status = store::StepStatus::not_run;
        r.note = why;
        record(std::move(r));
    }

    void record_skipped(const PlannedStep& s, const std::string& why, store::StepStatus status) {
        auto r = base_record(s);
        r.status = status;
        r.note = why;
        console_.step_result(r);
        record(std::move(r));
    }

    void history_warning(const std::string& message) {
        if (history_warned_) return;
        history_warned_ = true;
        console_.note("deja: warning: the run history could not be updated: " + message);
    }

    store::StepStatus run_step(const PlannedStep& s) {
        ++position_;
        bool may_ask = ask_ && options_.assume_yes == AssumeYes::no;
        if (may_ask && (options_.pace == Pace::step_by_step || s.step->confirm)) {
            Answer a = ask_("Step " + std::to_string(position_) + "/" + std::to_string(total_) + " " + s.step->name +
                            " (" + kb::to_string(s.step->kind) + "): run it?",
                            Choices::yes_skip_quit);
            if (interrupted()) {
                record_not_run(s, "the run was interrupted");
                return store::StepStatus::not_run;
            }
            if (a == Answer::quit) {
                stop_requested_ = true;
                status_ = store::RunStatus::interrupted;
                message_ = "stopped at the prompt before step " + s.step->name;
                record_not_run(s, "stopped at the prompt");
                return store::StepStatus::not_run;
            }
            if (a == Answer::no) {
                record_skipped(s, "declined at the prompt", store::StepStatus::skipped);
                return store::StepStatus::skipped;
            }
        }

        auto r = base_record(s);
        r.started_at = store::timestamp_now();
        r.status = store::StepStatus::running;
        if (history_ && run_id_ > 0)
            if (auto st = history_->begin_step(run_id_, r); !st) history_warning(st.error().message);
        console_.step_header(s, position_, total_);

        std::string stem = "step-" + std::to_string(s.number);
        fs::path code_file = run_dir_->path() / (stem + (s.extension.empty() ? ".txt" : s.extension));
        fs::path env_file = run_dir_->path() / (stem + ".env");
        if (!base::write_file(code_file.string(), s.step->code, base::FileMode::owner_only) ||
            !base::write_file(env_file.string(), "", base::FileMode::owner_only)) {
            r.status = store::StepStatus::failed;
            r.note = "cannot write the step's files in " + run_dir_->path().string();
            console_.step_result(r);
            record(r);
            return r.status;
        }

        std::map<std::string, std::string> env = base_env_;
        for (const auto& [k, v] : session_) {
            if (v) env[k] = *v;
            else env.erase(k);
        }
        for (const auto& [k, v] : handed_over_) env[k] = v;
        fs::path session_file = run_dir_->path() / (stem + ".session");
        if (s.session) env["DEJA_SESSION"] = session_file.string();
        env["DEJA_ENV"] = env_file.string();
        env["DEJA_RUNBOOK"] = runbook_.id;
        env["DEJA_STEP"] = s.step->name;
        if (run_id_ > 0) env["DEJA_RUN_ID"] = std::to_string(run_id_);

        SpawnSpec spec;
        spec.argv = command_line(s, code_file.string(), params_, env, CommandView::execute);
        for (const auto& [k, v] : env) spec.environment.push_back(k + "=" + v);
        spec.cwd = s.cwd;

        ProcessLimits limits;
        limits.timeout = s.step->timeout.count() > 0 ? std::chrono::milliseconds(s.step->timeout)
                                                     : std::chrono::milliseconds(kb::default_step_timeout);
        limits.kill_grace = options_.kill_grace;
        limits.capture_limit = options_.capture_limit;
        auto result = run_process(spec, limits, masker_, [&](std::string_view text) { console_.step_output(text); },
                                  *interrupt_);

        r.duration_ms = result.duration.count();
        r.output = result.output;
        r.output_truncated = result.output_truncated;
        if (result.status) {
            r.exit_code = result.status->exit_code;
            r.signal = result.status->signal;
        }
        switch (result.end) {
            case ProcessEnd::not_started:
                r.status = store::StepStatus::failed;
                r.note = masker_.mask(result.error);
                break;
            case ProcessEnd::timed_out:
                r.status = store::StepStatus::timed_out;
                r.note = "stopped after the step's timeout of " + format_duration(limits.timeout.count());
                break;
            case ProcessEnd::interrupted:
                r.status = store::StepStatus::interrupted;
                r.note = "stopped: " + interruption_message(*interrupt_);
                status_ = store::RunStatus::interrupted;
                message_ = interruption_message(*interrupt_) + " during step " + s.step->name;
                break;
            case ProcessEnd::exited:
                r.status = result.status && result.status->exit_code == 0 && !result.status->signal
                               ? store::StepStatus::ok
                               : store::StepStatus::failed;
                if (result.status && result.status->exit_code == 127) {
                    // A missing tool says nothing about the system: not a
                    // finding, and the steps after it would only guess.
                    std::string tool = missing_command(result.output);
                    r.note = "cannot run here: " + (tool.empty() ? "a command it uses" : tool) + " is not installed";
                    stop_requested_ = cannot_run_ = true;
                    if (fail_message_.empty()) fail_message_ = "step " + s.step->name + " " + r.note;
                } else if (s.step->kind == kb::StepKind::diagnose && r.status == store::StepStatus::failed) {
                    r.note = "a diagnose step's failure is information, not a run failure";
                }
                break;
        }
        if (r.output_truncated) r.note += std::string(r.note.empty() ? "" : "; ") + "output cut to its last " +
                                          std::to_string(options_.capture_limit / 1024) + " KiB";
        take_handed_over(env_file, r);
        if (s.session) take_session(session_file, env);
        if (plan_.runme_style) keep_output(s, result.output);
        console_.step_result(r);
        record(r);
        return r.status;
    }

    void take_handed_over(const fs::path& env_file, store::StepRecord& r) {
        auto text = base::read_file(env_file.string(), max_env_file_bytes);
        if (!text) {
            console_.note("deja: warning: $DEJA_ENV of step " + r.name + ", " + text.error().message + "; ignored");
            return;
        }
        auto parsed = parse_env_file(*text);
        for (const auto& problem : parsed.problems)
            console_.note("deja: warning: $DEJA_ENV of step " + r.name + ", " + masker_.mask(problem) + "; ignored");
        for (const auto& [name, value] : parsed.values) {
            handed_over_[name] = value;
            // A value a step hands on is hidden by the same rules as a param's.
            for (const auto& part : kb::hidden_parts(value, kb::is_secret_name(name)))
                masker_.add(part);
            for (auto& p : params_) {
                if (p.name != name) continue;
                p.value = value;
                for (const auto& part : kb::hidden_parts(p.value, p.secret)) masker_.add(part);
            }
        }
    }

    // Runme loads a .env beside the document into the session; the
    // process environment and the params still win over it.
    void load_dot_env(const EnvFile& parsed) {
        for (const auto& problem : parsed.problems) console_.note("deja: warning: " + masker_.mask(problem) + "; ignored");
        for (const auto& [name, value] : parsed.values) {
            for (const auto& part : kb::hidden_parts(value, kb::is_secret_name(name))) masker_.add(part);
            base_env_.emplace(name, value);
        }
    }

    // What a Runme cell exported or unset, as Runme's env collector sees it:
    // the environment the cell left against the one it was given.
    void take_session(const fs::path& file, const std::map<std::string, std::string>& given) {
        std::error_code ec;
        if (!fs::exists(file, ec)) return;  // the cell was killed before its trap ran
        auto text = base::read_file(file.string(), max_env_file_bytes);
        if (!text) {
            console_.note("deja: warning: the environment a cell left, " + text.error().message + "; ignored");
            return;
        }
        const std::string& dump = *text;
        std::map<std::string, std::string> left;
        std::size_t start = 0;
        while (start < dump.size()) {
            auto end = dump.find('\0', start);
            if (end == std::string::npos) end = dump.size();
            std::string_view entry(dump.data() + start, end - start);
            start = end + 1;
            auto eq = entry.find('=');
            if (eq == std::string_view::npos || eq == 0) continue;
            left.emplace(std::string(entry.substr(0, eq)), std::string(entry.substr(eq + 1)));
        }
        auto ours = [](const std::string& name) {
            return name.starts_with("DEJA_") || name == "_" || name == "SHLVL" || name == "PWD" || name == "OLDPWD" ||
                   name == "__";
        };
        for (const auto& [name, value] : left) {
            if (ours(name)) continue;
            auto before = given.find(name);
            if (before != given.end() && before->second == value) continue;
            session_[name] = value;
            for (const auto& part : kb::hidden_parts(value, kb::is_secret_name(name))) masker_.add(part);
        }
        for (const auto& [name, value] : given)
            if (!ours(name) && !left.contains(name)) session_[name] = std::nullopt;
    }

    // Runme keeps the last cell's output in $__, and a cell named in
    // capitals exports its output under its name.
    void keep_output(const PlannedStep& s, const std::string& output) {
        // An environment string over 128 KiB cannot be passed to exec().
        constexpr std::size_t limit = 64 * 1024;
        std::string value = output.size() > limit ? output.substr(output.size() - limit) : output;
        while (!value.empty() && (value.back() == '\n' || value.back() == '\r')) value.pop_back();
        session_["__"] = value;
        const std::string& name = s.step->name;
        if (!s.step->name_generated && base::text::is_capital_env_name(name)) session_[name] = value;
    }

    base::Result<RunOutcome> finish() {
        int exit_code = status_ == store::RunStatus::succeeded     ? 0
                        : status_ == store::RunStatus::interrupted ? 130
                        : status_ == store::RunStatus::refused     ? 2
                                                                   : 1;
        if (history_ && run_id_ > 0) {
            if (auto st = history_->end_run(run_id_, status_, exit_code, message_); !st)
                history_warning(st.error().message);
        }
        console_.summary(records_, status_, run_id_, message_);
        RunOutcome outcome;
        outcome.status = status_;
        outcome.exit_code = exit_code;
        outcome.run_id = run_id_;
        outcome.steps = records_;
        outcome.message = message_;
        return outcome;
    }

    const kb::Runbook& runbook_;
    const Plan& plan_;
    std::vector<ResolvedParam> params_;
    const RunOptions& options_;
    const Ask& ask_;
    store::History* history_;
    Console console_;
    Masker masker_;
    fs::path invocation_dir_;
    std::optional<RunDir> run_dir_;  // created once the run is confirmed
    InterruptGuard* interrupt_ = nullptr;
    std::map<std::string, std::string> base_env_;
    std::map<std::string, std::string> handed_over_;
    std::map<std::string, std::optional<std::string>> session_;  // Runme cells: set, or unset (nullopt)
    std::vector<store::StepRecord> records_;
    long long run_id_ = 0;
    int position_ = 0;
    int total_ = 0;
    bool stop_requested_ = false;
    bool rollback_failed_ = false;
    bool cannot_run_ = false;  // a step's command is not installed (exit 127)
    bool history_warned_ = false;
    store::RunStatus status_ = store::RunStatus::succeeded;
    std::string message_;
    std::string fail_message_;
};

}  // namespace

base::Result<RunOutcome> run_runbook(const kb::Runbook& runbook, const std::vector<ResolvedParam>& params,
                                   const RunOptions& options, const Ask& ask, store::History* history,
                                   std::ostream& out) {
    fs::path invocation_dir = options.invocation_dir.empty() ? fs::current_path() : options.invocation_dir;
    auto plan = make_plan(runbook, invocation_dir);
    if (plan) plan = select_steps(*plan, options.selection);
    if (!plan) return plan.error();
    Execution execution(runbook, *plan, params, options, ask, history, out);
    if (options.mode == Mode::dry_run) return execution.dry_run();
    if (auto why = not_runnable(runbook)) return base::error(*why);
    return execution.execute();
}

std::optional<std::string> not_runnable(const kb::Runbook& runbook) {
    if (runbook.front_matter_error.empty()) return std::nullopt;
    return "runbook " + runbook.id + " is not run while its front matter does not parse: " + runbook.front_matter_error;
}

}  // namespace run
