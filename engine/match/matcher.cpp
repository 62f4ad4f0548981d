#include "match/matcher.hpp"

#include <hs/hs.h>
#include <re2/filtered_re2.h>
#include <re2/re2.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <set>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "base/hash.hpp"
#include "match/clean.hpp"
#include "match/normalise.hpp"

namespace match {

namespace {

// Bumped whenever what is serialized, or how patterns are planned, changes.
constexpr int format_version = 6;
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

// The incident templates are stored in the blob in this compact form: as
// JSON, 10,000 incidents' templates took longer to parse than to plan again.
class BlobWriter {
public:
    void number(std::uint64_t v) {
        while (v >= 0x80) {
            bytes_ += static_cast<char>(v | 0x80);
            v >>= 7;
        }
        bytes_ += static_cast<char>(v);
    }
    void real(double d) {
        char raw[sizeof d];
        std::memcpy(raw, &d, sizeof d);
        bytes_.append(raw, sizeof d);
    }
    void text(std::string_view t) {
        number(t.size());
        bytes_.append(t);
    }
    const std::string& bytes() const { return bytes_; }

private:
    std::string bytes_;
};

// Reads what BlobWriter wrote; any overrun marks it failed and reads zeros.
class BlobReader {
public:
    explicit BlobReader(std::string_view bytes) : in_(bytes) {}
    bool ok() const { return ok_; }
    std::uint64_t number() {
        std::uint64_t v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (in_.empty()) return fail();
            auto byte = static_cast<unsigned char>(in_.front());
            in_.remove_prefix(1);
            v |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
            if (!(byte & 0x80)) return v;
        }
        return fail();
    }
    double real() {
        double d = 0;
        if (in_.size() < sizeof d) return static_cast<double>(fail());
        std::memcpy(&d, in_.data(), sizeof d);
        in_.remove_prefix(sizeof d);
        return d;
    }
    std::string text() {
        std::uint64_t n = number();
        if (n > in_.size()) return fail(), std::string{};
        std::string t(in_.substr(0, n));
        in_.remove_prefix(n);
        return t;
    }

private:
    std::uint64_t fail() {
        ok_ = false;
        in_ = {};
        return 0;
    }
    std::string_view in_;
    bool ok_ = true;
};

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
void ScratchDeleter::operator()(hs_scratch* scratch) const { hs_free_scratch(scratch); }

Scratch clone_scratch(const hs_scratch* prototype) {
    hs_scratch_t* clone = nullptr;
    if (hs_clone_scratch(prototype, &clone) != HS_SUCCESS) return nullptr;
    return Scratch(clone);
}

base::Status Matcher::allocate_scratch() {
    auto allocate = [](const hs_database* db, Scratch& into) {
        hs_scratch_t* allocated = nullptr;
        if (hs_alloc_scratch(db, &allocated) == HS_SUCCESS) into.reset(allocated);
        return into != nullptr;
    };
    if (!allocate(database_.get(), scratch_) || !allocate(error_words_.get(), error_words_scratch_))
        return base::error("cannot allocate Vectorscan scratch space");
    return base::Ok{};
}

Matcher::Matcher() = default;
Matcher::Matcher(Matcher&&) noexcept = default;
Matcher& Matcher::operator=(Matcher&&) noexcept = default;
Matcher::~Matcher() = default;

bool Matcher::is_symptom(std::size_t runbook) const {
    return this->runbook(runbook).is_symptom();
}

const kb::Runbook& Matcher::runbook(std::size_t index) const {
    const kb::Runbook& outline = kb_->runbooks.at(index);
    if (!runbooks_) return outline;
    std::lock_guard lock(runbooks_->mutex);
    auto& slot = runbooks_->read_so_far[index];
    if (!slot) {
        // A runbook that cannot be read now (a damaged row) keeps its
        // outline: it still matches, with no params to fill in.
        auto read = runbooks_->read(outline.id);
        bool same = read && read->signatures.size() == outline.signatures.size();
        slot = std::make_unique<const kb::Runbook>(same ? std::move(*read) : outline);
    }
    return *slot;
}

void Matcher::plan_signatures() {
    auto add = [&](std::size_t r, std::size_t s, Role role, std::string pattern) {
        CompiledSignature sig;
        sig.runbook = r;
        sig.index = s;
        sig.role = role;
        sig.pattern = std::move(pattern);
        signatures_.push_back(std::move(sig));
    };
    for (std::size_t r = 0; r < kb_->runbooks.size(); ++r)
        for (std::size_t s = 0; s < kb_->runbooks[r].signatures.size(); ++s)
            add(r, s, Role::evidence, kb_->runbooks[r].signatures[s].pattern);
    const auto evidence = static_cast<std::uint32_t>(signatures_.size());
    for (std::uint32_t e = 0; e < evidence; ++e) {
        const auto& after = source_of(signatures_[e]).after;
        if (after.empty()) continue;
        add(signatures_[e].runbook, signatures_[e].index, Role::after, after);
        signatures_.back().gates = e;
    }
    for (std::size_t r = 0; r < kb_->runbooks.size(); ++r)
        for (std::size_t c = 0; c < kb_->runbooks[r].cleared_by.size(); ++c)
            add(r, c, Role::cleared, kb_->runbooks[r].cleared_by[c].pattern);
}

const kb::Signature& Matcher::source_of(const CompiledSignature& sig) const {
    const auto& runbook = kb_->runbooks[sig.runbook];
    return sig.role == Role::cleared ? runbook.cleared_by[sig.index] : runbook.signatures[sig.index];
}

bool Matcher::recognised_by_linked_runbook(const kb::Incident& incident, const std::string& line) const {
    for (const auto& sig : signatures_) {
        if (sig.role != Role::evidence) continue;
        const auto& runbook = kb_->runbooks[sig.runbook];
        if (std::find(incident.runbooks.begin(), incident.runbooks.end(), runbook.id) == incident.runbooks.end())
            continue;
        const re2::RE2* re = sig.regex();
        if (re && RE2::PartialMatch(line, *re)) return true;
    }
    return false;
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
                // Vague as a template, but not lost when a runbook the
                // incident names recognises the line.
                if (!recognised_by_linked_runbook(incident, t.line))
                    notes_.push_back({incident.path, error_line.line, kb::Severity::warning,
                                      "error line too vague to recognise in logs: " + t.line});
                continue;
            }
            t.hash = base::hash64(t.core);
            t.tokens = template_tokens(t.core);
            t.weights = token_weights(t.tokens);
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
    // third less time than with the full expressions. Finding the long
    // anchors outside Vectorscan, by sampling one 8-byte window of the text
    // per (shortest anchor - 7) bytes, took half Vectorscan's time for the
    // benchmark's 856 anchors alone; but with the bundled knowledge base
    // layered in, the pass Vectorscan still needed for the 60 other patterns
    // (short anchors, expressions, incident words) cost three quarters of
    // the pass for all 1,013, so two passes were slower than one.
    // RE2 reads a signature before anything else does: what it refuses
    // never reaches Vectorscan's parser, which is not linear on everything.
    if (!sig.regex()) {
        sig.acceleration = Acceleration::none;
        sig.note = "RE2 rejects it";
        return;  // never matches; kb's lint reports the pattern itself
    }
    if (info.ok && !info.anchor.empty()) {
        sig.acceleration = Acceleration::anchor;
        expressions_.push_back(literal_expression(anchor_literal(info.anchor, info.anchor_caseless)));
        flags_.push_back(info.anchor_caseless ? HS_FLAG_CASELESS : 0u);
        targets_.push_back({Target::Kind::signature, s});
        return;
    }
    if (info.ok && !info.prefilter_error.empty()) {
        sig.note = "deja leaves it to RE2 and its literal atoms (" + info.prefilter_error + ")";
    } else if (info.ok) {
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
    add_literals(s);
    if (sig.acceleration == Acceleration::none) sig.note += "; it is tried on every line";
}

base::Status Matcher::compile() {
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
            return base::Ok{};
        }
        int bad = err.error ? err.error->expression : -1;
        std::string message = err.error ? err.error->message : "unknown error";
        if (bad < 0 || static_cast<std::size_t>(bad) >= expressions_.size())
            return base::error("cannot compile the signature database (" + message + ")");
        // One expression was refused as a whole (too large, say): demote it.
        std::size_t k = static_cast<std::size_t>(bad);
        Target target = targets_[k];
        expressions_.erase(expressions_.begin() + static_cast<long>(k));
        flags_.erase(flags_.begin() + static_cast<long>(k));
        targets_.erase(targets_.begin() + static_cast<long>(k));
        if (target.kind != Target::Kind::signature) continue;
        auto& sig = signatures_[target.index];
        if (sig.acceleration == Acceleration::anchor && !sig.info().prefilter_error.empty()) {
            sig.note = "Vectorscan cannot take its anchor (" + message + "); deja leaves it to RE2 and its literal "
                       "atoms (" + sig.info().prefilter_error + ")";
            add_literals(target.index);
        } else if (sig.acceleration == Acceleration::anchor) {
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
    Scratch scratch = clone_scratch(scratch_.get());
    if (!scratch) return;
    std::unordered_map<std::string_view, std::size_t> runbook_by_id;
    for (std::size_t r = 0; r < kb_->runbooks.size(); ++r) runbook_by_id.emplace(kb_->runbooks[r].id, r);
    struct Context {
        const std::vector<Target>* targets;
        std::set<std::uint32_t> signatures;
    };
    for (auto& t : templates_) {
        Context context{&targets_, {}};
        hs_scan(database_.get(), t.line.data(), static_cast<unsigned>(t.line.size()), 0, scratch.get(),
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
            if (signatures_[s].role != Role::evidence) continue;
            const re2::RE2* re = signatures_[s].regex();
            if (re && RE2::PartialMatch(t.line, *re)) runbooks.insert(signatures_[s].runbook);
        }
        if (runbooks.empty()) {
            // An incident that names exactly one runbook: its errors are that runbook's.
            std::set<std::size_t> named;
            for (const auto& id : kb_->incidents[t.incident].runbooks)
                if (auto it = runbook_by_id.find(id); it != runbook_by_id.end()) named.insert(it->second);
            if (named.size() == 1) runbooks = named;
        }
        t.runbooks.assign(runbooks.begin(), runbooks.end());
    }
}

// Once per matcher: `deja lint` asks for the incidents of a runbook for
// every example it checks, and reading all 10,000 incidents each time was a
// fifth of it (bench/gen_kb.py's knowledge base).
void Matcher::index_incidents() {
    std::unordered_map<std::string_view, std::size_t> runbook_by_id, incident_by_id;
    for (std::size_t r = 0; r < kb_->runbooks.size(); ++r) runbook_by_id.emplace(kb_->runbooks[r].id, r);
    for (std::size_t i = 0; i < kb_->incidents.size(); ++i) incident_by_id.emplace(kb_->incidents[i].id, i);
    incidents_of_.assign(kb_->runbooks.size(), {});
    for (std::size_t r = 0; r < kb_->runbooks.size(); ++r)
        for (const auto& id : kb_->runbooks[r].incidents)
            if (auto it = incident_by_id.find(id); it != incident_by_id.end()) incidents_of_[r].push_back(it->second);
    for (std::size_t i = 0; i < kb_->incidents.size(); ++i)
        for (const auto& id : kb_->incidents[i].runbooks)
            if (auto it = runbook_by_id.find(id); it != runbook_by_id.end()) incidents_of_[it->second].push_back(i);
    for (const auto& t : templates_)
        for (auto r : t.runbooks) incidents_of_[r].push_back(t.incident);
    for (auto& list : incidents_of_) {
        std::sort(list.begin(), list.end());
        list.erase(std::unique(list.begin(), list.end()), list.end());
    }
}

std::string Matcher::cache_key() const {
    std::string material = "format " + std::to_string(format_version) + "\nvectorscan " + hs_version() + "\n";
    material += error_word_expression;
    material += '\n';
    for (const auto& s : signatures_) {
        material += kb_->runbooks[s.runbook].id + '\t' + std::to_string(static_cast<int>(s.role)) + '\t' + s.pattern + '\n';
    }
    // Incidents by id and position only: the blob lives in the index, which
    // is rebuilt (and its blobs dropped) whenever an incident's text changes.
    for (const auto& incident : kb_->incidents) material += incident.id + '\n';
    return "match.db." + base::hash_hex(material);
}

base::Result<Matcher> Matcher::build(const kb::KnowledgeBase& knowledge_base) {
    return build(std::make_shared<const kb::KnowledgeBase>(knowledge_base));
}

base::Result<Matcher> Matcher::build(std::shared_ptr<const kb::KnowledgeBase> knowledge_base) {
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
        return base::error("cannot compile the error-word database");
    m.error_words_.reset(words);
    for (const auto& sig : m.signatures_) {
        if (sig.acceleration == Acceleration::exact || sig.acceleration == Acceleration::anchor) continue;
        if (!sig.regex()) continue;  // reported once, by the knowledge base's lint
        const auto& runbook = m.kb_->runbooks[sig.runbook];
        std::string what = sig.role == Role::cleared ? "cleared_by " + std::to_string(sig.index + 1)
                                                     : "signature " + std::to_string(sig.index + 1);
        if (sig.role == Role::after) what = "the after of " + what;
        m.notes_.push_back({runbook.path, m.source_of(sig).line, kb::Severity::warning,
                            what + " of " + runbook.id + ": " + sig.note});
    }
    if (auto status = m.allocate_scratch(); !status) return status.error();
    m.link_templates();
    m.index_incidents();
    return m;
}

// The blob: the magic line, then one section (its length, a newline, its
// bytes) in BlobWriter's form, then the two Vectorscan databases as
// Vectorscan serializes them, each after its length and a newline.
std::string Matcher::serialize() const {
    BlobWriter out;
    out.text(cache_key());
    out.number(expressions_.size());
    for (std::size_t i = 0; i < expressions_.size(); ++i) {
        out.text(expressions_[i]);
        out.number(flags_[i]);
        out.number(static_cast<std::uint64_t>(targets_[i].kind));
        out.number(targets_[i].index);
    }
    for (const auto& sig : signatures_) {
        out.number(static_cast<std::uint64_t>(sig.acceleration));
        out.text(sig.note);
    }
    out.number(unfiltered_.size());
    for (auto s : unfiltered_) out.number(s);
    out.number(notes_.size());
    for (const auto& n : notes_) {
        out.text(n.file);
        out.number(static_cast<std::uint64_t>(std::max(0, n.line)));
        out.number(n.severity == kb::Severity::error ? 1 : 0);
        out.text(n.message);
    }
    out.number(templates_.size());
    for (const auto& t : templates_) {
        out.number(t.incident);
        out.text(t.line);
        out.text(t.text);
        out.text(t.core);
        out.number(t.hash);
        out.number(t.tokens.size());
        for (std::size_t k = 0; k < t.tokens.size(); ++k) {
            out.text(t.tokens[k]);
            out.real(t.weights[k]);
        }
        out.real(t.strength);
        out.number(t.runbooks.size());
        for (auto r : t.runbooks) out.number(r);
    }

    std::string blob(blob_magic);
    blob += std::to_string(out.bytes().size()) + '\n' + out.bytes();
    for (const hs_database_t* db : {database_.get(), error_words_.get()}) {
        char* bytes = nullptr;
        std::size_t length = 0;
        if (hs_serialize_database(db, &bytes, &length) != HS_SUCCESS) return {};
        blob += std::to_string(length) + '\n';
        blob.append(bytes, length);
        std::free(bytes);
    }
    return blob;
}

namespace {

// The next "<length>\n<bytes>" section of `blob`, or nothing when damaged.
std::optional<std::string_view> next_section(std::string_view& blob) {
    std::size_t end = blob.find('\n');
    if (end == std::string_view::npos || end == 0 || end > 20) return std::nullopt;
    std::size_t length = std::strtoull(std::string(blob.substr(0, end)).c_str(), nullptr, 10);
    blob.remove_prefix(end + 1);
    if (length > blob.size()) return std::nullopt;
    std::string_view section = blob.substr(0, length);
    blob.remove_prefix(length);
    return section;
}

}  // namespace

base::Result<Matcher> Matcher::deserialize(std::shared_ptr<const kb::KnowledgeBase> knowledge_base,
                                         std::string_view blob, RunbookReader read_runbook) {
    auto bad = [] { return base::error("the cached signature database is damaged"); };
    if (blob.substr(0, blob_magic.size()) != blob_magic) return bad();
    blob.remove_prefix(blob_magic.size());
    auto section = next_section(blob);
    if (!section) return bad();
    BlobReader in(*section);

    Matcher m;
    m.kb_ = std::move(knowledge_base);
    m.plan_signatures();
    if (in.text() != m.cache_key()) return base::error("the cached signature database is stale");
    const std::uint64_t expressions = in.number();
    if (!in.ok() || expressions > section->size()) return bad();
    for (std::uint64_t i = 0; i < expressions && in.ok(); ++i) {
        m.expressions_.push_back(in.text());
        m.flags_.push_back(static_cast<unsigned>(in.number()));
        std::uint64_t kind = in.number(), index = in.number();
        if (kind > static_cast<std::uint64_t>(Target::Kind::escaped) || index > UINT32_MAX) return bad();
        m.targets_.push_back({static_cast<Target::Kind>(kind), static_cast<std::uint32_t>(index)});
    }
    for (auto& sig : m.signatures_) {
        std::uint64_t acceleration = in.number();
        if (acceleration > static_cast<std::uint64_t>(Acceleration::none)) return bad();
        sig.acceleration = static_cast<Acceleration>(acceleration);
        sig.note = in.text();
    }
    for (std::uint64_t n = in.number(); n > 0 && in.ok(); --n) {
        std::uint64_t s = in.number();
        if (s >= m.signatures_.size()) return bad();
        m.unfiltered_.push_back(static_cast<std::uint32_t>(s));
    }
    for (std::uint64_t n = in.number(); n > 0 && in.ok(); --n) {
        kb::Diagnostic d;
        d.file = in.text();
        d.line = static_cast<int>(std::min<std::uint64_t>(in.number(), INT32_MAX));
        d.severity = in.number() == 1 ? kb::Severity::error : kb::Severity::warning;
        d.message = in.text();
        m.notes_.push_back(std::move(d));
    }
    for (std::uint64_t n = in.number(); n > 0 && in.ok(); --n) {
        IncidentTemplate t;
        t.incident = in.number();
        t.line = in.text();
        t.text = in.text();
        t.core = in.text();
        t.hash = in.number();
        for (std::uint64_t k = in.number(); k > 0 && in.ok(); --k) {
            t.tokens.push_back(in.text());
            t.weights.push_back(in.real());
        }
        t.strength = in.real();
        for (std::uint64_t k = in.number(); k > 0 && in.ok(); --k) {
            std::uint64_t r = in.number();
            if (r >= m.kb_->runbooks.size()) return bad();
            t.runbooks.push_back(r);
        }
        if (t.incident >= m.kb_->incidents.size()) return bad();
        m.templates_.push_back(std::move(t));
    }
    if (!in.ok()) return bad();
    for (const auto& t : m.targets_) {
        std::size_t limit = t.kind == Target::Kind::signature           ? m.signatures_.size()
                            : t.kind == Target::Kind::incident_template ? m.templates_.size()
                                                                        : 1;
        if (t.index >= limit) return bad();
    }

    for (auto* target : {&m.database_, &m.error_words_}) {
        auto bytes = next_section(blob);
        if (!bytes) return bad();
        hs_database_t* db = nullptr;
        if (hs_deserialize_database(bytes->data(), bytes->size(), &db) != HS_SUCCESS) return bad();
        target->reset(db);
    }
    if (auto status = m.allocate_scratch(); !status) return status.error();
    m.index_incidents();
    m.from_cache_ = true;
    if (read_runbook) {
        m.runbooks_ = std::make_unique<ReadRunbooks>();
        m.runbooks_->read = std::move(read_runbook);
    }
    return m;
}

}  // namespace match
