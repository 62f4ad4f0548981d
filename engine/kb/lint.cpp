// `deja lint`: what loading already reported, plus the checks that need the
// whole knowledge base or a compiled regex.
#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>
#include <set>

#include <re2/re2.h>

#include "kb/document.hpp"
#include "kb/info_string.hpp"
#include "kb/links.hpp"
#include "kb/load.hpp"
#include "base/text.hpp"

namespace kb {

namespace {

// `<instance label from alert>` in a shell command: an author's placeholder
// that bash would read as a redirection from a file. Quoted text, here
// documents (`<<`) and process substitution (`<(`) are not placeholders.
std::vector<std::string> shell_placeholders(const Step& step) {
    std::vector<std::string> found;
    auto rule = language_rule(step);
    if (!step.interpreter.empty() || !rule || !rule->shell) return found;
    for (auto line : base::text::split_lines(step.code)) {
        if (base::text::trim(line).starts_with('#')) continue;
        char quote = 0;
        for (std::size_t i = 0; i < line.size(); ++i) {
            char c = line[i];
            if (quote) {
                if (c == quote) quote = 0;
                continue;
            }
            if (c == '\'' || c == '"') {
                quote = c;
                continue;
            }
            if (c != '<' || i + 1 >= line.size()) continue;
            char next = line[i + 1];
            if (!std::isalpha(static_cast<unsigned char>(next))) {
                if (next == '<') ++i;
                continue;
            }
            auto close = line.find('>', i + 1);
            if (close == std::string_view::npos) continue;
            std::string_view inside = line.substr(i + 1, close - i - 1);
            // `sort <in >out` redirects twice: a space ends the file name.
            bool ends_word = close + 1 >= line.size() || std::string_view(" \t\"');,:").find(line[close + 1]) != std::string_view::npos;
            if (inside.find_first_of("<$") != std::string_view::npos || inside.back() == ' ' || !ends_word) continue;
            found.emplace_back(line.substr(i, close - i + 1));
            i = close;
        }
    }
    return found;
}

bool valid_id(std::string_view id) {
    if (id.empty()) return false;
    for (char c : id)
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.')) return false;
    return id.front() != '-' && id.front() != '.';
}

void lint_runbook(const Runbook& r, std::vector<Diagnostic>& out) {
    auto report = [&](int line, const std::string& message, Severity severity = Severity::error) {
        out.push_back({r.path, line, severity, message});
    };
    // A file's own name (an alert's `KubePodCrashLooping.md`) is the id that
    // repository's readers know it by; only an id written apart from it is held to the rule.
    const auto stem = file_stem(r.path);
    if (!valid_id(r.id) && r.id != stem)
        report(1, "runbook id '" + r.id + "' should be lower-case letters, digits, '-', '_' or '.'",
               Severity::warning);
    // `deja run ID` names the id, a reader looks for the file: one name for both
    // (an id grown from its folders was reported when it grew).
    if (!stem.empty() && stem != r.id && !r.id.ends_with("-" + stem))
        report(1, "runbook id '" + r.id + "' differs from its file name '" + stem +
                      "'; rename one so that `deja run " + r.id + "` and the file are found by the same name",
               Severity::warning);

    std::set<std::string> param_names;
    for (const auto& p : r.params) {
        param_names.insert(p.name);
        if (!p.pattern.empty()) {
            RE2 regex(p.pattern, RE2::Quiet);
            if (!regex.ok()) report(p.line, "param " + p.name + ": pattern does not compile in RE2: " + regex.error());
            else if (p.default_value && !RE2::FullMatch(*p.default_value, regex))
                report(p.line, "param " + p.name + ": default '" + *p.default_value + "' does not match its pattern");
        }
        if (!p.choices.empty() && p.default_value &&
            std::find(p.choices.begin(), p.choices.end(), *p.default_value) == p.choices.end())
            report(p.line, "param " + p.name + ": default '" + *p.default_value + "' is not one of its choices");
        if (p.required && p.default_value)
            report(p.line, "param " + p.name + " is required but has a default; one of the two is a mistake",
                   Severity::warning);
    }

    for (const auto& sig : r.signatures) {
        RE2 regex(sig.pattern, RE2::Quiet);
        if (!regex.ok()) {
            report(sig.line, "signature does not compile in RE2: " + regex.error());
            continue;
        }
        for (const auto& [group, index] : regex.NamedCapturingGroups())
            if (!param_names.count(group))
                report(sig.line, "signature group (?P<" + group + ">...) names no declared param");
        for (const auto& [name, value] : sig.params)
            if (!param_names.count(name)) report(sig.line, "signature sets param " + name + ", which is not declared");
        if (!sig.after.empty())
            if (RE2 after(sig.after, RE2::Quiet); !after.ok())
                report(sig.line, "signature's after does not compile in RE2: " + after.error());
    }
    for (const auto& clear : r.cleared_by)
        if (RE2 regex(clear.pattern, RE2::Quiet); !regex.ok())
            report(clear.line, "cleared_by pattern does not compile in RE2: " + regex.error());
    for (const auto& ex : r.examples)
        for (const auto& [name, value] : ex.params)
            if (!param_names.count(name)) report(ex.line, "example expects param " + name + ", which is not declared");

    std::map<std::string, const Step*> steps;
    for (const auto& step : r.steps) {
        if (auto [it, inserted] = steps.emplace(step.name, &step); !inserted)
            report(step.line, "step name '" + step.name + "' is used twice (also line " +
                                  std::to_string(it->second->line) + ")");
        if (!step.shown_only.empty()) {
            // Text, output and diagrams are shown on purpose; a language deja
            // has no interpreter for is worth knowing about.
            if (step.shown_only.starts_with("deja does not run"))
                report(step.line, "step '" + step.name + "' is shown, never run: " + step.shown_only, Severity::warning);
            continue;
        }
        for (const auto& placeholder : shell_placeholders(step))
            report(step.line, "step '" + step.name + "': " + placeholder +
                                  " is a placeholder, and the shell reads '<' as a redirection: write a variable "
                                  "such as \"$NODE\" and give it with --param NODE=...",
                   Severity::warning);
        if (step.interpreter.empty() && !is_runnable_language(step.language) &&
            !(r.runme_style && step.language.empty()))
            report(step.line, "step '" + step.name + "' is in " +
                                  (step.language.empty() ? std::string("no language") : "'" + step.language + "'") +
                                  ", which deja cannot run (sh, bash, sql, python, or set an interpreter)");
    }
    for (const auto& step : r.steps) {
        if (step.skip_if.empty()) continue;
        auto it = steps.find(step.skip_if);
        if (it == steps.end())
            report(step.line, "step '" + step.name + "': skip_if names '" + step.skip_if + "', which is not a step");
        else if (it->second->kind != StepKind::diagnose)
            report(step.line, "step '" + step.name + "': skip_if names '" + step.skip_if + "', which is not a diagnose step");
        if (step.kind != StepKind::apply)
            report(step.line, "step '" + step.name + "': skip_if only applies to apply steps", Severity::warning);
    }
    if (r.steps.empty())
        report(1, "runbook has no steps, so `deja run " + r.id +
                      "` has nothing to run (a step is a fenced code block in sh, bash, sql or python)",
               Severity::warning);
    if (!r.steps.empty() && !r.runme_style) {
        bool applies = std::any_of(r.steps.begin(), r.steps.end(), [](const Step& s) { return s.kind == StepKind::apply; });
        bool verifies = std::any_of(r.steps.begin(), r.steps.end(), [](const Step& s) { return s.kind == StepKind::verify; });
        if (applies && !verifies) report(1, "runbook changes something but has no verify step", Severity::warning);
    }
}

// "%20" as a space: links to files with spaces are written percent-encoded.
std::string percent_decoded(std::string_view url) {
    auto value = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    std::string out;
    for (std::size_t i = 0; i < url.size(); ++i) {
        if (url[i] == '%' && i + 2 < url.size() && value(url[i + 1]) >= 0 && value(url[i + 2]) >= 0) {
            out += static_cast<char>(value(url[i + 1]) * 16 + value(url[i + 2]));
            i += 2;
        } else {
            out += url[i];
        }
    }
    return out;
}

// A relative link must name a file that exists or a document of the
// knowledge base (a team's KB may link to a bundled runbook as "x.md").
// Links into runbooks/ or incidents/ were already checked by id when the
// knowledge base was linked. The file is parsed again for its links with
// their lines; most bodies have no link and are skipped without parsing.
void lint_relative_links(const std::string& path, const std::string& body, const std::set<std::string>& documents,
                         std::vector<Diagnostic>& out) {
    if (body.find("](") == std::string::npos && body.find("]:") == std::string::npos) return;
    auto bytes = read_whole_file(path);
    if (!bytes) return;  // loading reported it
    std::vector<Diagnostic> reported_when_loaded;
    SourceDocument doc;
    if (!read_document(path, *bytes, reported_when_loaded, doc)) return;
    namespace fs = std::filesystem;
    for (const auto& link : doc.markdown.links) {
        std::string_view url = base::text::trim(link.url);
        url = url.substr(0, url.find_first_of("#?"));
        // Anchors, site-absolute paths and anything with a scheme (https:, mailto:, deja:).
        if (url.empty() || url.front() == '/' || url.find(':') != std::string_view::npos) continue;
        auto target = parse_link_target(url);
        if (target && (target->kind || documents.count(target->stem))) continue;
        std::error_code ec;
        if (fs::exists(fs::path(path).parent_path() / percent_decoded(url), ec)) continue;
        out.push_back({path, link.line, Severity::warning,
                       "link to '" + std::string(url) + "' points at no file and no document"});
    }
}

}  // namespace

std::vector<Diagnostic> lint(const KnowledgeBase& kb) {
    std::vector<Diagnostic> out = kb.diagnostics;
    std::map<std::string, std::string> ids;  // across kinds: `deja show ID` must be unambiguous
    std::set<std::string> documents;          // ids and file names, what a "x.md" link can name
    for (const auto& r : kb.runbooks) documents.insert({r.id, file_stem(r.path)});
    for (const auto& i : kb.incidents) documents.insert({i.id, file_stem(i.path)});
    for (const auto& r : kb.runbooks) lint_relative_links(r.path, r.body_markdown, documents, out);
    for (const auto& i : kb.incidents) lint_relative_links(i.path, i.body_markdown, documents, out);
    for (const auto& r : kb.runbooks) {
        ids.emplace(r.id, r.path);
        lint_runbook(r, out);
    }
    for (const auto& i : kb.incidents) {
        if (auto [it, inserted] = ids.emplace(i.id, i.path); !inserted)
            out.push_back({i.path, 1, Severity::error, "id '" + i.id + "' is also the id of " + it->second});
        if (!valid_id(i.id))
            out.push_back({i.path, 1, Severity::warning,
                           "incident id '" + i.id + "' should be lower-case letters, digits, '-', '_' or '.'"});
    }
    std::stable_sort(out.begin(), out.end(), [](const Diagnostic& a, const Diagnostic& b) {
        return std::tie(a.file, a.line) < std::tie(b.file, b.line);
    });
    return out;
}

}  // namespace kb
