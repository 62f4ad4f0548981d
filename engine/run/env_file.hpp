// $DEJA_ENV: a step hands values to the steps after it by appending lines to
// the file it names, as GitHub Actions does with $GITHUB_ENV: `NAME=value`,
// or `NAME<<DELIMITER`, lines, `DELIMITER` for a value spanning lines. The
// same reader takes the `.env` beside a Runme document.
#pragma once

#include <string>
#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

namespace run {

struct EnvFile {
    std::vector<std::pair<std::string, std::string>> values;  // in file order; a later one wins
    std::vector<std::string> problems;                        // "line N: ..." for lines ignored
};

// `dotenv`: a `.env` file as Runme (godotenv) reads it: also `# comments`,
// an `export ` before the name and values in matching quotes.
enum class EnvSyntax { deja_env, dotenv };
EnvFile parse_env_file(std::string_view text, EnvSyntax syntax = EnvSyntax::deja_env);

// What an env file (or a cell's environment dump) may weigh: twice what
// exec() can pass to a process (ARG_MAX, 2 MiB on Linux), so a real one always fits.
constexpr std::uintmax_t max_env_file_bytes = 4u << 20;

// The `.env` beside a document, read as Runme reads it (EnvSyntax::dotenv);
// empty values and problems when there is none.
EnvFile read_dot_env(const std::string& document_path);

}  // namespace run
