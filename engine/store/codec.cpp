#include "store/codec.hpp"

#include <array>
#include <span>

#include <nlohmann/json.hpp>

namespace store::codec {

namespace {

std::string dump(const nlohmann::json& j) {
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void append_line(std::string& out, std::string_view text) {
    if (text.empty()) return;
    if (!out.empty()) out += '\n';
    out += text;
}

void append_lines(std::string& out, const std::vector<std::string>& items) {
    for (const auto& s : items) append_line(out, s);
}

// Top-level keys that an outline leaves out: kept in a column of their own,
// so that reading an outline does not read past them. (Lexing them was two
// thirds of `deja match` on a small log with 1,000 signatures, with the
// runbooks' steps and examples most of each runbook's JSON.)
constexpr std::array<const char*, 3> runbook_detail_keys = {"steps", "examples", "references"};
constexpr std::array<const char*, 1> incident_detail_keys = {"sections"};

std::string take_detail(nlohmann::json& j, std::span<const char* const> keys) {
    nlohmann::json detail = nlohmann::json::object();
    for (const char* key : keys) {
        auto it = j.find(key);
        if (it == j.end()) continue;
        detail[key] = std::move(*it);
        j.erase(it);
    }
    return dump(detail);
}

bool parse_object(std::string_view text, nlohmann::json& j) {
    j = nlohmann::json::parse(text, nullptr, false);
    return !j.is_discarded() && j.is_object();
}

// The model's JSON, with its detail put back for a full read.
bool parse_stored(const Stored& s, Detail detail, nlohmann::json& j) {
    if (!parse_object(s.json, j)) return false;
    if (detail == Detail::outline || s.detail.empty()) return true;
    nlohmann::json rest;
    if (!parse_object(s.detail, rest)) return false;
    for (auto& [key, value] : rest.items()) j[key] = std::move(value);
    return true;
}

}  // namespace

Row encode(const kb::Runbook& r) {
    Row row;
    nlohmann::json j = r;
    for (const char* key : {"body_markdown", "body_text", "summary"}) j.erase(key);
    row.detail = take_detail(j, runbook_detail_keys);
    row.json = dump(j);
    row.markdown = &r.body_markdown;
    row.heading = r.title;
    append_line(row.heading, r.id);
    for (const auto& e : r.examples) append_line(row.errors, e.text);
    for (const auto& s : r.signatures) {
        append_line(row.errors, s.description);
        append_line(row.errors, s.pattern);
    }
    append_lines(row.meta, r.tags);
    for (const auto& p : r.params) {
        append_line(row.meta, p.name);
        append_line(row.meta, p.description);
    }
    append_lines(row.meta, r.incidents);
    row.summary = &r.summary;
    for (const auto& s : r.steps) append_line(row.code, s.code);
    row.body = &r.body_text;
    return row;
}

Row encode(const kb::Incident& i) {
    Row row;
    nlohmann::json j = i;
    for (const char* key : {"body_markdown", "body_text", "summary", "code"}) j.erase(key);
    // Sections are slices of the body: stored as where, not what.
    auto& sections = j["sections"];
    for (std::size_t k = 0; k < sections.size() && k < i.sections.size(); ++k) {
        sections[k].erase("markdown");
        sections[k]["markdown_at"] = {i.sections[k].at, i.sections[k].size};
    }
    row.detail = take_detail(j, incident_detail_keys);
    row.json = dump(j);
    row.markdown = &i.body_markdown;
    row.heading = i.title;
    append_line(row.heading, i.id);
    for (const auto& e : i.error_lines) append_line(row.errors, e.text);
    for (const auto* s : {&i.date, &i.status, &i.severity}) append_line(row.meta, *s);
    append_lines(row.meta, i.services);
    append_lines(row.meta, i.tags);
    append_lines(row.meta, i.runbooks);
    row.summary = &i.summary;
    row.incident_code = &i.code;
    row.body = &i.body_text;
    return row;
}

std::optional<kb::Runbook> decode_runbook(const Stored& s, Detail detail) {
    nlohmann::json j;
    if (!parse_stored(s, detail, j)) return std::nullopt;
    try {
        auto r = j.get<kb::Runbook>();
        r.body_markdown = s.markdown;
        r.summary = s.summary;
        r.body_text = s.body;
        return r;
    } catch (const nlohmann::json::exception&) {
        return std::nullopt;
    }
}

std::optional<kb::Incident> decode_incident(const Stored& s, Detail detail) {
    nlohmann::json j;
    if (!parse_stored(s, detail, j)) return std::nullopt;
    try {
        auto i = j.get<kb::Incident>();
        i.body_markdown = s.markdown;
        i.summary = s.summary;
        i.code = s.code;
        i.body_text = s.body;
        return i;
    } catch (const nlohmann::json::exception&) {
        return std::nullopt;
    }
}

}  // namespace store::codec
