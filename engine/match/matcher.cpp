#include "match/matcher.hpp"

#include <hs/hs.h>
#include <re2/filtered_re2.h>
#include <re2/re2.h>

#include <algorithm>
#include <cstdlib>
#include <set>
#include <unordered_set>

#include <nlohmann/json.hpp>

#include "kb/hash.hpp"
#include "match/clean.hpp"
#include "match/normalise.hpp"

namespace match {

namespace {

// Bumped whenever what is serialized, or how patterns are planned, changes.
constexpr int format_version = 3;
constexpr std::string_view blob_magic = "deja-match-db\n";

// Words that make a line worth keeping as one of the log's error lines
// (for near misses and incident drafts). Never evidence by themselves, and
// kept out of the main database: in it they cost a third of the scan time
// (measured on the benchmark log, where 6% of lines say "errors").
constexpr const char* error_word_expression =
    R"re((?i)\b(?:error|errors|fatal|failed|failure|exception|traceback|panic|denied|refused|timed out|timeout|cannot|could not|unable to|not found|does not exist|no such|invalid|violates|killed|no module named|unhealthy|backoff)\b)re";
// Escaped text (JSON and logfmt strings) hides quotes and ANSI codes from
// the raw-bytes prefilter: such lines are cleaned and scanned again.
constexpr const char* escaped_expression = R"re(\x5c[\x22u])re";

constexpr double min_template_weight = 12;
constexpr double min_anchor_weight = 6;
constexpr std::size_t max_anchors = 2;
constexpr int min_atom_length = 3;

struct CompileError {
    hs_compile_error_t* error = nullptr;
    ~CompileError() {
        if (error) hs_free_compile_error(error);
    }
};

// Whether Vectorscan takes the expression with these flags, and it cannot
// match the empty string (which would fire at every byte).
bool vectorscan_accepts(const std::string& expression, unsigned flags, std::string& why) {
    hs_expr_info_t* info = nullptr;
    CompileError err;
    if (hs_expression_info(expression.c_str(), flags, &info, &err.error) != HS_SUCCESS) {
        why = err.error ? err.error->message : "rejected by Vectorscan";
        return false;
    }
    bool empty = info->min_width == 0;
    std::free(info);
    if (empty) {
        why = "it can match an empty line";
        return false;
    }
    return true;
}

std::string acceleration_name(Acceleration a) {
    switch (a) {
        case Acceleration::anchor: return "anchor";
        case Acceleration::exact: return "exact";
        case Acceleration::approximate: return "approximate";
        case Acceleration::literals: return "literals";
        case Acceleration::none: return "none";
    }
    return "none";
}

Acceleration acceleration_from(const std::string& s) {
    if (s == "anchor") return Acceleration::anchor;
    if (s == "exact") return Acceleration::exact;
    if (s == "approximate") return Acceleration::approximate;
    if (s == "literals") return Acceleration::literals;
    return Acceleration::none;
}

bool is_mask_at(std::string_view text, std::size_t i) {
    if (text[i] != '<') return false;
    std::size_t close = text.find('>', i);
    return close != std::string_view::npos && close - i <= 6;
}

// The most distinctive words of a template, in their original case.
std::vector<std::string> choose_anchors(std::string_view text) {
    std::vector<std::pair<double, std::string>> words;
    std::size_t i = 0;
    auto is_word = [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    };
    while (i < text.size()) {
        if (is_mask_at(text, i)) {
            i = text.find('>', i) + 1;
            continue;
        }
        if (!is_word(text[i])) {
            ++i;
            continue;
        }
        std::size_t j = i;
        while (j < text.size() && is_word(text[j])) ++j;
        std::string word(text.substr(i, j - i));
        double w = word_weight(word);
        if (word.size() >= 4 && w >= min_anchor_weight) words.emplace_back(w, std::move(word));
        i = j;
    }
    std::stable_sort(words.begin(), words.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    std::vector<std::string> anchors;
    for (auto& [w, word] : words) {
        if (anchors.size() == max_anchors) break;
        if (std::find(anchors.begin(), anchors.end(), word) == anchors.end()) anchors.push_back(std::move(word));
    }
    return anchors;
}

bool has_tag(const kb::Runbook& r, std::string_view tag) {
    return std::find(r.tags.begin(), r.tags.end(), tag) != r.tags.end();
}

}  // namespace

CompiledSignature::CompiledSignature() : once_(std::make_unique<Once>()) {}
CompiledSignature::~CompiledSignature() = default;
CompiledSignature::CompiledSignature(CompiledSignature&&) noexcept = default;
CompiledSignature& CompiledSignature::operator=(CompiledSignature&&) noexcept = default;

const re2::RE2* CompiledSignature::regex() const {
    std::call_once(once_->regex, [this] {
        RE2::Options options;
        options.set_log_errors(false);
        auto re = std::make_unique<RE2>(pattern, options);
        if (re->ok()) regex_ = std::move(re);
    });
    return regex_.get();
}

const PatternInfo& CompiledSignature::info() const {
    std::call_once(once_->info, [this] { info_ = analyse_pattern(pattern); });
    return info_;
}

void Matcher::DatabaseDeleter::operator()(hs_database* db) const { hs_free_database(db); }

Matcher::Matcher() = default;
Matcher::Matcher(Matcher&&) noexcept = default;
Matcher& Matcher::operator=(Matcher&&) noexcept = default;
Matcher::~Matcher() = default;

bool Matcher::is_symptom(std::size_t runbook) const {
    const auto& r = kb_->runbooks.at(runbook);
    return r.symptom || has_tag(r, "symptom");
}

void Matcher::plan_signatures() {
    for (std::size_t r = 0; r < kb_->runbooks.size(); ++r) {
        const auto& runbook = kb_->runbooks[r];
        for (std::size_t s = 0; s < runbook.signatures.size(); ++s) {
            CompiledSignature sig;
            sig.runbook = r;
            sig.index = s;
            sig.pattern = runbook.signatures[s].pattern;
            signatures_.push_back(std::move(sig));
        }
    }
}

void Matcher::plan_templates() {
    for (std::size_t i = 0; i < kb_->incidents.size(); ++i) {
        const auto& incident = kb_->incidents[i];
        std::set<std::string> seen;
        for (const auto& error_line : incident.error_lines) {
            IncidentTemplate t;
            t.incident = i;
            t.line = clean_line(error_line.text);
            if (t.line.empty() || is_notice(t.line) || is_generic(t.line)) continue;
            t.text = normalise(t.line);
            t.core = std::string(message_core(t.text));
            if (!seen.insert(t.core).second) continue;
            double weight = template_weight(t.core);
            t.anchors = choose_anchors(t.core);
            if (weight < min_template_weight || t.anchors.empty()) {
                notes_.push_back({incident.path, error_line.line, kb::Severity::warning,
                                  "error line too vague to recognise in logs: " + t.line});
                continue;
            }
            t.hash = kb::hash64(t.core);
            t.tokens = template_tokens(t.core);
            t.strength = 0.6 + 0.35 * strength(weight);
            templates_.push_back(std::move(t));
        }
    }
}

void Matcher::add_literals(std::uint32_t s) {
    auto& sig = signatures_[s];
    re2::FilteredRE2 filter(min_atom_length);
    RE2::Options options;
    options.set_log_errors(false);
    int id = 0;
    std::vector<std::string> atoms;
    if (filter.Add(sig.pattern, options, &id) == RE2::NoError) filter.Compile(&atoms);
    // A pattern without atoms of at least min_atom_length bytes is one that
    // FilteredRE2 leaves unfiltered: nothing narrows it down.
    if (atoms.empty()) {
        sig.acceleration = Acceleration::none;
        unfiltered_.push_back(s);
        return;
    }
    sig.acceleration = Acceleration::literals;
    for (const auto& atom : atoms) {
        expressions_.push_back(literal_expression(atom));
        flags_.push_back(HS_FLAG_CASELESS);
        targets_.push_back({Target::Kind::signature, s});
    }
}

void Matcher::choose_acceleration(std::uint32_t s) {
    auto& sig = signatures_[s];
    const PatternInfo& info = sig.info();
    std::string why;
    // A pure literal keeps Vectorscan in its literal matchers, the fastest
    // part of it: with the benchmark's 1,000 signatures, scanning took a
    // third less time than with the full expressions.
    if (info.ok && !info.anchor.empty()) {
        sig.acceleration = Acceleration::anchor;
        expressions_.push_back(literal_expression(info.anchor));
        flags_.push_back(info.anchor_caseless ? HS_FLAG_CASELESS : 0u);
        targets_.push_back({Target::Kind::signature, s});
        return;
    }
    if (info.ok) {
        if (vectorscan_accepts(info.prefilter, 0, why)) {
            sig.acceleration = Acceleration::exact;
            expressions_.push_back(info.prefilter);
            flags_.push_back(0);
            targets_.push_back({Target::Kind::signature, s});
            return;
        }
        std::string exact_why = why;
        if (vectorscan_accepts(info.prefilter, HS_FLAG_PREFILTER, why)) {
            sig.acceleration = Acceleration::approximate;
            sig.note = "Vectorscan approximates it (" + exact_why + ")";
            expressions_.push_back(info.prefilter);
            flags_.push_back(HS_FLAG_PREFILTER);
            targets_.push_back({Target::Kind::signature, s});
            return;
        }
        sig.note = "Vectorscan cannot prefilter it (" + why + ")";
    } else {
        sig.note = "deja cannot read it for Vectorscan (" + info.error + ")";
    }
    if (!sig.regex()) {
        sig.acceleration = Acceleration::none;
        sig.note = "RE2 rejects it";
        return;  // never matches; kb's lint reports the pattern itself
    }
    add_literals(s);
    if (sig.acceleration == Acceleration::none) sig.note += "; it is tried on every line";
}

kb::Status Matcher::compile() {
    for (;;) {
        std::vector<const char*> expressions;
        std::vector<unsigned> ids;
        for (std::size_t i = 0; i < expressions_.size(); ++i) {
            expressions.push_back(expressions_[i].c_str());
            ids.push_back(static_cast<unsigned>(i));
        }
        hs_database_t* db = nullptr;
        CompileError err;
        hs_error_t status = hs_compile_multi(expressions.data(), flags_.data(), ids.data(),
                                             static_cast<unsigned>(expressions.size()), HS_MODE_BLOCK, nullptr,
                                             &db, &err.error);
        if (status == HS_SUCCESS) {
            database_.reset(db);
            return kb::Ok{};
        }
        int bad = err.error ? err.error->expression : -1;
        std::string message = err.error ? err.error->message : "unknown error";
        if (bad < 0 || static_cast<std::size_t>(bad) >= expressions_.size())
            return kb::error("cannot compile the signature database (" + message + ")");
        // One expression was refused as a whole (too large, say): demote it.
        std::size_t k = static_cast<std::size_t>(bad);
        Target target = targets_[k];
        expressions_.erase(expressions_.begin() + static_cast<long>(k));
        flags_.erase(flags_.begin() + static_cast<long>(k));
        targets_.erase(targets_.begin() + static_cast<long>(k));
        if (target.kind != Target::Kind::signature) continue;
        auto& sig = signatures_[target.index];
        if (sig.acceleration == Acceleration::anchor) {
            sig.acceleration = Acceleration::exact;
            expressions_.push_back(sig.info().prefilter);
            flags_.push_back(0);
            targets_.push_back(target);
        } else if (sig.acceleration == Acceleration::exact) {
            sig.acceleration = Acceleration::approximate;
            sig.note = "Vectorscan approximates it (" + message + ")";
            expressions_.push_back(sig.info().prefilter);
            flags_.push_back(HS_FLAG_PREFILTER);
            targets_.push_back(target);
        } else if (sig.acceleration == Acceleration::approximate) {
            sig.note = "Vectorscan cannot prefilter it (" + message + ")";
            add_literals(target.index);
        } else {
            // A literal fragment refused: fall back to RE2 on every line.
            for (std::size_t i = expressions_.size(); i-- > 0;) {
                if (targets_[i].kind == Target::Kind::signature && targets_[i].index == target.index) {
                    expressions_.erase(expressions_.begin() + static_cast<long>(i));
                    flags_.erase(flags_.begin() + static_cast<long>(i));
                    targets_.erase(targets_.begin() + static_cast<long>(i));
                }
            }
            sig.acceleration = Acceleration::none;
            sig.note = "Vectorscan cannot prefilter it (" + message + "); it is tried on every line";
            unfiltered_.push_back(target.index);
        }
    }
}

void Matcher::link_templates() {
    hs_scratch_t* scratch = nullptr;
    if (hs_alloc_scratch(database_.get(), &scratch) != HS_SUCCESS) return;
    struct Context {
        const std::vector<Target>* targets;
        std::set<std::uint32_t> signatures;
    };
    for (auto& t : templates_) {
        Context context{&targets_, {}};
        hs_scan(database_.get(), t.line.data(), static_cast<unsigned>(t.line.size()), 0, scratch,
                [](unsigned id, unsigned long long, unsigned long long, unsigned, void* ctx) -> int {
                    auto* c = static_cast<Context*>(ctx);
                    const Target& target = (*c->targets)[id];
                    if (target.kind == Target::Kind::signature) c->signatures.insert(target.index);
                    return 0;
                },
                &context);
        for (auto s : unfiltered_) context.signatures.insert(s);
        std::set<std::size_t> runbooks;
        for (auto s : context.signatures) {
            const re2::RE2* re = signatures_[s].regex();
            if (re && RE2::PartialMatch(t.line, *re)) runbooks.insert(signatures_[s].runbook);
        }
        if (runbooks.empty()) {
            // An incident that names exactly one runbook: its errors are that runbook's.
            const auto& incident = kb_->incidents[t.incident];
            std::set<std::size_t> named;
            for (const auto& id : incident.runbooks)
                for (std::size_t r = 0; r < kb_->runbooks.size(); ++r)
                    if (kb_->runbooks[r].id == id) named.insert(r);
            if (named.size() == 1) runbooks = named;
        }
        t.runbooks.assign(runbooks.begin(), runbooks.end());
    }
    hs_free_scratch(scratch);
}

std::string Matcher::cache_key() const {
    std::string material = "format " + std::to_string(format_version) + "\nvectorscan " + hs_version() + "\n";
    material += error_word_expression;
    material += '\n';
    for (const auto& s : signatures_) {
        material += kb_->runbooks[s.runbook].id + '\t' + s.pattern + '\n';
    }
    for (const auto& t : templates_) {
        material += t.text + '\t';
        for (const auto& a : t.anchors) material += a + ' ';
        material += '\n';
    }
    return "match.db." + kb::hash_hex(material);
}

kb::Result<Matcher> Matcher::build(const kb::KnowledgeBase& knowledge_base) {
    return build(std::make_shared<const kb::KnowledgeBase>(knowledge_base));
}

kb::Result<Matcher> Matcher::build(std::shared_ptr<const kb::KnowledgeBase> knowledge_base) {
    Matcher m;
    m.kb_ = std::move(knowledge_base);
    m.plan_signatures();
    m.plan_templates();
    for (std::uint32_t s = 0; s < m.signatures_.size(); ++s) m.choose_acceleration(s);
    for (std::uint32_t t = 0; t < m.templates_.size(); ++t) {
        for (const auto& anchor : m.templates_[t].anchors) {
            m.expressions_.push_back(literal_expression(anchor));
            m.flags_.push_back(HS_FLAG_CASELESS);
            m.targets_.push_back({Target::Kind::incident_template, t});
        }
    }
    m.expressions_.push_back(escaped_expression);
    m.flags_.push_back(0);
    m.targets_.push_back({Target::Kind::escaped, 0});
    if (auto status = m.compile(); !status) return status.error();
    hs_database_t* words = nullptr;
    CompileError words_error;
    if (hs_compile(error_word_expression, 0, HS_MODE_BLOCK, nullptr, &words, &words_error.error) != HS_SUCCESS)
        return kb::error("cannot compile the error-word database");
    m.error_words_.reset(words);
    for (const auto& sig : m.signatures_) {
        if (sig.acceleration == Acceleration::exact || sig.acceleration == Acceleration::anchor) continue;
        const auto& runbook = m.kb_->runbooks[sig.runbook];
        m.notes_.push_back({runbook.path, runbook.signatures[sig.index].line, kb::Severity::warning,
                            "signature " + std::to_string(sig.index + 1) + " of " + runbook.id + ": " + sig.note});
    }
    m.link_templates();
    return m;
}

std::string Matcher::serialize() const {
    nlohmann::json header;
    header["key"] = cache_key();
    header["expressions"] = expressions_;
    header["flags"] = flags_;
    nlohmann::json targets = nlohmann::json::array();
    for (const auto& t : targets_) targets.push_back({static_cast<int>(t.kind), t.index});
    header["targets"] = targets;
    nlohmann::json accel = nlohmann::json::array();
    for (const auto& s : signatures_) accel.push_back({acceleration_name(s.acceleration), s.note});
    header["acceleration"] = accel;
    header["unfiltered"] = unfiltered_;
    nlohmann::json notes = nlohmann::json::array();
    for (const auto& n : notes_) notes.push_back(n);
    header["notes"] = notes;
    std::string text = header.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);

