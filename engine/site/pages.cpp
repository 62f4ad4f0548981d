#include "site/pages.hpp"

#include <algorithm>
#include <set>

#include "kb/secrets.hpp"
#include "base/text.hpp"
#include "site/markdown.hpp"

namespace site {

namespace {

using kainjow::mustache::object;

// Mustache sections treat an empty string as true; an empty value becomes
// false here so {{#field}} hides what is not there.
Data obj(std::initializer_list<std::pair<const std::string, Data>> fields) {
    Data data{object{}};
    for (const auto& [key, value] : fields)
        data.set(key, value.is_string() && value.string_value().empty() ? Data(false) : value);
    return data;
}

constexpr std::size_t max_listed = 100;  // incidents listed on a runbook page or a signature row
constexpr std::size_t home_incidents = 12;
constexpr std::size_t home_tags = 30;

// "1 incident", "3 incidents".
std::string count_of(std::size_t n, std::string_view one, std::string_view many) {
    return std::to_string(n) + " " + std::string(n == 1 ? one : many);
}

std::string runbook_href(const Graph& graph, std::size_t r) { return "runbooks/" + graph.runbook_files[r] + ".html"; }
std::string incident_href(const Graph& graph, std::size_t i) {
    return "incidents/" + graph.incident_files[i] + ".html";
}
std::string tag_href(const TagNode& tag) { return "tags/" + tag.file + ".html"; }
std::string incidents_page_href(std::size_t page) {
    return page == 0 ? "incidents/index.html" : "incidents/page-" + std::to_string(page + 1) + ".html";
}

// Where a document came from, without the machine's own folders.
std::string source_name(const std::string& path) {
    std::filesystem::path p(path);
    std::string parent = p.parent_path().filename().string();
    return parent.empty() ? p.filename().string() : parent + "/" + p.filename().string();
}

std::string status_class(const std::string& status) {
    std::string s = base::text::lower(status);
    if (s == "resolved" || s == "closed" || s == "fixed" || s == "complete" || s == "completed") return "ok";
    if (s == "open" || s == "ongoing" || s == "investigating") return "bad";
    if (s == "mitigated" || s == "monitoring" || s == "identified") return "warn";
    return "neutral";
}

std::string severity_class(const std::string& severity) {
    std::string s = base::text::lower(severity);
    if (s.empty()) return "neutral";
    if (base::text::contains_word(s, "critical") || base::text::contains_word(s, "high") ||
        base::text::contains_word(s, "sev1") || base::text::contains_word(s, "sev0") || base::text::contains_word(s, "p1") ||
        base::text::contains_word(s, "p0") || base::text::contains_word(s, "blocker"))
        return "bad";
    if (base::text::contains_word(s, "medium") || base::text::contains_word(s, "sev2") || base::text::contains_word(s, "p2") ||
        base::text::contains_word(s, "major") || base::text::contains_word(s, "moderate"))
        return "warn";
    return "neutral";
}

std::string kind_label(kb::StepKind kind) {
    switch (kind) {
        case kb::StepKind::diagnose: return "Diagnose";
        case kb::StepKind::apply: return "Apply";
        case kb::StepKind::verify: return "Verify";
        case kb::StepKind::rollback: return "Rollback";
    }
    return "Apply";
}

std::string kind_help(kb::StepKind kind) {
    switch (kind) {
        case kb::StepKind::diagnose: return "read-only, always runs";
        case kb::StepKind::apply: return "changes something, asks first";
        case kb::StepKind::verify: return "checks the fix; its failure fails the run";
        case kb::StepKind::rollback: return "runs when an apply or verify fails";
    }
    return "";
}

std::string format_duration(std::chrono::seconds seconds) {
    auto s = seconds.count();
    if (s % 3600 == 0 && s >= 3600) return std::to_string(s / 3600) + "h";
    if (s % 60 == 0 && s >= 60) return std::to_string(s / 60) + "m";
    return std::to_string(s) + "s";
}

Data tag_list(const Graph& graph, const std::vector<std::string>& tags, const std::string& root) {
    Data list = make_list();
    std::set<std::string> seen;
    for (const auto& raw : tags) {
        auto it = graph.tag_by_key.find(tag_key(raw));
        if (it == graph.tag_by_key.end() || !seen.insert(it->first).second) continue;
        const TagNode& tag = graph.tags[it->second];
        list << obj({{"name", tag.name}, {"href", root + tag_href(tag)}});
    }
    return list;
}

Data param_values(const kb::ParamValues& values) {
    Data list = make_list();
    for (const auto& [name, value] : values) list << obj({{"name", name}, {"value", value}});
    return list;
}

Data incident_item(const Graph& graph, std::size_t i, const std::string& root) {
    const auto& incident = *graph.incidents[i];
    return obj({{"title", incident.title.empty() ? incident.id : incident.title},
                       {"href", root + incident_href(graph, i)},
                       {"date", incident.date},
                       {"status", incident.status},
                       {"status_class", status_class(incident.status)},
                       {"severity", incident.severity},
                       {"severity_class", severity_class(incident.severity)},
                       {"summary", base::text::truncate_words(incident.summary, 220)}});
}

Data runbook_item(const Graph& graph, std::size_t r, const std::string& root) {
    const auto& runbook = *graph.runbooks[r];
    return obj({{"id", runbook.id},
                       {"title", runbook.title.empty() ? runbook.id : runbook.title},
                       {"href", root + runbook_href(graph, r)},
                       {"summary", base::text::truncate_words(runbook.summary, 220)},
                       {"tags", tag_list(graph, runbook.tags, root)},
                       {"signature_count", count_of(runbook.signatures.size(), "signature", "signatures")},
                       {"incident_count", count_of(graph.runbook_incidents[r].size(), "incident", "incidents")}});
}

Data incident_list(const Graph& graph, const std::vector<std::size_t>& indices, const std::string& root,
                   std::size_t limit) {
    Data list = make_list();
    for (std::size_t k = 0; k < indices.size() && k < limit; ++k) list << incident_item(graph, indices[k], root);
    return list;
}

Data toc_from(const std::vector<Heading>& headings) {
    Data list = make_list();
    for (const auto& heading : headings)
        if (heading.level <= 3)
            list << obj({{"id", heading.id}, {"text", heading.text}, {"depth", heading.level == 3 ? "depth-3" : "depth-2"}});
    return list;
}

// Links in a document to another document's source (`../runbooks/x.md`,
// `x.md`, `runbooks/x`) point at that document's page.
std::optional<std::string> resolve_document_link(const Graph& graph, std::string_view url, const std::string& root) {
    std::string_view path = url.substr(0, url.find_first_of("?#"));
    std::string_view fragment = url.size() > path.size() && url[path.size()] == '#' ? url.substr(path.size()) : "";
    std::string_view name = path.substr(path.find_last_of('/') == std::string_view::npos ? 0 : path.find_last_of('/') + 1);
    for (std::string_view ext : {".md", ".markdown", ".txt", ".html"})
        if (base::text::ends_with(name, ext)) {
            name.remove_suffix(ext.size());
            break;
        }
    if (name.empty()) return std::nullopt;
    std::string id(name);
    bool in_incidents = path.find("incidents/") != std::string_view::npos;
    auto r = graph.runbook_by_id.find(id);
    auto i = graph.incident_by_id.find(id);
    if (r != graph.runbook_by_id.end() && (!in_incidents || i == graph.incident_by_id.end()))
        return root + runbook_href(graph, r->second) + std::string(fragment);
    if (i != graph.incident_by_id.end()) return root + incident_href(graph, i->second) + std::string(fragment);
    return std::nullopt;
}

std::string trim_newlines(std::string_view code) {
    while (!code.empty() && (code.back() == '\n' || code.back() == '\r')) code.remove_suffix(1);
    return std::string(code);
}

// The ids the templates give (layout.mustache and the page's own): a
// heading of the document never takes one.
std::vector<std::string> template_ids(std::initializer_list<const char*> page) {
    std::vector<std::string> ids = {"main", "doc-title", "search-input", "search-hint", "search-results"};
    ids.insert(ids.end(), page.begin(), page.end());
    return ids;
}
const std::vector<std::string> runbook_reserved_ids =
    template_ids({"summary", "run", "parameters", "procedure", "signatures", "examples", "incidents"});
const std::vector<std::string> incident_reserved_ids = template_ids({"runbooks", "error-lines"});

}  // namespace

std::string root_of(const std::string& path) {
    std::string root;
    for (char c : path)
        if (c == '/') root += "../";
    return root;
}

std::string shell_quote(const std::string& value) {
    if (!value.empty() && std::all_of(value.begin(), value.end(), [](char c) {
            return std::isalnum(static_cast<unsigned char>(c)) || std::string_view("@%+=:,./_-").find(c) != std::string_view::npos;
        }))
        return value;
    return "'" + base::text::replace_all(value, "'", "'\\''") + "'";
}

std::string run_command(const kb::Runbook& runbook, const kb::ParamValues& values) {
    std::string command = "deja run " + shell_quote(runbook.id);
    std::set<std::string> done;
    auto add = [&](const std::string& name, const std::string& value, bool secret) {
        if (!done.insert(name).second) return;
        command += " --param ";
        // A secret never appears in a page: the reader's environment supplies it.
        command += secret ? name + "=\"$" + name + "\"" : shell_quote(name + "=" + value);
    };
    for (const auto& param : runbook.params)
        if (auto it = values.find(param.name); it != values.end()) add(param.name, it->second, kb::is_secret(param));
    for (const auto& [name, value] : values) add(name, value, false);
    return command;
}

PageRenderer::PageRenderer(const Graph& graph, const BuildOptions& options, const TemplateSources& sources)
    : graph_(graph), options_(options), templates_(sources) {}

std::size_t PageRenderer::incident_pages() const {
    return std::max<std::size_t>(1, (graph_.incidents.size() + incidents_per_page - 1) / incidents_per_page);
}

Page PageRenderer::finish(std::string path, const std::string& template_name, Data data, const std::string& title,
                          const std::string& description, const std::string& section, std::string_view page_body) {
    std::string root = root_of(path);
    // The 404 page is served at any depth: with a base URL its links are absolute.
    if (template_name == "not_found" && !options_.base_url.empty()) {
        root = options_.base_url;
        if (root.back() != '/') root += '/';
    }
    data.set("root", root);
    std::string body;
    body.reserve(page_body.size() + 16384);
    templates_.render(template_name, data, body, page_body);
    Data layout = obj({{"title", title},
                       {"description", description},
                       {"root", root},
                       {"body", std::string(body_marker)},
                       {"is_home", section == "home"},
                       {"nav_runbooks", section == "runbooks"},
                       {"nav_incidents", section == "incidents"},
                       {"nav_signatures", section == "signatures"},
                       {"nav_tags", section == "tags"}});
    if (!options_.base_url.empty() && template_name != "not_found") {
        std::string base = options_.base_url;
        if (base.back() != '/') base += '/';
        std::string canonical = path;
        if (canonical == "index.html")
            canonical.clear();
        else if (base::text::ends_with(canonical, "/index.html"))
            canonical.resize(canonical.size() - std::string("index.html").size());
        layout.set("canonical", base + canonical);
    }
    Page page{std::move(path), {}};
    page.html.reserve(body.size() + 4096);
    templates_.render("layout", layout, page.html, body);
    return page;
}

Page PageRenderer::home() {
    std::string root;
    Data runbooks = make_list();
    for (std::size_t r = 0; r < graph_.runbooks.size(); ++r) runbooks << runbook_item(graph_, r, root);
    std::vector<std::size_t> recent;
    for (std::size_t i = 0; i < graph_.incidents.size() && i < home_incidents; ++i) recent.push_back(i);

    std::vector<std::size_t> tag_order(graph_.tags.size());
    for (std::size_t t = 0; t < tag_order.size(); ++t) tag_order[t] = t;
    auto weight = [&](std::size_t t) { return graph_.tags[t].runbooks.size() + graph_.tags[t].incidents.size(); };
    std::stable_sort(tag_order.begin(), tag_order.end(), [&](auto a, auto b) { return weight(a) > weight(b); });
    if (tag_order.size() > home_tags) tag_order.resize(home_tags);
    std::sort(tag_order.begin(), tag_order.end(), [&](auto a, auto b) { return graph_.tags[a].name < graph_.tags[b].name; });
    Data tags = make_list();
    for (std::size_t t : tag_order)
        tags << obj({{"name", graph_.tags[t].name},
                            {"href", tag_href(graph_.tags[t])},
                            {"count", std::to_string(weight(t))}});

    Data data = obj({{"runbooks", runbooks},
                     {"has_runbooks", !graph_.runbooks.empty()},
                     {"incidents", incident_list(graph_, recent, root, home_incidents)},
                     {"has_incidents", !graph_.incidents.empty()},
                     {"more_incidents", graph_.incidents.size() > home_incidents},
                     {"tags", tags},
                     {"has_tags", !tag_order.empty()},
                     {"runbook_count", count_of(graph_.runbooks.size(), "runbook", "runbooks")},
                     {"incident_count", count_of(graph_.incidents.size(), "incident", "incidents")},
                     {"signature_count", count_of(graph_.signatures.size(), "error pattern", "error patterns")}});
    return finish("index.html", "home", std::move(data), "deja knowledge base",
                  "Search known failures, paste a log, and find the runbook that fixes it.", "home");
}

Page PageRenderer::runbook(std::size_t r) {
    const kb::Runbook& runbook = *graph_.runbooks[r];
    std::string path = runbook_href(graph_, r);
    std::string root = root_of(path);

    Data params = make_list();
    for (const auto& param : runbook.params) {
        Data choices = make_list();
        for (const auto& choice : param.choices) choices << obj({{"value", choice}});
        params << obj({{"name", param.name},
                              {"description", param.description},
                              {"required", param.required},
                              {"secret", kb::is_secret(param)},
                              {"has_default", param.default_value.has_value()},
                              {"default", kb::shown_value(param.default_value.value_or(""), kb::is_secret(param))},
                              {"pattern", param.pattern},
                              {"choices", choices},
                              {"has_choices", !param.choices.empty()}});
    }

    Data signatures = make_list();
    for (std::size_t s : graph_.runbook_signatures[r]) {
        const auto& node = graph_.signatures[s];
        const auto& signature = runbook.signatures[node.index];
        signatures << obj({{"pattern", signature.pattern},
                                  {"description", signature.description},
                                  {"params", param_values(signature.params)},
                                  {"has_params", !signature.params.empty()},
                                  {"after", signature.after},
                                  {"href", root + "signatures.html#" + node.anchor},
                                  {"browser", node.js.has_value()},
                                  {"browser_error", node.js_error},
                                  {"seen_count", count_of(node.seen.size(), "incident", "incidents")},
                                  {"seen", !node.seen.empty()}});
    }

    Data cleared_by = make_list();
    for (const auto& clear : runbook.cleared_by)
        cleared_by << obj({{"pattern", clear.pattern}, {"description", clear.description}});

    Data examples = make_list();
    for (const auto& example : runbook.examples)
        examples << obj({{"text", trim_newlines(example.text)},
                                {"params", param_values(example.params)},
                                {"has_params", !example.params.empty()}});

    // Steps are shown where the runbook's Markdown has them, as step cards.
    std::size_t next_step = 0;
    std::vector<bool> shown(runbook.steps.size(), false);
    auto step_card = [&](std::size_t n) {
        const kb::Step& step = runbook.steps[n];
        shown[n] = true;
        std::string skip_anchor;
        if (!step.skip_if.empty()) skip_anchor = "step-" + base::text::slugify(step.skip_if);
        Data data = obj({{"number", std::to_string(n + 1)},
                         {"anchor", "step-" + (step.name.empty() ? std::to_string(n + 1) : base::text::slugify(step.name))},
                         {"name", step.name},
                         {"kind", kb::to_string(step.kind)},
                         {"kind_label", kind_label(step.kind)},
                         {"kind_help", kind_help(step.kind)},
                         {"language", step.language},
                         {"interpreter", step.interpreter},
                         {"cwd", step.cwd},
                         {"skip_if", step.skip_if},
                         {"skip_anchor", skip_anchor},
                         {"tag", step.tag},
                         {"timeout", step.timeout != kb::default_step_timeout ? format_duration(step.timeout) : ""},
                         {"confirm", step.confirm},
                         {"continue_on_error", step.continue_on_error},
                         {"exclude", step.exclude_from_run_all},
                         {"code", trim_newlines(step.code)}});
        return templates_.render("step", data);
    };
    MarkdownOptions markdown;
    markdown.title = runbook.title;
    markdown.reserved_ids = runbook_reserved_ids;
    for (std::size_t n = 0; n < runbook.steps.size(); ++n)
        markdown.reserved_ids.push_back("step-" + (runbook.steps[n].name.empty() ? std::to_string(n + 1)
                                                                                 : base::text::slugify(runbook.steps[n].name)));
    markdown.resolve_link = [&](std::string_view url) { return resolve_document_link(graph_, url, root); };
    markdown.render_code_block = [&](const CodeBlock& block) -> std::optional<std::string> {
        std::string code = trim_newlines(block.code);
        for (std::size_t n = next_step; n < runbook.steps.size(); ++n) {
            if (trim_newlines(runbook.steps[n].code) != code) continue;
            next_step = n + 1;
            return step_card(n);
        }
        return std::nullopt;
    };
    RenderedMarkdown body = render_markdown(runbook.body_markdown, markdown);
    std::string extra_steps;
    for (std::size_t n = 0; n < runbook.steps.size(); ++n)
        if (!shown[n]) extra_steps += step_card(n);

    std::string command = run_command(runbook, {});
    for (const auto& param : runbook.params)
        if (param.required && !param.default_value)
            command += " --param " + param.name + "=\"$" + param.name + "\"";

    Data incidents = incident_list(graph_, graph_.runbook_incidents[r], root, max_listed);
    std::size_t incident_total = graph_.runbook_incidents[r].size();

    Data toc = make_list();
    Data toc_after = make_list();
    auto add_toc = [&](Data& list, const char* id, const char* text, bool when) {
        if (when) list << obj({{"id", id}, {"text", text}});
    };
    add_toc(toc, "run", "Run it", true);
    add_toc(toc, "parameters", "Parameters", !runbook.params.empty());
    add_toc(toc, "procedure", "Procedure", true);
    add_toc(toc_after, "signatures", "Signatures", !runbook.signatures.empty());
    add_toc(toc_after, "examples", "Examples", !runbook.examples.empty());

    Data data = obj({{"id", runbook.id},
                     {"title", runbook.title.empty() ? runbook.id : runbook.title},
                     {"summary", runbook.summary},
                     {"tags", tag_list(graph_, runbook.tags, root)},
                     {"has_tags", !runbook.tags.empty()},
                     {"params", params},
                     {"has_params", !runbook.params.empty()},
                     {"signatures", signatures},
                     {"has_signatures", !runbook.signatures.empty()},
                     {"cleared_by", cleared_by},
                     {"has_cleared_by", !runbook.cleared_by.empty()},
                     {"examples", examples},
                     {"has_examples", !runbook.examples.empty()},
                     {"command", command},
                     {"plan_command", "deja run " + shell_quote(runbook.id) + " --dry-run"},
                     {"step_count", std::to_string(runbook.steps.size())},
                     {"body", std::string(body_marker)},
                     {"extra_steps", extra_steps},
                     {"body_toc", toc_from(body.headings)},
                     {"toc", toc},
                     {"toc_after", toc_after},
                     {"incidents", incidents},
                     {"has_incidents", incident_total > 0},
                     {"incident_total", std::to_string(incident_total)},
                     {"more_incidents", incident_total > max_listed},
                     {"runme", runbook.runme_style},
                     {"source", source_name(runbook.path)}});
    return finish(std::move(path), "runbook", std::move(data), runbook.title.empty() ? runbook.id : runbook.title,
                  runbook.summary, "runbooks", body.html);
}

Page PageRenderer::incident(std::size_t i, const kb::Incident& incident) {
    std::string path = incident_href(graph_, i);
    std::string root = root_of(path);

    Data runbooks = make_list();
    for (std::size_t r : graph_.incident_runbooks[i]) runbooks << runbook_item(graph_, r, root);

    Data errors = make_list();
    for (std::size_t l = 0; l < incident.error_lines.size(); ++l) {
        Data matches = make_list();
        for (std::size_t s : graph_.error_line_signatures[i][l]) {
            const auto& node = graph_.signatures[s];
            matches << obj({{"runbook", graph_.runbooks[node.runbook]->id},
                                   {"runbook_href", root + runbook_href(graph_, node.runbook)},
                                   {"href", root + "signatures.html#" + node.anchor},
                                   {"number", std::to_string(node.index + 1)}});
        }
        errors << obj({{"text", incident.error_lines[l].text},
                              {"matches", matches},
                              {"has_matches", !graph_.error_line_signatures[i][l].empty()}});
    }

    Data services = make_list();
    for (const auto& service : incident.services) services << obj({{"name", service}});

    MarkdownOptions markdown;
    markdown.title = incident.title;
    markdown.reserved_ids = incident_reserved_ids;
    markdown.resolve_link = [&](std::string_view url) { return resolve_document_link(graph_, url, root); };
    RenderedMarkdown body = render_markdown(incident.body_markdown, markdown);

    std::string title = incident.title.empty() ? incident.id : incident.title;
    Data data = obj({{"id", incident.id},
                     {"title", title},
                     {"date", incident.date},
                     {"status", incident.status},
                     {"status_class", status_class(incident.status)},
                     {"severity", incident.severity},
                     {"severity_class", severity_class(incident.severity)},
                     {"services", services},
                     {"has_services", !incident.services.empty()},
                     {"tags", tag_list(graph_, incident.tags, root)},
                     {"has_tags", !incident.tags.empty()},
                     {"runbooks", runbooks},
                     {"has_runbooks", !graph_.incident_runbooks[i].empty()},
                     {"errors", errors},
                     {"has_errors", !incident.error_lines.empty()},
                     {"body", std::string(body_marker)},
                     {"toc", toc_from(body.headings)},
                     {"source", source_name(incident.path)}});
    return finish(std::move(path), "incident", std::move(data), title, incident.summary, "incidents", body.html);
}

Page PageRenderer::signatures() {
    std::string root;
    Data groups = make_list();
    for (std::size_t r = 0; r < graph_.runbooks.size(); ++r) {
        if (graph_.runbook_signatures[r].empty()) continue;
        const auto& runbook = *graph_.runbooks[r];
        Data rows = make_list();
        for (std::size_t s : graph_.runbook_signatures[r]) {
            const auto& node = graph_.signatures[s];
            const auto& signature = runbook.signatures[node.index];
            std::vector<std::size_t> shown(node.seen.begin(), node.seen.begin() + std::min<std::size_t>(node.seen.size(), 5));
            rows << obj({{"anchor", node.anchor},
                                {"number", std::to_string(node.index + 1)},
                                {"pattern", signature.pattern},
                                {"description", signature.description},
                                {"params", param_values(signature.params)},
                                {"has_params", !signature.params.empty()},
                                {"browser", node.js.has_value()},
                                {"browser_error", node.js_error},
                                {"seen", incident_list(graph_, shown, root, shown.size())},
                                {"has_seen", !node.seen.empty()},
                                {"seen_count", count_of(node.seen.size(), "incident", "incidents")},
                                {"seen_more", node.seen.size() > shown.size()},
                                {"seen_more_count", std::to_string(node.seen.size() - shown.size())}});
        }
        groups << obj({{"id", runbook.id},
                              {"title", runbook.title.empty() ? runbook.id : runbook.title},
                              {"href", runbook_href(graph_, r)},
                              {"rows", rows}});
    }
    Data data = obj({{"groups", groups},
                     {"has_groups", !graph_.signatures.empty()},
                     {"signature_count", count_of(graph_.signatures.size(), "error pattern", "error patterns")}});
    return finish("signatures.html", "signatures", std::move(data), "Signatures",
                  "Every error pattern deja recognises, with its runbook and the incidents where it was seen.",
                  "signatures");
}

Page PageRenderer::runbooks_index() {
    std::string path = "runbooks/index.html";
    std::string root = root_of(path);
    Data items = make_list();
    for (std::size_t r = 0; r < graph_.runbooks.size(); ++r) items << runbook_item(graph_, r, root);
    Data data = obj({{"heading", "Runbooks"},
                     {"lead", std::to_string(graph_.runbooks.size()) + " runbooks, each with the signatures that recognise its failure."},
                     {"runbooks", items},
                     {"has_runbooks", !graph_.runbooks.empty()}});
    return finish(std::move(path), "list", std::move(data), "Runbooks", "All runbooks.", "runbooks");
}

Page PageRenderer::incidents_index(std::size_t page) {
    std::string path = incidents_page_href(page);
    std::string root = root_of(path);
    std::size_t pages = incident_pages();
    std::vector<std::size_t> indices;
    for (std::size_t i = page * incidents_per_page; i < graph_.incidents.size() && i < (page + 1) * incidents_per_page; ++i)
        indices.push_back(i);
    Data pager = make_list();
    if (pages > 1) {
        std::set<std::size_t> numbers = {0, pages - 1};
        for (std::size_t p = page >= 2 ? page - 2 : 0; p < pages && p <= page + 2; ++p) numbers.insert(p);
        std::size_t previous = 0;
        bool first = true;
        for (std::size_t p : numbers) {
            if (!first && p > previous + 1) pager << obj({{"gap", true}});
            pager << obj({{"label", std::to_string(p + 1)},
                                 {"href", root + incidents_page_href(p)},
                                 {"current", p == page}});
            previous = p;
            first = false;
        }
    }
    std::string lead = std::to_string(graph_.incidents.size()) + " incidents, newest first.";
    if (pages > 1) lead += " Page " + std::to_string(page + 1) + " of " + std::to_string(pages) + ".";
    Data data = obj({{"heading", "Incidents"},
                     {"lead", lead},
                     {"incidents", incident_list(graph_, indices, root, indices.size())},
                     {"has_incidents", !indices.empty()},
                     {"pager", pager},
                     {"has_pager", pages > 1},
                     {"has_previous", page > 0},
                     {"previous", page > 0 ? root + incidents_page_href(page - 1) : ""},
                     {"has_next", page + 1 < pages},
                     {"next", page + 1 < pages ? root + incidents_page_href(page + 1) : ""}});
    std::string title = pages > 1 && page > 0 ? "Incidents, page " + std::to_string(page + 1) : "Incidents";
    return finish(std::move(path), "list", std::move(data), title, "All incidents, newest first.", "incidents");
}

Page PageRenderer::tags_index() {
    std::string path = "tags/index.html";
    std::string root = root_of(path);
    Data tags = make_list();
    for (const auto& tag : graph_.tags)
        tags << obj({{"name", tag.name},
                            {"href", root + tag_href(tag)},
                            {"count", std::to_string(tag.runbooks.size() + tag.incidents.size())}});
    Data data = obj({{"heading", "Tags"},
                     {"lead", std::to_string(graph_.tags.size()) + " tags across runbooks and incidents."},
                     {"tags", tags},
                     {"has_tags", !graph_.tags.empty()}});
    return finish(std::move(path), "list", std::move(data), "Tags", "Runbooks and incidents by tag.", "tags");
}

Page PageRenderer::tag(std::size_t t) {
    const TagNode& tag = graph_.tags[t];
    std::string path = tag_href(tag);
    std::string root = root_of(path);
    Data runbooks = make_list();
    for (std::size_t r : tag.runbooks) runbooks << runbook_item(graph_, r, root);
    Data data = obj({{"name", tag.name},
                     {"runbooks", runbooks},
                     {"has_runbooks", !tag.runbooks.empty()},
                     {"incidents", incident_list(graph_, tag.incidents, root, tag.incidents.size())},
                     {"has_incidents", !tag.incidents.empty()},
                     {"runbook_count", count_of(tag.runbooks.size(), "runbook", "runbooks")},
                     {"incident_count", count_of(tag.incidents.size(), "incident", "incidents")}});
    return finish(std::move(path), "tag", std::move(data), "Tag: " + tag.name,
                  "Runbooks and incidents tagged " + tag.name + ".", "tags");
}

Page PageRenderer::not_found() {
    return finish("404.html", "not_found", obj({}), "Page not found", "This page does not exist.", "");
}

}  // namespace site
