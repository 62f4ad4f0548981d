// Printing a match Report for people (evidence with context, the runbook,
// incidents seen before, the fix command) and for GitHub Actions (workflow
// commands that become annotations, within GitHub's limits).
#pragma once

#include <ostream>
#include <string>
#include <string_view>

#include "match/report.hpp"

namespace match {

enum class Colour { off, on };

void print_human(std::ostream& out, const Report& report, Colour colour);

// `::error file=…,line=…,title=…::message` per match (symptoms as warnings),
// at most 10 of each; a `::notice` when nothing is known.
void print_github(std::ostream& out, const Report& report);

// GitHub's workflow-command escaping for a message and for a property value.
std::string github_escape_data(std::string_view text);
std::string github_escape_property(std::string_view text);

}  // namespace match
