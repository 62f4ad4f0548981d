// Ranking: from the lines gathered per runbook (or incident) to confident
// matches, their params and commands, causes before symptoms; and, when
// nothing is confident, the closest candidates.
#include <re2/re2.h>

#include <algorithm>
#include <cmath>
#include <optional>
#include <set>

#include "kb/secrets.hpp"
#include "match/clean.hpp"
#include "match/collect.hpp"
#include "match/normalise.hpp"
#include "match/report.hpp"
#include "match/text.hpp"

namespace match::detail {

namespace {

constexpr std::size_t max_text = 500;
constexpr double max_confidence = 0.99;
constexpr double similar_near_miss_scale = 0.6;
constexpr double keyword_near_miss_scale = 0.45;
constexpr double min_keyword_coverage = 0.5;
constexpr double min_near_miss = 0.1;
// A failure that went away later in the log (a wait loop that got through)
// is worth showing, never worth suggesting.
constexpr double cleared_near_miss_scale = 0.5;

double round2(double v) { return std::round(v * 100.0) / 100.0; }

double line_strength(const LineRecord& line) {
    double sig = 0, tpl = 0;
    for (const auto& h : line.signatures) sig = std::max(sig, h.strength);
    for (const auto& h : line.templates) tpl = std::max(tpl, h.strength);
    // The same line recognised twice says less than two different lines.
    double tpl_share = sig > 0 ? 0.5 : 1.0;
    return 1.0 - (1.0 - sig) * (1.0 - tpl_share * tpl);
}

// Distinct lines add up, each one counting half as much as the one before.
double combine(std::vector<double> strengths) {
    std::sort(strengths.rbegin(), strengths.rend());
    double miss = 1.0, share = 1.0;
    for (double s : strengths) {
        miss *= 1.0 - s * share;
        share *= 0.5;
    }
    return std::min(max_confidence, 1.0 - miss);
}

Evidence to_evidence(const std::vector<std::string>& sources, const LineRecord& line, const Matcher& m) {
    Evidence e;
    e.source = sources.at(line.source);
    e.line = line.line;
    e.text = shown_line(line.text, max_text);
    if (line.context_line > 0) {
        e.context_line = line.context_line;
        e.context = shown_line(line.context, max_text);
    }
    if (!line.signatures.empty()) {
        const auto& best = *std::max_element(line.signatures.begin(), line.signatures.end(),
                                             [](const auto& a, const auto& b) { return a.strength < b.strength; });
        e.kind = EvidenceKind::signature;
        e.signature = m.signatures()[best.signature].pattern;
    } else if (!line.templates.empty()) {
        const auto& best = *std::max_element(line.templates.begin(), line.templates.end(),
                                             [](const auto& a, const auto& b) { return a.strength < b.strength; });
        e.kind = best.exact ? EvidenceKind::incident : EvidenceKind::similar;
        e.signature = sanitize_utf8(m.templates()[best.template_index].text);
    }
    return e;
}

std::vector<Evidence> evidence_of(const std::vector<std::string>& sources, const Candidate& c, const Matcher& m,
                                  std::size_t limit) {
    std::vector<const LineRecord*> lines;
    for (const auto& l : c.lines) lines.push_back(&l);
    // The strongest lines when there are too many, shown in log order.
    std::stable_sort(lines.begin(), lines.end(),
                     [](const auto* a, const auto* b) { return line_strength(*a) > line_strength(*b); });
    if (lines.size() > limit) lines.resize(limit);
    std::sort(lines.begin(), lines.end(), [](const auto* a, const auto* b) {
        return std::tie(a->source, a->line) < std::tie(b->source, b->line);
    });
    std::vector<Evidence> out;
    for (const auto* l : lines) out.push_back(to_evidence(sources, *l, m));
    return out;
}

bool full_match(const std::string& pattern, const std::string& value) {
    RE2::Options options;
    options.set_log_errors(false);
    RE2 re(pattern, options);
    return re.ok() && RE2::FullMatch(value, re);
}

// A value taken from the log is offered only when the runbook would accept it.
bool acceptable(const kb::Runbook& runbook, const std::string& name, const std::string& value) {
    if (value.empty()) return false;
    if (runbook.params.empty()) return true;
    const kb::Param* p = runbook.param(name);
    if (!p || p->secret) return false;
    if (!p->choices.empty() && std::find(p->choices.begin(), p->choices.end(), value) == p->choices.end()) return false;
    if (!p->pattern.empty() && !full_match(p->pattern, value)) return false;
    return true;
}

// Adds the values a hit took that the runbook accepts and `params` lacks.
void take_params(const SignatureHit& hit, const kb::Runbook& runbook, kb::ParamValues& params) {
    for (const auto& [name, value] : hit.params)
        if (!params.count(name) && acceptable(runbook, name, value)) params[name] = value;
}

kb::ParamValues params_of(const Candidate& c, const kb::Runbook& runbook) {
    std::vector<const SignatureHit*> hits;
    for (const auto& l : c.lines)
        for (const auto& h : l.signatures) hits.push_back(&h);
    std::stable_sort(hits.begin(), hits.end(), [](const auto* a, const auto* b) { return a->strength > b->strength; });
    kb::ParamValues params;
    for (const auto* h : hits) take_params(*h, runbook, params);
    return params;
}

// A runbook found with different values for one param (two extensions
// missing, two relations) is as many failures, each with its own command:
// its lines are split into groups whose values agree. A line that sets no
// param goes with the line before it. More groups than this are one failure
// repeated with a changing detail (a test worker's database suffix), shown
// by its first few.
constexpr std::size_t max_param_sets = 3;

std::vector<Candidate> split_by_params(Candidate c, const kb::Runbook& runbook) {
    constexpr std::size_t first_group = SIZE_MAX;  // a line before any that sets a param
    constexpr std::size_t dropped = SIZE_MAX - 1;
    std::vector<std::pair<kb::ParamValues, Candidate>> groups;
    std::vector<std::size_t> home(c.lines.size(), first_group);
    std::size_t last = first_group;
    for (std::size_t i = 0; i < c.lines.size(); ++i) {
        kb::ParamValues values;
        for (const auto& h : c.lines[i].signatures) take_params(h, runbook, values);
        if (values.empty()) {
            home[i] = last;
            continue;
        }
        std::size_t g = 0;
        for (; g < groups.size(); ++g) {
            bool agree = std::all_of(values.begin(), values.end(), [&](const auto& kv) {
                auto it = groups[g].first.find(kv.first);
                return it == groups[g].first.end() || it->second == kv.second;
            });
            if (agree) break;
        }
        if (g == groups.size()) {
            if (groups.size() == max_param_sets) {
                home[i] = dropped;
                continue;
            }
            groups.emplace_back();
        }
        groups[g].first.insert(values.begin(), values.end());
        home[i] = last = g;
    }
    if (groups.size() <= 1) return {std::move(c)};
    for (std::size_t i = 0; i < c.lines.size(); ++i) {
        if (home[i] == dropped) continue;
        groups[home[i] == first_group ? 0 : home[i]].second.lines.push_back(std::move(c.lines[i]));
    }
    std::vector<Candidate> out;
    for (auto& [values, group] : groups) out.push_back(std::move(group));
    return out;
}

enum class Seen { in_log, before };

IncidentRef ref_of(const kb::Incident& incident, Seen seen) {
    return {incident.id, incident.title.empty() ? incident.id : incident.title, incident.date, incident.status,
            seen == Seen::in_log};
}

// Seen in this log first, then newest first. Indexes are sorted and only
// then copied out: a runbook can have thousands of incidents.
std::vector<IncidentRef> incidents_for_runbook(const Matcher& m, std::size_t r, const std::set<std::size_t>& seen) {
    const auto& incidents = m.knowledge_base().incidents;
    std::vector<std::size_t> linked(seen.begin(), seen.end());
    linked.insert(linked.end(), m.incidents_of(r).begin(), m.incidents_of(r).end());
    std::sort(linked.begin(), linked.end());
    linked.erase(std::unique(linked.begin(), linked.end()), linked.end());
    std::sort(linked.begin(), linked.end(), [&](std::size_t a, std::size_t b) {
        bool a_seen = seen.count(a) > 0, b_seen = seen.count(b) > 0;
        if (a_seen != b_seen) return a_seen;
        if (incidents[a].date != incidents[b].date) return incidents[a].date > incidents[b].date;
        return incidents[a].id < incidents[b].id;
    });
    std::vector<IncidentRef> refs;
    refs.reserve(linked.size());
    for (auto i : linked) refs.push_back(ref_of(incidents[i], seen.count(i) ? Seen::in_log : Seen::before));
    return refs;
}

std::set<std::size_t> incidents_seen(const Matcher& m, const Candidate& c) {
    std::set<std::size_t> seen;
    for (const auto& l : c.lines)
        for (const auto& h : l.templates) seen.insert(m.templates()[h.template_index].incident);
    return seen;
}

double confidence_of(const Candidate& c) {
    // The same line in two files is one piece of evidence, at its strongest.
    std::map<std::uint64_t, double> by_template;
    for (const auto& l : c.lines) {
        double& s = by_template[l.hash];
        s = std::max(s, line_strength(l));
    }
    std::vector<double> strengths;
    for (const auto& [hash, s] : by_template) strengths.push_back(s);
    return combine(std::move(strengths));
}

struct Ranked {
    Match match;
    double exact_confidence = 0;
    bool cleared = false;  // its failure went away later in the log
    std::pair<std::size_t, long long> first{0, 0};  // earliest evidence
};

std::pair<std::size_t, long long> earliest(const Candidate& c) {
    std::pair<std::size_t, long long> first{SIZE_MAX, 0};
    for (const auto& l : c.lines) first = std::min(first, std::make_pair(l.source, l.line));
    return first;
}

// What a report must not show of the params a match took from the log
// (kb/secrets.hpp): added to `hidden`.
void add_hidden_parts(const kb::Runbook& runbook, const kb::ParamValues& params, std::vector<std::string>& hidden) {
    for (const auto& [name, value] : params)
        for (auto& part : kb::hidden_parts(value, kb::is_secret(runbook, name))) hidden.push_back(std::move(part));
}

// Every occurrence of a hidden part in the lines a report shows, masked.
void hide(std::vector<Evidence>& evidence, const std::vector<std::string>& hidden) {
    for (auto& e : evidence) {
        e.text = kb::mask_parts(e.text, hidden);
        e.context = kb::mask_parts(e.context, hidden);
    }
}

Match runbook_match(const Matcher& m, std::size_t r, const Candidate& c, const std::vector<std::string>& sources,
                    const Options& options) {
    const auto& runbook = m.runbook(r);
    Match match;
    match.runbook = runbook.id;
    match.title = runbook.title.empty() ? runbook.id : runbook.title;
    match.evidence = evidence_of(sources, c, m, options.max_evidence);
    match.incidents = incidents_for_runbook(m, r, incidents_seen(m, c));
    match.params = params_of(c, runbook);
    for (const auto& [name, value] : match.params)
        match.shown_params[name] = kb::shown_value(value, kb::is_secret(runbook, name));
    match.command = run_command(runbook, match.params, options.command_prefix);
    for (const auto& param : runbook.params)
        if (param.required && !param.default_value && !match.params.count(param.name)) match.missing.push_back(param.name);
    match.symptom = m.is_symptom(r);
    return match;
}

Match incident_match(const Matcher& m, std::size_t i, const Candidate& c, const std::vector<std::string>& sources,
                     const Options& options) {
    const auto& incident = m.knowledge_base().incidents[i];
    Match match;
    match.title = incident.title.empty() ? incident.id : incident.title;
    match.evidence = evidence_of(sources, c, m, options.max_evidence);
    match.incidents = {ref_of(incident, Seen::in_log)};
    return match;
}

void order(std::vector<Ranked>& ranked) {
    std::stable_sort(ranked.begin(), ranked.end(), [](const Ranked& a, const Ranked& b) {
        if (a.match.symptom != b.match.symptom) return !a.match.symptom;
        if (a.exact_confidence != b.exact_confidence) return a.exact_confidence > b.exact_confidence;
        return a.first < b.first;
    });
}

// The closest candidates when nothing is confident.
std::vector<Match> near_misses(const Matcher& m, const Collected& c, std::vector<Ranked> weak, const Options& options) {
    const auto& kb = m.knowledge_base();
    std::map<std::string, Ranked> best;  // by runbook id or "incident:" id
    auto offer = [&](Ranked r, const std::string& key) {
        auto it = best.find(key);
        // The failure seen and then cleared says more than any resemblance.
        if (it == best.end() || (!it->second.cleared && it->second.exact_confidence < r.exact_confidence))
            best[key] = std::move(r);
    };
    for (auto& r : weak) {
        std::string key = r.match.runbook ? *r.match.runbook : "incident:" + r.match.incidents.front().id;
        offer(std::move(r), key);
    }
    auto line_evidence = [&](const SampleLine& line, EvidenceKind kind, std::string signature) {
        Evidence e;
        e.source = c.sources.at(line.source);
        e.line = line.line;
        e.text = shown_line(line.text, max_text);
        e.kind = kind;
        e.signature = sanitize_utf8(signature);
        return e;
    };
    auto offer_template = [&](std::uint32_t index, double sim, const SampleLine& line) {
        const auto& t = m.templates()[index];
        double confidence = std::min(options.threshold - 0.01, t.strength * sim * similar_near_miss_scale);
        Ranked r;
        r.exact_confidence = confidence;
        r.match.confidence = round2(confidence);
        r.match.evidence = {line_evidence(line, EvidenceKind::similar, t.text)};
        if (t.runbooks.empty()) {
            const auto& incident = kb.incidents[t.incident];
            r.match.title = incident.title.empty() ? incident.id : incident.title;
            r.match.incidents = {ref_of(incident, Seen::before)};
            offer(std::move(r), "incident:" + incident.id);
        } else {
            std::size_t rb = t.runbooks.front();
            r.match.runbook = kb.runbooks[rb].id;
            r.match.title = kb.runbooks[rb].title;
            r.match.incidents = incidents_for_runbook(m, rb, {});
            offer(std::move(r), kb.runbooks[rb].id);
        }
    };
    for (const auto& [index, weak_line] : c.weak_templates) offer_template(index, weak_line.first, weak_line.second);

    std::vector<const SampleLine*> sample;
    for (const auto& l : c.first_errors) sample.push_back(&l);
    for (const auto& l : c.last_errors) sample.push_back(&l);
    // Every signature's words, only when there is a line to compare them
    // with: analysing each signature is not free.
    std::vector<std::vector<std::string>> signature_tokens;
    if (!sample.empty()) {
        for (const auto& sig : m.signatures()) {
            if (sig.role != Role::evidence) {
                signature_tokens.emplace_back();
                continue;
            }
            std::string joined;
            for (const auto& run : sig.info().required) joined += run + ' ';
            signature_tokens.push_back(template_tokens(joined));
        }
    }
    for (const auto* line : sample) {
        auto tokens = template_tokens(message_core(normalise(line->text)));
        auto weights = token_weights(tokens);
        for (std::uint32_t t = 0; t < m.templates().size(); ++t) {
            const auto& templ = m.templates()[t];
            double sim = similarity(templ.tokens, templ.weights, tokens, weights);
            if (sim >= 0.35) offer_template(t, sim, *line);
        }
        for (std::size_t s = 0; s < m.signatures().size(); ++s) {
            if (signature_tokens[s].empty()) continue;
            double cover = coverage(signature_tokens[s], tokens);
            if (cover < min_keyword_coverage) continue;
            const auto& sig = m.signatures()[s];
            const auto& runbook = kb.runbooks[sig.runbook];
            double confidence = std::min(options.threshold - 0.01, keyword_near_miss_scale * cover);
            Ranked r;
            r.exact_confidence = confidence;
            r.match.confidence = round2(confidence);
            r.match.runbook = runbook.id;
            r.match.title = runbook.title.empty() ? runbook.id : runbook.title;
            r.match.evidence = {line_evidence(*line, EvidenceKind::keywords, sig.pattern)};
            r.match.incidents = incidents_for_runbook(m, sig.runbook, {});
            offer(std::move(r), runbook.id);
        }
    }
    std::vector<Ranked> ranked;
    for (auto& [key, r] : best)
        if (r.exact_confidence >= min_near_miss) ranked.push_back(std::move(r));
    std::stable_sort(ranked.begin(), ranked.end(),
                     [](const Ranked& a, const Ranked& b) { return a.exact_confidence > b.exact_confidence; });
    std::vector<Match> out;
    for (auto& r : ranked) {
        if (out.size() == options.max_near_misses) break;
        r.match.command.clear();
        r.match.params.clear();
        out.push_back(std::move(r.match));
    }
    return out;
}

std::vector<Evidence> error_lines_of(const Collected& c) {
    std::vector<const SampleLine*> lines;
    for (const auto& l : c.first_errors) lines.push_back(&l);
    for (const auto& l : c.last_errors) lines.push_back(&l);
    std::sort(lines.begin(), lines.end(), [](const auto* a, const auto* b) {
        return std::tie(a->source, a->line) < std::tie(b->source, b->line);
    });
    std::vector<Evidence> out;
    std::set<std::string> seen;
    for (const auto* l : lines) {
        if (!seen.insert(l->text).second) continue;
        Evidence e;
        e.source = c.sources.at(l->source);
        e.line = l->line;
        e.text = shown_line(l->text, max_text);
        out.push_back(std::move(e));
    }
    return out;
}

// Evidence from a source where one of the runbook's cleared_by lines comes
// after its last evidence line does not count. When that leaves none, the
// runbook is a near miss that shows the failure and the line that cleared it.
std::optional<Ranked> clear(const Matcher& m, std::size_t r, Candidate& candidate, const Collected& c,
                            const Options& options) {
    std::set<std::size_t> cleared_sources;
    std::pair<std::size_t, const ClearedLine*> shown{0, nullptr};  // the last source's clearing line
    for (const auto& [source, last] : candidate.last_line) {
        auto found = c.cleared.find({r, source});
        if (found == c.cleared.end() || found->second.line <= last) continue;
        cleared_sources.insert(source);
        shown = {source, &found->second};
    }
    if (cleared_sources.empty()) return std::nullopt;
    auto still_failing = [&](const LineRecord& l) { return !cleared_sources.count(l.source); };
    if (std::any_of(candidate.lines.begin(), candidate.lines.end(), still_failing)) {
        std::erase_if(candidate.lines, [&](const LineRecord& l) { return !still_failing(l); });
        return std::nullopt;
    }
    Ranked ranked;
    ranked.cleared = true;
    ranked.exact_confidence = std::min(options.threshold - 0.01, confidence_of(candidate) * cleared_near_miss_scale);
    ranked.first = earliest(candidate);
    ranked.match = runbook_match(m, r, candidate, c.sources, options);
    const auto& [source, clearing] = shown;
    Evidence e;
    e.source = c.sources.at(source);
    e.line = clearing->line;
    e.text = shown_line(clearing->text, max_text);
    e.kind = EvidenceKind::cleared;
    e.signature = m.signatures()[clearing->signature].pattern;
    ranked.match.evidence.push_back(std::move(e));
    return ranked;
}

// Raw sampled lines are cleaned now; notices and generic lines are dropped.
void clean_samples(std::vector<SampleLine>& lines) {
    std::vector<SampleLine> kept;
    for (auto& l : lines) {
        if (l.state == LineState::raw) {
            l.text = sanitize_utf8(clean_line(l.text));
            l.state = LineState::cleaned;
            if (l.text.empty() || is_notice(l.text) || is_generic(l.text)) continue;
        }
        kept.push_back(std::move(l));
    }
    lines = std::move(kept);
}

}  // namespace

Report rank(const Matcher& m, Collected&& c, const Options& options) {
    clean_samples(c.first_errors);
    clean_samples(c.last_errors);
    Report report;
    report.sources = c.sources;
    report.lines = c.lines;

    std::vector<Ranked> all, cleared;
    // A credential a signature took from a line (a token, a URL's password)
    // is masked wherever the report shows that line, as well as in params.
    std::vector<std::string> hidden;
    for (auto& [r, candidate] : c.runbooks) {
        if (auto gone = clear(m, r, candidate, c, options)) {
            cleared.push_back(std::move(*gone));
            continue;
        }
        for (auto& part : split_by_params(std::move(candidate), m.runbook(r))) {
            Ranked ranked;
            ranked.exact_confidence = confidence_of(part);
            ranked.first = earliest(part);
            ranked.match = runbook_match(m, r, part, c.sources, options);
            add_hidden_parts(m.runbook(r), ranked.match.params, hidden);
            all.push_back(std::move(ranked));
        }
    }
    for (const auto& [i, candidate] : c.incidents) {
        Ranked ranked;
        ranked.exact_confidence = confidence_of(candidate);
        ranked.first = earliest(candidate);
        ranked.match = incident_match(m, i, candidate, c.sources, options);
        all.push_back(std::move(ranked));
    }

    std::vector<Ranked> confident, weak = std::move(cleared);
    for (auto& r : all) (r.exact_confidence >= options.threshold ? confident : weak).push_back(std::move(r));

    // A symptom never outranks a cause found in the same log.
    double weakest_cause = 1.0;
    bool has_cause = false;
    for (const auto& r : confident)
        if (!r.match.symptom) {
            has_cause = true;
            weakest_cause = std::min(weakest_cause, r.exact_confidence);
        }
    if (has_cause)
        for (auto& r : confident)
            if (r.match.symptom)
                r.exact_confidence = std::max(options.threshold, std::min(r.exact_confidence, weakest_cause - 0.01));
    order(confident);
    for (auto& r : confident) {
        r.match.confidence = round2(r.exact_confidence);
        report.matches.push_back(std::move(r.match));
    }
    if (report.matches.empty()) {
        for (auto& r : weak) r.match.confidence = round2(r.exact_confidence);
        report.near_misses = near_misses(m, c, std::move(weak), options);
    }
    report.error_lines = error_lines_of(c);
    if (!hidden.empty()) {
        for (auto* list : {&report.matches, &report.near_misses})
            for (auto& match : *list) hide(match.evidence, hidden);
        hide(report.error_lines, hidden);
    }
    report.input_errors = std::move(c.input_errors);
    return report;
}

}  // namespace match::detail
