#include "store/index.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <optional>
#include <system_error>
#include <type_traits>

#include <nlohmann/json.hpp>

#include "base/hash.hpp"
#include "base/text.hpp"
#include "kb/load.hpp"
#include "store/build.hpp"
#include "store/codec.hpp"
#include "store/file_lock.hpp"
#include "store/fts.hpp"
#include "store/index_impl.hpp"
#include "store/schema.hpp"

namespace store {

namespace {

struct FileId {
    dev_t device = 0;
    ino_t inode = 0;
    bool operator==(const FileId&) const = default;
};

std::optional<FileId> file_id(const fs::path& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return std::nullopt;
    return FileId{st.st_dev, st.st_ino};
}

fs::path lock_path(const fs::path& db_path) { return db_path.string() + ".lock"; }

// Opens the file currently at `path`, knowing which file that is.
base::Result<std::unique_ptr<Index::Impl>> open_file(const fs::path& path) {
    for (int attempt = 0;; ++attempt) {
        auto before = file_id(path);
        auto db = sqlite::Db::open(path, sqlite::OpenMode::read_write);
        if (!db) db = sqlite::Db::open(path, sqlite::OpenMode::read_only);
        if (!db) return db.error();
        auto after = file_id(path);
        // A rebuild renamed a new file in between: open that one instead.
        if (!before || !after || !(*before == *after)) {
            if (attempt < 5) continue;
            return base::error("the index keeps being replaced while opening it (" + path.string() + ")");
        }
        if (auto s = fts::register_extensions(*db); !s) return s.error();
        auto impl = std::make_unique<Index::Impl>(Index::Impl{std::move(*db), path, false, after->device, after->inode});
        return impl;
    }
}

enum class State { fresh, stale, newer };

struct Freshness {
    State state = State::stale;
    long long version = 0;
    std::vector<kb::SourceFile> touched;  // same content, new change time/size: refresh the manifest
    std::string digest;                   // of the files as they are now
};

std::optional<std::string> meta_value(const sqlite::Db& db, const std::string& key) {
    auto stmt = db.prepare("SELECT value FROM meta WHERE key = ?");
    if (!stmt) return std::nullopt;
    stmt->bind(1, key);
    auto row = stmt->step();
    if (!row || !*row) return std::nullopt;
    return stmt->text(0);
}

// Anything unreadable makes the index stale: it is a cache.
Freshness check(const sqlite::Db& db, const std::vector<fs::path>& kb_dirs) {
    Freshness f;
    auto version = db.user_version();
    if (!version) return f;
    f.version = *version;
    if (*version > schema::version) {
        f.state = State::newer;
        return f;
    }
    if (*version < schema::version) return f;
    if (meta_value(db, "dirs") != detail::dirs_key(kb_dirs)) return f;
    if (meta_value(db, "builder") != detail::builder_id()) return f;
    auto current = kb::list_sources(kb_dirs);
    if (meta_value(db, "manifest") == detail::manifest_digest(current)) {
        f.state = State::fresh;
        return f;
    }

    std::map<std::string, kb::SourceFile> manifest;
    auto stmt = db.prepare("SELECT path, size, changed_ns, hash FROM sources");
    if (!stmt) return f;
    for (;;) {
        auto row = stmt->step();
        if (!row) return f;
        if (!*row) break;
        kb::SourceFile s{stmt->text(0), stmt->text(3), stmt->integer(1), stmt->integer(2)};
        manifest.emplace(s.path, std::move(s));
    }
    if (current.size() != manifest.size()) return f;
    for (const auto& now : current) {
        auto it = manifest.find(now.path);
        if (it == manifest.end()) return f;
        if (it->second.size == now.size && it->second.changed_ns == now.changed_ns) continue;
        // Touched, or changed: only the content decides.
        auto bytes = kb::read_whole_file(now.path);
        if (!bytes || base::hash_hex(*bytes) != it->second.content_hash) return f;
        kb::SourceFile refreshed = now;
        refreshed.content_hash = it->second.content_hash;
        f.touched.push_back(std::move(refreshed));
    }
    f.state = State::fresh;
    f.digest = detail::manifest_digest(current);
    return f;
}

base::Error newer_error(const fs::path& path, long long version) {
    return base::error("index " + path.string() + " was written by a newer deja (schema " + std::to_string(version) +
                     ", this deja knows " + std::to_string(schema::version) + "); remove it or upgrade");
}

template <class T>
std::optional<T> parse_json(std::string_view text) {
    auto j = nlohmann::json::parse(text, nullptr, false);
    if (j.is_discarded()) return std::nullopt;
    try {
        return j.get<T>();
    } catch (const nlohmann::json::exception&) {
        return std::nullopt;
    }
}

// Documents rebuilt from their stored JSON and text columns; `sql` selects
// json, detail, markdown, summary, code, body.
template <class T>
std::vector<T> load_documents(const sqlite::Db& db, const std::string& sql, const std::string& bind = {},
                              codec::Detail detail = codec::Detail::full) {
    std::vector<T> out;
    auto stmt = db.prepare(sql);
    if (!stmt) return out;
    if (!bind.empty()) stmt->bind(1, bind);
    for (;;) {
        auto row = stmt->step();
        if (!row || !*row) break;
        codec::Stored stored{stmt->text_view(0), stmt->text_view(1), stmt->text_view(2),
                             stmt->text_view(3), stmt->text_view(4), stmt->text_view(5)};
        std::optional<T> doc;
        if constexpr (std::is_same_v<T, kb::Runbook>) doc = codec::decode_runbook(stored, detail);
        else doc = codec::decode_incident(stored, detail);
        if (doc) out.push_back(std::move(*doc));
    }
    return out;
}

constexpr const char* document_columns = "SELECT json, detail, markdown, summary, code, body FROM documents ";
// For codec::Detail::outline: the outline and summary, not the large columns.
constexpr const char* outline_columns = "SELECT json, '', '', summary, '', '' FROM documents ";
// The order of each kind of document. The outline lists them in the same
// order as the full read: a cached matcher refers to documents by position.
constexpr const char* runbooks_in_order = "WHERE kind = 'runbook' ORDER BY id";
constexpr const char* incidents_in_order = "WHERE kind = 'incident' ORDER BY date DESC, id";

std::vector<Link> load_links(const sqlite::Db& db, const char* sql, const std::string& bind = {}) {
    std::vector<Link> out;
    auto stmt = db.prepare(sql);
    if (!stmt) return out;
    if (!bind.empty()) stmt->bind(1, bind);
    for (;;) {
        auto row = stmt->step();
        if (!row || !*row) break;
        out.push_back({stmt->text(0), stmt->text(1)});
    }
    return out;
}

long long count_of(const sqlite::Db& db, const char* sql) {
    auto stmt = db.prepare(sql);
    if (!stmt) return 0;
    auto row = stmt->step();
    return (row && *row) ? stmt->integer(0) : 0;
}


// Whether the caller already holds the index lock: flock does not nest, a
// second acquire from the same process waits on itself.
enum class Lock { take, held };

// Writes to an open index happen under the lock and only while the file at
// `path` is still the one this connection has open.
template <class F>
base::Status write_locked(Index::Impl& impl, Lock lock_state, F&& write) {
    std::optional<FileLock> lock;
    if (lock_state == Lock::take) {
        auto acquired = FileLock::acquire(lock_path(impl.path));
        if (!acquired) return acquired.error();
        lock = std::move(*acquired);
    }
    auto now = file_id(impl.path);
    if (!now || !(*now == FileId{impl.device, impl.inode})) return base::Ok{};  // replaced: nothing to keep
    // Through the writers' name (detail::writer_path), made to name this file.
    const fs::path writer = detail::writer_path(impl.path);
    if (auto named = file_id(writer); !named || !(*named == *now)) {
        std::error_code ec;
        fs::remove(writer, ec);
        fs::remove(writer.string() + "-journal", ec);  // of a replaced file
        if (::link(impl.path.c_str(), writer.c_str()) != 0)
            return base::error("cannot link " + writer.string() + ": " + std::strerror(errno));
    }
    // Its first transaction replays the journal of a writer that crashed.
    auto db = sqlite::Db::open(writer, sqlite::OpenMode::read_write);
    if (!db) return db.error();
    auto tx = sqlite::Transaction::begin(*db, sqlite::Transaction::Kind::immediate);
    if (!tx) return tx.error();
    if (auto s = write(*db); !s) return s;
    return tx->commit();
}

// A writer that crashed mid-commit left its journal beside the writers' name,
// where readers do not look: replay it before anyone reads the file.
base::Status recover_interrupted_write(const fs::path& db_path) {
    const fs::path writer = detail::writer_path(db_path);
    std::error_code ec;
    if (!fs::exists(writer.string() + "-journal", ec)) return base::Ok{};
    auto lock = FileLock::acquire(lock_path(db_path));
    if (!lock) return lock.error();
    auto named = file_id(writer), now = file_id(db_path);
    if (!named || !now || !(*named == *now)) {
        // It belongs to a file that has since been replaced.
        fs::remove(writer, ec);
        fs::remove(writer.string() + "-journal", ec);
        return base::Ok{};
    }
    auto db = sqlite::Db::open(writer, sqlite::OpenMode::read_write);
    if (!db) return db.error();
    return db->exec("SELECT count(*) FROM meta");
}

base::Status refresh_manifest(Index::Impl& impl, Lock lock, const std::vector<kb::SourceFile>& touched,
                            const std::string& digest) {
    return write_locked(impl, lock, [&](sqlite::Db& db) -> base::Status {
        auto meta = db.prepare("UPDATE meta SET value = ? WHERE key = 'manifest'");
        if (!meta) return meta.error();
        meta->bind(1, digest);
        if (auto s = meta->run(); !s) return s;
        auto stmt = db.prepare("UPDATE sources SET size = ?, changed_ns = ? WHERE path = ?");
        if (!stmt) return stmt.error();
        for (const auto& f : touched) {
            stmt->bind(1, f.size).bind(2, f.changed_ns).bind(3, f.path);
            if (auto s = stmt->run(); !s) return s;
            stmt->reset();
        }
        return base::Ok{};
    });
}

}  // namespace

Index::Index(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Index::Index(Index&&) noexcept = default;
Index& Index::operator=(Index&&) noexcept = default;
Index::~Index() = default;

base::Result<Index> Index::open(const std::vector<fs::path>& kb_dirs, const fs::path& db_path, Refresh refresh,
                              const Progress& progress) {
    std::error_code ec;
    if (db_path.has_parent_path()) fs::create_directories(db_path.parent_path(), ec);
    if (ec) return base::error("cannot create the index folder: " + ec.message() + " (" + db_path.parent_path().string() + ")");

    if (auto s = recover_interrupted_write(db_path); !s) return s.error();
    // Reuse the existing file when it is fresh; decide again under the lock,
    // since another process may have rebuilt it while we waited.
    auto try_existing = [&](Lock lock) -> base::Result<std::optional<Index>> {
        if (!fs::exists(db_path, ec)) return std::optional<Index>{};
        auto impl = open_file(db_path);
        if (!impl) return std::optional<Index>{};  // unreadable: rebuild
        Freshness f = check((*impl)->db, kb_dirs);
        if (f.state == State::newer) return newer_error(db_path, f.version);
        if (f.state == State::stale || refresh == Refresh::always) return std::optional<Index>{};
        if (!f.touched.empty()) (void)refresh_manifest(**impl, lock, f.touched, f.digest);  // saves re-hashing next time
        return std::optional<Index>{Index(std::move(*impl))};
    };
    if (refresh == Refresh::if_stale) {
        auto existing = try_existing(Lock::take);
        if (!existing) return existing.error();
        if (*existing) return std::move(**existing);
    }
    auto lock = FileLock::acquire(lock_path(db_path));
    if (!lock) return lock.error();
    auto existing = try_existing(Lock::held);
    if (!existing) return existing.error();
    if (*existing) return std::move(**existing);

    if (progress) progress("indexing the knowledge base");
    kb::KnowledgeBase knowledge_base = kb::load(kb_dirs);
    if (auto s = detail::write_index_file(knowledge_base, kb_dirs, db_path); !s) return s.error();
    auto impl = open_file(db_path);
    if (!impl) return impl.error();
    (*impl)->rebuilt = true;
    return Index(std::move(*impl));
}

base::Result<Index> Index::build(const kb::KnowledgeBase& knowledge_base, const std::vector<fs::path>& kb_dirs,
                               const fs::path& db_path) {
    std::error_code ec;
    if (db_path.has_parent_path()) fs::create_directories(db_path.parent_path(), ec);
    if (ec) return base::error("cannot create the index folder: " + ec.message() + " (" + db_path.parent_path().string() + ")");
    auto lock = FileLock::acquire(lock_path(db_path));
    if (!lock) return lock.error();
    if (fs::exists(db_path, ec)) {
        if (auto impl = open_file(db_path)) {
            auto version = (*impl)->db.user_version();
            if (version && *version > schema::version) return newer_error(db_path, *version);
        }
    }
    if (auto s = detail::write_index_file(knowledge_base, kb_dirs, db_path); !s) return s.error();
    auto impl = open_file(db_path);
    if (!impl) return impl.error();
    (*impl)->rebuilt = true;
    return Index(std::move(*impl));
}

bool Index::rebuilt() const { return impl_->rebuilt; }
const fs::path& Index::path() const { return impl_->path; }

std::vector<kb::LeftOut> Index::left_out() const {
    std::vector<kb::LeftOut> out;
    auto stmt = impl_->db.prepare("SELECT file, message FROM diagnostics WHERE severity = ? ORDER BY rowid");
    if (!stmt) return out;
    stmt->bind(1, schema::left_out_severity);
    for (;;) {
        auto row = stmt->step();
        if (!row || !*row) break;
        out.push_back({stmt->text(0), stmt->text(1)});
    }
    return out;
}

std::vector<kb::Diagnostic> Index::diagnostics() const {
    std::vector<kb::Diagnostic> out;
    auto stmt = impl_->db.prepare("SELECT file, line, severity, message FROM diagnostics WHERE severity <> ? ORDER BY rowid");
    if (!stmt) return out;
    stmt->bind(1, schema::left_out_severity);
    for (;;) {
        auto row = stmt->step();
        if (!row || !*row) break;
        kb::Diagnostic d;
        d.file = stmt->text(0);
        d.line = static_cast<int>(stmt->integer(1));
        d.severity = stmt->text_view(2) == "warning" ? kb::Severity::warning : kb::Severity::error;
        d.message = stmt->text(3);
        out.push_back(std::move(d));
    }
    return out;
}

std::vector<kb::Runbook> Index::runbooks() const {
    return load_documents<kb::Runbook>(impl_->db, std::string(document_columns) + runbooks_in_order);
}

std::vector<kb::Incident> Index::incidents() const {
    return load_documents<kb::Incident>(impl_->db, std::string(document_columns) + incidents_in_order);
}

kb::KnowledgeBase Index::knowledge_base_without_incident_bodies() const {
    kb::KnowledgeBase out;
    out.runbooks = runbooks();
    out.incidents = load_documents<kb::Incident>(impl_->db, std::string(outline_columns) + incidents_in_order, {},
                                                 codec::Detail::outline);
    return out;
}

base::Status Index::read_incident_bodies(std::size_t first, std::size_t count,
                                       const std::function<base::Status(kb::Incident&&)>& visit) const {
    // A connection of its own (this one is not shared between threads),
    // which must have opened this index's file and not one a rebuild by
    // another process has put in its place since.
    const FileId opened{impl_->device, impl_->inode};
    auto db = sqlite::Db::open(impl_->path, sqlite::OpenMode::read_only);
    if (!db) return db.error();
    if (auto now = file_id(impl_->path); !now || !(*now == opened))
        return base::error("the index was rebuilt by another deja while this one was reading it; run the command again (" +
                         impl_->path.string() + ")");
    auto stmt = db->prepare(std::string("SELECT id, markdown, body, code FROM documents ") + incidents_in_order +
                            " LIMIT ? OFFSET ?");
    if (!stmt) return stmt.error();
    stmt->bind(1, static_cast<long long>(count)).bind(2, static_cast<long long>(first));
    for (;;) {
        auto row = stmt->step();
        if (!row) return row.error();
        if (!*row) return base::Ok{};
        kb::Incident incident;
        incident.id = stmt->text(0);
        incident.body_markdown = stmt->text(1);
        incident.body_text = stmt->text(2);
        incident.code = stmt->text(3);
        if (auto status = visit(std::move(incident)); !status) return status;
    }
}

namespace {

// The one document of `kind` with `id`, read through `columns` (one of
// document_columns and outline_columns, as `detail` says).
template <class T>
std::optional<T> load_document(const sqlite::Db& db, const char* columns, const char* kind, const std::string& id,
                               codec::Detail detail) {
    auto found = load_documents<T>(db, std::string(columns) + "WHERE kind = '" + kind + "' AND id = ?", id, detail);
    if (found.empty()) return std::nullopt;
    return std::move(found.front());
}

}  // namespace

std::optional<kb::Runbook> Index::runbook(const std::string& id) const {
    return load_document<kb::Runbook>(impl_->db, document_columns, "runbook", id, codec::Detail::full);
}

std::optional<kb::Runbook> Index::runbook_outline(const std::string& id) const {
    return load_document<kb::Runbook>(impl_->db, outline_columns, "runbook", id, codec::Detail::outline);
}

std::optional<kb::Incident> Index::incident(const std::string& id) const {
    return load_document<kb::Incident>(impl_->db, document_columns, "incident", id, codec::Detail::full);
}

std::vector<SignatureEntry> Index::signatures(PatternRole role) const {
    std::vector<SignatureEntry> out;
    auto stmt = impl_->db.prepare(
        "SELECT runbook, idx, pattern, params, description, after, line FROM signatures WHERE role = ? "
        "ORDER BY runbook, idx");
    if (!stmt) return out;
    stmt->bind(1, role == PatternRole::evidence ? "evidence" : "cleared");
    for (;;) {
        auto row = stmt->step();
        if (!row || !*row) break;
        SignatureEntry e;
        e.runbook = stmt->text(0);
        e.index = static_cast<int>(stmt->integer(1));
        e.signature.pattern = stmt->text(2);
        e.signature.params = parse_json<kb::ParamValues>(stmt->text_view(3)).value_or(kb::ParamValues{});
        e.signature.description = stmt->text(4);
        e.signature.after = stmt->text(5);
        e.signature.line = static_cast<int>(stmt->integer(6));
        out.push_back(std::move(e));
    }
    return out;
}

kb::KnowledgeBase Index::knowledge_base() const {
    kb::KnowledgeBase out;
    out.runbooks = runbooks();
    out.incidents = incidents();
    out.sources = sources();
    out.diagnostics = diagnostics();
    return out;
}

kb::KnowledgeBase Index::knowledge_base_outline() const {
    kb::KnowledgeBase out;
    // Runbooks by name with their signatures, from plain columns and the
    // signatures table (both in id order): decoding every runbook's JSON was
    // a third of a run on a small log with 1,000 signatures (bench/match.sh).
    auto stmt = impl_->db.prepare(std::string("SELECT id, title, path FROM documents ") + runbooks_in_order);
    if (!stmt) return out;
    for (;;) {
        auto row = stmt->step();
        if (!row || !*row) break;
        kb::Runbook r;
        r.id = stmt->text(0);
        r.title = stmt->text(1);
        r.path = stmt->text(2);
        out.runbooks.push_back(std::move(r));
    }
    for (auto role : {PatternRole::evidence, PatternRole::cleared}) {
        auto signatures = this->signatures(role);
        auto next = signatures.begin();
        for (auto& r : out.runbooks) {
            auto& list = role == PatternRole::evidence ? r.signatures : r.cleared_by;
            while (next != signatures.end() && next->runbook < r.id) ++next;
            for (; next != signatures.end() && next->runbook == r.id; ++next) list.push_back(std::move(next->signature));
        }
    }
    std::map<std::string, std::vector<std::string>> linked;
    for (auto& link : links()) linked[link.incident].push_back(std::move(link.runbook));
    auto incidents = impl_->db.prepare(std::string("SELECT id, title, date, status, path FROM documents ") +
                                       incidents_in_order);
    if (!incidents) return out;
    for (;;) {
        auto row = incidents->step();
        if (!row || !*row) break;
        kb::Incident i;
        i.id = incidents->text(0);
        i.title = incidents->text(1);
        i.date = incidents->text(2);
        i.status = incidents->text(3);
        i.path = incidents->text(4);
        if (auto it = linked.find(i.id); it != linked.end()) i.runbooks = std::move(it->second);
        out.incidents.push_back(std::move(i));
    }
    return out;
}

std::vector<DocumentInfo> Index::documents(std::optional<kb::DocKind> kind) const {
    std::vector<DocumentInfo> out;
    std::string sql = "SELECT kind, id, title, date, status, path, signatures, steps FROM documents";
    if (kind) sql += " WHERE kind = ?";
    sql += " ORDER BY kind = 'incident', CASE WHEN kind = 'incident' THEN date END DESC, id";
    auto stmt = impl_->db.prepare(sql);
    if (!stmt) return out;
    if (kind) stmt->bind(1, kb::to_string(*kind));
    for (;;) {
        auto row = stmt->step();
        if (!row || !*row) break;
        DocumentInfo d;
        d.kind = stmt->text_view(0) == "runbook" ? kb::DocKind::runbook : kb::DocKind::incident;
        d.id = stmt->text(1);
        d.title = stmt->text(2);
        d.date = stmt->text(3);
        d.status = stmt->text(4);
        d.path = stmt->text(5);
        d.signatures = static_cast<int>(stmt->integer(6));
        d.steps = static_cast<int>(stmt->integer(7));
        out.push_back(std::move(d));
    }
    return out;
}

std::vector<Link> Index::links() const {
    return load_links(impl_->db, "SELECT incident, runbook FROM links ORDER BY incident, runbook");
}

std::vector<Link> Index::links_of_runbook(const std::string& runbook_id) const {
    // Most recent incidents first: dates lead incident ids by convention.
    return load_links(impl_->db,
                      "SELECT l.incident, l.runbook FROM links l LEFT JOIN documents d "
                      "ON d.kind = 'incident' AND d.id = l.incident WHERE l.runbook = ? ORDER BY d.date DESC, l.incident",
                      runbook_id);
}

std::vector<Link> Index::links_of_incident(const std::string& incident_id) const {
    return load_links(impl_->db, "SELECT incident, runbook FROM links WHERE incident = ? ORDER BY runbook",
                      incident_id);
}

std::vector<std::string> Index::similar_ids(const std::string& id, std::optional<kb::DocKind> kind,
                                            std::size_t limit) const {
    std::vector<std::pair<std::size_t, std::string>> scored;
    auto stmt = impl_->db.prepare("SELECT DISTINCT id FROM documents WHERE ?1 IS NULL OR kind = ?1");
    if (!stmt) return {};
    if (kind) stmt->bind(1, kb::to_string(*kind));
    std::string wanted = id;
    std::transform(wanted.begin(), wanted.end(), wanted.begin(), [](unsigned char c) { return std::tolower(c); });
    for (;;) {
        auto row = stmt->step();
        if (!row || !*row) break;
        std::string candidate = stmt->text(0);
        std::size_t distance = base::text::edit_distance(wanted, candidate);
        bool contains = !wanted.empty() && candidate.find(wanted) != std::string::npos;
        // Close in spelling, or the typed text is part of the id.
        std::size_t allowed = std::max<std::size_t>(2, wanted.size() / 3);
        if (contains) distance = std::min(distance, std::size_t{1});
        if (distance <= allowed) scored.emplace_back(distance, std::move(candidate));
    }
    std::sort(scored.begin(), scored.end());
    std::vector<std::string> out;
    for (auto& [d, s] : scored) {
        if (out.size() >= limit) break;
        out.push_back(std::move(s));
    }
    return out;
}

Counts Index::counts() const {
    Counts c;
    c.runbooks = count_of(impl_->db, "SELECT count(*) FROM documents WHERE kind = 'runbook'");
    c.incidents = count_of(impl_->db, "SELECT count(*) FROM documents WHERE kind = 'incident'");
    c.signatures = count_of(impl_->db, "SELECT count(*) FROM signatures WHERE role = 'evidence'");
    c.links = count_of(impl_->db, "SELECT count(*) FROM links");
    c.sources = count_of(impl_->db, "SELECT count(*) FROM sources");
    return c;
}

std::vector<kb::SourceFile> Index::sources() const {
    std::vector<kb::SourceFile> out;
    auto stmt = impl_->db.prepare("SELECT path, hash, size, changed_ns FROM sources ORDER BY path");
    if (!stmt) return out;
    for (;;) {
        auto row = stmt->step();
        if (!row || !*row) break;
        out.push_back({stmt->text(0), stmt->text(1), stmt->integer(2), stmt->integer(3)});
    }
    return out;
}

std::optional<std::string> Index::blob(const std::string& key) const {
    auto stmt = impl_->db.prepare("SELECT bytes FROM blobs WHERE key = ?");
    if (!stmt) return std::nullopt;
    stmt->bind(1, key);
    auto row = stmt->step();
    if (!row || !*row) return std::nullopt;
    return stmt->blob(0);
}

base::Status Index::put_blob(const std::string& key, const std::string& bytes) {
    return write_locked(*impl_, Lock::take, [&](sqlite::Db& db) -> base::Status {
        auto stmt = db.prepare("INSERT OR REPLACE INTO blobs (key, bytes) VALUES (?, ?)");
        if (!stmt) return stmt.error();
        stmt->bind(1, key).bind_blob(2, bytes, sqlite::Lifetime::borrow);
        return stmt->run();
    });
}

}  // namespace store
