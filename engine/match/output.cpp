#include "match/output.hpp"

#include <cstdio>

#include "kb/secrets.hpp"
#include "match/text.hpp"

namespace match {

namespace {

constexpr std::size_t human_evidence = 3;
constexpr std::size_t human_incidents = 3;
// GitHub shows at most 10 error and 10 warning annotations per step.
constexpr std::size_t github_annotations = 10;
constexpr std::size_t github_message_bytes = 1000;

bool plain_word(std::string_view s) {
    if (s.empty()) return false;
    for (char c : s) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                  c == '@' || c == '%' || c == '+' || c == '=' || c == ':' || c == ',' || c == '.' || c == '/' ||
                  c == '-';
        if (!ok) return false;
    }
    return true;
}

std::string format_confidence(double c) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%.2f", c);
    return buf;
}

struct Style {
    Colour colour;
    std::string wrap(std::string_view code, std::string_view text) const {
        if (colour == Colour::off) return std::string(text);
        return "\x1b[" + std::string(code) + "m" + std::string(text) + "\x1b[0m";
    }
    std::string location(std::string_view t) const { return wrap("35", t); }
    std::string dim(std::string_view t) const { return wrap("2", t); }
    std::string bold(std::string_view t) const { return wrap("1", t); }
    std::string good(std::string_view t) const { return wrap("1;32", t); }
    std::string warn(std::string_view t) const { return wrap("1;33", t); }
};

std::string incident_line(const IncidentRef& ref) {
    std::string out;
    if (!ref.date.empty()) out += ref.date + " ";
    out += ref.title;
    if (!ref.status.empty() && ref.status != "unknown") out += " (" + ref.status + ")";
    return out;
}

void print_evidence(std::ostream& out, const std::vector<Evidence>& evidence, const Style& style) {
    std::size_t shown = 0;
    std::string last_source;
    long long last_line = 0;
    for (const auto& e : evidence) {
        if (shown == human_evidence) break;
        bool context_already_shown = e.source == last_source && e.context_line == last_line;
        if (e.context_line > 0 && !context_already_shown)
            out << style.dim(e.source + "-" + std::to_string(e.context_line) + "  " + e.context) << '\n';
        out << style.location(e.source + ":" + std::to_string(e.line)) << "  " << e.text << '\n';
        last_source = e.source;
        last_line = e.line;
        ++shown;
    }
    if (evidence.size() > shown)
        out << "  (" << evidence.size() - shown << (evidence.size() - shown == 1 ? " more line)\n" : " more lines)\n");
}

void print_incidents(std::ostream& out, const std::vector<IncidentRef>& incidents) {
    for (std::size_t i = 0; i < incidents.size() && i < human_incidents; ++i)
        out << (i == 0 ? "  seen before:   " : "                 ") << incident_line(incidents[i]) << '\n';
    if (incidents.size() > human_incidents)
        out << "                 (" << incidents.size() - human_incidents << " more)\n";
}

std::string sources_text(const Report& report) {
    std::string out;
    for (std::size_t i = 0; i < report.sources.size(); ++i) out += (i ? ", " : "") + report.sources[i];
    return out;
}

std::string replace_all(std::string_view text, const std::pair<char, const char*>* table, std::size_t n) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        bool replaced = false;
        for (std::size_t i = 0; i < n; ++i)
            if (table[i].first == c) {
                out += table[i].second;
                replaced = true;
                break;
            }
        if (!replaced) out += c;
    }
    return out;
}

}  // namespace

std::string to_string(EvidenceKind kind) {
    switch (kind) {
        case EvidenceKind::signature: return "signature";
        case EvidenceKind::incident: return "incident";
        case EvidenceKind::similar: return "similar";
        case EvidenceKind::keywords: return "keywords";
        case EvidenceKind::cleared: return "cleared";
    }
    return "signature";
}

std::string shell_quote(std::string_view value) {
    if (plain_word(value)) return std::string(value);
    std::string out = "'";
    for (char c : value) {
        if (c == '\'') out += "'\\''";
        else out += c;
    }
    return out + "'";
}

