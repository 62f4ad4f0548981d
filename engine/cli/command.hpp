// The thin command line: each command file adds a subcommand that parses its
// arguments, calls the library, prints, and sets an exit code. main() owns
// the table of commands and nothing else.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>

#include "base/result.hpp"

namespace cli {

// Exit codes, like grep: 0 found / succeeded, 1 nothing found / failed,
// 2 usage or input error, 130 interrupted.
enum class Exit : int { ok = 0, not_found = 1, failed = 1, usage = 2, interrupted = 130 };

struct Globals {
    std::vector<std::string> kb_dirs;  // --kb, repeatable
    bool no_bundled = false;           // --no-bundled
    Exit exit = Exit::ok;
};

// Each command file adds its subcommand to the root: its options, and a
// callback that calls the library, prints and sets globals.exit. main.cpp
// lists them in the order help shows them.
void add_match_command(CLI::App& root, Globals& globals);
void add_search_command(CLI::App& root, Globals& globals);
void add_show_command(CLI::App& root, Globals& globals);
void add_list_command(CLI::App& root, Globals& globals);
void add_run_command(CLI::App& root, Globals& globals);
void add_runs_command(CLI::App& root, Globals& globals);
void add_site_command(CLI::App& root, Globals& globals);
void add_index_command(CLI::App& root, Globals& globals);
void add_new_command(CLI::App& root, Globals& globals);
void add_lint_command(CLI::App& root, Globals& globals);

// The known name closest to `word` by edit distance, when it is close
// enough to be a typing slip ("matc" -> "match"); empty otherwise.
std::string closest_name(std::string_view word, const std::vector<std::string>& names);

// A count option (`-n`): 0 or more, said plainly when it is not.
const CLI::Validator& count_validator();

// "deja: error: <message>" on stderr.
void print_error(const std::string& message);
void print_warning(const std::string& message);

// Colour only on a terminal and never with NO_COLOR.
bool stdout_colour();
bool stderr_colour();

}  // namespace cli
