// What a report without front matter says about itself: status words,
// severity, "Label: value" lines, and which section a heading opens, in the
// many ways people phrase them.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kb/markdown.hpp"
#include "kb/model.hpp"

namespace kb::infer {

// "Label: value" (markup already removed): "Date: 2025-10-29", "Status: ✅ RESOLVED".
struct LabelLine {
    std::string label;  // lower-case
    std::string value;
};
std::optional<LabelLine> label_line(std::string_view line);

// resolved / open / mitigated / monitoring from a status value; empty when
// the value names none of them.
std::string status_from_value(std::string_view value);

// Status from the prose when no "Status:" line says it: a resolution claim
// ("resolved", "was fixed", "service was restored", "hotfix released") means
// resolved; "mitigated" mitigated; a report that only proposes fixes ("Would
// you like me to implement...") or says the failure goes on ("still
// failing", "is ongoing") is open; a retrospective (a timeline, lessons,
// action items) is resolved; otherwise unknown. "Investigating" in a
// timeline never makes a report open.
std::string status_from_prose(const markdown::Document& doc);

// A report template rather than a report: a placeholder where a date or a
// value goes (YYYY-MM-DD, DD/MM/YYYY, 20xx-MM-DD, {{ summary }}) and no date
// of its own.
bool is_report_template(const Incident& incident);

// critical/high/medium/low/sevN/pN when the value starts with one, else the
// value as written.
std::string severity_from_value(std::string_view value);

struct HeadingClass {
    SectionKind kind = SectionKind::other;
    bool strong = false;  // the heading starts with the section's phrase ("Root Cause Analysis")
};
HeadingClass classify_heading(std::string_view heading);

// Sections from headings: a classified heading's section takes in the
// unclassified (or weakly classified) headings nested below it. Their bytes
// are offsets in `body`, which becomes the incident's body_markdown.
std::vector<Section> sections(const markdown::Document& doc, std::string_view body, int body_first_line,
                              int title_heading_index);

}  // namespace kb::infer
