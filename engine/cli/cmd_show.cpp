// `deja show ID [--json]`: one incident or runbook, readable on a terminal:
// its facts and the metadata of its front matter, then its Markdown as a
// terminal shows it, each step's block under the step's name and kind, then
// the documents it links. --json prints the document's model as stored in
// the index.
#include <algorithm>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string_view>

#include <nlohmann/json.hpp>

#include "cli/common.hpp"
#include "cli/output.hpp"
#include "cli/terminal_markdown.hpp"
#include "kb/links.hpp"
#include "kb/markdown.hpp"
#include "kb/secrets.hpp"
#include "base/text.hpp"

namespace {

struct ShowArgs {
    std::string id;
    bool json = false;
};

std::string params_text(const kb::ParamValues& values) {
    std::string out;
    for (const auto& [k, v] : values) out += (out.empty() ? "" : " ") + k + "=" + v;
    return out;
}

// Titles of linked documents, for listing them by name.
std::map<std::string, store::DocumentInfo> documents_by_id(const store::Index& index, kb::DocKind kind) {
    std::map<std::string, store::DocumentInfo> out;
    for (auto& d : index.documents(kind)) out.emplace(d.id, std::move(d));
    return out;
}

void heading(std::ostream& out, const cli::Style& style, const std::string& text) {
    out << '\n' << style.bold(text) << '\n';
}

std::string kind_text(kb::StepKind kind, const cli::Style& style) {
    std::string text = kb::to_string(kind);
    return kind == kb::StepKind::apply      ? style.yellow(text)
           : kind == kb::StepKind::verify   ? style.green(text)
           : kind == kb::StepKind::rollback ? style.red(text)
                                            : style.cyan(text);
}

std::string language_of(const kb::Step& s) { return s.language.empty() ? "sh" : s.language; }

// What stands above a step's block: "enabled (diagnose, sh)  skipped when ...".
std::string step_caption(const kb::Step& s, const cli::Style& style) {
    std::string out = style.bold(cli::terminal_text(s.name)) + " (" + kind_text(s.kind, style) + ", " +
                      cli::terminal_text(language_of(s)) + ")";
    std::string when = !s.shown_only.empty() ? "shown, not run: " + s.shown_only
                       : !s.skip_if.empty()  ? "skipped when " + s.skip_if + " succeeds"
                                             : "";
    if (!when.empty()) out += "  " + style.dim(cli::terminal_text(when));
    return out;
}

// The steps as the index holds them, code included: for a runbook whose
// text cannot be shown with them.
void print_steps(std::ostream& out, const kb::Runbook& r, const cli::Style& style) {
    heading(out, style, "Steps");
    std::size_t name_width = 0, kind_width = 0;
    for (const auto& s : r.steps) {
        name_width = std::max(name_width, cli::display_width(s.name));
        kind_width = std::max(kind_width, kb::to_string(s.kind).size());
    }
    for (std::size_t i = 0; i < r.steps.size(); ++i) {
        const auto& s = r.steps[i];
        const std::string kind = kb::to_string(s.kind);
        out << "  " << i + 1 << ". " << style.bold(s.name) << std::string(name_width - cli::display_width(s.name) + 2, ' ')
            << kind_text(s.kind, style) << std::string(kind_width - kind.size() + 2, ' ') << language_of(s);
        if (!s.skip_if.empty()) out << "  (skipped when " << s.skip_if << " succeeds)";
        out << '\n' << cli::indent(s.code, "       ");
    }
}

// Each step by the line of its block in the body. A step's line counts from
// the top of the file, and the front matter above the body is not in the
// index: the offset between the two is the one that puts every step on a
// fenced block of the body. Nullopt when none does.
std::optional<std::map<int, const kb::Step*>> steps_by_body_line(const kb::Runbook& r) {
    std::map<int, const kb::Step*> by_line;
    if (r.steps.empty()) return by_line;
    std::set<int> fenced;
    for (const auto& block : kb::markdown::parse(r.body_markdown).code_blocks)
        if (block.fenced) fenced.insert(block.line);
    for (int first : fenced) {
        const int offset = r.steps.front().line - first;
        for (const auto& s : r.steps)
            if (fenced.count(s.line - offset)) by_line.emplace(s.line - offset, &s);
        if (by_line.size() == r.steps.size()) return by_line;
        by_line.clear();
    }
    return std::nullopt;
}

bool is_word_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// Defaults the body repeats (a Runme cell's `export TOKEN=...` declares
// one), masked as the params table masks them. Whole words only, unlike
// kb::mask_parts on a single value: a secret default such as `postgres` must
// not eat into every `postgresql` of the text.
std::string mask_defaults(std::string body, const kb::Runbook& r) {
    for (const auto& p : r.params) {
        if (!p.default_value || p.default_value->empty() || p.default_value->find('\n') != std::string::npos) continue;
        const std::string& value = *p.default_value;
        const std::string shown = kb::shown_value(value, kb::is_secret(p));
        if (shown == value) continue;
        std::string masked;
        std::size_t done = 0;
        for (std::size_t at = body.find(value); at != std::string::npos; at = body.find(value, at + 1)) {
            const std::size_t end = at + value.size();
            if (at < done || (at > 0 && is_word_char(body[at - 1])) || (end < body.size() && is_word_char(body[end])))
                continue;
            masked.append(body, done, at - done).append(shown);
            done = end;
        }
        masked.append(body, done);
        body = std::move(masked);
    }
    return body;
}

// Whether `summary` is the body's own first paragraph (front matter gave
// none): the body shows it in place.
bool summary_in_body(const std::string& summary, const std::string& body_text) {
    std::string_view text = base::text::trim(summary);
    constexpr std::string_view cut = "…";  // a long one is shortened
    if (base::text::ends_with(text, cut)) text.remove_suffix(cut.size());
    const std::string needle = base::text::collapse_whitespace(text);
    return !needle.empty() && base::text::collapse_whitespace(body_text).find(needle) != std::string::npos;
}

// A link to another document of the knowledge base by the id `deja show`
// takes rather than its relative path; nothing more when its text is the id.
std::optional<std::string> document_link(std::string_view url, std::string_view text) {
    auto target = kb::parse_link_target(url);
    if (!target || !target->kind) return std::nullopt;
    return target->stem == text ? std::string() : target->stem;
}

// The document's own text under a rule that sets it apart from the metadata
// above. Nothing when it has none.
void print_body(std::ostream& out, std::string_view markdown, const cli::Style& style,
                const cli::TerminalMarkdownOptions& options) {
    std::string rendered = cli::render_terminal_markdown(markdown, style, options);
    if (rendered.empty()) return;
    std::string rule;
    for (std::size_t i = 0; i < options.width; ++i) rule += "─";
    out << '\n' << style.dim(rule) << "\n\n" << rendered;
}

void print_runbook(std::ostream& out, const kb::Runbook& r, const store::Index& index, const cli::Style& style,
                   std::size_t width) {
    out << style.bold(r.title.empty() ? r.id : r.title) << '\n';
    out << style.dim("runbook " + r.id + " · " + cli::display_path(r.path)) << '\n';
    if (!r.tags.empty()) out << "tags: " << base::text::join(r.tags, ", ") << '\n';
    if (!r.summary.empty() && !summary_in_body(r.summary, r.body_text)) out << '\n' << r.summary << '\n';

    if (!r.params.empty()) {
        heading(out, style, "Params");
        cli::Table t{{"NAME", "REQUIRED", "DEFAULT", "DESCRIPTION"}, {}};
        for (const auto& p : r.params) {
            const bool secret = kb::is_secret(p);
            std::string def = p.default_value ? kb::shown_value(*p.default_value, secret) : "-";
            // A Runme prompt's description quotes its placeholder, the default.
            std::string description = mask_defaults(p.description, r);
            if (secret) description += (description.empty() ? "" : " ") + std::string("(secret)");
            if (!p.pattern.empty()) description += (description.empty() ? "" : " ") + ("(pattern " + p.pattern + ")");
            if (!p.choices.empty()) description += " (one of " + base::text::join(p.choices, ", ") + ")";
            t.rows.push_back({p.name, p.required ? "yes" : "no", def, description});
        }
        out << cli::indent(t.render(style), "  ");
    }
    if (!r.signatures.empty()) {
        heading(out, style, "Signatures");
        for (std::size_t i = 0; i < r.signatures.size(); ++i) {
            const auto& s = r.signatures[i];
            out << "  " << i + 1 << ". " << s.pattern << '\n';
            if (!s.params.empty()) out << "     sets " << params_text(s.params) << '\n';
            if (!s.after.empty()) out << "     only after a line matching " << s.after << '\n';
            if (!s.description.empty()) out << "     " << style.dim(s.description) << '\n';
        }
    }
    if (!r.cleared_by.empty()) {
        heading(out, style, "Cleared by (a later line that shows the failure went away)");
        for (const auto& c : r.cleared_by) {
            out << "  - " << c.pattern << '\n';
            if (!c.description.empty()) out << "    " << style.dim(c.description) << '\n';
        }
    }
    if (!r.examples.empty()) {
        heading(out, style, "Examples");
        for (const auto& e : r.examples) {
            out << cli::indent(e.text, "  > ");
            if (!e.params.empty()) out << "    gives " << params_text(e.params) << '\n';
        }
    }
    if (auto steps = steps_by_body_line(r)) {
        cli::TerminalMarkdownOptions options{width, r.title,
                                             [&](const cli::MarkdownCodeBlock& block) {
                                                 auto it = steps->find(block.line);
                                                 return it == steps->end() ? std::string() : step_caption(*it->second, style);
                                             },
                                             document_link};
        print_body(out, mask_defaults(r.body_markdown, r), style, options);
    } else {
        print_steps(out, r, style);
        out << "  " << style.dim("(the text is left out: its blocks and the indexed steps disagree; `deja index` rebuilds)")
            << '\n';
    }
    if (!r.incidents.empty()) {
        heading(out, style, "Incidents");
        // Newest first, and a screenful: a runbook a knowledge base leans on
        // can have thousands (the JSON lists every one).
        constexpr std::size_t shown = 20;
        auto incidents = documents_by_id(index, kb::DocKind::incident);
        std::vector<std::pair<const std::string*, const store::DocumentInfo*>> rows;
        for (const auto& id : r.incidents) {
            auto it = incidents.find(id);
            rows.emplace_back(&id, it == incidents.end() ? nullptr : &it->second);
        }
        auto date_of = [](const auto& row) { return row.second ? std::string_view(row.second->date) : std::string_view(); };
        std::stable_sort(rows.begin(), rows.end(), [&](const auto& a, const auto& b) { return date_of(a) > date_of(b); });
        cli::Table t;
        for (std::size_t k = 0; k < rows.size() && k < shown; ++k) {
            const auto* info = rows[k].second;
            t.rows.push_back({info && !info->date.empty() ? info->date : "-", *rows[k].first,
                              info ? info->title + (info->status.empty() ? "" : " (" + info->status + ")")
                                   : "(not in the knowledge base)"});
        }
        out << cli::indent(t.render(style), "  ");
        if (rows.size() > shown)
            out << "  " << style.dim("and " + std::to_string(rows.size() - shown) + " more (`deja show " + r.id +
                                     " --json` lists them all)")
                << '\n';
    }
}

void print_incident(std::ostream& out, const kb::Incident& i, const store::Index& index, const cli::Style& style,
                    std::size_t width) {
    out << style.bold(i.title.empty() ? i.id : i.title) << '\n';
    std::vector<std::string> facts{"incident " + i.id};
    if (!i.date.empty()) facts.push_back(i.date);
    if (!i.status.empty()) facts.push_back(i.status);
    if (!i.severity.empty()) facts.push_back("severity " + i.severity);
    facts.push_back(cli::display_path(i.path));
    out << style.dim(base::text::join(facts, " · ")) << '\n';
    if (!i.services.empty()) out << "services: " << base::text::join(i.services, ", ") << '\n';
    if (!i.tags.empty()) out << "tags: " << base::text::join(i.tags, ", ") << '\n';
    if (!i.summary.empty() && !summary_in_body(i.summary, i.body_text)) out << '\n' << i.summary << '\n';
    if (!i.error_lines.empty()) {
        heading(out, style, "Error lines");
        for (const auto& e : i.error_lines)
            out << "  " << style.dim(std::to_string(e.line) + ":") << ' ' << style.red(e.text) << '\n';
    }
    print_body(out, i.body_markdown, style, {width, i.title, {}, document_link});
    if (!i.runbooks.empty()) {
        heading(out, style, "Runbooks");
        auto runbooks = documents_by_id(index, kb::DocKind::runbook);
        cli::Table t;
        for (const auto& id : i.runbooks) {
            auto it = runbooks.find(id);
            t.rows.push_back({id, it == runbooks.end() ? "(not in the knowledge base)" : it->second.title});
        }
        out << cli::indent(t.render(style), "  ");
    }
}

void not_found(cli::Globals& globals, const store::Index& index, const std::string& id) {
    auto similar = index.similar_ids(id);
    std::string where = similar.empty() ? "see `deja list`" : "did you mean " + base::text::join(similar, ", ") + "?";
    cli::print_error("no incident or runbook '" + id + "' (" + where + ")");
    globals.exit = cli::Exit::not_found;
}

void run_show(cli::Globals& globals, const ShowArgs& args) {
    auto index = cli::open_index(globals);
    if (!index) {
        cli::print_error(index.error().message);
        globals.exit = cli::Exit::usage;
        return;
    }
    auto runbook = index->runbook(args.id);
    auto incident = runbook ? std::nullopt : index->incident(args.id);
    if (!runbook && !incident) return not_found(globals, *index, args.id);
    if (args.json) {
        nlohmann::json j = runbook ? nlohmann::json(*runbook) : nlohmann::json(*incident);
        // As everywhere else a value is shown: a secret's default masked.
        if (runbook)
            for (std::size_t i = 0; i < runbook->params.size(); ++i) {
                const auto& p = runbook->params[i];
                const bool secret = kb::is_secret(p);
                auto& entry = j["params"][i];
                entry["secret"] = secret;
                if (p.default_value) entry["default"] = kb::shown_value(*p.default_value, secret);
            }
        std::cout << j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
    } else {
        cli::Style style(cli::stdout_colour());
        std::ostringstream out;
        const std::size_t width = cli::document_width();
        if (runbook) print_runbook(out, *runbook, *index, style, width);
        else print_incident(out, *incident, *index, style, width);
        std::cout << out.str();
    }
    globals.exit = cli::Exit::ok;
}

}  // namespace

namespace cli {

void add_show_command(CLI::App& root, Globals& globals) {
    auto args = std::make_shared<ShowArgs>();
    auto* cmd = root.add_subcommand("show", "show an incident or a runbook");
    cmd->add_option("id", args->id, "the document's id (see `deja list`)")->required();
    cmd->add_flag("--json", args->json, "print the document as JSON");
    cmd->footer("Exit status: 0 shown, 1 no document with that id, 2 usage error.");
    cmd->callback([&globals, args] { run_show(globals, *args); });
}

}  // namespace cli
