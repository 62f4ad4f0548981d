// `deja site build [-o DIR] [--base-url URL]`: the knowledge base as a static
// site, read from the index.
#include <unistd.h>

#include <algorithm>
#include <iostream>
#include <thread>

#include "cli/common.hpp"
#include "kb/paths.hpp"
#include "site/site.hpp"

namespace {

struct SiteArgs {
    std::string out_dir = "site";
    std::string base_url;
    // One per core: pages and the search index shares are independent, and
    // the output is the same whatever the count.
    int threads = static_cast<int>(std::clamp(std::thread::hardware_concurrency(), 1u, 16u));
};

void build_site(cli::Globals& globals, const SiteArgs& args) {
    auto root = kb::bundled_root();
    if (!root || !std::filesystem::is_directory(*root / "web" / "templates")) {
        cli::print_error("the site's templates were not found (web/templates beside the bundled knowledge base)");
        globals.exit = cli::Exit::usage;
        return;
    }
    if (auto valid = site::check_base_url(args.base_url); !valid) {
        cli::print_error(valid.error().message);
        globals.exit = cli::Exit::usage;
        return;
    }
    auto index = cli::open_index(globals);
    if (!index) {
        cli::print_error(index.error().message);
        globals.exit = cli::Exit::usage;
        return;
    }
    site::BuildOptions options;
    options.out_dir = args.out_dir;
    options.web_root = *root / "web";
    options.base_url = args.base_url;
    options.threads = args.threads;
    options.progress = isatty(STDERR_FILENO) ? site::Progress::terminal : site::Progress::quiet;
    auto read = [&index](std::size_t first, std::size_t count, const site::IncidentVisitor& visit) {
        return index->read_incident_bodies(first, count, visit);
    };
    auto stats = site::build(index->knowledge_base_without_incident_bodies(), read, options);
    if (!stats) {
        cli::print_error(stats.error().message);
        globals.exit = cli::Exit::usage;
        return;
    }
    // What a rebuild did, since it leaves files that did not change alone.
    std::string changes;
    if (stats->changed == stats->files) changes = "all written";
    else if (stats->changed == 0) changes = "all already up to date";
    else changes = std::to_string(stats->changed) + " written, the rest already up to date";
    if (stats->removed > 0)
        changes += "; " + std::to_string(stats->removed) + (stats->removed == 1 ? " file" : " files") +
                   " left from an earlier build removed";
    std::cout << "site: " << stats->pages << " pages (" << stats->files << " files, "
              << (stats->bytes + 512 * 1024) / (1024 * 1024) << " MiB; search index "
              << (stats->search_bytes + 512) / 1024 << " KiB) in " << args.out_dir << ": " << changes << "\n";
    globals.exit = cli::Exit::ok;
}

}  // namespace

namespace cli {

void add_site_command(CLI::App& root, Globals& globals) {
    auto* site = root.add_subcommand("site", "publish the knowledge base as a static site");
    site->require_subcommand(1);
    auto args = std::make_shared<SiteArgs>();
    auto* build = site->add_subcommand("build", "generate the site: pages, search index and log matcher");
    build->add_option("-o,--output", args->out_dir, "output folder (created; a previous build there is replaced)")
        ->type_name("DIR")
        ->capture_default_str();
    build->add_option("--base-url", args->base_url, "URL the site is served from; also writes sitemap.xml")
        ->type_name("URL");
    build->add_option("-j,--threads", args->threads, "rendering threads (default: one per core, at most 16)")->check(CLI::Range(1, 64))->capture_default_str();
    build->callback([&globals, args] { build_site(globals, *args); });
}

}  // namespace cli
