// Asking the person at the terminal: a yes/no/quit confirmation and a value
// (hidden for secrets). Only ever used when stdin is a terminal; a signal
// while waiting returns "no answer" and the terminal is left as it was found.
#pragma once

#include <optional>
#include <string>

#include "run/runner.hpp"

namespace run {

bool stdin_is_terminal();

enum class Echo { visible, hidden };
// Writes `prompt` to stderr and reads one line from stdin; nullopt on end of
// input or when a signal interrupted the read.
std::optional<std::string> read_line(const std::string& prompt, Echo echo);

// The question on stderr with its choices ("[y/N]" or "[y]es, [n]o skip it,
// [q]uit"); anything but y/yes is no, q/quit is quit, end of input is quit.
Answer ask_on_terminal(const std::string& question, Choices choices);

}  // namespace run
