// What `deja lint` checks about matching: every runbook's examples rank it
// first with the listed params; no signature is too generic to be evidence
// (it matches a line every failure prints, or it says no more than common
// error words); named groups are params; and no signature matches a line of
// a passing run (the corpus in tests/fixtures/passing).
#pragma once

#include <filesystem>
#include <optional>
#include <vector>

#include "kb/model.hpp"

namespace match {

// The logs of passing runs that come with deja: `passing/` beside the
// installed knowledge base, or tests/fixtures/passing in a source checkout.
std::optional<std::filesystem::path> default_passing_corpus();

std::vector<kb::Diagnostic> lint(const kb::KnowledgeBase& knowledge_base,
                                 const std::optional<std::filesystem::path>& passing_corpus);

}  // namespace match
