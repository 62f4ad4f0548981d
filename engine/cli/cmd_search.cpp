// `deja search QUERY... [--json] [--limit N]`: full-text search over
// incidents, runbooks and their error lines, with the hits marked.
#include <iostream>

#include <nlohmann/json.hpp>

#include "cli/common.hpp"
#include "cli/output.hpp"
#include "base/text.hpp"

namespace {

struct SearchArgs {
    std::vector<std::string> words;
    bool json = false;
    int limit = 10;
};

nlohmann::json hit_json(const store::SearchHit& h) {
    auto snippet = cli::plain_snippet(h.snippet);
    nlohmann::json highlights = nlohmann::json::array();
    for (auto [start, end] : snippet.highlights) highlights.push_back({start, end});
    bool incident = h.kind == kb::DocKind::incident;
    return {{"kind", kb::to_string(h.kind)},
            {"id", h.id},
            {"title", h.title},
            {"path", h.path},
            {"date", incident && !h.date.empty() ? nlohmann::json(h.date) : nlohmann::json(nullptr)},
            {"status", incident && !h.status.empty() ? nlohmann::json(h.status) : nlohmann::json(nullptr)},
            {"score", h.score},
            {"all_terms", h.all_terms},
            {"snippet", snippet.text},
            {"highlights", highlights}};
}

void print_human(const std::vector<store::SearchHit>& hits) {
    cli::Style style(cli::stdout_colour());
    std::size_t id_width = 0;
    for (const auto& h : hits) id_width = std::max(id_width, cli::display_width(h.id));
    std::size_t width = cli::terminal_width();
    for (const auto& h : hits) {
        std::string kind = kb::to_string(h.kind);
        std::string head = style.dim(kind + std::string(10 - kind.size(), ' ')) + style.bold(h.id) +
                           std::string(id_width - cli::display_width(h.id) + 2, ' ');
        std::size_t lead = 10 + id_width + 2;
        std::string title = h.title;
        if (h.kind == kb::DocKind::incident && !h.status.empty()) title += " (" + h.status + ")";
        std::cout << head << (width > lead + 10 ? cli::truncate(title, width - lead) : title) << '\n';
        if (!h.snippet.empty()) std::cout << std::string(10, ' ') << cli::render_hits(h.snippet, style) << '\n';
    }
}

void run_search(cli::Globals& globals, const SearchArgs& args) {
    std::string query = base::text::join(args.words, " ");
    auto index = cli::open_index(globals);
    if (!index) {
        cli::print_error(index.error().message);
        globals.exit = cli::Exit::usage;
        return;
    }
    // 0 is no limit, as for every -n; the ranking's SQL takes a number.
    constexpr int every_hit = 1'000'000;
    auto hits = index->search(query, args.limit == 0 ? every_hit : args.limit);
    if (!hits) {
        cli::print_error(hits.error().message);
        globals.exit = cli::Exit::usage;
        return;
    }
    if (args.json) {
        nlohmann::json out = {{"query", query}, {"hits", nlohmann::json::array()}};
        for (const auto& h : *hits) out["hits"].push_back(hit_json(h));
        std::cout << out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
    } else if (hits->empty()) {
        std::cerr << "deja: nothing found for '" << base::text::truncate_words(query, 200) << "'\n";
    } else {
        if (!hits->front().all_terms)
            std::cerr << "deja: no document has every word; these have some of them\n";
        print_human(*hits);
    }
    globals.exit = hits->empty() ? cli::Exit::not_found : cli::Exit::ok;
}

}  // namespace

namespace cli {

void add_search_command(CLI::App& root, Globals& globals) {
    auto args = std::make_shared<SearchArgs>();
    auto* cmd = root.add_subcommand("search", "full-text search over incidents, runbooks and error lines");
    cmd->add_option("query", args->words, "words, identifiers (gin_trgm_ops) or an error message; \"...\" for a phrase")
        ->required()
        ->expected(1, -1);
    cmd->add_flag("--json", args->json, "print the hits as JSON");
    cmd->add_option("-n,--limit", args->limit, "at most this many hits (0: all)")
        ->check(cli::count_validator())
        ->capture_default_str();
    cmd->footer("Exit status: 0 something found, 1 nothing found, 2 usage error.");
    cmd->callback([&globals, args] { run_search(globals, *args); });
}

}  // namespace cli
