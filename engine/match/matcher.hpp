// The compiled form of a knowledge base for log matching: every runbook
// signature and every incident error-line template in one Vectorscan
// database that prefilters raw log blocks, with RE2 kept for confirming a
// candidate line and taking its named captures. Building compiles the
// database; the serialized database is cached in the index so that later
// runs only load it.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kb/model.hpp"
#include "base/result.hpp"
#include "match/pattern.hpp"

struct hs_database;
struct hs_scratch;
namespace re2 {
class RE2;
}
namespace store {
class Index;
}

namespace match {

// How Vectorscan narrows the lines a signature is tried on.
enum class Acceleration {
    anchor,   // a literal every match contains (the fastest to search for)
    exact,    // the signature's own expression (anchors dropped)
    approximate,  // the same, compiled in Vectorscan's prefilter mode
    literals,     // literal fragments RE2 requires (FilteredRE2 atoms)
    none,         // tried with RE2 on every line: slow, reported by lint
};

// What a compiled pattern says when a line matches it.
enum class Role {
    evidence,  // a runbook signature: the line is evidence for the runbook
    after,     // a signature's `after`: evidence for that signature may follow
    cleared,   // a runbook's `cleared_by`: the failure seen so far went away
};

class CompiledSignature {
public:
    std::size_t runbook = 0;  // index into the knowledge base's runbooks
    std::size_t index = 0;    // into that runbook's signatures (evidence, after) or cleared_by
    Role role = Role::evidence;
    std::uint32_t gates = 0;  // after: the compiled signature it lets count
    std::string pattern;
    Acceleration acceleration = Acceleration::exact;
    std::string note;  // why acceleration is not exact

    // Compiled on first use; nullptr when RE2 rejects the pattern.
    const re2::RE2* regex() const;
    // Analysed on first use: a run on a small log needs it only for the few
    // signatures it meets, and analysing all 1,000 of a large knowledge base
    // was a fifth of such a run (bench/match.sh).
    const PatternInfo& info() const;

    CompiledSignature();
    ~CompiledSignature();
    CompiledSignature(CompiledSignature&&) noexcept;
    CompiledSignature& operator=(CompiledSignature&&) noexcept;

private:
    struct Once {
        std::once_flag regex, info;
    };
    std::unique_ptr<Once> once_;
    mutable std::unique_ptr<re2::RE2> regex_;
    mutable PatternInfo info_;
};

struct IncidentTemplate {
    std::size_t incident = 0;  // index into the knowledge base's incidents
    std::string line;          // the incident's error line, cleaned
    std::string text;          // normalised
    std::string core;          // message_core(text): compared with log lines
    std::uint64_t hash = 0;    // of `core`
    std::vector<std::string> tokens;  // of `core`
    std::vector<double> weights;      // of `tokens` (token_weights), kept with them for comparing many lines
    double strength = 0;
    std::vector<std::size_t> runbooks;  // where evidence from it goes (runbook indices)
    std::vector<std::string> anchors;   // distinctive words that prefilter it
};

// What a Vectorscan match id stands for.
struct Target {
    enum class Kind : std::uint8_t { signature, incident_template, escaped };
    Kind kind = Kind::signature;
    std::uint32_t index = 0;
};

// Owns a Vectorscan scratch space: one per thread that scans.
struct ScratchDeleter {
    void operator()(hs_scratch* scratch) const;
};
using Scratch = std::unique_ptr<hs_scratch, ScratchDeleter>;
// A copy of `prototype`; null when there is no memory for one.
Scratch clone_scratch(const hs_scratch* prototype);

// Reads one runbook by id with all that matching uses of it (params, tags,
// the symptom flag; steps and examples may be left out); nothing when it
// cannot.
using RunbookReader = std::function<std::optional<kb::Runbook>(const std::string& id)>;

class Matcher {
public:
    static base::Result<Matcher> build(std::shared_ptr<const kb::KnowledgeBase> knowledge_base);
    static base::Result<Matcher> build(const kb::KnowledgeBase& knowledge_base);
    // The compiled database from the index when it is there and current,
    // otherwise built and stored there for the next run. A matcher loaded
    // from the cache reads runbooks from `index` as a log gives evidence for
    // them (runbook()), so it must not outlive the index.
    static base::Result<Matcher> load_or_build(store::Index& index);

