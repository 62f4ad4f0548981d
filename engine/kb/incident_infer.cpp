#include "kb/incident_infer.hpp"

#include <algorithm>
#include <array>
#include <unordered_map>

#include <re2/re2.h>

#include "base/text.hpp"

namespace kb::infer {

namespace {

struct Phrase {
    std::string_view words;
    SectionKind kind;
};

// Multi-word phrases are tried first: they are the most specific.
constexpr std::array<Phrase, 48> heading_phrases = {{
    {"what went well", SectionKind::lessons},      {"went well", SectionKind::lessons},
    {"went wrong", SectionKind::lessons},          {"where we got lucky", SectionKind::lessons},
    {"how did it happen", SectionKind::root_cause}, {"contributing factors", SectionKind::root_cause},
    {"why it failed", SectionKind::root_cause},    {"immediate actions", SectionKind::resolution},
    {"corrective and preventative", SectionKind::action_items}, {"corrective and preventive", SectionKind::action_items},
    {"next steps", SectionKind::action_items},     {"follow ups", SectionKind::action_items},
    {"incident timeline", SectionKind::timeline},  {"five whys", SectionKind::root_cause},
    {"what can be improved", SectionKind::lessons}, {"corrective actions", SectionKind::action_items},
    {"root cause", SectionKind::root_cause},       {"what went wrong", SectionKind::lessons},
    {"why it happened", SectionKind::root_cause},  {"contributing factor", SectionKind::root_cause},
    {"what happened", SectionKind::symptoms},      {"problem statement", SectionKind::symptoms},
    {"problem description", SectionKind::symptoms}, {"what we saw", SectionKind::symptoms},
    {"lessons learned", SectionKind::lessons},     {"lessons learnt", SectionKind::lessons},
    {"next time", SectionKind::lessons},           {"going forward", SectionKind::lessons},
    {"best practice", SectionKind::lessons},       {"best practices", SectionKind::lessons},
    {"action item", SectionKind::action_items},    {"action items", SectionKind::action_items},
    {"follow up", SectionKind::action_items},           {"key learnings", SectionKind::lessons},
    {"key takeaways", SectionKind::lessons},       {"what was fixed", SectionKind::resolution},
    {"how we fixed", SectionKind::resolution},     {"how it was fixed", SectionKind::resolution},
    {"the fix", SectionKind::resolution},          {"steps taken", SectionKind::resolution},
    {"actions taken", SectionKind::resolution},    {"code changes", SectionKind::resolution},
    {"what changed", SectionKind::resolution},     {"executive summary", SectionKind::summary},
    {"tl dr", SectionKind::summary},               {"health check", SectionKind::verification},
    {"how to verify", SectionKind::verification},  {"how we verified", SectionKind::verification},
}};

// Single words, in the order a heading using several is decided by.
constexpr std::array<Phrase, 81> heading_words = {{
    {"timeline", SectionKind::timeline},        {"chronology", SectionKind::timeline},
    {"trigger", SectionKind::root_cause},       {"fault", SectionKind::root_cause},
    {"followups", SectionKind::action_items},
    {"todo", SectionKind::action_items},        {"corrective", SectionKind::action_items},
    {"cause", SectionKind::root_cause},         {"causes", SectionKind::root_cause},
    {"analysis", SectionKind::root_cause},      {"diagnosis", SectionKind::root_cause},
    {"investigation", SectionKind::root_cause}, {"why", SectionKind::root_cause},
    {"debugging", SectionKind::root_cause},     {"lessons", SectionKind::lessons},
    {"lesson", SectionKind::lessons},           {"learnings", SectionKind::lessons},
    {"learned", SectionKind::lessons},          {"learning", SectionKind::lessons},
    {"takeaways", SectionKind::lessons},        {"takeaway", SectionKind::lessons},
    {"preventive", SectionKind::action_items},       {"prevention", SectionKind::action_items},
    {"prevent", SectionKind::action_items},          {"future", SectionKind::lessons},
    {"recommendations", SectionKind::lessons},  {"retrospective", SectionKind::lessons},
    {"verification", SectionKind::verification}, {"verify", SectionKind::verification},
    {"verified", SectionKind::verification},    {"verifying", SectionKind::verification},
    {"validation", SectionKind::verification},  {"validate", SectionKind::verification},
    {"validated", SectionKind::verification},   {"results", SectionKind::verification},
    {"result", SectionKind::verification},      {"testing", SectionKind::verification},
    {"confirmation", SectionKind::verification}, {"outcome", SectionKind::verification},
    {"resolution", SectionKind::resolution},    {"resolved", SectionKind::resolution},
    {"resolve", SectionKind::resolution},       {"fix", SectionKind::resolution},
    {"fixes", SectionKind::resolution},         {"fixed", SectionKind::resolution},
    {"fixing", SectionKind::resolution},        {"solution", SectionKind::resolution},
    {"solutions", SectionKind::resolution},     {"solved", SectionKind::resolution},
    {"remediation", SectionKind::resolution},   {"mitigation", SectionKind::resolution},
    {"mitigations", SectionKind::resolution},   {"workaround", SectionKind::resolution},
    {"recovery", SectionKind::resolution},      {"implementation", SectionKind::resolution},
    {"implemented", SectionKind::resolution},   {"repair", SectionKind::resolution},
    {"changes", SectionKind::resolution},       {"symptoms", SectionKind::symptoms},
    {"symptom", SectionKind::symptoms},         {"problem", SectionKind::symptoms},
    {"problems", SectionKind::symptoms},        {"issue", SectionKind::symptoms},
    {"issues", SectionKind::symptoms},          {"impact", SectionKind::impact},
    {"observed", SectionKind::symptoms},        {"observations", SectionKind::symptoms},
    {"error", SectionKind::symptoms},           {"errors", SectionKind::symptoms},
    {"failure", SectionKind::symptoms},         {"failures", SectionKind::symptoms},
    {"description", SectionKind::symptoms},     {"context", SectionKind::symptoms},
    {"background", SectionKind::symptoms},      {"incident", SectionKind::symptoms},
    {"detection", SectionKind::symptoms},       {"summary", SectionKind::summary},
    {"overview", SectionKind::summary},         {"tldr", SectionKind::summary},
    {"abstract", SectionKind::summary},         {"postmortem", SectionKind::lessons},
}};

// Lower-case words of a heading, numbering and symbols removed:
// "2. ✅ Root-Cause Analysis:" -> "root cause analysis".
std::string normalize_heading(std::string_view heading) {
    std::string words;
    for (char c : heading) {
        char l = base::text::lower_char(c);
        bool alnum = (l >= 'a' && l <= 'z') || (l >= '0' && l <= '9');
        words += alnum ? l : ' ';
    }
    std::string collapsed = base::text::collapse_whitespace(words);
    // Leading numbering: "1", "step 2", "fix 3", "iteration 3 5".
    std::string_view rest = collapsed;
    while (!rest.empty()) {
        auto space = rest.find(' ');
        std::string_view word = rest.substr(0, space);
        bool number = word.find_first_not_of("0123456789") == std::string_view::npos;
        if (!number) break;
        rest = space == std::string_view::npos ? std::string_view{} : rest.substr(space + 1);
    }
    return std::string(rest);
}

bool prose_matches_any(const std::string& lowered, const auto& phrases) {
    for (std::string_view phrase : phrases)
        if (lowered.find(phrase) != std::string::npos) return true;
    return false;
}

}  // namespace

std::optional<LabelLine> label_line(std::string_view line) {
    // Hand-written rather than a capturing regex: it runs on every prose line.
    std::string_view s = base::text::trim(line);
    if (s.size() >= 2 && (s[0] == '-' || s[0] == '*' || s[0] == '+') && (s[1] == ' ' || s[1] == '\t'))
        s = base::text::trim_left(s.substr(2));
    if (s.empty() || !((s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= 'a' && s[0] <= 'z'))) return std::nullopt;
    std::size_t colon = 0;
    std::size_t value_start = 0;
    for (std::size_t i = 1; i < s.size() && i <= 32; ++i) {
        char c = s[i];
        if (c == ':') {
            colon = i;
            value_start = i + 1;
            break;
        }
        if (s.compare(i, 3, "\xEF\xBC\x9A") == 0) {  // full-width colon
            colon = i;
            value_start = i + 3;
            break;
        }
        bool label_char = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == ' ' || c == '/' || c == '_' || c == '-';
        if (!label_char) return std::nullopt;
    }
    if (colon == 0) return std::nullopt;
    std::string_view value = base::text::trim(s.substr(value_start));
    if (value.empty()) return std::nullopt;
    return LabelLine{base::text::lower(base::text::trim(s.substr(0, colon))), std::string(value)};
}

std::string status_from_value(std::string_view value) {
    std::string lowered = base::text::lower(value);
    static constexpr std::array<std::string_view, 9> still_open = {
        "unresolved", "not resolved", "not fixed", "in progress", "investigating", "ongoing", "not yet",
        "under investigation", "still failing"};
    if (prose_matches_any(lowered, still_open)) return "open";
    static constexpr std::array<std::string_view, 11> resolved_words = {
        "resolved", "fixed", "complete", "completed", "done", "closed", "success", "successful",
        "succeeded", "solved", "passing"};
    for (auto word : resolved_words)
        if (base::text::contains_word(lowered, word)) return "resolved";
    // Check marks: ✅ ✔ ☑ ✓
    for (std::string_view mark : {"\u2705", "\u2714", "\u2611", "\u2713"})
        if (lowered.find(mark) != std::string::npos) return "resolved";
    if (base::text::contains_word(lowered, "mitigated") || base::text::contains_word(lowered, "workaround")) return "mitigated";
    if (base::text::contains_word(lowered, "monitoring") || base::text::contains_word(lowered, "watching")) return "monitoring";
    static constexpr std::array<std::string_view, 8> open_words = {"open",   "active",  "blocked", "failing",
                                                                   "pending", "broken", "new",     "todo"};
    for (auto word : open_words)
        if (base::text::contains_word(lowered, word)) return "open";
    return "";
}

std::string status_from_prose(const markdown::Document& doc) {
    static const RE2 claim(R"((?:^|[^a-z])(resolved|fixed|solved|restored|recovered|resumed|remediated)(?:[^a-z]|$))");
    static const RE2 negated(R"((?:not|be|to|will|should|must|gets?|being|needs?|isn't|wasn't|never)\s+(?:yet\s+|been\s+)?$)");
    static constexpr std::array<std::string_view, 18> success_claims = {
        "now works", "now succeed", "now pass", "now working", "now operational", "fully operational",
        "successfully fixed", "successfully resolved", "is now fixed", "back to normal", "returned to normal",
        "working again", "back online", "back up and running", "hotfix released", "hotfix was released",
        "hotfix deployed", "fix was deployed"};
    // Only what says the failure goes on: a timeline's "investigating" or
    // an action item "not yet implemented" is history, not an open incident.
    static constexpr std::array<std::string_view, 14> still_open = {
        "would you like me to", "shall i ", "should i implement", "fixes to implement", "fix to implement",
        "proposed fix", "suggested fix", "still failing", "still ongoing", "is ongoing", "remains unresolved",
        "not yet resolved", "not resolved yet", "still investigating"};
    // One lower-cased copy of the prose, searched phrase by phrase.
    std::string lowered = base::text::lower(doc.plain_text);
    bool resolved = prose_matches_any(lowered, success_claims);
    re2::StringPiece input(lowered);
    re2::StringPiece word;
    const char* start = lowered.data();
    while (!resolved && RE2::FindAndConsume(&input, claim, &word)) {
        std::string_view before(start, static_cast<std::size_t>(word.data() - start));
        before = before.substr(before.size() > 24 ? before.size() - 24 : 0);
        if (auto newline = before.rfind('\n'); newline != std::string_view::npos) before = before.substr(newline + 1);
        if (!RE2::PartialMatch(before, negated)) resolved = true;
    }
    if (resolved) return "resolved";
    if (base::text::contains_word(lowered, "mitigated")) return "mitigated";
    if (prose_matches_any(lowered, still_open)) return "open";
    // A retrospective (a timeline, lessons, action items, a post-mortem) is
    // written once the incident is over.
    static constexpr std::array<std::string_view, 8> retrospective = {
        "timeline", "lessons learned", "lessons learnt", "action items", "follow-ups", "what went well",
        "postmortem", "post-mortem"};
    for (const auto& heading : doc.headings)
        if (prose_matches_any(base::text::lower(heading.text), retrospective)) return "resolved";
    return "unknown";
}

bool is_report_template(const Incident& incident) {
    if (!incident.date.empty()) return false;
    static const RE2 placeholder(
        R"((?i)\b(?:yyyy|[12]0xx)[-/.]mm[-/.]dd\b|\bdd[-/.]mm[-/.](?:yyyy|[12]0xx)\b|\bmm[-/.]dd[-/.]yyyy\b|\{\{\s*[a-z_][a-z_ ]*\}\})");
    return RE2::PartialMatch(incident.title, placeholder) || RE2::PartialMatch(incident.body_markdown, placeholder);
}

std::string severity_from_value(std::string_view value) {
    static const RE2 level(R"((?i)^\W*(critical|high|medium|moderate|low|major|minor|sev[- ]?[0-5]|p[0-5])\b)");
    std::string word;
    if (RE2::PartialMatch(value, level, &word)) return base::text::lower(base::text::replace_all(word, " ", ""));
    return std::string(base::text::trim(value));
}

HeadingClass classify_heading(std::string_view heading) {
    std::string normalized = normalize_heading(heading);
    if (normalized.empty()) return {};
    for (const auto& phrase : heading_phrases)
        if (base::text::contains_word(normalized, phrase.words))
            return {phrase.kind, normalized.starts_with(phrase.words)};
    // Single words: the earliest entry of the table wins, whatever its place in the heading.
    static const std::unordered_map<std::string_view, std::size_t> rank = [] {
        std::unordered_map<std::string_view, std::size_t> out;
        for (std::size_t i = 0; i < heading_words.size(); ++i) out.emplace(heading_words[i].words, i);
        return out;
    }();
    std::size_t best = heading_words.size();
    bool first_word = true, best_is_first = false;
    for (auto word : base::text::split(normalized, ' ')) {
        if (auto it = rank.find(word); it != rank.end() && it->second < best) {
            best = it->second;
            best_is_first = first_word;
        }
        first_word = false;
    }
    if (best == heading_words.size()) return {};
    return {heading_words[best].kind, best_is_first};
}

std::vector<Section> sections(const markdown::Document& doc, std::string_view body, int body_first_line,
                              int title_heading_index) {
    struct Open {
        int level;
        SectionKind kind;
        bool strong;
    };
    struct Range {
        SectionKind kind;
        std::string heading;
        int line;       // heading line (or first body line for text before any heading)
        int body_line;  // first line after the heading
        int level;
        bool has_heading;
    };
    std::vector<Open> stack;
    std::vector<Range> ranges;

    int content_start = body_first_line;
    if (title_heading_index >= 0)
        content_start = doc.headings[static_cast<std::size_t>(title_heading_index)].end_line + 1;

    for (std::size_t i = 0; i < doc.headings.size(); ++i) {
        if (static_cast<int>(i) == title_heading_index) continue;
        const auto& h = doc.headings[i];
        HeadingClass own = classify_heading(h.text);
        while (!stack.empty() && stack.back().level >= h.level) stack.pop_back();
        const Open* ancestor = nullptr;
        for (auto it = stack.rbegin(); it != stack.rend(); ++it)
            if (it->kind != SectionKind::other) {
                ancestor = &*it;
                break;
            }
        SectionKind kind = own.kind;
        if (ancestor && (kind == SectionKind::other || (!own.strong && ancestor->strong))) kind = ancestor->kind;
        // A timeline's entries are its own, whatever they say ("10:00 - Problem starts").
        if (ancestor && ancestor->kind == SectionKind::timeline) kind = SectionKind::timeline;
        stack.push_back({h.level, kind, own.strong || (ancestor && kind == ancestor->kind && ancestor->strong)});
        if (!ranges.empty() && ranges.back().has_heading && ranges.back().kind == kind && h.level > ranges.back().level)
            continue;  // a subsection of the running section
        ranges.push_back({kind, h.text, h.line, std::max(h.line, h.end_line) + 1, h.level, true});
    }

    auto lines = base::text::split_lines(body);
    // File lines [from, to) of the body, trimmed, as bytes of the body (line
    // ends are '\n' by now, so the lines are one run of it).
    auto slice = [&](int from, int to) -> std::pair<std::size_t, std::size_t> {
        auto first = static_cast<std::size_t>(std::max(from, body_first_line) - body_first_line);
        auto last = std::min(static_cast<std::size_t>(std::max(to - body_first_line, 0)), lines.size());
        if (first >= last) return {0, 0};
        auto begin = static_cast<std::size_t>(lines[first].data() - body.data());
        auto end = static_cast<std::size_t>(lines[last - 1].data() + lines[last - 1].size() - body.data());
        std::string_view text = base::text::trim(body.substr(begin, end - begin));
        if (text.empty()) return {0, 0};
        return {static_cast<std::size_t>(text.data() - body.data()), text.size()};
    };

    std::vector<Section> out;
    int end_of_body = body_first_line + static_cast<int>(lines.size());
    int first_range = ranges.empty() ? end_of_body : ranges.front().line;
    if (auto [at, size] = slice(content_start, first_range); size > 0)
        out.push_back({SectionKind::summary, "", at, size, content_start});
    for (std::size_t i = 0; i < ranges.size(); ++i) {
        int next = i + 1 < ranges.size() ? ranges[i + 1].line : end_of_body;
        auto [at, size] = slice(ranges[i].body_line, next);
        out.push_back({ranges[i].kind, ranges[i].heading, at, size, ranges[i].line});
    }
    return out;
}

}  // namespace kb::infer
