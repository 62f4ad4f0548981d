#include "cli/common.hpp"

#include <unistd.h>

#include <cstdlib>
#include <future>
#include <iostream>
#include <system_error>

#include "cli/output.hpp"
#include "kb/paths.hpp"
#include "match/clean.hpp"

namespace cli {

namespace fs = std::filesystem;

base::Result<std::vector<fs::path>> knowledge_base_dirs(const Globals& globals) {
    std::vector<std::string> given = globals.kb_dirs;
    if (const char* env = std::getenv("DEJA_KB"); env && *env) {
        std::string list = env;
        std::size_t start = 0;
        for (;;) {
            std::size_t colon = list.find(':', start);
            std::string part = list.substr(start, colon == std::string::npos ? std::string::npos : colon - start);
            if (!part.empty()) given.push_back(part);
            if (colon == std::string::npos) break;
            start = colon + 1;
        }
    }
    for (const auto& dir : given) {
        std::error_code ec;
        if (!fs::is_directory(dir, ec)) return base::error("knowledge base folder not found (" + dir + ")");
    }
    auto bundled = kb::bundled_setting(given);
    if (!bundled) return bundled.error();
    auto dirs = kb::kb_dirs(globals.kb_dirs, globals.no_bundled ? kb::IncludeBundled::no : *bundled);
    if (dirs.empty())
        return base::error("no knowledge base: the bundled one is missing or left out, and none was given (use --kb "
                           "DIR or DEJA_KB)");
    return dirs;
}

base::Result<store::Index> open_index(const Globals& globals, store::Refresh refresh, BuildReport report) {
    auto dirs = knowledge_base_dirs(globals);
    if (!dirs) return dirs.error();
    bool terminal = isatty(STDERR_FILENO) == 1;
    bool progress_shown = false;
    store::Progress progress;
    if (terminal && report == BuildReport::stderr_warnings)
        progress = [&](const std::string& message) {
            std::cerr << "deja: " << message << "…" << std::flush;
            progress_shown = true;
        };
    auto index = store::Index::open(*dirs, kb::index_path(*dirs), refresh, progress);
    if (progress_shown) std::cerr << "\r\x1b[K" << std::flush;
    if (!index) return index.error();
    if (index->rebuilt() && report == BuildReport::stderr_warnings) {
        auto diagnostics = index->diagnostics();
        for (std::size_t i = 0; i < diagnostics.size() && i < shown_problems; ++i) {
            kb::Diagnostic shown = diagnostics[i];
            shown.severity = kb::Severity::error;  // format() without its own "warning:"
            print_warning(describe(shown));
        }
        if (diagnostics.size() > shown_problems)
            print_warning("and " + std::to_string(diagnostics.size() - shown_problems) +
                          " more problems in the sources (`deja lint` lists every one)");
    }
    return index;
}

base::Result<match::Report> scan_logs(const Globals& globals, const std::vector<match::Input>& inputs,
                                    match::Options options) {
    // Compiling the cleaning expressions was a sixth of the CPU time of a run
    // on a small log with the bundled knowledge base; done while the index
    // and the matcher open, it took 0.1 to 1.3 ms off the run's 8 to 16 ms
    // (bench/match.sh).
    auto cleaning = std::async(std::launch::async, match::prepare_cleaning);
    auto index = open_index(globals);
    if (!index) return index.error();
    auto matcher = match::Matcher::load_or_build(*index);
    if (!matcher) return matcher.error();
    for (const auto& dir : globals.kb_dirs) options.command_prefix.insert(options.command_prefix.end(), {"--kb", dir});
    return match::scan(*matcher, inputs, options);
}

std::string left_out_summary(const std::vector<kb::LeftOut>& left_out, Listed listed, std::string_view verbose_command) {
    if (left_out.empty()) return "";
    std::string n = std::to_string(left_out.size()) + (left_out.size() == 1 ? " file" : " files");
    if (listed == Listed::yes) return "; " + n + " not read (listed above)";
    return "; " + n + " not read (`" + std::string(verbose_command) + "` says why)";
}

void print_left_out(std::ostream& out, const std::vector<kb::LeftOut>& left_out) {
    for (const auto& l : left_out) out << display_path(l.path) << ": not read: " << l.reason << '\n';
}

nlohmann::json left_out_json(const std::vector<kb::LeftOut>& left_out) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& l : left_out) out.push_back({{"file", l.path}, {"reason", l.reason}});
    return out;
}

}  // namespace cli
