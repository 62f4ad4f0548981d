#include "match/draft.hpp"

#include <ctime>
#include <set>

#include "base/text.hpp"
#include "match/text.hpp"

namespace match {

namespace {

constexpr std::size_t max_error_lines = 40;
constexpr std::size_t max_title = 80;

// A YAML double-quoted scalar (JSON's escapes are YAML's).
std::string yaml_string(const std::string& s) { return nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); }

std::string fence_for(const std::string& content) {
    std::size_t longest = 0, run = 0;
    for (char c : content) {
        run = c == '`' ? run + 1 : 0;
        longest = std::max(longest, run);
    }
    return std::string(std::max<std::size_t>(3, longest + 1), '`');
}

std::string choose_title(const Report& report, const DraftOptions& options) {
    if (!base::text::trim(options.title).empty()) return std::string(base::text::trim(options.title));
    if (!report.matches.empty()) return report.matches.front().title;
    if (!report.error_lines.empty()) return base::text::truncate_words(report.error_lines.front().text, max_title);
    return "Untitled incident";
}

}  // namespace

std::string today() {
    std::time_t now = std::time(nullptr);
    std::tm local{};
    localtime_r(&now, &local);
    char buf[16];
    std::strftime(buf, sizeof buf, "%Y-%m-%d", &local);
    return buf;
}

Draft incident_draft(const Report& report, const DraftOptions& options) {
    Draft draft;
    std::string title = sanitize_utf8(choose_title(report, options));
    std::string date = options.date.empty() ? today() : options.date;
    std::string slug = base::text::slugify(title, 60);
    draft.id = !options.id.empty() ? options.id : date + "-" + (slug.empty() ? "incident" : slug);
    draft.file_name = draft.id + ".md";

    std::vector<std::string> runbooks;
    for (const auto& m : report.matches)
        if (m.runbook && std::find(runbooks.begin(), runbooks.end(), *m.runbook) == runbooks.end())
            runbooks.push_back(*m.runbook);

    std::string& t = draft.text;
    t += "---\n";
    t += "id: " + draft.id + "\n";
    t += "title: " + yaml_string(title) + "\n";
    t += "date: " + date + "\n";
    t += "status: open\n";
    t += "runbooks: [" + base::text::join(runbooks, ", ") + "]\n";
    t += "---\n";
    t += "# " + title + "\n\n";
    t += "## Summary\n\n<!-- What broke, who noticed, how long it lasted, what it blocked. -->\n\n";
    t += "## Symptoms\n\n";

    // Evidence first (it is why the runbooks were suggested), then the other
    // error lines, in log order, each once.
    std::vector<const Evidence*> lines;
    std::set<std::string> seen;
    for (const auto& m : report.matches)
        for (const auto& e : m.evidence)
            if (seen.insert(e.text).second) lines.push_back(&e);
    for (const auto& e : report.error_lines)
        if (seen.insert(e.text).second) lines.push_back(&e);
    std::sort(lines.begin(), lines.end(), [](const Evidence* a, const Evidence* b) {
        return std::tie(a->source, a->line) < std::tie(b->source, b->line);
    });
    if (!lines.empty()) {
        std::string sources = base::text::join(report.sources, ", ");
        t += "Error lines from `" + sources + "`:\n\n";
        std::string block;
        for (std::size_t i = 0; i < lines.size() && i < max_error_lines; ++i) block += lines[i]->text + "\n";
        std::string fence = fence_for(block);
        t += fence + "text\n" + block + fence + "\n";
        if (lines.size() > max_error_lines)
            t += "\n(" + std::to_string(lines.size() - max_error_lines) + " more error lines in the log.)\n";
        t += "\n";
    } else {
        t += "<!-- What was seen: error messages, alerts, failing jobs. -->\n\n";
    }
    t += "## Root cause\n\n<!-- Why it happened. -->\n\n";
    t += "## Resolution\n\n";
    bool suggested = false;
    for (const auto& m : report.matches) {
        if (!m.runbook) continue;
        if (!suggested) t += "Suggested by `deja match`:\n\n";
        suggested = true;
        char confidence[16];
        std::snprintf(confidence, sizeof confidence, "%.2f", m.confidence);
        t += "- [" + m.title + "](../runbooks/" + *m.runbook + ".md) (confidence " + confidence + "): `" + m.command +
             "`\n";
    }
    for (const auto& m : report.matches) {
        if (m.runbook || m.incidents.empty()) continue;
        t += "- Seen before: " + m.incidents.front().id + " (" + m.title + ")\n";
        suggested = true;
    }
    t += suggested ? "\n" : "<!-- What fixed it, with the commands that were run. -->\n\n";
    t += "## Lessons\n\n<!-- What would have caught it earlier; what to change. -->\n";
    return draft;
}

}  // namespace match
