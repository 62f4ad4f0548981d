// What several commands share: the layered knowledge base folders, and
// opening the index for them with build diagnostics reported on stderr.
#pragma once

#include <filesystem>
#include <ostream>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/command.hpp"
#include "match/report.hpp"
#include "store/index.hpp"

namespace cli {

// The bundled knowledge base, then DEJA_KB, then --kb folders. Errors: a
// folder given by the user that does not exist, or no folder at all.
base::Result<std::vector<std::filesystem::path>> knowledge_base_dirs(const Globals& globals);

enum class BuildReport { stderr_warnings, quiet };

// How many of the problems found while building the index are printed; the
// rest are counted. A folder of 10,000 reports with one broken link pattern
// printed 2,581 lines before a search's answer; `deja lint` lists them all.
constexpr std::size_t shown_problems = 20;

// Opens the index for the bundled knowledge base plus --kb / DEJA_KB. When it
// had to be (re)built, the problems found in the sources go to stderr as
// warnings (unless `quiet`; the first shown_problems of them, then a count),
// and a progress line shows on a terminal.
base::Result<store::Index> open_index(const Globals& globals, store::Refresh refresh = store::Refresh::if_stale,
                                    BuildReport report = BuildReport::stderr_warnings);

// Scans logs against the layered knowledge base: opens the index, loads (or
// builds and caches) its signature database, and makes the printed commands
// carry the same --kb folders. Any error comes back with its message.
base::Result<match::Report> scan_logs(const Globals& globals, const std::vector<match::Input>& inputs,
                                    match::Options options = {});

// Files under the knowledge-base folders not read as documents: each with
// its reason (--verbose), a count after a command's summary, and JSON.
enum class Listed { no, yes };
std::string left_out_summary(const std::vector<kb::LeftOut>& left_out, Listed listed, std::string_view verbose_command);
void print_left_out(std::ostream& out, const std::vector<kb::LeftOut>& left_out);
nlohmann::json left_out_json(const std::vector<kb::LeftOut>& left_out);

}  // namespace cli
