// `deja run ID [--param K=V]... [--dry-run] [--diagnose] [--yes] [--step-by-step]`,
// `deja run FILE.md`, `deja run ID:STEP`, `--step`/`--tag` to pick cells,
// `--list` to show them, and `deja run --from-log FILE`: resolve the params
// (prompting on a terminal), then hand over to the run engine, which shows
// the plan, asks, runs and records. Exit 0 succeeded, 1 failed, 2 usage or
// refused, 130 interrupted.
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>

#include "cli/common.hpp"
#include "base/text.hpp"
#include "kb/load.hpp"
#include "match/report.hpp"
#include "run/console.hpp"
#include "run/interrupt.hpp"
#include "run/params.hpp"
#include "run/plan.hpp"
#include "run/runner.hpp"
#include "run/step_process.hpp"
#include "run/terminal.hpp"
#include "store/history.hpp"

namespace {

struct RunArgs {
    std::string id;
    std::vector<std::string> params;
    std::vector<std::string> steps;
    std::vector<std::string> tags;
    bool list = false;
    std::string from_log;
    bool dry_run = false;
    bool diagnose = false;
    bool yes = false;
    bool step_by_step = false;
};

struct FromLog {
    kb::ParamValues params;
    nlohmann::json evidence;
};

std::string confidence(double value) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%.2f", value);
    return buf;
}

cli::Exit fail(cli::Globals& globals, cli::Exit code, const std::string& message) {
    cli::print_error(message);
    globals.exit = code;
    return code;
}

// Matches the log and picks the runbook: the top confident match (or the
// match for `wanted` when an id was given too).
base::Result<std::pair<std::string, FromLog>> match_log(store::Index& index, const std::string& file,
                                                       const std::string& wanted) {
    auto matcher = match::Matcher::load_or_build(index);
    if (!matcher) return matcher.error();
    auto report = match::scan(*matcher, {match::Input::from_argument(file)});
    if (!report) return report.error();
    const match::Match* chosen = nullptr;
    for (const auto& m : report->matches) {
        if (!m.runbook) continue;
        if (wanted.empty() || *m.runbook == wanted) {
            chosen = &m;
            break;
        }
    }
    if (!chosen) {
        const std::string log = file == "-" ? "standard input" : file;
        std::string message = wanted.empty() ? "no runbook matches " + log + " confidently"
                                             : "runbook " + wanted + " does not match " + log + " confidently";
        std::string closest;
        for (const auto& m : report->near_misses)
            if (m.runbook) closest += (closest.empty() ? "" : ", ") + *m.runbook + " (" + confidence(m.confidence) + ")";
        if (!closest.empty()) message += "; closest: " + closest;
        return base::error(message + "; run `deja match " + file + "` to see what it found");
    }
    FromLog out;
    out.params = chosen->params;
    nlohmann::json lines = nlohmann::json::array();
    for (const auto& e : chosen->evidence)
        lines.push_back({{"source", e.source}, {"line", e.line}, {"text", e.text}, {"kind", match::to_string(e.kind)}});
    out.evidence = {{"log", file}, {"runbook", *chosen->runbook}, {"confidence", chosen->confidence},
                    {"params", chosen->params}, {"lines", lines}};
    std::cout << "Known failure in " << file << ": " << *chosen->runbook << " — " << chosen->title << " (confidence "
              << confidence(chosen->confidence) << ")\n";
    for (const auto& e : chosen->evidence)
        std::cout << "  " << e.source << ":" << e.line << "  " << run::display_value(e.text, 160) << '\n';
    std::cout << '\n';
    return std::pair{*chosen->runbook, out};
}

// Missing required params: asked for on a terminal (secrets unechoed),
// otherwise all reported together.
bool is_document_path(const std::string& text) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(text, ec)) return false;
    std::string lower = base::text::lower(text);
    return text.find('/') != std::string::npos || lower.ends_with(".md") || lower.ends_with(".markdown") ||
           lower.ends_with(".mdx");
}

// `deja run path/to/notes.md`: the file read as a runbook, as Runme runs a
// file; an error in its front matter or attributes refuses it, with file and
// line, rather than running it without what the broken part declared.
base::Result<kb::Runbook> read_runbook_file(const std::string& file) {
    std::string path = std::filesystem::absolute(file).lexically_normal().string();
    auto bytes = kb::read_whole_file(path);
    if (!bytes) return bytes.error();
    std::vector<kb::Diagnostic> diagnostics;
    auto runbook = kb::parse_runbook(path, *bytes, diagnostics);
    std::vector<std::string> errors;
    for (const auto& d : diagnostics)
        if (d.severity == kb::Severity::error) errors.push_back(d.format());
    if (!errors.empty()) return base::error(base::text::join(errors, "\n") + "\n(the file is not run while it has errors)");
    if (!runbook) return base::error(path + ": cannot be read as a runbook");
    return std::move(*runbook);
}

