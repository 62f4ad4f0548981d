// What scanning gathers before ranking: for each runbook (and each incident
// without a runbook) the distinct log lines that point at it, and a bounded
// sample of the log's error lines for near misses and incident drafts.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "kb/model.hpp"
#include "match/report.hpp"

namespace match::detail {

struct SignatureHit {
    std::uint32_t signature = 0;
    double strength = 0;
    kb::ParamValues params;
};

struct TemplateHit {
    std::uint32_t template_index = 0;
    double strength = 0;
    bool exact = false;
};

struct LineRecord {
    std::size_t source = 0;
    long long line = 0;
    std::string text;  // cleaned
    std::uint64_t hash = 0;  // of the normalised text: lines of one template are one piece of evidence
    long long context_line = 0;
    std::string context;
    std::vector<SignatureHit> signatures;
    std::vector<TemplateHit> templates;
};

// Distinct lines (by template, in each source) pointing at one runbook or incident.
struct Candidate {
    static constexpr std::size_t max_lines = 20;
    std::map<std::pair<std::uint64_t, std::size_t>, std::size_t> by_template;  // (hash, source) -> line
    std::vector<LineRecord> lines;
    long long repeats = 0;
    std::map<std::size_t, long long> last_line;  // by source: the last line of evidence, kept or not
};

// The last line of a source that matched one of a runbook's cleared_by patterns.
struct ClearedLine {
    long long line = 0;
    std::string text;  // cleaned
    std::uint32_t signature = 0;  // the compiled cleared_by pattern
};

enum class LineState { raw, cleaned };

struct SampleLine {
    std::size_t source = 0;
    long long line = 0;
    std::string text;
    LineState state = LineState::cleaned;  // raw lines are cleaned when used
};

struct Collected {
    std::vector<std::string> sources;
    long long lines = 0;
    std::map<std::size_t, Candidate> runbooks;   // by runbook index
    std::map<std::size_t, Candidate> incidents;  // by incident index, no runbook to credit
    std::map<std::pair<std::size_t, std::size_t>, ClearedLine> cleared;  // by (runbook, source)
    std::map<std::pair<std::size_t, std::uint32_t>, long long> after_seen;  // (source, gated signature): first line
    // Lines worded somewhat like an incident's error line: near-miss material.
    std::map<std::uint32_t, std::pair<double, SampleLine>> weak_templates;
    std::vector<std::string> input_errors;
    std::vector<SampleLine> first_errors;
    std::vector<SampleLine> last_errors;  // ring buffer
    std::size_t last_next = 0;
};

Report rank(const Matcher& matcher, Collected&& collected, const Options& options);

}  // namespace match::detail
