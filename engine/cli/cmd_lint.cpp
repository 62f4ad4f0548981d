// `deja lint [--json]`: validate the knowledge base. Reports each problem as
// `file:line: message`; exit 1 when any is an error, 0 when only warnings
// or none.
#include <algorithm>
#include <functional>
#include <iostream>
#include <set>

#include <nlohmann/json.hpp>

#include "cli/common.hpp"
#include "cli/output.hpp"
#include "kb/load.hpp"
#include "match/lint.hpp"
#include "site/site.hpp"

namespace {

struct LintArgs {
    bool json = false;
    bool verbose = false;
};

using Check = std::function<std::vector<kb::Diagnostic>(const kb::KnowledgeBase&, const cli::Globals&)>;

// Every check runs on the same loaded knowledge base; a module adds its own
// checks here, one line each.
const std::vector<Check>& checks() {
    static const std::vector<Check> all = {
        [](const kb::KnowledgeBase& k, const cli::Globals&) { return kb::lint(k); },
        [](const kb::KnowledgeBase& k, const cli::Globals&) { return match::lint(k, match::default_passing_corpus()); },
        [](const kb::KnowledgeBase& k, const cli::Globals&) { return site::lint(k); },
    };
    return all;
}

std::vector<kb::Diagnostic> run_checks(const kb::KnowledgeBase& knowledge_base, const cli::Globals& globals) {
    std::vector<kb::Diagnostic> found;
    for (const auto& check : checks()) {
        auto more = check(knowledge_base, globals);
        found.insert(found.end(), std::make_move_iterator(more.begin()), std::make_move_iterator(more.end()));
    }
    // The same problem reported by two checks is shown once.
    std::set<std::tuple<std::string, int, std::string>> seen;
    std::vector<kb::Diagnostic> unique;
    for (auto& d : found)
        if (seen.emplace(d.file, d.line, d.message).second) unique.push_back(std::move(d));
    std::stable_sort(unique.begin(), unique.end(), [](const kb::Diagnostic& a, const kb::Diagnostic& b) {
        return std::tie(a.file, a.line) < std::tie(b.file, b.line);
    });
    return unique;
}

std::string count(std::size_t n, const char* word) { return std::to_string(n) + " " + word + (n == 1 ? "" : "s"); }

void run_lint(cli::Globals& globals, const LintArgs& args) {
    auto dirs = cli::knowledge_base_dirs(globals);
    if (!dirs) {
        cli::print_error(dirs.error().message);
        globals.exit = cli::Exit::usage;
        return;
    }
    kb::KnowledgeBase knowledge_base = kb::load(*dirs);
    auto found = run_checks(knowledge_base, globals);
    std::size_t errors = static_cast<std::size_t>(
        std::count_if(found.begin(), found.end(), [](const auto& d) { return d.severity == kb::Severity::error; }));
    std::size_t warnings = found.size() - errors;
    if (args.json) {
        nlohmann::json out = {{"files", knowledge_base.sources.size()},
                              {"errors", errors},
                              {"warnings", warnings},
                              {"diagnostics", found},
                              {"left_out", cli::left_out_json(knowledge_base.left_out)}};
        std::cout << out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
    } else {
        cli::Style style(cli::stdout_colour());
        for (const auto& d : found) {
            std::string line = cli::describe(d);
            std::cout << (d.severity == kb::Severity::error ? line : style.yellow(line)) << '\n';
        }
        if (args.verbose) cli::print_left_out(std::cout, knowledge_base.left_out);
        std::cout << "deja lint: " << count(knowledge_base.sources.size(), "file") << ", "
                  << (found.empty() ? "no problems" : count(errors, "error") + ", " + count(warnings, "warning"))
                  << cli::left_out_summary(knowledge_base.left_out, args.verbose ? cli::Listed::yes : cli::Listed::no,
                                           "deja lint --verbose")
                  << '\n';
    }
    globals.exit = errors > 0 ? cli::Exit::failed : cli::Exit::ok;
}

}  // namespace

namespace cli {

void add_lint_command(CLI::App& root, Globals& globals) {
    auto args = std::make_shared<LintArgs>();
    auto* cmd = root.add_subcommand("lint", "validate the knowledge base (ids, front matter, links, signatures, steps)");
    cmd->add_flag("--json", args->json, "print the problems as JSON");
    cmd->add_flag("-v,--verbose", args->verbose, "also list the files not read as documents, each with its reason");
    cmd->footer("Exit status: 0 no errors (warnings allowed), 1 errors found, 2 usage error.");
    cmd->callback([&globals, args] { run_lint(globals, *args); });
}

}  // namespace cli
