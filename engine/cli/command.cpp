#include "cli/command.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include <unistd.h>

#include "base/text.hpp"

namespace cli {

std::string closest_name(std::string_view word, const std::vector<std::string>& names) {
    std::string best;
    std::size_t best_distance = std::string::npos;
    for (const auto& name : names) {
        const std::size_t distance = base::text::edit_distance(word, name);
        if (distance < best_distance) {
            best_distance = distance;
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
