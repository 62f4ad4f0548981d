#include "run/plan.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>

#include <fnmatch.h>
#include <unistd.h>

#include "kb/info_string.hpp"
#include "kb/secrets.hpp"
#include "base/text.hpp"
#include "run/mask.hpp"

namespace run {

namespace fs = std::filesystem;

const PlannedStep* Plan::find(const std::string& name) const {
    for (const auto& s : steps)
        if (s.step->name == name) return &s;
    return nullptr;
}

namespace {

std::string where(const kb::Runbook& runbook, const kb::Step& step) {
    return runbook.path + (step.line > 0 ? ":" + std::to_string(step.line) : "");
}

// Runme runs shell cells with `set -e -o pipefail` (not -u: its documents
// use variables that may be unset), in the document's `shell` when it names one.
std::optional<kb::LanguageRule> runme_rule(const kb::Runbook& runbook, const kb::Step& step) {
    auto rule = kb::language_rule(step);
    if (!rule || !rule->shell) return rule;
    std::string shell = runbook.shell.empty() ? "bash" : runbook.shell;
    std::string base_name = fs::path(shell).filename().string();
    if (base_name == "bash") rule->program = {shell, "--noprofile", "--norc", "-e", "-o", "pipefail"};
    else if (base_name == "zsh") rule->program = {shell, "--no-rcs", "-e", "-o", "pipefail"};
    else if (base_name == "ksh") rule->program = {shell, "-e", "-o", "pipefail"};
    else rule->program = {shell, "-e"};
    return rule;
}

bool matches_tag(const std::string& tags, const std::string& wanted) {
    for (auto tag : base::text::split(tags, ','))
        if (base::text::trim(tag) == wanted) return true;
    return false;
}

}  // namespace

bool program_available(const std::string& program) {
    if (program.empty()) return false;
    if (program.find('/') != std::string::npos) return ::access(program.c_str(), X_OK) == 0;
    const char* path = std::getenv("PATH");
    for (auto dir : base::text::split(path ? path : "/usr/bin:/bin", ':')) {
        std::string candidate = (dir.empty() ? std::string(".") : std::string(dir)) + "/" + program;
        if (::access(candidate.c_str(), X_OK) == 0 && !fs::is_directory(candidate)) return true;
    }
    return false;
}

base::Result<Plan> make_plan(const kb::Runbook& runbook, const fs::path& invocation_dir) {
    Plan plan;
    plan.runbook = &runbook;
    plan.runme_style = runbook.runme_style;
    fs::path runbook_dir = runbook.path.empty() ? invocation_dir : fs::path(runbook.path).parent_path();
    fs::path base = runbook.runme_style ? runbook_dir : invocation_dir;

    std::vector<PlannedStep> all;
    int number = 0;
    for (const auto& step : runbook.steps) {
        PlannedStep p;
        p.step = &step;
        p.number = ++number;
        p.excluded = step.exclude_from_run_all;
        p.shown_only = step.shown_only;
        auto language = runbook.runme_style ? runme_rule(runbook, step) : kb::language_rule(step.language);
        if (!step.interpreter.empty()) {
            for (auto word : base::text::split(step.interpreter, ' '))
                if (!word.empty()) p.program.emplace_back(word);
            p.extension = language ? language->extension : "";
        } else if (language) {
            p.program = language->program;
            p.extension = language->extension;
            p.is_sql = language->sql;
            p.session = runbook.runme_style && language->shell;
        } else if (!p.excluded && p.shown_only.empty()) {
            std::string what = step.language.empty() ? "has no language" : "is in " + step.language;
            return base::error("step " + step.name + " " + what +
                             ", which deja cannot run: use sh, bash, sql or python, or give it an interpreter (" +
                             where(runbook, step) + ")");
        }
        if (runbook.runme_style && p.shown_only.empty() && !p.program.empty() && !program_available(p.program.front()))
            p.shown_only = p.program.front() + " is not installed here";
        if (!step.cwd.empty()) p.cwd = fs::absolute(base / step.cwd).lexically_normal();
        else if (runbook.runme_style) p.cwd = base;
        if (!step.skip_if.empty()) {
            const kb::Step* target = runbook.step(step.skip_if);
            if (!target || target->kind != kb::StepKind::diagnose)
                return base::error("step " + step.name + " has skip_if: " + step.skip_if +
                                 ", which is not a diagnose step of this runbook (" + where(runbook, step) + ")");
        }
        all.push_back(std::move(p));
    }
    for (auto kind : {kb::StepKind::diagnose, kb::StepKind::apply, kb::StepKind::verify, kb::StepKind::rollback})
        for (const auto& p : all)
            if (p.step->kind == kind) plan.steps.push_back(p);
    return plan;
}

base::Result<Plan> select_steps(const Plan& plan, const StepSelection& selection) {
    if (selection.empty()) return plan;
    std::vector<bool> named(plan.steps.size(), false), tagged(plan.steps.size(), false);
    for (const auto& wanted : selection.names) {
        bool any = false;
        int position = 0;
        bool is_number = !wanted.empty() && std::all_of(wanted.begin(), wanted.end(), [](char c) { return c >= '0' && c <= '9'; });
        if (is_number && wanted.size() < 9) position = std::stoi(wanted);
        for (std::size_t i = 0; i < plan.steps.size(); ++i) {
            const auto& s = plan.steps[i];
            bool hit = s.step->name == wanted || (position > 0 && s.number == position) ||
                       (wanted.find_first_of("*?[") != std::string::npos &&
                        ::fnmatch(wanted.c_str(), s.step->name.c_str(), 0) == 0);
            if (hit) named[i] = any = true;
        }
        if (!any) {
            std::vector<std::string> names;
            for (const auto& s : plan.steps) names.push_back(s.step->name);
            return base::error("runbook " + plan.runbook->id + " has no step " + wanted +
                               (names.empty() ? "" : "; its steps: " + base::text::join(names, ", ")));
        }
    }
    for (const auto& tag : selection.tags) {
        bool any = false;
        for (std::size_t i = 0; i < plan.steps.size(); ++i)
            if (matches_tag(plan.steps[i].step->tag, tag)) tagged[i] = any = true;
        if (!any) return base::error("runbook " + plan.runbook->id + " has no step tagged " + tag);
    }
    Plan out;
    out.runbook = plan.runbook;
    out.runme_style = plan.runme_style;
    for (std::size_t i = 0; i < plan.steps.size(); ++i) {
        if (!named[i] && !tagged[i]) continue;
        PlannedStep s = plan.steps[i];
        if (named[i]) s.excluded = false;
        out.steps.push_back(std::move(s));
    }
    return out;
}

std::vector<std::string> command_line(const PlannedStep& step, const std::string& code_file,
                                      const std::vector<ResolvedParam>& params,
                                      const std::map<std::string, std::string>& env, CommandView view) {
    std::vector<std::string> argv = step.program;
    if (step.is_sql) {
        if (view == CommandView::display) {
            argv.insert(argv.end(), {"-d", "$DATABASE_URL"});
        } else if (auto it = env.find("DATABASE_URL"); it != env.end() && !it->second.empty()) {
            argv.insert(argv.end(), {"-d", it->second});
        }
        for (const auto& p : params) {
            std::string value = p.value;
            if (auto it = env.find(p.name); it != env.end()) value = it->second;
            if (view == CommandView::display) value = kb::shown_value(value, p.secret);
            argv.push_back("-v");
            argv.push_back(p.name + "=" + value);
        }
        argv.push_back("-f");
    }
    if (step.session && view == CommandView::execute) {
        // The cell is sourced under a trap that writes the environment it
        // leaves (NUL-separated, as Runme's env collector does) to
        // $DEJA_SESSION: the runner hands what changed to the next cells.
        // Constant code: the cell and its params stay data.
        argv.insert(argv.end(), {"-c",
                                 "__deja_session() { __deja_rv=$?; env -0 > \"$DEJA_SESSION\" 2>/dev/null; "
                                 "exit $__deja_rv; }\n"
                                 "trap __deja_session EXIT\n"
                                 "__deja_cell=$1; shift; . \"$__deja_cell\"\n",
                                 // $0 is the shell's name, as when Runme runs the cell.
                                 fs::path(step.program.front()).filename().string()});
    }
    argv.push_back(code_file);
    return argv;
}

std::string shell_quote_join(const std::vector<std::string>& words) {
    std::string out;
    for (const auto& w : words) {
        if (!out.empty()) out += ' ';
        bool placeholder = w == "$DATABASE_URL" || (w.size() > 2 && w.front() == '<' && w.back() == '>');
        bool plain = placeholder || (!w.empty() && std::all_of(w.begin(), w.end(), [](char c) {
                         return std::isalnum(static_cast<unsigned char>(c)) || (c & 0x80) != 0 ||
                                std::string_view("-_./=:,+@%").find(c) != std::string_view::npos;
                     }));
        if (plain) {
            out += w;
            continue;
        }
        out += '\'';
        for (char c : w) {
            if (c == '\'') out += "'\\''";
            else if (c == '\n') out += "'$'\\n''";
            else out += c;
        }
        out += '\'';
    }
    return out;
}

}  // namespace run
