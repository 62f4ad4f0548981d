// Pieces runbook and incident parsing share: the repaired text of a file
// split into front matter and Markdown body, and summaries from the body.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kb/front_matter.hpp"
#include "kb/markdown.hpp"
#include "kb/model.hpp"

namespace kb {

// Not movable: `split` views into `text`.
struct SourceDocument {
    SourceDocument() = default;
    SourceDocument(const SourceDocument&) = delete;
    SourceDocument& operator=(const SourceDocument&) = delete;

    std::string text;  // repaired UTF-8, LF line ends
    front_matter::Split split;
    std::optional<front_matter::Value> yaml;
    markdown::Document markdown;
};

// Repairs `bytes`, splits off and parses the front matter, parses the body.
// Binary input is reported and yields false.
bool read_document(const std::string& path, std::string_view bytes, std::vector<Diagnostic>& diagnostics,
                   SourceDocument& doc);

// The file name without folder and extension.
std::string file_stem(const std::string& path);

// Text of the first paragraph whose lines satisfy `keep` (all lines of
// a paragraph are consecutive), shortened to `max_bytes`.
template <class Keep>
std::string first_paragraph(const markdown::Document& doc, std::size_t max_bytes, Keep keep);

}  // namespace kb

#include "kb/document_impl.hpp"
