#include "cli/command.hpp"

#include <cstdio>
#include <cstdlib>
#include <iostream>

#include <unistd.h>

namespace cli {

std::vector<Registered>& registry() {
    static std::vector<Registered> commands;
    return commands;
}

Registration::Registration(int order, Setup setup) { registry().push_back({order, std::move(setup)}); }

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
