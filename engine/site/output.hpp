// Writing the site's files: whole files through one buffered write each,
// folders created on demand.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.hpp"

namespace site {

// Whether a write changed the file: a rebuild leaves a file that already
// holds the content alone.
enum class Change { written, unchanged };

base::Result<Change> write_file(const std::filesystem::path& path, std::string_view content);

// Files written into a site's output folder, and what that came to.
struct Written {
    std::vector<std::string> paths;  // relative to the output folder
    std::uintmax_t bytes = 0;
    std::size_t changed = 0;  // files new or different from the one there
    // Writes `content` to out_dir/relative (write_file) and records it; the
    // folder must exist.
    base::Status write(const std::filesystem::path& out_dir, std::string relative, std::string_view content);
    // Adds what `other` wrote.
    void append(Written&& other);
};

// JSON for a JavaScript data file: invalid UTF-8 replaced, and "</" written
// as "<\/" so the text could never end an enclosing <script> element.
std::string script_json(const nlohmann::json& value);

}  // namespace site
