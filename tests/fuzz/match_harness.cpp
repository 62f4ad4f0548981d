// Harnesses for what match reads from logs and signatures: one line through
// cleaning and templates, a whole log through the reader (gzip, UTF-16,
// any block size), a signature through the analyser and Vectorscan, a
// signature and a line through RE2 and the prefilter (which must never miss
// a line RE2 matches), and a log through a whole match over a small fixed
// knowledge base.
#include <algorithm>
#include <cmath>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <hs/hs.h>
#include <re2/re2.h>

#include "base/text.hpp"
#include "fuzz/harness.hpp"
#include "kb/load.hpp"
#include "match/clean.hpp"
#include "match/input.hpp"
#include "match/matcher.hpp"
#include "match/normalise.hpp"
#include "match/output.hpp"
#include "match/pattern.hpp"
#include "match/report.hpp"
#include "match/text.hpp"

namespace fuzz {
namespace {

bool within(std::string_view part, std::string_view whole) {
    return part.empty() || (part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size());
}

// One Vectorscan expression compiled in block mode, with its scratch.
class Expression {
public:
    Expression() = default;
    Expression(const Expression&) = delete;
    Expression& operator=(const Expression&) = delete;
    // False when Vectorscan refuses the expression with these flags (error() says why).
    bool compile(const std::string& expression, unsigned flags) {
        hs_compile_error_t* error = nullptr;
        if (hs_compile(expression.c_str(), flags, HS_MODE_BLOCK, nullptr, &db_, &error) != HS_SUCCESS) {
            error_ = error && error->message ? error->message : "";
            hs_free_compile_error(error);
            db_ = nullptr;
            return false;
        }
        expect(hs_alloc_scratch(db_, &scratch_) == HS_SUCCESS, "Vectorscan allocates scratch for what it compiled");
        return true;
    }
    bool fires(std::string_view text) const {
        bool found = false;
        hs_scan(db_, text.data(), static_cast<unsigned>(text.size()), 0, scratch_,
                [](unsigned, unsigned long long, unsigned long long, unsigned, void* context) -> int {
                    *static_cast<bool*>(context) = true;
                    return 1;
                },
                &found);
        return found;
    }
    const std::string& error() const { return error_; }
    ~Expression() {
        hs_free_scratch(scratch_);
        hs_free_database(db_);
    }

private:
    hs_database_t* db_ = nullptr;
    hs_scratch_t* scratch_ = nullptr;
    std::string error_;
};

std::unique_ptr<RE2> compile_re2(std::string_view pattern) {
    RE2::Options options;
    options.set_log_errors(false);
    return std::make_unique<RE2>(re2::StringPiece(pattern.data(), pattern.size()), options);
}

// Every line of a stream read with these sizes, or nullopt when reading failed.
std::optional<std::vector<std::string>> read_lines(std::string_view bytes, std::size_t block_size, std::size_t max_line,
                                                   std::size_t buffers) {
    auto source = match::open_input(match::Input::from_text("fuzz.log", std::string(bytes)));
    if (!source) return std::nullopt;
    match::LineBlocks blocks(**source, "fuzz.log", block_size, max_line, buffers);
    std::vector<std::string> lines;
    // The blocks handed out last, as they were handed out: each must stay
    // as it was until `buffers` more calls.
    std::vector<std::pair<std::span<char>, std::string>> recent;
    constexpr std::size_t max_lines = 20000;
    for (;;) {
        auto block = blocks.next();
        if (!block) return std::nullopt;
        for (const auto& [span, copy] : recent)
            expect(std::string_view(span.data(), span.size()) == copy, "a block stays valid for `buffers` calls");
        if (block->empty()) break;
        std::string_view text(block->data(), block->size());
        expect(text.back() == '\n', "a block ends with a whole line");
        for (std::size_t start = 0; start < text.size();) {
            std::size_t end = text.find('\n', start);
            expect(end - start <= std::max(block_size, max_line + 1), "a line is never longer than a block");
            lines.emplace_back(text.substr(start, end - start));
            start = end + 1;
        }
        recent.emplace_back(*block, std::string(text));
        if (recent.size() >= buffers) recent.erase(recent.begin());
        // A small gzip stream can hold a large log: what it says past this
        // many lines is no different.
        if (lines.size() >= max_lines) {
            lines.resize(max_lines);
            break;
        }
    }
    return lines;
}

}  // namespace

void clean(std::string_view bytes) {
    const std::string cleaned = match::clean_line(bytes);
    (void)match::is_notice(cleaned);
    (void)match::is_generic(cleaned);
    const std::string normalised = match::normalise(cleaned);
    std::string_view core = match::message_core(normalised);
    expect(within(core, normalised), "a message's core is part of it");
    auto tokens = match::template_tokens(core);
    std::set<std::string> distinct(tokens.begin(), tokens.end());
    expect(distinct.size() == tokens.size(), "a template's tokens come once each");
    auto weights = match::token_weights(tokens);
    expect(weights.size() == tokens.size(), "one weight per token");
    for (double w : weights) expect(std::isfinite(w) && w >= 0, "a token's weight is a number, not negative");
    auto other = match::template_tokens(match::normalise(match::clean_line(bytes.substr(bytes.size() / 2))));
    double s = match::similarity(tokens, other);
    expect(s >= 0 && s <= 1.0 + 1e-9, "similarity is in [0, 1]");
    double c = match::coverage(tokens, other);
    expect(c >= 0 && c <= 1.0 + 1e-9, "coverage is in [0, 1]");
    double w = match::template_weight(normalised);
    expect(std::isfinite(w) && w >= 0, "a template's weight is a number, not negative");
    const std::string sane = match::sanitize_utf8(bytes);
    expect(base::text::is_valid_utf8(sane), "a sanitised line is UTF-8");
    const std::string shown = match::shown_line(bytes, 200);
    expect(base::text::is_valid_utf8(shown), "a shown line is UTF-8");
    expect(shown.size() <= 200 + std::string_view("…").size(), "a shown line is capped");
}

void input(std::string_view bytes) {
    // The first byte chooses the sizes: small ones put block boundaries
    // everywhere, which must change nothing but where long lines are cut.
    if (bytes.empty()) return;
    const auto shape = static_cast<unsigned char>(bytes[0]);
    bytes.remove_prefix(1);
    const std::size_t max_line = 1 + (shape & 0x1F);
    const std::size_t block_size = 1 + ((shape >> 5) & 0x3) * 24;
    const std::size_t buffers = 1 + (shape >> 7);
    auto whole = read_lines(bytes, 1 << 16, 1 << 16, 1);
    auto pieces = read_lines(bytes, block_size, max_line, buffers);
    expect(whole.has_value() == pieces.has_value(), "a stream fails to read whatever the block size");
    if (!whole || !pieces) return;
    expect(whole->size() == pieces->size(), "block sizes do not change the number of lines");
    // A line longer than a block keeps its first max_line bytes; scan caps
    // the others itself.
    for (std::size_t i = 0; i < whole->size(); ++i) {
        const std::string& piece = (*pieces)[i];
        expect(piece == (*whole)[i] || (piece.size() == max_line && (*whole)[i].starts_with(piece)),
               "a line read in small blocks is the line read whole, or its start");
    }
}

void pattern(std::string_view bytes) {
    auto info = match::analyse_pattern(bytes);
    (void)match::text_weight(bytes);
    // The matcher hands a signature to nothing else when RE2 refuses it.
    auto re = compile_re2(bytes);
    if (!re->ok()) return;
    if (!info.ok) {
        expect(!info.error.empty(), "a refused pattern says why");
        return;
    }
    std::set<std::string> names(info.group_names.begin(), info.group_names.end());
    std::set<std::string> re2_names;
    for (const auto& [name, index] : re->NamedCapturingGroups()) re2_names.insert(name);
    expect(names == re2_names, "the analyser finds RE2's named groups");
    expect(std::isfinite(info.weight) && info.weight >= 0, "a pattern's weight is a number, not negative");
    const double strength = match::strength(info.weight);
    expect(strength >= 0 && strength < 1, "strength is in [0, 1)");
    if (!info.prefilter.empty()) {
        expect(info.prefilter_error.empty(), "a prefilter comes without a reason for having none");
        // Vectorscan takes it in one mode or the other, in bounded time
        // (libFuzzer's timeout is the bound), unless it can match an empty
        // line or nothing at all (`7\bX`): the matcher then leaves the
        // signature to RE2's literal atoms.
        Expression exact, approximate;
        const bool compiled = exact.compile(info.prefilter, 0) || approximate.compile(info.prefilter, HS_FLAG_PREFILTER);
        const std::string& why = approximate.error();
        expect(compiled || why.find("empty") != std::string::npos || why.find("never match") != std::string::npos,
               "Vectorscan compiles the prefilter exactly or approximately (" + approximate.error() + ")");
    }
    if (!info.anchor.empty()) {
        std::string_view cut = match::anchor_literal(info.anchor, info.anchor_caseless);
        expect(!cut.empty() && base::text::starts_with(info.anchor, cut), "an anchor literal is the anchor's start");
        Expression literal;
        expect(literal.compile(match::literal_expression(cut), info.anchor_caseless ? HS_FLAG_CASELESS : 0u),
               "Vectorscan compiles an anchor literal");
        expect(literal.fires(info.anchor), "an anchor literal finds its anchor");
    }
}

void prefilter(std::string_view bytes) {
    // A signature, NUL, a line (up to its first line end: a line is what
    // both see).
    auto [signature, rest] = split_at_nul(bytes);
    std::string_view raw = rest.substr(0, rest.find('\n'));
    auto re = compile_re2(signature);
    if (!re->ok()) return;
    auto info = match::analyse_pattern(signature);
    expect(info.ok || !info.error.empty(), "a pattern RE2 takes is analysed or refused with a reason");
    if (!info.ok) return;
    std::optional<Expression> anchor, exact, approximate;
    if (!info.anchor.empty()) {
        anchor.emplace();
        const bool compiled = anchor->compile(match::literal_expression(match::anchor_literal(info.anchor, info.anchor_caseless)),
                                              info.anchor_caseless ? HS_FLAG_CASELESS : 0u);
        if (!compiled) anchor.reset();
    }
    if (!info.prefilter.empty()) {
        exact.emplace();
        if (!exact->compile(info.prefilter, 0)) exact.reset();
        approximate.emplace();
        if (!approximate->compile(info.prefilter, HS_FLAG_PREFILTER)) approximate.reset();
    }
    // RE2 confirms a line once it is cleaned (and made valid UTF-8); a line
    // that is already clean is the same line.
    const std::string cleaned = match::sanitize_utf8(match::clean_line(raw));
    for (std::string_view line : {std::string_view(cleaned), raw}) {
        if (line.data() == raw.data() && match::sanitize_utf8(raw) != raw) continue;
        if (!RE2::PartialMatch(re2::StringPiece(line.data(), line.size()), *re)) continue;
        // RE2 matches the line: nothing deja puts in front of RE2 may miss it.
        if (!info.anchor.empty()) {
            const bool found = info.anchor_caseless ? base::text::icontains(line, info.anchor)
                                                    : line.find(info.anchor) != std::string_view::npos;
            expect(found, "a line RE2 matches contains the signature's anchor");
        }
        if (anchor) expect(anchor->fires(line), "the anchor's literal fires on a line RE2 matches");
        if (exact) expect(exact->fires(line), "the prefilter fires on a line RE2 matches");
        if (approximate) expect(approximate->fires(line), "the prefilter in approximate mode fires on a line RE2 matches");
    }
}

namespace {

// The knowledge base the match harness runs against: the fixtures' runbooks
// and incidents, compiled once.
const match::Matcher& fixed_matcher() {
    static const match::Matcher matcher = [] {
        const std::filesystem::path fixtures = DEJA_TEST_FIXTURES;
        auto knowledge_base = kb::load({fixtures / "match" / "kb", fixtures / "kb" / "basic"});
        expect(!knowledge_base.runbooks.empty(), "the fixed knowledge base has runbooks");
        auto built = match::Matcher::build(knowledge_base);
        expect(static_cast<bool>(built), "the fixed knowledge base compiles");
        return std::move(built).value();
    }();
    return matcher;
}

}  // namespace

void match(std::string_view bytes) {
    const auto& matcher = fixed_matcher();
    match::Options one;
    one.threads = 1;
    one.max_line = 300;
    one.on_input_error = match::InputError::report_and_go_on;
    match::Options many = one;
    many.threads = 3;
    many.block_size = 512;
    auto first = match::scan(matcher, {match::Input::from_text("fuzz.log", std::string(bytes))}, one);
    auto second = match::scan(matcher, {match::Input::from_text("fuzz.log", std::string(bytes))}, many);
    expect(static_cast<bool>(first) && static_cast<bool>(second), "a log in memory is always read");
    const auto& report = first.value();
    for (const auto* list : {&report.matches, &report.near_misses}) {
        for (const auto& m : *list) {
            expect(m.confidence >= 0 && m.confidence <= 1, "confidence is in [0, 1]");
            for (const auto& e : m.evidence) {
                expect(e.line >= 1 && e.line <= report.lines, "evidence is a line of the log");
                expect(base::text::is_valid_utf8(e.text), "evidence is shown as UTF-8");
            }
        }
    }
    for (std::size_t i = 1; i < report.matches.size(); ++i)
        expect(report.matches[i - 1].symptom <= report.matches[i].symptom, "causes come before symptoms");
    const std::string json = match::to_json(report).dump();
    expect(json == match::to_json(second.value()).dump(), "threads and block sizes do not change a report");
    std::ostringstream human, github;
    match::print_human(human, report, match::Colour::off);
    match::print_github(github, report);
    expect(base::text::is_valid_utf8(human.str()) && base::text::is_valid_utf8(github.str()), "output is UTF-8");
}

}  // namespace fuzz
