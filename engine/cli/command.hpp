// The thin command line: each command file registers a subcommand that parses
// its arguments, calls the library, prints, and sets an exit code. main()
// owns nothing else.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "kb/result.hpp"

namespace cli {

// Exit codes, like grep: 0 found / succeeded, 1 nothing found / failed,
// 2 usage or input error, 130 interrupted.
enum class Exit : int { ok = 0, not_found = 1, failed = 1, usage = 2, interrupted = 130 };

struct Globals {
    std::vector<std::string> kb_dirs;  // --kb, repeatable
    Exit exit = Exit::ok;
};

using Setup = std::function<void(CLI::App& root, Globals& globals)>;

// Order of registration is irrelevant: help lists commands by `order`.
struct Registration {
    Registration(int order, Setup setup);
};

struct Registered {
    int order;
    Setup setup;
};
std::vector<Registered>& registry();

// "deja: error: <message>" on stderr.
void print_error(const std::string& message);
void print_warning(const std::string& message);

// Colour only on a terminal and never with NO_COLOR.
bool stdout_colour();
bool stderr_colour();

}  // namespace cli
