// `deja index [--json]`: rebuild the index from the knowledge base and say
// what went into it. Problems in the sources are warnings: the rest of the
// knowledge base is still indexed, so the command succeeds.
#include <iostream>

#include <nlohmann/json.hpp>

#include "cli/common.hpp"
#include "cli/output.hpp"

namespace {

struct IndexArgs {
    bool json = false;
    bool verbose = false;
};

std::string plural(long long n, const char* word) {
    return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

void run_index(cli::Globals& globals, const IndexArgs& args) {
    auto index = cli::open_index(globals, store::Refresh::always,
                                 args.json ? cli::BuildReport::quiet : cli::BuildReport::stderr_warnings);
    if (!index) {
        cli::print_error(index.error().message);
        globals.exit = cli::Exit::usage;
        return;
    }
    auto counts = index->counts();
    auto diagnostics = index->diagnostics();
    auto left_out = index->left_out();
    if (args.json) {
        nlohmann::json out = {{"path", index->path().string()}, {"runbooks", counts.runbooks},
                              {"incidents", counts.incidents},  {"signatures", counts.signatures},
                              {"links", counts.links},          {"sources", counts.sources},
                              {"diagnostics", diagnostics},     {"left_out", cli::left_out_json(left_out)}};
        std::cout << out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
    } else {
        if (args.verbose) cli::print_left_out(std::cout, left_out);
        std::cout << "indexed " << plural(counts.runbooks, "runbook") << " and " << plural(counts.incidents, "incident")
                  << " (" << plural(counts.signatures, "signature") << ", " << plural(counts.links, "link") << ") from "
                  << plural(counts.sources, "file")
                  << cli::left_out_summary(left_out, args.verbose ? cli::Listed::yes : cli::Listed::no, "deja index --verbose")
                  << "\n"
                  << "index: " << index->path().string() << '\n';
        if (!diagnostics.empty())
            std::cout << plural(static_cast<long long>(diagnostics.size()), "problem") << " in the sources ("
                      << (diagnostics.size() > cli::shown_problems ? "the first " + std::to_string(cli::shown_problems) + " above"
                                                                    : std::string("see above"))
                      << "; `deja lint` checks more)\n";
    }
    globals.exit = cli::Exit::ok;
}

}  // namespace

namespace cli {

void add_index_command(CLI::App& root, Globals& globals) {
    auto args = std::make_shared<IndexArgs>();
    auto* cmd = root.add_subcommand("index", "rebuild the index (read commands do this themselves when sources change)");
    cmd->add_flag("--json", args->json, "print the counts and problems as JSON");
    cmd->add_flag("-v,--verbose", args->verbose, "also list the files not read as documents, each with its reason");
    cmd->callback([&globals, args] { run_index(globals, *args); });
}

}  // namespace cli
