// What several commands share: the layered knowledge base folders, and
// opening the index for them with build diagnostics reported on stderr.
#pragma once

#include <filesystem>
#include <vector>

#include "cli/command.hpp"
#include "store/index.hpp"

namespace cli {

// The bundled knowledge base, then DEJA_KB, then --kb folders. Errors: a
// folder given by the user that does not exist, or no folder at all.
kb::Result<std::vector<std::filesystem::path>> knowledge_base_dirs(const Globals& globals);

enum class BuildReport { stderr_warnings, quiet };

// Opens the index for the bundled knowledge base plus --kb / DEJA_KB. When it
// had to be (re)built, the problems found in the sources go to stderr as
// warnings (unless `quiet`), and a progress line shows on a terminal.
kb::Result<store::Index> open_index(const Globals& globals, store::Refresh refresh = store::Refresh::if_stale,
                                    BuildReport report = BuildReport::stderr_warnings);

}  // namespace cli
