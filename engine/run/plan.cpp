#include "run/plan.hpp"

#include <algorithm>
#include <cctype>

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

struct Language {
    std::vector<std::string> program;
    std::string extension;
    bool sql = false;
};

std::optional<Language> language_for(const std::string& name) {
    std::string l = base::text::lower(name);
    if (l == "sh" || l == "bash" || l == "shell" || l == "shellscript")
        return Language{{"bash", "--noprofile", "--norc", "-euo", "pipefail"}, ".sh", false};
    if (l == "sql" || l == "psql" || l == "postgresql" || l == "postgres" || l == "pgsql")
        return Language{{"psql", "-X", "-w", "-v", "ON_ERROR_STOP=1"}, ".sql", true};
    if (l == "python" || l == "python3" || l == "py") return Language{{"python3"}, ".py", false};
    return std::nullopt;
}

std::string where(const kb::Runbook& runbook, const kb::Step& step) {
    return runbook.path + (step.line > 0 ? ":" + std::to_string(step.line) : "");
}

}  // namespace

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
        auto language = language_for(step.language);
        // Runme runs a block without a language in the shell.
        if (!language && step.language.empty() && runbook.runme_style) language = language_for("sh");
        if (!step.interpreter.empty()) {
            for (auto word : base::text::split(step.interpreter, ' '))
                if (!word.empty()) p.program.emplace_back(word);
            p.extension = language ? language->extension : "";
            p.is_sql = false;
        } else if (language) {
            p.program = language->program;
            p.extension = language->extension;
            p.is_sql = language->sql;
        } else if (!p.excluded) {
            std::string what = step.language.empty() ? "has no language" : "is in " + step.language;
            return base::error("step " + step.name + " " + what +
                             ", which deja cannot run: use sh, bash, sql or python, or give it an interpreter (" +
                             where(runbook, step) + ")");
        }
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
