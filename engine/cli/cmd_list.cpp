// `deja list [incidents|runbooks|signatures] [--json]`: the knowledge base
// in aligned columns (runbooks by id, incidents newest first).
#include <map>
#include <iostream>

#include <nlohmann/json.hpp>

#include "cli/common.hpp"
#include "cli/output.hpp"

namespace {

struct ListArgs {
    std::string what;  // empty: runbooks and incidents
    bool json = false;
};

std::string or_dash(const std::string& s) { return s.empty() ? "-" : s; }

nlohmann::json or_null(const std::string& s) { return s.empty() ? nlohmann::json(nullptr) : nlohmann::json(s); }

void list_documents(const store::Index& index, const ListArgs& args, const cli::Style& style) {
    std::optional<kb::DocKind> kind;
    if (args.what == "runbooks") kind = kb::DocKind::runbook;
    if (args.what == "incidents") kind = kb::DocKind::incident;
    auto docs = index.documents(kind);
    if (args.json) {
        nlohmann::json out = nlohmann::json::array();
        for (const auto& d : docs) {
            nlohmann::json j = {{"kind", kb::to_string(d.kind)}, {"id", d.id}, {"title", d.title}, {"path", d.path}};
            if (d.kind == kb::DocKind::runbook) {
                j["signatures"] = d.signatures;
                j["steps"] = d.steps;
            } else {
                j["date"] = or_null(d.date);
                j["status"] = or_null(d.status);
            }
            out.push_back(std::move(j));
        }
        std::cout << out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
        return;
    }
    cli::Table table;
    if (kind == kb::DocKind::runbook) {
        table.header = {"ID", "SIGNATURES", "STEPS", "TITLE"};
        for (const auto& d : docs) table.rows.push_back({d.id, std::to_string(d.signatures), std::to_string(d.steps), d.title});
    } else if (kind == kb::DocKind::incident) {
        table.header = {"DATE", "STATUS", "ID", "TITLE"};
        for (const auto& d : docs) table.rows.push_back({or_dash(d.date), or_dash(d.status), d.id, d.title});
    } else {
        table.header = {"KIND", "ID", "DATE", "STATUS", "TITLE"};
        for (const auto& d : docs)
            table.rows.push_back({kb::to_string(d.kind), d.id, or_dash(d.date), or_dash(d.status), d.title});
    }
    if (!docs.empty()) std::cout << table.render(style, cli::terminal_width());
}

void list_signatures(const store::Index& index, const ListArgs& args, const cli::Style& style) {
    auto signatures = index.signatures();
    if (args.json) {
        nlohmann::json out = nlohmann::json::array();
        for (const auto& s : signatures)
            out.push_back({{"runbook", s.runbook},
                           {"index", s.index},
                           {"pattern", s.signature.pattern},
                           {"params", s.signature.params},
                           {"description", s.signature.description},
                           {"line", s.signature.line}});
        std::cout << out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
        return;
    }
    cli::Table table{{"RUNBOOK", "#", "PATTERN"}, {}};
    for (const auto& s : signatures) table.rows.push_back({s.runbook, std::to_string(s.index + 1), s.signature.pattern});
    if (!signatures.empty()) std::cout << table.render(style, cli::terminal_width());
}

void run_list(cli::Globals& globals, const ListArgs& args) {
    auto index = cli::open_index(globals);
    if (!index) {
        cli::print_error(index.error().message);
        globals.exit = cli::Exit::usage;
        return;
    }
    cli::Style style(cli::stdout_colour());
    if (args.what == "signatures") list_signatures(*index, args, style);
    else list_documents(*index, args, style);
    globals.exit = cli::Exit::ok;
}

}  // namespace

namespace cli {

void add_list_command(CLI::App& root, Globals& globals) {
    auto args = std::make_shared<ListArgs>();
    auto* cmd = root.add_subcommand("list", "list runbooks and incidents, or signatures");
    cmd->add_option("what", args->what, "incidents, runbooks or signatures (default: runbooks and incidents)")
        ->transform(CLI::Transformer(std::map<std::string, std::string>{
            {"incident", "incidents"}, {"runbook", "runbooks"}, {"signature", "signatures"}}))
        ->check(CLI::IsMember({"incidents", "runbooks", "signatures"}));
    cmd->add_flag("--json", args->json, "print the list as JSON");
    cmd->callback([&globals, args] { run_list(globals, *args); });
}

}  // namespace cli
