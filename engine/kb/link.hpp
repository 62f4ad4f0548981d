// Links between runbooks and incidents once everything is loaded: the
// references written in files (front matter, Markdown links) resolved to
// ids in both directions, and incidents whose error lines a runbook's
// signatures match.
#pragma once

#include "kb/model.hpp"

namespace kb {

// Resolves references (reporting broken ones), links by signature, and
// leaves every `runbooks`/`incidents` list unique and sorted.
void link_documents(KnowledgeBase& knowledge_base);

}  // namespace kb
