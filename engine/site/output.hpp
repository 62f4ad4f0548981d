// Writing the site's files: whole files through one buffered write each,
// folders created on demand.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "kb/result.hpp"

namespace site {

// Whether a write changed the file: a rebuild leaves a file that already
// holds the content alone.
enum class Change { written, unchanged };

kb::Result<Change> write_file(const std::filesystem::path& path, std::string_view content);

// JSON for a JavaScript data file: invalid UTF-8 replaced, and "</" written
// as "<\/" so the text could never end an enclosing <script> element.
std::string script_json(const nlohmann::json& value);

}  // namespace site
