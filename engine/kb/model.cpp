#include "kb/model.hpp"

#include <algorithm>

namespace kb {

namespace {

template <class T>
void get_opt(const nlohmann::json& j, const char* key, T& out) {
    if (auto it = j.find(key); it != j.end() && !it->is_null()) it->get_to(out);
}

}  // namespace

std::string to_string(StepKind kind) {
    switch (kind) {
        case StepKind::diagnose: return "diagnose";
        case StepKind::apply: return "apply";
        case StepKind::verify: return "verify";
        case StepKind::rollback: return "rollback";
    }
    return "apply";
}

std::optional<StepKind> step_kind_from_string(const std::string& text) {
    if (text == "diagnose") return StepKind::diagnose;
    if (text == "apply") return StepKind::apply;
    if (text == "verify") return StepKind::verify;
    if (text == "rollback") return StepKind::rollback;
    return std::nullopt;
}

std::string to_string(SectionKind kind) {
    switch (kind) {
        case SectionKind::summary: return "summary";
        case SectionKind::impact: return "impact";
        case SectionKind::timeline: return "timeline";
        case SectionKind::action_items: return "action_items";
        case SectionKind::symptoms: return "symptoms";
        case SectionKind::root_cause: return "root_cause";
        case SectionKind::resolution: return "resolution";
        case SectionKind::verification: return "verification";
        case SectionKind::lessons: return "lessons";
        case SectionKind::other: return "other";
    }
    return "other";
}

static SectionKind section_kind_from_string(const std::string& text) {
    for (auto kind : {SectionKind::summary, SectionKind::impact, SectionKind::timeline, SectionKind::symptoms,
                      SectionKind::root_cause, SectionKind::resolution, SectionKind::verification, SectionKind::lessons,
                      SectionKind::action_items}) {
        if (to_string(kind) == text) return kind;
    }
    return SectionKind::other;
}

std::string to_string(DocKind kind) { return kind == DocKind::runbook ? "runbook" : "incident"; }

const Param* Runbook::param(const std::string& name) const {
    auto it = std::find_if(params.begin(), params.end(), [&](const Param& p) { return p.name == name; });
    return it == params.end() ? nullptr : &*it;
}

const Step* Runbook::step(const std::string& name) const {
    auto it = std::find_if(steps.begin(), steps.end(), [&](const Step& s) { return s.name == name; });
    return it == steps.end() ? nullptr : &*it;
}

bool Runbook::is_symptom() const {
    return symptom || std::find(tags.begin(), tags.end(), "symptom") != tags.end();
}

const Runbook* KnowledgeBase::runbook(const std::string& id) const {
    auto it = std::find_if(runbooks.begin(), runbooks.end(), [&](const Runbook& r) { return r.id == id; });
    return it == runbooks.end() ? nullptr : &*it;
}

const Incident* KnowledgeBase::incident(const std::string& id) const {
    auto it = std::find_if(incidents.begin(), incidents.end(), [&](const Incident& i) { return i.id == id; });
    return it == incidents.end() ? nullptr : &*it;
}

std::string Diagnostic::format() const {
    std::string out = file;
    if (line > 0) out += ":" + std::to_string(line);
    out += ": ";
    if (severity == Severity::warning) out += "warning: ";
    out += message;
    return out;
}

void to_json(nlohmann::json& j, const Reference& v) {
    j = {{"id", v.id}, {"line", v.line}, {"certain", v.certain}};
    if (!v.path.empty()) j["path"] = v.path;
}

void from_json(const nlohmann::json& j, Reference& v) {
    get_opt(j, "id", v.id);
    get_opt(j, "line", v.line);
    get_opt(j, "certain", v.certain);
    get_opt(j, "path", v.path);
}

void to_json(nlohmann::json& j, const Param& v) {
    j = {{"name", v.name}, {"description", v.description}, {"required", v.required},
         {"secret", v.secret}, {"env", v.environment}, {"pattern", v.pattern}, {"choices", v.choices},
         {"line", v.line}};
    if (!v.declared_by.empty()) j["declared_by"] = v.declared_by;
    j["default"] = v.default_value ? nlohmann::json(*v.default_value) : nlohmann::json(nullptr);
}

void from_json(const nlohmann::json& j, Param& v) {
    get_opt(j, "name", v.name);
    get_opt(j, "description", v.description);
    get_opt(j, "required", v.required);
    get_opt(j, "secret", v.secret);
    get_opt(j, "env", v.environment);
    get_opt(j, "pattern", v.pattern);
    get_opt(j, "choices", v.choices);
    get_opt(j, "line", v.line);
    get_opt(j, "declared_by", v.declared_by);
    if (auto it = j.find("default"); it != j.end() && it->is_string()) v.default_value = it->get<std::string>();
}

void to_json(nlohmann::json& j, const Signature& v) {
    j = {{"pattern", v.pattern}, {"params", v.params}, {"description", v.description}, {"line", v.line}};
    if (!v.after.empty()) j["after"] = v.after;
}

void from_json(const nlohmann::json& j, Signature& v) {
    get_opt(j, "pattern", v.pattern);
    get_opt(j, "params", v.params);
    get_opt(j, "description", v.description);
    get_opt(j, "after", v.after);
    get_opt(j, "line", v.line);
}

void to_json(nlohmann::json& j, const Example& v) {
    j = {{"text", v.text}, {"params", v.params}, {"line", v.line}};
}

void from_json(const nlohmann::json& j, Example& v) {
    get_opt(j, "text", v.text);
    get_opt(j, "params", v.params);
    get_opt(j, "line", v.line);
}

void to_json(nlohmann::json& j, const Step& v) {
    j = {{"name", v.name}, {"kind", to_string(v.kind)}, {"language", v.language}, {"code", v.code},
         {"interpreter", v.interpreter}, {"cwd", v.cwd}, {"skip_if", v.skip_if}, {"tag", v.tag},
         {"timeout", v.timeout.count()}, {"confirm", v.confirm},
         {"continue_on_error", v.continue_on_error}, {"exclude_from_run_all", v.exclude_from_run_all},
         {"attributes", v.attributes}, {"line", v.line}};
    if (!v.shown_only.empty()) j["shown_only"] = v.shown_only;
    if (v.name_generated) j["name_generated"] = true;
    if (v.output_lines > 0) j["output_lines"] = v.output_lines;
}

void from_json(const nlohmann::json& j, Step& v) {
    get_opt(j, "name", v.name);
    std::string kind = "apply";
    get_opt(j, "kind", kind);
    v.kind = step_kind_from_string(kind).value_or(StepKind::apply);
    get_opt(j, "language", v.language);
    get_opt(j, "code", v.code);
    get_opt(j, "interpreter", v.interpreter);
    get_opt(j, "cwd", v.cwd);
    get_opt(j, "skip_if", v.skip_if);
    get_opt(j, "tag", v.tag);
    long long seconds = 600;
    get_opt(j, "timeout", seconds);
    v.timeout = std::chrono::seconds(seconds);
    get_opt(j, "confirm", v.confirm);
    get_opt(j, "continue_on_error", v.continue_on_error);
    get_opt(j, "exclude_from_run_all", v.exclude_from_run_all);
    if (auto it = j.find("attributes"); it != j.end()) v.attributes = *it;
    get_opt(j, "line", v.line);
    get_opt(j, "shown_only", v.shown_only);
    get_opt(j, "name_generated", v.name_generated);
    get_opt(j, "output_lines", v.output_lines);
}

void to_json(nlohmann::json& j, const Runbook& v) {
    j = {{"kind", "runbook"}, {"id", v.id}, {"title", v.title}, {"summary", v.summary},
         {"tags", v.tags}, {"params", v.params}, {"signatures", v.signatures},
         {"cleared_by", v.cleared_by}, {"examples", v.examples}, {"incidents", v.incidents}, {"references", v.references},
         {"steps", v.steps},
         {"runme_style", v.runme_style}, {"shell", v.shell}, {"front_matter_error", v.front_matter_error}, {"symptom", v.symptom}, {"body_markdown", v.body_markdown},
         {"body_text", v.body_text}, {"path", v.path}, {"content_hash", v.content_hash}};
}

void from_json(const nlohmann::json& j, Runbook& v) {
    get_opt(j, "id", v.id);
    get_opt(j, "title", v.title);
    get_opt(j, "summary", v.summary);
    get_opt(j, "tags", v.tags);
    get_opt(j, "params", v.params);
    get_opt(j, "signatures", v.signatures);
    get_opt(j, "cleared_by", v.cleared_by);
    get_opt(j, "examples", v.examples);
    get_opt(j, "incidents", v.incidents);
    get_opt(j, "references", v.references);
    get_opt(j, "steps", v.steps);
    get_opt(j, "runme_style", v.runme_style);
    get_opt(j, "shell", v.shell);
    get_opt(j, "front_matter_error", v.front_matter_error);
    get_opt(j, "symptom", v.symptom);
    get_opt(j, "body_markdown", v.body_markdown);
    get_opt(j, "body_text", v.body_text);
    get_opt(j, "path", v.path);
    get_opt(j, "content_hash", v.content_hash);
}

std::string_view markdown_of(const Incident& incident, const Section& section) {
    const std::string& body = incident.body_markdown;
    if (section.at > body.size() || section.size > body.size() - section.at) return {};
    return std::string_view(body).substr(section.at, section.size);
}

// A section with its Markdown written out. It is read back from where that
// is in the body, "markdown_at": [at, size] in bytes, which is how the index
// stores it (store/codec.cpp).
static nlohmann::json section_json(const Incident& incident, const Section& v) {
    return {{"kind", to_string(v.kind)}, {"heading", v.heading}, {"markdown", markdown_of(incident, v)}, {"line", v.line}};
}

void from_json(const nlohmann::json& j, Section& v) {
    std::string kind = "other";
    get_opt(j, "kind", kind);
    v.kind = section_kind_from_string(kind);
    get_opt(j, "heading", v.heading);
    if (auto at = j.find("markdown_at"); at != j.end() && at->is_array() && at->size() == 2 &&
                                          (*at)[0].is_number_unsigned() && (*at)[1].is_number_unsigned()) {
        v.at = (*at)[0].get<std::size_t>();
        v.size = (*at)[1].get<std::size_t>();
    }
    get_opt(j, "line", v.line);
}

void to_json(nlohmann::json& j, const ErrorLine& v) { j = {{"text", v.text}, {"line", v.line}}; }

void from_json(const nlohmann::json& j, ErrorLine& v) {
    get_opt(j, "text", v.text);
    get_opt(j, "line", v.line);
}

void to_json(nlohmann::json& j, const Incident& v) {
    j = {{"kind", "incident"}, {"id", v.id}, {"title", v.title}, {"date", v.date},
         {"status", v.status}, {"severity", v.severity}, {"services", v.services},
         {"tags", v.tags}, {"runbooks", v.runbooks}, {"references", v.references},
         {"sections", nlohmann::json::array()},
         {"error_lines", v.error_lines}, {"code", v.code}, {"summary", v.summary},
         {"body_markdown", v.body_markdown}, {"body_text", v.body_text}, {"path", v.path},
         {"content_hash", v.content_hash}};
    auto& sections = j["sections"];
    for (const auto& section : v.sections) sections.push_back(section_json(v, section));
}

void from_json(const nlohmann::json& j, Incident& v) {
    get_opt(j, "id", v.id);
    get_opt(j, "title", v.title);
    get_opt(j, "date", v.date);
    get_opt(j, "status", v.status);
    get_opt(j, "severity", v.severity);
    get_opt(j, "services", v.services);
    get_opt(j, "tags", v.tags);
    get_opt(j, "runbooks", v.runbooks);
    get_opt(j, "references", v.references);
    get_opt(j, "sections", v.sections);
    get_opt(j, "error_lines", v.error_lines);
    get_opt(j, "code", v.code);
    get_opt(j, "summary", v.summary);
    get_opt(j, "body_markdown", v.body_markdown);
    get_opt(j, "body_text", v.body_text);
    get_opt(j, "path", v.path);
    get_opt(j, "content_hash", v.content_hash);
}

void to_json(nlohmann::json& j, const Diagnostic& v) {
    j = {{"file", v.file}, {"line", v.line},
         {"severity", v.severity == Severity::error ? "error" : "warning"}, {"message", v.message}};
}

}  // namespace kb
