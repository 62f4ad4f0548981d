// How a document is stored in the index: the searchable text of each column,
// and the model as JSON without the large texts that the columns already
// hold (body Markdown, body text, summary, code; section Markdown becomes a
// range of the body Markdown), split in two: the outline, and the detail an
// outline leaves out. Reading reverses it exactly.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>

#include "kb/model.hpp"

namespace store::codec {

struct Row {
    std::string json;    // the outline
    std::string detail;  // a runbook's steps, examples and references; an incident's sections
    const std::string* markdown = nullptr;  // body_markdown
    std::string heading, errors, meta;      // search text built from the model
    const std::string* summary = nullptr;
    std::string code;                       // runbooks: the steps' code
    const std::string* incident_code = nullptr;
    const std::string* body = nullptr;      // body_text

    const std::string& code_text() const { return incident_code ? *incident_code : code; }

    // The text of each search column, in fts::Column order.
    std::array<const std::string*, 6> columns() const {
        return {&heading, &errors, &meta, summary, &code_text(), body};
    }
};

// The returned Row points into `document`, which must outlive it.
Row encode(const kb::Runbook& document);
Row encode(const kb::Incident& document);

// The stored columns handed back to rebuild a model.
struct Stored {
    std::string_view json, detail, markdown, summary, code, body;
};

// `outline` leaves out a runbook's steps, examples and references (what
// matching a log never reads, and most of a runbook's JSON), and an
// incident's sections (slices of its body, which an outline does not have):
// it reads only Stored::json, and `detail` may be empty.
enum class Detail { full, outline };

std::optional<kb::Runbook> decode_runbook(const Stored& stored, Detail detail = Detail::full);
std::optional<kb::Incident> decode_incident(const Stored& stored, Detail detail = Detail::full);

}  // namespace store::codec