// `deja run ID --list`: every cell with its position, name, language and
// what a run does with it.
void list_steps(const run::Plan& plan) {
    std::size_t width = 4;
    for (const auto& s : plan.steps) width = std::max(width, s.step->name.size());
    std::vector<const run::PlannedStep*> ordered;
    for (const auto& s : plan.steps) ordered.push_back(&s);
    std::sort(ordered.begin(), ordered.end(), [](auto* a, auto* b) { return a->number < b->number; });
    for (const auto* s : ordered) {
        std::string what = kb::to_string(s->step->kind);
        if (!s->shown_only.empty()) what = "shown, not run: " + s->shown_only;
        else if (s->excluded) what += ", only when named (excludeFromRunAll)";
        if (!s->step->tag.empty()) what += ", tags " + s->step->tag;
        std::string language = s->step->language.empty() ? "-" : s->step->language;
        std::string name = s->step->name;
        name.resize(std::max(width, name.size()), ' ');
        language.resize(std::max<std::size_t>(10, language.size()), ' ');
        std::cout << std::to_string(s->number) << (s->number < 10 ? "   " : s->number < 100 ? "  " : " ") << name << "  "
                  << language << "  " << what << '\n';
    }
}

bool fill_missing(const kb::Runbook& runbook, run::ParamResolution& resolution, std::string& refusal) {
    if (resolution.missing.empty()) return true;
    if (!run::stdin_is_terminal()) {
        std::vector<std::string> names;
        std::string list;
        for (const auto* p : resolution.missing) {
            list += "\n  " + p->name + (p->description.empty() ? "" : ": " + p->description);
            names.push_back(p->name);
        }
        std::string last = names.back();
        names.pop_back();
        refusal = "runbook " + runbook.id + " needs " +
                  (names.empty() ? last : base::text::join(names, ", ") + " and " + last) + ",";
        std::string flags;
        for (const auto* p : resolution.missing) flags += " --param " + p->name + "=...";
        refusal += " and there is no terminal to ask; give" + flags + " (or set them in the environment)" + list;
        return false;
    }
    run::InterruptGuard interrupt;  // Ctrl-C at a prompt: stop, terminal restored
    for (const auto* p : resolution.missing) {
        for (int attempt = 0;; ++attempt) {
            std::string question = p->name + (p->description.empty() ? "" : " (" + p->description + ")") + ": ";
            auto answer = run::read_line(question, p->secret ? run::Echo::hidden : run::Echo::visible);
            if (!answer || interrupt.interrupted()) {
                refusal = "no value given for " + p->name;
                return false;
            }
            std::string problem = answer->empty() ? p->name + " is required" : run::check_value(*p, *answer);
            if (problem.empty()) {
                for (auto& v : resolution.values)
                    if (v.name == p->name) {
                        v.value = *answer;
                        v.source = run::ParamSource::prompt;
                    }
                break;
            }
            cli::print_error(problem);
            if (attempt == 2) {
                refusal = problem;
                return false;
            }
        }
    }
    resolution.missing.clear();
    return true;
}