std::string run_command(const kb::Runbook& runbook, const kb::ParamValues& params,
                        const std::vector<std::string>& prefix) {
    std::string out = "deja";
    for (const auto& word : prefix) out += " " + shell_quote(word);
    out += " run " + shell_quote(runbook.id);
    std::vector<std::string> order;
    for (const auto& p : runbook.params)
        if (params.count(p.name)) order.push_back(p.name);
    for (const auto& [name, value] : params)
        if (!runbook.param(name)) order.push_back(name);
    for (const auto& name : order) {
        const std::string& value = params.at(name);
        // A log line is shown with its credentials masked; the command that
        // follows it must not print them either: the value comes from the
        // reader's environment instead, as on the site.
        if (!kb::hidden_parts(value, kb::is_secret(runbook, name)).empty())
            out += " --param " + name + "=\"$" + name + "\"";
        else
            out += " --param " + shell_quote(name + "=" + value);
    }
    return out;
}

nlohmann::json to_json(const Report& report) {
    auto match_json = [](const Match& m) {
        nlohmann::ordered_json j;
        j["runbook"] = m.runbook ? nlohmann::ordered_json(*m.runbook) : nlohmann::ordered_json(nullptr);
        j["title"] = m.title;
        j["confidence"] = m.confidence;
        nlohmann::ordered_json evidence = nlohmann::ordered_json::array();
        for (const auto& e : m.evidence) {
            nlohmann::ordered_json ej;
            ej["source"] = e.source;
            ej["line"] = e.line;
            ej["text"] = e.text;
            ej["signature"] = e.signature;
            ej["kind"] = to_string(e.kind);
            evidence.push_back(std::move(ej));
        }
        j["evidence"] = std::move(evidence);
        nlohmann::ordered_json incidents = nlohmann::ordered_json::array();
        for (const auto& i : m.incidents) incidents.push_back(i.id);
        j["incidents"] = std::move(incidents);
        nlohmann::ordered_json params = nlohmann::ordered_json::object();
        for (const auto& [k, v] : m.shown_params) params[k] = v;
        j["params"] = std::move(params);
        j["missing"] = m.missing;
        j["command"] = m.command.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(m.command);
        return j;
    };
    nlohmann::ordered_json j;
    j["sources"] = report.sources;
    j["lines"] = report.lines;
    j["matches"] = nlohmann::ordered_json::array();
    for (const auto& m : report.matches) j["matches"].push_back(match_json(m));
    j["near_misses"] = nlohmann::ordered_json::array();
    for (const auto& m : report.near_misses) j["near_misses"].push_back(match_json(m));
    // Sources are file names as given: make sure the document is valid UTF-8.
    return nlohmann::json::parse(j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

void print_human(std::ostream& out, const Report& report, Colour colour) {
    Style style{colour};
    bool first = true;
    bool cause_above = false;  // causes come first; a symptom alone has none
    for (const auto& m : report.matches) {
        if (!first) out << '\n';
        first = false;
        print_evidence(out, m.evidence, style);
        std::string confidence = "   (confidence " + format_confidence(m.confidence) + ")";
        if (m.runbook) {
            std::string label = m.symptom ? "  symptom:       " : "  known failure: ";
            out << label << (m.symptom ? style.warn(*m.runbook) : style.good(*m.runbook)) << " \xE2\x80\x94 " << m.title
                << confidence;
            if (m.symptom && cause_above) out << ", a consequence of the failure above";
            out << '\n';
            print_incidents(out, m.incidents);
            out << "  fix:           " << style.bold(m.command) << '\n';
            if (!m.missing.empty()) {
                std::string needs;
                for (const auto& name : m.missing) needs += (needs.empty() ? "--param " : ", --param ") + name + "=…";
                out << "  still needs:   " << needs << " (not in the log)\n";
            }
        } else {
            out << "  known failure: " << m.title << " (no runbook yet)" << confidence << '\n';
            print_incidents(out, m.incidents);
            if (!m.incidents.empty()) out << "  read:          " << style.bold("deja show " + m.incidents.front().id) << '\n';
        }
        cause_above = cause_above || !m.symptom;
    }
    if (!report.matches.empty()) return;
    out << "no known failure in " << sources_text(report) << " (" << report.lines
        << (report.lines == 1 ? " line)" : " lines)") << '\n';
    if (report.near_misses.empty()) return;
    out << "closest candidates, not confident enough to suggest:\n";
    for (const auto& m : report.near_misses) {
        out << "  " << (m.runbook ? style.bold(*m.runbook) + " \xE2\x80\x94 " + m.title : m.title + " (incident)") << "   ("
            << format_confidence(m.confidence) << ")\n";
        for (const auto& e : m.evidence)
            out << "    " << style.location(e.source + ":" + std::to_string(e.line)) << "  "
                << (e.kind == EvidenceKind::cleared ? style.dim("then cleared: ") : "") << e.text << '\n';
    }
}

std::string github_escape_data(std::string_view text) {
    static const std::pair<char, const char*> table[] = {{'%', "%25"}, {'\r', "%0D"}, {'\n', "%0A"}};
    return replace_all(text, table, 3);
}

std::string github_escape_property(std::string_view text) {
    static const std::pair<char, const char*> table[] = {
        {'%', "%25"}, {'\r', "%0D"}, {'\n', "%0A"}, {':', "%3A"}, {',', "%2C"}};
    return replace_all(text, table, 5);
}

void print_github(std::ostream& out, const Report& report) {
    std::size_t errors = 0, warnings = 0, left_out = 0;
    for (const auto& m : report.matches) {
        std::size_t& count = m.symptom ? warnings : errors;
        if (count == github_annotations) {
            ++left_out;
            continue;
        }
        ++count;
        std::string properties;
        if (!m.evidence.empty() && m.evidence.front().source != "stdin") {
            properties += "file=" + github_escape_property(m.evidence.front().source) +
                          ",line=" + std::to_string(m.evidence.front().line) + ",";
        }
        std::string title = "deja: " + (m.runbook ? *m.runbook : std::string("known incident")) + " (confidence " +
                            format_confidence(m.confidence) + ")";
        properties += "title=" + github_escape_property(title);
        std::string message;
        if (!m.evidence.empty()) message += m.evidence.front().text + "\n";
        message += (m.symptom ? "Symptom: " : "Known failure: ") + m.title + "\n";
        if (!m.incidents.empty()) message += "Seen before: " + incident_line(m.incidents.front()) + "\n";
        if (!m.command.empty()) message += "Fix: " + m.command;
        else if (!m.incidents.empty()) message += "Read: deja show " + m.incidents.front().id;
        message = truncate_utf8(message, github_message_bytes);
        out << (m.symptom ? "::warning " : "::error ") << properties << "::" << github_escape_data(message) << '\n';
    }
    if (left_out > 0) {
        // GitHub drops annotations past its limit without a word: say so.
        std::string message = std::to_string(left_out) + (left_out == 1 ? " more known failure" : " more known failures") +
                              " not annotated (GitHub shows " + std::to_string(github_annotations) +
                              " of each kind per step); run deja match on the log to see all " +
                              std::to_string(report.matches.size()) + ".";
        out << "::notice title=" << github_escape_property("deja: more known failures") << "::"
            << github_escape_data(message) << '\n';
    }
    if (!report.matches.empty()) return;
    std::string message = "No known failure in " + sources_text(report) + " (" + std::to_string(report.lines) + (report.lines == 1 ? " line)." : " lines).");
    for (const auto& m : report.near_misses)
        message += "\nClosest, not confident: " + (m.runbook ? *m.runbook : m.title) + " (" +
                   format_confidence(m.confidence) + ")";
    message = truncate_utf8(message, github_message_bytes);
    out << "::notice title=" << github_escape_property("deja: no known failure") << "::" << github_escape_data(message)
        << '\n';
}

}  // namespace match
