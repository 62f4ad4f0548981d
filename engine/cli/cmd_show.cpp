// `deja show ID [--json]`: one incident or runbook, readable on a terminal;
// --json prints the document's model as stored in the index.
#include <algorithm>
#include <iostream>
#include <map>
#include <sstream>
#include <string_view>

#include <nlohmann/json.hpp>

#include "cli/common.hpp"
#include "cli/output.hpp"
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

void print_runbook(std::ostream& out, const kb::Runbook& r, const store::Index& index, const cli::Style& style) {
    out << style.bold(r.title.empty() ? r.id : r.title) << '\n';
    out << style.dim("runbook " + r.id + " · " + cli::display_path(r.path)) << '\n';
    if (!r.tags.empty()) out << "tags: " << base::text::join(r.tags, ", ") << '\n';
    if (!r.summary.empty()) out << '\n' << r.summary << '\n';

    if (!r.params.empty()) {
        heading(out, style, "Params");
        cli::Table t{{"NAME", "REQUIRED", "DEFAULT", "DESCRIPTION"}, {}};
        for (const auto& p : r.params) {
            const bool secret = kb::is_secret(p);
            std::string def = p.default_value ? kb::shown_value(*p.default_value, secret) : "-";
            std::string description = p.description;
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
    if (!r.steps.empty()) {
        heading(out, style, "Steps");
        std::size_t name_width = 0, kind_width = 0;
        for (const auto& s : r.steps) {
            name_width = std::max(name_width, cli::display_width(s.name));
            kind_width = std::max(kind_width, kb::to_string(s.kind).size());
        }
        for (std::size_t i = 0; i < r.steps.size(); ++i) {
            const auto& s = r.steps[i];
            std::string kind = kb::to_string(s.kind);
            std::string coloured = s.kind == kb::StepKind::apply      ? style.yellow(kind)
                                   : s.kind == kb::StepKind::verify   ? style.green(kind)
                                   : s.kind == kb::StepKind::rollback ? style.red(kind)
                                                                      : style.cyan(kind);
            out << "  " << i + 1 << ". " << style.bold(s.name) << std::string(name_width - cli::display_width(s.name) + 2, ' ')
                << coloured << std::string(kind_width - kind.size() + 2, ' ') << (s.language.empty() ? "sh" : s.language);
            if (!s.skip_if.empty()) out << "  (skipped when " << s.skip_if << " succeeds)";
            out << '\n' << cli::indent(s.code, "       ");
        }
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

void print_incident(std::ostream& out, const kb::Incident& i, const store::Index& index, const cli::Style& style) {
    out << style.bold(i.title.empty() ? i.id : i.title) << '\n';
    std::vector<std::string> facts{"incident " + i.id};
    if (!i.date.empty()) facts.push_back(i.date);
    if (!i.status.empty()) facts.push_back(i.status);
    if (!i.severity.empty()) facts.push_back("severity " + i.severity);
    facts.push_back(cli::display_path(i.path));
    out << style.dim(base::text::join(facts, " · ")) << '\n';
    if (!i.services.empty()) out << "services: " << base::text::join(i.services, ", ") << '\n';
    if (!i.tags.empty()) out << "tags: " << base::text::join(i.tags, ", ") << '\n';
    if (!i.summary.empty()) out << '\n' << i.summary << '\n';
    if (!i.error_lines.empty()) {
        heading(out, style, "Error lines");
        for (const auto& e : i.error_lines)
            out << "  " << style.dim(std::to_string(e.line) + ":") << ' ' << style.red(e.text) << '\n';
    }
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
    for (const auto& s : i.sections) {
        std::string_view markdown = kb::markdown_of(i, s);
        if (s.kind == kb::SectionKind::summary && !i.summary.empty() && markdown.find(i.summary) != std::string_view::npos)
            continue;
        heading(out, style, s.heading.empty() ? kb::to_string(s.kind) : s.heading);
        out << cli::indent(base::text::trim(markdown), "  ");
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
        if (runbook) print_runbook(out, *runbook, *index, style);
        else print_incident(out, *incident, *index, style);
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
