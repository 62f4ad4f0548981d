// $DEJA_ENV: a step hands values to the steps after it by appending lines to
// the file it names, as GitHub Actions does with $GITHUB_ENV: `NAME=value`,
// or `NAME<<DELIMITER`, lines, `DELIMITER` for a value spanning lines.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace run {

struct EnvFile {
    std::vector<std::pair<std::string, std::string>> values;  // in file order; a later one wins
    std::vector<std::string> problems;                        // "line N: ..." for lines ignored
};

EnvFile parse_env_file(std::string_view text);

bool is_env_name(std::string_view name);

}  // namespace run
