#include "match/lint.hpp"

#include <re2/re2.h>

#include <algorithm>
#include <array>
#include <map>
#include <set>

#include "kb/paths.hpp"
#include "match/report.hpp"
#include "match/text.hpp"

namespace match {

namespace {

namespace fs = std::filesystem;

// Below this a signature says little more than "something failed".
constexpr double min_signature_weight = 8;
constexpr std::size_t max_passing_reports = 3;  // per signature

// Lines any failing job prints: a signature that matches one of them would
// be evidence for every failure.
constexpr std::array<const char*, 12> generic_lines = {
    "Process completed with exit code 1.",
    "Error: Process completed with exit code 1.",
    "exit status 1",
    "Error: exit status 2",
    "make: *** [Makefile:12: all] Error 1",
    "npm ERR! code ELIFECYCLE",
    "ERROR: Job failed: exit code 1",
    "error: command failed",
    "FAILED",
    "Error",
    "fatal error",
    "script returned exit code 1",
};

kb::Diagnostic at_signature(const kb::Runbook& r, std::size_t index, kb::Severity severity, std::string message) {
    return {r.path, r.signatures[index].line, severity,
            "signature " + std::to_string(index + 1) + " (" + r.signatures[index].pattern + "): " + message};
}

kb::Diagnostic at_example(const kb::Runbook& r, std::size_t index, std::string message) {
    return {r.path, r.examples[index].line, kb::Severity::error,
            "example " + std::to_string(index + 1) + ": " + message};
}

void check_signatures(const kb::KnowledgeBase& k, const Matcher& matcher, std::vector<kb::Diagnostic>& out) {
    for (const auto& sig : matcher.signatures()) {
        const auto& r = k.runbooks[sig.runbook];
        const re2::RE2* re = sig.regex();
        if (!re) continue;  // kb's lint reports patterns RE2 rejects
        const bool matches_empty = RE2::PartialMatch("", *re);
        if (sig.role != Role::evidence) {
            // Never evidence, so only an empty match is a mistake: it would let
            // every signature count (after) or clear every failure (cleared_by).
            if (matches_empty)
                out.push_back({r.path, matcher.source_of(sig).line, kb::Severity::error,
                               std::string(sig.role == Role::after ? "signature's after" : "cleared_by pattern") +
                                   " (" + sig.pattern + ") matches an empty line"});
            continue;
        }
        if (matches_empty) {
            out.push_back(at_signature(r, sig.index, kb::Severity::error, "it matches an empty line"));
            continue;
        }
        for (const char* line : generic_lines) {
            if (RE2::PartialMatch(line, *re)) {
                out.push_back(at_signature(r, sig.index, kb::Severity::error,
                                           std::string("too generic: it matches \"") + line +
                                               "\", which every failing job prints"));
                break;
            }
        }
        if (sig.info().ok && sig.info().weight < min_signature_weight)
            out.push_back(at_signature(r, sig.index, kb::Severity::error,
                                       "too generic: it says little beyond common error words; anchor it on what "
                                       "makes this failure this failure (a message, an identifier, a code)"));
        if (!r.params.empty()) {
            for (const auto& [name, index] : re->NamedCapturingGroups())
                if (!r.param(name))
                    out.push_back(at_signature(r, sig.index, kb::Severity::error,
                                               "named group " + name + " is not a param of " + r.id));
            for (const auto& [name, value] : r.signatures[sig.index].params)
                if (!r.param(name))
                    out.push_back(at_signature(r, sig.index, kb::Severity::error,
                                               "params sets " + name + ", which is not a param of " + r.id));
        }
    }
}

std::string describe_params(const kb::ParamValues& params) {
    if (params.empty()) return "no params";
    std::string out;
    for (const auto& [k, v] : params) out += (out.empty() ? "" : ", ") + k + "=" + v;
    return out;
}

void check_examples(const kb::KnowledgeBase& k, const Matcher& matcher, std::vector<kb::Diagnostic>& out) {
    for (const auto& r : k.runbooks) {
        for (std::size_t e = 0; e < r.examples.size(); ++e) {
            const auto& example = r.examples[e];
            auto report = scan(matcher, {Input::from_text(r.path, example.text)});
            if (!report) {
                out.push_back(at_example(r, e, report.error().message));
                continue;
            }
            if (report->matches.empty()) {
                std::string closest;
                if (!report->near_misses.empty()) {
                    const auto& near = report->near_misses.front();
                    closest = "; closest: " + (near.runbook ? *near.runbook : near.title) + " (confidence " +
                              std::to_string(near.confidence).substr(0, 4) + ")";
                }
                out.push_back(at_example(r, e, "not recognised as any known failure" + closest));
                continue;
            }
            const auto& top = report->matches.front();
            if (top.runbook != std::optional<std::string>(r.id)) {
                out.push_back(at_example(r, e, "ranks " + (top.runbook ? *top.runbook : "incident " + top.title) +
                                                   " first, not " + r.id));
                continue;
            }
            for (const auto& [name, expected] : example.params) {
                auto it = top.params.find(name);
                if (it == top.params.end() || it->second != expected) {
                    out.push_back(at_example(r, e, "expected " + name + "=" + expected + ", the log gives " +
                                                       describe_params(top.params)));
                    break;
                }
            }
        }
    }
}

// The corpus's logs: its README, which quotes the words the logs are full
// of, is no run.
std::vector<fs::path> corpus_files(const fs::path& dir) {
    std::vector<fs::path> files;
    std::error_code ec;
    for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
        if (it->is_regular_file(ec) && it->path().extension() == ".log" && it->path().filename().string().front() != '.')
            files.push_back(it->path());
    std::sort(files.begin(), files.end());
    return files;
}

void check_passing(const kb::KnowledgeBase& k, const Matcher& matcher, const fs::path& corpus,
                   std::vector<kb::Diagnostic>& out) {
    Options options;
    options.threshold = 0;  // any signature hit, however weak
    options.max_evidence = 1000;
    std::map<std::pair<std::string, std::string>, std::size_t> reported;  // (runbook, pattern) -> count
    for (const auto& file : corpus_files(corpus)) {
        auto report = scan(matcher, {Input::file(file)}, options);
        if (!report) {
            out.push_back({file.string(), 0, kb::Severity::error, report.error().message});
            continue;
        }
        for (const auto& m : report->matches) {
            if (!m.runbook) continue;
            const kb::Runbook* r = k.runbook(*m.runbook);
            if (!r) continue;
            for (const auto& e : m.evidence) {
                if (e.kind != EvidenceKind::signature) continue;
                if (++reported[{r->id, e.signature}] > max_passing_reports) continue;
                for (std::size_t s = 0; s < r->signatures.size(); ++s) {
                    if (r->signatures[s].pattern != e.signature) continue;
                    out.push_back(at_signature(*r, s, kb::Severity::error,
                                               "matches a line of a passing run (" + e.source + ":" +
                                                   std::to_string(e.line) + ": " + truncate_utf8(e.text, 160) + ")"));
                    break;
                }
            }
        }
    }
}

}  // namespace

std::optional<fs::path> default_passing_corpus() {
    auto root = kb::bundled_root();
    if (!root) return std::nullopt;
    // Installed beside the knowledge base, or in the source tree.
    for (const fs::path& corpus : {*root / "passing", *root / "tests" / "fixtures" / "passing"}) {
        std::error_code ec;
        if (fs::is_directory(corpus, ec)) return corpus;
    }
    return std::nullopt;
}

std::vector<kb::Diagnostic> lint(const kb::KnowledgeBase& knowledge_base,
                                 const std::optional<fs::path>& passing_corpus) {
    std::vector<kb::Diagnostic> out;
    auto matcher = Matcher::build(knowledge_base);
    if (!matcher) {
        out.push_back({"", 0, kb::Severity::error, matcher.error().message});
        return out;
    }
    for (const auto& note : matcher->notes()) out.push_back(note);
    check_signatures(knowledge_base, *matcher, out);
    check_examples(knowledge_base, *matcher, out);
    if (passing_corpus) check_passing(knowledge_base, *matcher, *passing_corpus, out);
    return out;
}

}  // namespace match
