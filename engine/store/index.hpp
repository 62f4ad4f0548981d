// The index: a cache of the knowledge base in SQLite (documents as JSON, FTS5
// over titles, error lines, metadata, summaries, code and bodies; signatures;
// incident <-> runbook links; the diagnostics of the build; derived blobs).
// Built from the sources into a new file and renamed into place, so a crash
// never leaves a half-written index; reopened as-is while the sources are
// unchanged (size and change time, then content hash), rebuilt when any changed.
// Concurrent deja processes serialise writers on `<index>.lock`; readers
// never wait for a rebuild to finish (they keep the file they opened).
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "kb/model.hpp"
#include "base/result.hpp"
#include "store/links.hpp"

namespace store {

namespace fs = std::filesystem;

enum class Refresh { if_stale, always };

struct SearchHit {
    kb::DocKind kind = kb::DocKind::incident;
    std::string id;
    std::string title;
    std::string snippet;  // one line; hits marked with \x01 ... \x02 (renderers choose the markup)
    double score = 0;     // higher is better; comparable within one search only
    std::string path;
    std::string date;     // incidents
    std::string status;   // incidents
    bool all_terms = true;  // false: no document had every word, this one has some
};

// Markers around a hit inside SearchHit::snippet.
inline constexpr char hit_begin = '\x01';
inline constexpr char hit_end = '\x02';

enum class PatternRole { evidence, cleared };

struct SignatureEntry {
    std::string runbook;
    int index = 0;  // position in the runbook's signatures
    kb::Signature signature;
};

// What listings need, without parsing a whole document.
struct DocumentInfo {
    kb::DocKind kind = kb::DocKind::incident;
    std::string id;
    std::string title;
    std::string date;    // incidents
    std::string status;  // incidents
    std::string path;
    int signatures = 0;  // runbooks
    int steps = 0;       // runbooks
};

struct Counts {
    long long runbooks = 0;
    long long incidents = 0;
    long long signatures = 0;
    long long links = 0;
    long long sources = 0;
};

// Called with a short message before a (re)build starts.
using Progress = std::function<void(const std::string& message)>;

class Index {
public:
    // Opens (building or rebuilding when stale or missing) the index for
    // `kb_dirs` at `db_path`. Refuses a database written by a newer deja.
    static base::Result<Index> open(const std::vector<fs::path>& kb_dirs, const fs::path& db_path,
                                  Refresh refresh = Refresh::if_stale, const Progress& progress = {});
    // Writes `knowledge_base` (already loaded from `kb_dirs`) as the index at
    // `db_path`, atomically replacing any previous file, and opens it.
    static base::Result<Index> build(const kb::KnowledgeBase& knowledge_base, const std::vector<fs::path>& kb_dirs,
                                   const fs::path& db_path);

    Index(Index&&) noexcept;
    Index& operator=(Index&&) noexcept;
    ~Index();

    bool rebuilt() const;  // this open() built the file
    // Problems found in the sources by the last build (stored with the index).
    std::vector<kb::Diagnostic> diagnostics() const;
    // The files under the knowledge-base folders not read as documents, and why.
    std::vector<kb::LeftOut> left_out() const;

    // Every word must match; when no document has them all, documents with
    // any of them are returned (all_terms = false), most words first.
    // Errors: an empty query or one without words.
    base::Result<std::vector<SearchHit>> search(const std::string& query, int limit = 10) const;

    std::vector<kb::Runbook> runbooks() const;    // ordered by id
    std::vector<kb::Incident> incidents() const;  // ordered by date desc, then id
    std::optional<kb::Runbook> runbook(const std::string& id) const;
    // Without its body Markdown and text, steps, examples and references:
    // all a match reads of a runbook the log gave evidence for.
    std::optional<kb::Runbook> runbook_outline(const std::string& id) const;
    std::optional<kb::Incident> incident(const std::string& id) const;
    // A runbook's signatures, or its cleared_by patterns; by runbook, then position.
    std::vector<SignatureEntry> signatures(PatternRole role = PatternRole::evidence) const;
    kb::KnowledgeBase knowledge_base() const;        // everything, as loaded
    // What a cached matcher needs, read without decoding any document:
    // runbooks only as id, title, path and signatures; incidents only as id,
    // title, date, status, path and linked runbooks (both directions of the
    // links table); no sources or diagnostics. With 10,000 incidents,
    // decoding them all was most of a run of `deja match` on a small log
    // (bench/match.sh); the matcher reads a runbook's outline
    // (runbook_outline()) once a log gives evidence for it.
    kb::KnowledgeBase knowledge_base_outline() const;
    // Runbooks whole; incidents without their bodies (Markdown, text, code,
    // sections); no sources or diagnostics. With read_incident_bodies, what the
    // site reads, so that it never holds every incident's body at once: with
    // 10,000 incidents the bodies were two thirds of `deja site build`'s
    // memory (bench/site.sh).
    kb::KnowledgeBase knowledge_base_without_incident_bodies() const;
    // Hands `visit` the bodies of the incidents at positions [first, first +
    // count) of incidents()'s order, one at a time: incidents with only their
    // id, body Markdown, body text and code set (no JSON to decode), which is
    // what the outline above leaves out. Stops at the first error. Reads on
    // a connection of its own, so several threads may each read a range at
    // once.
    base::Status read_incident_bodies(std::size_t first, std::size_t count,
                                    const std::function<base::Status(kb::Incident&&)>& visit) const;

    // Runbooks (by id) then incidents (date desc, id); or one kind.
    std::vector<DocumentInfo> documents(std::optional<kb::DocKind> kind = std::nullopt) const;
    std::vector<Link> links() const;
    std::vector<Link> links_of_runbook(const std::string& runbook_id) const;
    std::vector<Link> links_of_incident(const std::string& incident_id) const;
    // Ids that look like `id` (edit distance, shared prefix), closest first;
    // of documents of one kind, or of any.
    std::vector<std::string> similar_ids(const std::string& id, std::optional<kb::DocKind> kind = std::nullopt,
                                         std::size_t limit = 3) const;
    Counts counts() const;
    std::vector<kb::SourceFile> sources() const;  // the manifest the index was built from

    // Artefacts derived from the indexed content (e.g. the compiled signature
    // database). They live in the index file, so a rebuild drops them.
    std::optional<std::string> blob(const std::string& key) const;
    base::Status put_blob(const std::string& key, const std::string& bytes);

    const fs::path& path() const;

    struct Impl;  // opaque outside the store module

private:
    explicit Index(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace store
