// Which incidents and runbooks belong together, as the links table holds
// them: every pair named in either direction (an incident's `runbooks`, a
// runbook's `incidents`; kb::load has already added the pairs found by
// matching incident error lines against runbook signatures).
#pragma once

#include <string>
#include <vector>

#include "kb/model.hpp"

namespace store {

struct Link {
    std::string incident;
    std::string runbook;
};

// Pairs whose two documents both exist, once each, ordered by incident then
// runbook. References to missing documents are reported by lint, not here.
std::vector<Link> find_links(const kb::KnowledgeBase& knowledge_base);

}  // namespace store
