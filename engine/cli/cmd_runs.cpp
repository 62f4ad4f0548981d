// `deja runs [--runbook ID] [--limit N] [--json]` and `deja runs show N
// [--json]`: the run history, newest first, and one run with every step's
// status, exit code, duration and captured output.
#include <iostream>
#include <memory>

#include "base/text.hpp"
#include "cli/command.hpp"
#include "cli/common.hpp"
#include "cli/output.hpp"
#include "run/console.hpp"
#include "store/history.hpp"

namespace {

struct RunsArgs {
    std::string runbook;
    int limit = 20;
    bool json = false;
    long long show_id = 0;
    bool show_json = false;
};

std::string short_time(const std::string& iso) {
    // "2025-11-02T10:14:03.120Z" -> "2025-11-02 10:14:03" (UTC)
    if (iso.size() < 19) return iso;
    std::string out = iso.substr(0, 19);
    out[10] = ' ';
    return out;
}

void print_list(const std::vector<store::RunRecord>& runs) {
    if (runs.empty()) {
        std::cout << "no runs recorded yet\n";
        return;
    }
    cli::Style style(cli::stdout_colour());
    cli::Table table;
    table.header = {"RUN", "STARTED (UTC)", "RUNBOOK", "STATUS", "STEPS", "BY"};
    bool any_diagnose = false;
    for (const auto& r : runs) {
        std::string status = store::to_string(r.status);
        if (r.mode == "diagnose") {
            status += "*";
            any_diagnose = true;
        }
        // A diagnose step that failed found the problem: a finding, not a failure.
        std::string steps = std::to_string(r.steps_ok + r.steps_found) + "/" + std::to_string(r.step_count);
        if (r.steps_found > 0) steps += " (" + std::to_string(r.steps_found) + " found)";
        table.rows.push_back({std::to_string(r.id), short_time(r.started_at), r.runbook, status, steps,
                              r.user + "@" + r.host});
    }
    std::cout << table.render(style, cli::terminal_width());
    if (any_diagnose) std::cout << "* --diagnose run: read-only steps only\n";
}

void print_run(const store::RunRecord& r) {
    std::cout << "Run " << r.id << ": " << r.runbook << (r.runbook_title.empty() ? "" : " — " + r.runbook_title)
              << '\n';
    std::cout << "  status:   " << store::to_string(r.status);
    if (r.exit_code) std::cout << " (exit " << *r.exit_code << ")";
    if (!r.message.empty()) std::cout << ": " << r.message;
    std::cout << '\n';
    if (r.mode != "run") std::cout << "  mode:     " << r.mode << '\n';
    std::cout << "  started:  " << r.started_at << '\n';
    std::cout << "  ended:    " << (r.ended_at.empty() ? "-" : r.ended_at) << '\n';
    std::cout << "  by:       " << r.user << " on " << r.host << " (pid " << r.pid << "), in " << r.cwd << '\n';
    std::cout << "  runbook:  content hash " << (r.runbook_hash.empty() ? "-" : r.runbook_hash) << '\n';
    if (!r.params.empty()) {
        std::cout << "  params:\n";
        for (const auto& [k, v] : r.params) std::cout << "    " << k << " = " << run::display_value(v) << '\n';
    }
    if (!r.evidence.is_null()) {
        std::cout << "  from log: " << r.evidence.value("log", std::string()) << '\n';
        if (auto lines = r.evidence.find("lines"); lines != r.evidence.end() && lines->is_array())
            for (const auto& l : *lines)
                std::cout << "    " << l.value("source", std::string()) << ":" << l.value("line", 0LL) << "  "
                          << run::display_value(l.value("text", std::string()), 160) << '\n';
    }
    if (r.steps.empty()) {
        std::cout << "  no steps ran\n";
        return;
    }
    std::cout << "Steps:\n";
    for (const auto& s : r.steps) {
        std::cout << "  " << s.position << ". " << run::status_symbol(s.status) << " " << s.name << "  ("
                  << kb::to_string(s.kind) << (s.language.empty() ? "" : ", " + s.language) << ")  "
                  << store::display(s.status);
        if (s.exit_code) std::cout << " · exit " << *s.exit_code;
        if (s.signal) std::cout << " (signal " << *s.signal << ")";
        if (!s.started_at.empty()) std::cout << " · " << run::format_duration(s.duration_ms);
        std::cout << '\n';
        if (!s.note.empty()) std::cout << "     " << s.note << '\n';
        if (s.output_truncated) std::cout << "     │ [earlier output not kept]\n";
        for (auto line : base::text::split_lines(s.output)) std::cout << "     │ " << line << '\n';
    }
}

void runs_command(cli::Globals& globals, const RunsArgs& args, bool show) {
    auto history = store::History::open(store::History::default_path());
    if (!history) {
        cli::print_error(history.error().message);
        globals.exit = cli::Exit::usage;
        return;
    }
    for (long long abandoned : history->abandoned())
        cli::print_warning("run " + std::to_string(abandoned) +
                           " was left unfinished by a deja that is gone; it is now marked abandoned");
    if (show) {
        auto run = history->run(args.show_id);
        if (!run) {
            cli::print_error(run.error().message);
            globals.exit = cli::Exit::usage;
            return;
        }
        if (!*run) {
            cli::print_error("no run " + std::to_string(args.show_id) + " in the history (" +
                             history->path().string() + ")");
            globals.exit = cli::Exit::not_found;
            return;
        }
        if (args.show_json || args.json) std::cout << store::to_json(**run, store::WithSteps::yes).dump(2) << '\n';
        else print_run(**run);
        globals.exit = cli::Exit::ok;
        return;
    }
    auto runs = history->runs({args.runbook, args.limit});
    if (!runs) {
        cli::print_error(runs.error().message);
        globals.exit = cli::Exit::usage;
        return;
    }
    // No runs of a runbook the knowledge base does not have: a mistyped id,
    // not an empty history. A deleted runbook's runs are still listed.
    if (runs->empty() && !args.runbook.empty()) {
        auto index = cli::open_index(globals);
        if (index && !index->runbook_outline(args.runbook)) {
            auto similar = index->similar_ids(args.runbook, kb::DocKind::runbook);
            cli::print_error("no runbook " + args.runbook + " in the knowledge base and no run of it (" +
                             (similar.empty() ? "`deja list runbooks` lists them"
                                              : "did you mean " + base::text::join(similar, ", ") + "?") +
                             ")");
            globals.exit = cli::Exit::usage;
            return;
        }
    }
    if (args.json) {
        nlohmann::json out = nlohmann::json::array();
        for (const auto& r : *runs) out.push_back(store::to_json(r, store::WithSteps::no));
        std::cout << out.dump(2) << '\n';
    } else {
        print_list(*runs);
    }
    globals.exit = cli::Exit::ok;
}

}  // namespace

namespace cli {

void add_runs_command(CLI::App& root, Globals& globals) {
    auto args = std::make_shared<RunsArgs>();
    auto* runs = root.add_subcommand("runs", "the run history: recent runs, newest first");
    runs->add_option("--runbook", args->runbook, "only runs of this runbook")->type_name("ID");
    runs->add_option("-n,--limit", args->limit, "at most this many runs (0: all)")
        ->check(cli::count_validator())
        ->capture_default_str();
    runs->add_flag("--json", args->json, "print JSON");
    // `deja runs 12` is `deja runs show 12`: the number is what one copies
    // from the list.
    auto* number = runs->add_option("run", args->show_id, "a run number: show that run (as `deja runs show N`)")
                       ->type_name("N");
    runs->require_subcommand(0, 1);
    auto* show = runs->add_subcommand("show", "one run: params, evidence, every step with its output");
    show->add_option("run", args->show_id, "run number (from deja runs)")->required()->type_name("N");
    show->add_flag("--json", args->show_json, "print JSON");
    runs->callback([&globals, args, show, number] {
        runs_command(globals, *args, show->parsed() || number->count() > 0);
    });
}

}  // namespace cli
