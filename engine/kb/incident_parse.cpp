// Incidents: optional front matter; everything it does not say is inferred
// from the report as written (title, date, status, severity, sections,
// runbook links, error lines).
#include <algorithm>
#include <limits>
#include <set>

#include "kb/dates.hpp"
#include "kb/document.hpp"
#include "kb/error_lines.hpp"
#include "base/hash.hpp"
#include "kb/incident_infer.hpp"
#include "kb/links.hpp"
#include "kb/load.hpp"
#include "base/text.hpp"

namespace kb {

namespace {

using front_matter::Reader;
using front_matter::Value;

const std::set<std::string, std::less<>> known_incident_keys = {
    "id", "title", "date", "status", "severity", "services", "tags", "runbooks", "summary", "errors",
    "author", "authors", "owner", "duration", "impact"};

const std::set<std::string, std::less<>> date_labels = {"date", "incident date", "date of incident", "occurred",
                                                        "occurred on", "reported", "reported on", "when", "started"};
const std::set<std::string, std::less<>> status_labels = {"status", "current status", "incident status",
                                                          "final status", "state"};
const std::set<std::string, std::less<>> severity_labels = {"severity", "sev", "priority", "impact level"};

struct FrontMatter {
    std::optional<std::string> date, status, severity, summary;
    std::optional<std::string> start_date;  // start_time: the date when `date` is absent
    std::vector<ErrorLine> errors;
};

void read_front_matter(const SourceDocument& doc, const std::string& path, std::vector<Diagnostic>& diagnostics,
                       Incident& incident, FrontMatter& fm) {
    Reader reader{path, diagnostics};
    for (const auto& entry : doc.yaml->entries) {
        if (!entry.key.is_scalar()) {
            reader.error(entry.key, "front matter keys must be plain words");
            continue;
        }
        std::string key = entry.key.scalar;
        const Value& value = entry.value;
        if (key == "id") {
            if (auto s = reader.scalar(value, "id")) incident.id = std::string(base::text::trim(*s));
        } else if (key == "title") {
            if (auto s = reader.scalar(value, "title")) incident.title = std::string(base::text::trim(*s));
        } else if (key == "date") {
            if (auto s = reader.scalar(value, "date")) {
                auto date = dates::find_first(*s);
                if (date)
                    fm.date = *date;
                else if (!s->empty())
                    reader.error(value, "date '" + *s + "' is not a date like 2025-10-29");
            }
        } else if (key == "status") {
            if (auto s = reader.scalar(value, "status")) {
                std::string status = infer::status_from_value(*s);
                if (status.empty() && !s->empty())
                    reader.error(value, "status '" + *s + "' is not one of resolved, open, mitigated, monitoring");
                else if (!status.empty())
                    fm.status = status;
            }
        } else if (key == "severity") {
            if (auto s = reader.scalar(value, "severity")) fm.severity = infer::severity_from_value(*s);
        } else if (key == "summary") {
            if (auto s = reader.scalar(value, "summary")) fm.summary = base::text::collapse_whitespace(*s);
        } else if (key == "services") {
            incident.services = reader.string_list(value, "services");
        } else if (key == "tags") {
            incident.tags = reader.string_list(value, "tags");
        } else if (key == "runbooks") {
            for (auto& [id, line] : reader.string_list_with_lines(value, "runbooks"))
                incident.references.push_back({id, line, true, ""});
        } else if (key == "errors") {
            if (value.is_sequence()) {
                for (const auto& item : value.items)
                    if (auto s = reader.scalar(item, "errors entry"); s && !base::text::trim(*s).empty())
                        fm.errors.push_back({std::string(base::text::trim(*s)), item.line});
            } else if (!value.is_null()) {
                reader.error(value, "errors must be a list of log lines");
            }
        } else if (key == "start_time" || key == "started") {
            // A post-mortem template's start time stands for the date when none is given.
            if (auto s = reader.scalar(value, key))
                if (auto date = dates::find_first(*s)) fm.start_date = *date;
        } else if (key == "keywords" || key == "categories") {
            for (auto& tag : reader.string_list(value, key)) incident.tags.push_back(std::move(tag));
        } else if (key == "description") {
            if (auto s = reader.scalar(value, key); s && !fm.summary) fm.summary = base::text::collapse_whitespace(*s);
        } else if (!known_incident_keys.contains(key) && !front_matter::is_other_tools_key(key)) {
            reader.unknown_key(entry.key);
        }
    }
}

// Index of the heading that titles the report: the first heading, when it
// comes before any other prose.
int title_heading(const markdown::Document& doc) {
    if (doc.headings.empty()) return -1;
    const auto& first = doc.headings.front();
    for (const auto& line : doc.lines)
        if (line.line < first.line && line.kind != markdown::LineKind::heading) {
            // Prose before the first heading: still use the heading as title
            // unless it is a minor one deep in the text.
            return first.level <= 2 ? 0 : -1;
        }
    return 0;
}

std::string clean_title(std::string_view title) {
    // Whitespace and invisible characters only: emoji are part of the title.
    std::string out = base::text::collapse_whitespace(base::text::replace_all(base::text::replace_all(title, "\u00A0", " "), "\u200B", ""));
    return out;
}

// Changelog-style reports carry several dated headings; the incident's date
// is the one whose section reads most like an incident.
std::optional<std::string> date_from_dated_headings(const markdown::Document& doc, int title_index) {
    static constexpr std::array<std::string_view, 20> incident_words = {
        "resolved", "resolution", "fixed", "fix", "error", "errors", "failure", "failed", "failing", "issue",
        "incident", "cause", "problem", "blocking", "broke", "broken", "outage", "critical", "lessons", "bug"};
    struct Candidate {
        std::string date;
        int score;
    };
    std::vector<Candidate> candidates;
    for (std::size_t i = 0; i < doc.headings.size(); ++i) {
        if (static_cast<int>(i) == title_index) continue;
        auto date = dates::find_first(doc.headings[i].text);
        if (!date) continue;
        int start = doc.headings[i].line;
        int end = std::numeric_limits<int>::max();
        for (std::size_t j = i + 1; j < doc.headings.size(); ++j)
            if (doc.headings[j].level <= doc.headings[i].level) {
                end = doc.headings[j].line;
                break;
            }
        int score = 0;
        // doc.lines is in file order: visit only this section's lines.
        auto first = std::lower_bound(doc.lines.begin(), doc.lines.end(), start,
                                      [](const markdown::TextLine& l, int value) { return l.line < value; });
        for (auto it = first; it != doc.lines.end() && it->line < end; ++it) {
            const auto& line = *it;
            std::string lowered = base::text::lower(line.text);
            for (auto word : incident_words)
                if (base::text::contains_word(lowered, word)) ++score;
        }
        candidates.push_back({*date, score});
    }
    if (candidates.empty()) return std::nullopt;
    const Candidate* best = &candidates.front();
    for (const auto& c : candidates)
        if (c.score > best->score) best = &c;
    return best->date;
}

bool is_metadata_line(const markdown::TextLine& line) {
    auto label = infer::label_line(line.text);
    return label && label->label.find(' ') == std::string::npos && label->label.size() <= 20 &&
           line.text.size() < 120;
}

void add_error_lines(std::vector<ErrorLine>& out, std::set<std::string>& seen, std::vector<ErrorLine> found) {
    for (auto& e : found) {
        if (e.text.size() > 500) e.text = base::text::truncate_words(e.text, 500);
        if (seen.insert(e.text).second) out.push_back(std::move(e));
    }
}

}  // namespace

std::optional<Incident> parse_incident(const std::string& path, std::string_view bytes,
                                       std::vector<Diagnostic>& diagnostics) {
    SourceDocument doc;
    if (!read_document(path, bytes, diagnostics, doc)) return std::nullopt;
    const markdown::Document& md = doc.markdown;

    Incident incident;
    incident.path = path;
    incident.content_hash = base::hash_hex(bytes);
    incident.body_markdown = std::string(doc.split.body);
    incident.body_text = md.plain_text;

    FrontMatter fm;
    if (doc.yaml) read_front_matter(doc, path, diagnostics, incident, fm);

    // Title.
    int title_index = title_heading(md);
    if (incident.title.empty()) {
        if (title_index >= 0)
            incident.title = clean_title(md.headings[static_cast<std::size_t>(title_index)].text);
        else if (!md.lines.empty())
            incident.title = base::text::truncate_words(clean_title(md.lines.front().text), 120);
    }
    std::string stem = file_stem(path);
    if (incident.title.empty()) incident.title = stem;

    // "Label: value" lines in the prose: the first of each kind counts.
    std::optional<std::string> label_date, label_status, label_severity;
    for (const auto& line : md.lines) {
        auto label = infer::label_line(line.text);
        if (!label) continue;
        if (!label_date && date_labels.contains(label->label)) label_date = dates::find_first(label->value);
        if (!label_status && status_labels.contains(label->label)) {
            std::string status = infer::status_from_value(label->value);
            if (!status.empty()) label_status = status;
        }
        if (!label_severity && severity_labels.contains(label->label))
            label_severity = infer::severity_from_value(label->value);
    }

    // Date: front matter (`date`, else a template's `start_time`), a Date: line, the file name, the title, dated
    // headings, then the first date anywhere in the prose.
    if (fm.date) incident.date = *fm.date;
    else if (fm.start_date) incident.date = *fm.start_date;
    else if (label_date) incident.date = *label_date;
    else if (dates::starts_with_iso_date(stem)) incident.date = stem.substr(0, 10);
    else if (auto d = dates::find_first(incident.title)) incident.date = *d;
    else if (auto h = date_from_dated_headings(md, title_index)) incident.date = *h;
    else if (auto p = dates::find_first(md.plain_text)) incident.date = *p;
    else if (auto f = dates::find_first(stem)) incident.date = *f;

    incident.status = fm.status ? *fm.status : label_status ? *label_status : infer::status_from_prose(md);
    if (fm.severity) incident.severity = *fm.severity;
    else if (label_severity) incident.severity = *label_severity;

    incident.sections = infer::sections(md, doc.split.body, doc.split.body_first_line, title_index);

    // Summary: front matter, the summary section, else the first paragraph
    // that is not a "Label: value" block.
    if (fm.summary) incident.summary = *fm.summary;
    if (incident.summary.empty()) {
        for (const auto& section : incident.sections) {
            if (section.kind != SectionKind::summary || section.heading.empty() ||
                !infer::classify_heading(section.heading).strong)
                continue;
            int from = section.line;
            incident.summary = first_paragraph(md, 300, [&](const markdown::TextLine& l) {
                return l.line > from && !is_metadata_line(l);
            });
            if (!incident.summary.empty()) break;
        }
    }
    if (incident.summary.empty())
        incident.summary = first_paragraph(md, 300, [](const markdown::TextLine& l) { return !is_metadata_line(l); });

    // Error lines: declared ones first, then code blocks, then errors quoted in prose.
    std::set<std::string> seen;
    add_error_lines(incident.error_lines, seen, fm.errors);
    for (const auto& block : md.code_blocks) {
        std::string_view info = base::text::trim(block.info);
        std::string language = base::text::lower(info.substr(0, info.find_first_of(" \t{")));
        int first_content_line = block.fenced ? block.line + 1 : block.line;
        add_error_lines(incident.error_lines, seen, errors::from_code_block(language, block.code, first_content_line));
        if (!incident.code.empty()) incident.code += '\n';
        incident.code += block.code;
    }
    for (const auto& line : md.lines)
        if (line.raw.find_first_of("\"`\xE2") != std::string::npos)
            add_error_lines(incident.error_lines, seen, errors::from_prose(line.raw, line.line));

    // Runbook links from the Markdown.
    for (const auto& link : md.links) {
        auto target = parse_link_target(link.url);
        if (!target || target->kind == DocKind::incident) continue;
        incident.references.push_back(reference_to(*target, incident.path, link.line, target->kind.has_value()));
    }

    for (const auto& ref : incident.references)
        if (ref.certain) incident.runbooks.push_back(ref.id);

    // Id: front matter, a dated file name, date + title, the file name.
    if (incident.id.empty()) {
        // A file name is the author's choice, a title cut to fit is not.
        if (dates::starts_with_iso_date(stem)) {
            incident.id = base::text::slugify(stem, 80);
        } else if (!incident.date.empty() && !base::text::slugify(incident.title).empty()) {
            incident.id = incident.date + "-" + base::text::slugify(incident.title, 50);
            incident.id_source = IdSource::inferred;
        } else {
            incident.id = base::text::slugify(stem, 80);
        }
        if (incident.id.empty()) {
            incident.id = "incident-" + incident.content_hash.substr(0, 8);
            incident.id_source = IdSource::inferred;
        }
    }
    return incident;
}

}  // namespace kb
