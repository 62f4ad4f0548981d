// Where deja finds things: the bundled knowledge base and web assets (build
// tree or installed share/deja), the layered --kb/DEJA_KB folders, the index
// cache (XDG cache) and the run history (XDG state).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"

namespace kb {

namespace fs = std::filesystem;

// The folder holding the bundled incidents/, runbooks/ and web/: share/deja
// next to an installed binary, otherwise the source tree deja was built from.
std::optional<fs::path> bundled_root();

// Whether the bundled knowledge base is layered under a team's: not when
// DEJA_BUNDLED is 0/false/no, nor when one of the team's folders holds a
// deja.yaml that says `bundled: false`. An unreadable deja.yaml is an error
// naming the file and line.
enum class IncludeBundled { yes, no };
base::Result<IncludeBundled> bundled_setting(const std::vector<std::string>& team_dirs);

// Knowledge base folders in layering order (later ones override earlier ones
// by id): the bundled one, then DEJA_KB (colon-separated), then --kb folders.
std::vector<fs::path> kb_dirs(const std::vector<std::string>& cli_dirs,
                              IncludeBundled include_bundled = IncludeBundled::yes);

// $DEJA_CACHE_DIR, else $XDG_CACHE_HOME/deja, else ~/.cache/deja.
fs::path cache_dir();
// $DEJA_STATE_DIR, else $XDG_STATE_HOME/deja, else ~/.local/state/deja.
fs::path state_dir();
// The index file for a set of knowledge base folders: one file per distinct
// layering, so switching --kb does not thrash a shared index.
fs::path index_path(const std::vector<fs::path>& dirs);

}  // namespace kb