void run_command(cli::Globals& globals, const RunArgs& args) {
    if (args.id.empty() && args.from_log.empty()) {
        fail(globals, cli::Exit::usage, "deja run needs a runbook id or --from-log FILE");
        return;
    }
    if (args.dry_run && args.diagnose) {
        fail(globals, cli::Exit::usage, "--dry-run and --diagnose exclude each other: pick one");
        return;
    }
    kb::ParamValues given;
    for (const auto& text : args.params) {
        auto kv = run::parse_assignment(text);
        if (!kv) {
            fail(globals, cli::Exit::usage, kv.error().message);
            return;
        }
        given[kv->first] = kv->second;
    }

    // A Markdown file (FILE or FILE:STEP) runs without a knowledge base.
    run::StepSelection selection{args.steps, args.tags};
    std::optional<kb::Runbook> runbook;
    std::string id = args.id;
    if (args.from_log.empty()) {
        std::string file = id;
        auto colon = id.rfind(':');
        if (!is_document_path(file) && colon != std::string::npos && colon > 0 && colon + 1 < id.size() &&
            is_document_path(id.substr(0, colon))) {
            file = id.substr(0, colon);
            selection.names.push_back(id.substr(colon + 1));
        }
        if (is_document_path(file)) {
            auto read = read_runbook_file(file);
            if (!read) {
                fail(globals, cli::Exit::usage, read.error().message);
                return;
            }
            runbook = std::move(*read);
        }
    }

    std::optional<store::Index> index;
    if (!runbook) {
        auto opened = cli::open_index(globals);
        if (!opened) {
            fail(globals, cli::Exit::usage, opened.error().message);
            return;
        }
        index.emplace(std::move(*opened));
    }
    FromLog from_log;
    if (!args.from_log.empty()) {
        auto matched = match_log(*index, args.from_log, args.id);
        if (!matched) {
            fail(globals, cli::Exit::usage, matched.error().message);
            return;
        }
        id = matched->first;
        from_log = std::move(matched->second);
    } else if (!runbook && !index->runbook(id)) {
        // ID:STEP: one cell by name, as `runme run NAME` does.
        auto colon = id.rfind(':');
        if (colon != std::string::npos && colon > 0 && colon + 1 < id.size() && index->runbook(id.substr(0, colon))) {
            selection.names.push_back(id.substr(colon + 1));
            id = id.substr(0, colon);
        }
    }
    if (!runbook) runbook = index->runbook(id);
    if (!runbook) {
        auto similar = index->similar_ids(id, kb::DocKind::runbook);
        fail(globals, cli::Exit::usage,
             "no runbook " + id + " in the knowledge base (" +
                 (similar.empty() ? "`deja list runbooks` lists them"
                                  : "did you mean " + base::text::join(similar, ", ") + "?") +
                 ")");
        return;
    }

    if (auto why = run::not_runnable(*runbook); why && !args.dry_run && !args.list) {
        fail(globals, cli::Exit::usage, *why);
        return;
    }
    if (args.list) {
        auto plan = run::make_plan(*runbook, std::filesystem::current_path());
        if (plan) plan = run::select_steps(*plan, selection);
        if (!plan) {
            fail(globals, cli::Exit::usage, plan.error().message);
            return;
        }
        list_steps(*plan);
        return;
    }

    std::optional<store::History> history;
    if (!args.dry_run) {
        auto opened = store::History::open(store::History::default_path());
        if (!opened) {
            fail(globals, cli::Exit::usage, opened.error().message);
            return;
        }
        history.emplace(std::move(*opened));
        for (long long abandoned : history->abandoned())
            cli::print_warning("run " + std::to_string(abandoned) +
                               " was left unfinished by a deja that is gone; it is now marked abandoned");
    }
    store::History* record = history ? &*history : nullptr;

    run::EnvFile dot_env = runbook->runme_style ? run::read_dot_env(runbook->path) : run::EnvFile{};
    auto resolution = run::resolve_params(*runbook, given, from_log.params, run::runbook_environment(*runbook, dot_env));
    if (!resolution.problems.empty()) {
        for (const auto& problem : resolution.problems) cli::print_error(problem);
        globals.exit = cli::Exit::usage;
        return;
    }
    if (!args.dry_run) {
        std::string refusal;
        if (!fill_missing(*runbook, resolution, refusal)) {
            fail(globals, cli::Exit::usage, refusal);
            return;
        }
    }

    run::RunOptions options;
    options.mode = args.dry_run ? run::Mode::dry_run : args.diagnose ? run::Mode::diagnose : run::Mode::run;
    options.assume_yes = args.yes ? run::AssumeYes::yes : run::AssumeYes::no;
    options.pace = args.step_by_step ? run::Pace::step_by_step : run::Pace::whole_run;
    options.kill_grace = run::default_kill_grace();
    options.evidence = from_log.evidence;
    options.selection = selection;
    options.colour = cli::stdout_colour() ? run::Colour::on : run::Colour::off;
    options.dot_env = std::move(dot_env);
    run::Ask ask;
    if (run::stdin_is_terminal()) ask = run::ask_on_terminal;

    auto outcome = run::run_runbook(*runbook, resolution.values, options, ask, record, std::cout);
    std::cout.flush();
    if (!outcome) {
        fail(globals, cli::Exit::usage, outcome.error().message);
        return;
    }
    switch (outcome->status) {
        case store::RunStatus::succeeded: globals.exit = cli::Exit::ok; break;
        case store::RunStatus::refused: fail(globals, cli::Exit::usage, outcome->message); break;
        case store::RunStatus::interrupted: globals.exit = cli::Exit::interrupted; break;
        default: globals.exit = cli::Exit::failed; break;
    }
}

}  // namespace

namespace cli {

void add_run_command(CLI::App& root, Globals& globals) {
    auto args = std::make_shared<RunArgs>();
    auto* sub = root.add_subcommand("run", "run a runbook: plan, confirm, execute each step, record the run");
    sub->add_option("id", args->id, "runbook id, or a Markdown file to run as it is (Runme's documents)")
        ->type_name("ID|FILE");
    sub->add_option("-p,--param", args->params, "a param value (repeatable)")->type_name("NAME=VALUE");
    sub->add_option("--from-log", args->from_log,
                    "match this log (- for stdin) and run the runbook it names, params filled from the log")
        ->type_name("FILE");
    sub->add_flag("--dry-run", args->dry_run, "show the plan and every step's code; execute nothing");
    sub->add_flag("--diagnose", args->diagnose, "run only the read-only diagnose steps; show what the rest would do");
    sub->add_flag("-y,--yes", args->yes, "confirm in advance (needed to change anything without a terminal)");
    sub->add_flag("--step-by-step", args->step_by_step, "ask before each step");
    sub->add_option("-s,--step", args->steps,
                    "run only this step: a name, a position (1 = the first block) or a glob; repeatable. "
                    "Also `deja run ID:NAME`")
        ->type_name("NAME");
    sub->add_option("-t,--tag,--category", args->tags, "run only the steps with this tag or category (repeatable)")
        ->type_name("TAG");
    sub->add_flag("-l,--list", args->list, "list the runbook's steps (cells) with their names, languages and kinds");
    sub->callback([&globals, args] { run_command(globals, *args); });
}

}  // namespace cli
