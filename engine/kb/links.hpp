// Which knowledge-base document a Markdown link points at:
// "../runbooks/x.md", "runbooks/x.md", "deja://runbook/x", or a bare "x.md"
// that may turn out to name a runbook once everything is loaded.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "kb/model.hpp"

namespace kb {

struct LinkTarget {
    std::optional<DocKind> kind;  // nullopt: a bare file link, kind unknown
    std::string stem;             // file stem or id
    std::string relative;         // the link's path without its anchor; empty for deja:// links
};

// nullopt for web links, anchors, images and anything that is not a document.
std::optional<LinkTarget> parse_link_target(std::string_view url);

// The reference a link in the document at `from` makes: by stem, and by the
// path it reaches, which tells apart two files of one name (`_index.md`).
Reference reference_to(const LinkTarget& target, const std::string& from, int line, bool certain);

}  // namespace kb