    std::string databases;
    for (const hs_database_t* db : {database_.get(), error_words_.get()}) {
        char* bytes = nullptr;
        std::size_t length = 0;
        if (hs_serialize_database(db, &bytes, &length) != HS_SUCCESS) return {};
        databases += std::to_string(length) + '\n';
        databases.append(bytes, length);
        std::free(bytes);
    }
    std::string blob(blob_magic);
    blob += std::to_string(text.size()) + '\n' + text;
    blob += databases;
    return blob;
}

kb::Result<Matcher> Matcher::deserialize(std::shared_ptr<const kb::KnowledgeBase> knowledge_base,
                                         std::string_view blob) {
    auto bad = [] { return kb::error("the cached signature database is damaged"); };
    if (blob.substr(0, blob_magic.size()) != blob_magic) return bad();
    blob.remove_prefix(blob_magic.size());
    std::size_t newline = blob.find('\n');
    if (newline == std::string_view::npos || newline > 20) return bad();
    std::size_t header_size = std::strtoull(std::string(blob.substr(0, newline)).c_str(), nullptr, 10);
    blob.remove_prefix(newline + 1);
    if (header_size > blob.size()) return bad();
    auto header = nlohmann::json::parse(blob.substr(0, header_size), nullptr, false);
    blob.remove_prefix(header_size);
    if (header.is_discarded() || !header.is_object()) return bad();

    Matcher m;
    m.kb_ = std::move(knowledge_base);
    m.plan_signatures();
    m.plan_templates();
    m.notes_.clear();
    try {
        if (header.at("key").get<std::string>() != m.cache_key()) return kb::error("the cached signature database is stale");
        m.expressions_ = header.at("expressions").get<std::vector<std::string>>();
        m.flags_ = header.at("flags").get<std::vector<unsigned>>();
        for (const auto& t : header.at("targets")) {
            int kind = t.at(0).get<int>();
            if (kind < 0 || kind > static_cast<int>(Target::Kind::escaped)) return bad();
            m.targets_.push_back({static_cast<Target::Kind>(kind), t.at(1).get<std::uint32_t>()});
        }
        const auto& accel = header.at("acceleration");
        if (accel.size() != m.signatures_.size()) return bad();
        for (std::size_t i = 0; i < accel.size(); ++i) {
            m.signatures_[i].acceleration = acceleration_from(accel[i].at(0).get<std::string>());
            m.signatures_[i].note = accel[i].at(1).get<std::string>();
        }
        m.unfiltered_ = header.at("unfiltered").get<std::vector<std::uint32_t>>();
        for (const auto& n : header.at("notes")) {
            kb::Diagnostic d;
            d.file = n.at("file").get<std::string>();
            d.line = n.at("line").get<int>();
            d.severity = n.at("severity").get<std::string>() == "error" ? kb::Severity::error : kb::Severity::warning;
            d.message = n.at("message").get<std::string>();
            m.notes_.push_back(std::move(d));
        }
    } catch (const nlohmann::json::exception&) {
        return bad();
    }
    if (m.flags_.size() != m.expressions_.size() || m.targets_.size() != m.expressions_.size()) return bad();
    for (const auto& t : m.targets_) {
        std::size_t limit = t.kind == Target::Kind::signature           ? m.signatures_.size()
                            : t.kind == Target::Kind::incident_template ? m.templates_.size()
                                                                        : 1;
        if (t.index >= limit) return bad();
    }
    for (auto s : m.unfiltered_)
        if (s >= m.signatures_.size()) return bad();

    for (auto* target : {&m.database_, &m.error_words_}) {
        std::size_t end = blob.find('\n');
        if (end == std::string_view::npos || end > 20) return bad();
        std::size_t length = std::strtoull(std::string(blob.substr(0, end)).c_str(), nullptr, 10);
        blob.remove_prefix(end + 1);
        if (length > blob.size()) return bad();
        hs_database_t* db = nullptr;
        if (hs_deserialize_database(blob.data(), length, &db) != HS_SUCCESS) return bad();
        target->reset(db);
        blob.remove_prefix(length);
    }
    m.from_cache_ = true;
    m.link_templates();
    return m;
}

}  // namespace match
