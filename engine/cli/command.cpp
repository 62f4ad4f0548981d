#include "cli/command.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include <unistd.h>

namespace cli {

std::string closest_name(std::string_view word, const std::vector<std::string>& names) {
    std::string best;
    std::size_t best_distance = std::string::npos;
    for (const auto& name : names) {
        // Levenshtein distance, one row at a time.
        std::vector<std::size_t> row(name.size() + 1);
        for (std::size_t j = 0; j <= name.size(); ++j) row[j] = j;
        for (std::size_t i = 1; i <= word.size(); ++i) {
            std::size_t diagonal = row[0];
            row[0] = i;
            for (std::size_t j = 1; j <= name.size(); ++j) {
                std::size_t above = row[j];
                row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (word[i - 1] == name[j - 1] ? 0 : 1)});
                diagonal = above;
            }
        }
        if (row[name.size()] < best_distance) {
            best_distance = row[name.size()];
            best = name;
        }
    }
    // Two slips at most, and fewer than half the word's letters.
    if (best_distance > 2 || best_distance * 2 >= std::max<std::size_t>(word.size(), 2)) return {};
    return best;
}

const CLI::Validator& count_validator() {
    static const CLI::Validator validator(
        [](std::string& input) -> std::string {
            long long value = 0;
            if (!CLI::detail::lexical_cast(input, value) || value < 0)
                return "'" + input + "' is not a count: give 0 (no limit) or more";
            return {};
        },
        "N>=0");
    return validator;
}

static bool colour_for(int fd) {
    const char* no_colour = std::getenv("NO_COLOR");
    if (no_colour && *no_colour) return false;
    const char* term = std::getenv("TERM");
    if (term && std::string(term) == "dumb") return false;
    return isatty(fd) == 1;
}

bool stdout_colour() { return colour_for(STDOUT_FILENO); }
bool stderr_colour() { return colour_for(STDERR_FILENO); }

void print_error(const std::string& message) {
    std::cout.flush();
    if (stderr_colour())
        std::cerr << "\x1b[1;31mdeja: error:\x1b[0m " << message << '\n';
    else
        std::cerr << "deja: error: " << message << '\n';
}

void print_warning(const std::string& message) {
    std::cout.flush();
    if (stderr_colour())
        std::cerr << "\x1b[1;33mdeja: warning:\x1b[0m " << message << '\n';
    else
        std::cerr << "deja: warning: " << message << '\n';
}

}  // namespace cli