    // The name of the index blob that holds the compiled database.
    static std::string blob_name();
    // Stored in the blob and checked on load: the format, the Vectorscan
    // version, and a hash of every pattern and incident id, so a change to
    // either misses the cache. (An incident's text cannot change under a
    // blob: the index drops its blobs when it is rebuilt.)
    std::string cache_key() const;
    std::string serialize() const;
    // `knowledge_base` may hold runbooks in outline (id, title, path and
    // signatures, as store::Index::knowledge_base_outline reads them), and
    // `read_runbook` then gives the rest of one when runbook() needs it.
    static base::Result<Matcher> deserialize(std::shared_ptr<const kb::KnowledgeBase> knowledge_base, std::string_view blob,
                                           RunbookReader read_runbook = {});

    Matcher(Matcher&&) noexcept;
    Matcher& operator=(Matcher&&) noexcept;
    ~Matcher();

    // Runbooks here may be outlines (see deserialize): their id, title, path
    // and signatures are always there; for anything else, ask runbook().
    const kb::KnowledgeBase& knowledge_base() const { return *kb_; }
    // A runbook with all that matching uses of it, read the first time it is
    // asked for when the knowledge base holds it in outline. Thread-safe. With 1,000 signatures
    // over 251 runbooks, decoding them all was a third of a run on a small
    // log that gives evidence for one or two (bench/match.sh).
    const kb::Runbook& runbook(std::size_t index) const;
    // Every compiled pattern: the runbooks' signatures (Role::evidence) first,
    // then their `after` and `cleared_by` patterns.
    const std::vector<CompiledSignature>& signatures() const { return signatures_; }
    // The front matter entry a compiled pattern comes from.
    const kb::Signature& source_of(const CompiledSignature& sig) const;
    const std::vector<IncidentTemplate>& templates() const { return templates_; }
    // The incidents linked to a runbook, by position in the knowledge base:
    // named by either document, or with an error line the runbook's
    // signatures match.
    const std::vector<std::size_t>& incidents_of(std::size_t runbook) const { return incidents_of_[runbook]; }
    bool from_cache() const { return from_cache_; }
    // Signatures Vectorscan cannot prefilter exactly, templates too vague to use.
    const std::vector<kb::Diagnostic>& notes() const { return notes_; }
    // Whether a runbook's failures are symptoms of another cause (front matter
    // `symptom: true`, or the tag `symptom`): ranked after any cause.
    bool is_symptom(std::size_t runbook) const;

    const hs_database* database() const { return database_.get(); }
    // Words that make a line one of the log's error lines (for near misses
    // and drafts): scanned on the first and last blocks of a log only.
    const hs_database* error_words() const { return error_words_.get(); }
    // Scratch space for each database, allocated once and cloned by every
    // scan: allocating checks the whole database, which was 8% of `deja
    // lint` at 10,000 incidents (it scans each example on its own).
    const hs_scratch* scratch() const { return scratch_.get(); }
    const hs_scratch* error_words_scratch() const { return error_words_scratch_.get(); }
    const std::vector<Target>& targets() const { return targets_; }
    const std::vector<std::uint32_t>& unfiltered() const { return unfiltered_; }  // signature indices

private:
    struct DatabaseDeleter {
        void operator()(hs_database* db) const;
    };

    Matcher();
    void plan_signatures();
    bool recognised_by_linked_runbook(const kb::Incident& incident, const std::string& line) const;
    void plan_templates();
    void choose_acceleration(std::uint32_t signature);
    void add_literals(std::uint32_t signature);
    base::Status compile();
    void link_templates();
    void index_incidents();
    base::Status allocate_scratch();

    std::shared_ptr<const kb::KnowledgeBase> kb_;
    std::vector<CompiledSignature> signatures_;
    std::vector<IncidentTemplate> templates_;
    std::vector<std::vector<std::size_t>> incidents_of_;  // by runbook
    std::vector<Target> targets_;
    std::vector<std::string> expressions_;  // as compiled, by id
    std::vector<unsigned> flags_;
    std::vector<std::uint32_t> unfiltered_;
    std::vector<kb::Diagnostic> notes_;
    std::unique_ptr<hs_database, DatabaseDeleter> database_;
    std::unique_ptr<hs_database, DatabaseDeleter> error_words_;
    Scratch scratch_, error_words_scratch_;
    bool from_cache_ = false;
    struct ReadRunbooks {
        RunbookReader read;
        std::mutex mutex;
        std::map<std::size_t, std::unique_ptr<const kb::Runbook>> read_so_far;
    };
    std::unique_ptr<ReadRunbooks> runbooks_;  // only for a knowledge base in outline
};

}  // namespace match
