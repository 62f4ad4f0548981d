#include "store/build.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <algorithm>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <stop_token>
#include <system_error>
#include <thread>

#include <nlohmann/json.hpp>

#include "base/file.hpp"
#include "base/hash.hpp"
#include "kb/load.hpp"
#include "store/codec.hpp"
#include "store/fts.hpp"
#include "store/links.hpp"
#include "store/schema.hpp"
#include "store/sqlite.hpp"

namespace store::detail {

namespace fs = std::filesystem;
using sqlite::Lifetime;

namespace {

std::string dump(const nlohmann::json& j) {
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// Later documents with the same id replace earlier ones (layering order).
template <class T>
std::vector<const T*> last_of_each_id(const std::vector<T>& items) {
    std::map<std::string, const T*> by_id;
    for (const auto& item : items) by_id[item.id] = &item;
    std::vector<const T*> out;
    out.reserve(by_id.size());
    for (const auto& [id, item] : by_id) out.push_back(item);
    return out;
}

struct Writer {
    sqlite::Statement document, search, search_head, signature, link, diagnostic, source, meta;
    long long rowid = 0;

    base::Status add(kb::DocKind kind, const std::string& id, const std::string& title, const std::string& date,
                   const std::string& status, const std::string& path, int signatures, int steps,
                   const codec::Row& row, std::span<const fts::SplitText> words) {
        ++rowid;
        document.bind(1, rowid)
            .bind(2, kb::to_string(kind))
            .bind(3, id, Lifetime::borrow)
            .bind(4, title, Lifetime::borrow)
            .bind(5, date, Lifetime::borrow)
            .bind(6, status, Lifetime::borrow)
            .bind(7, path, Lifetime::borrow)
            .bind(8, signatures)
            .bind(9, steps)
            .bind(10, row.json, Lifetime::borrow)
            .bind(11, row.detail, Lifetime::borrow)
            .bind(12, *row.markdown, Lifetime::borrow);
        bind_text(document, 13, row);
        auto s = document.run();
        document.reset();
        if (!s) return s;
        fts::Replay replay(words);
        for (auto* fts : {&search, &search_head}) {
            fts->bind(1, rowid);
            bind_text(*fts, 2, row);
            s = fts->run();
            fts->reset();
            if (!s) return s;
        }
        return base::Ok{};
    }

    // The search columns from `first` on; search_head has fewer parameters,
    // and binding past them is skipped.
    static void bind_text(sqlite::Statement& stmt, int first, const codec::Row& row) {
        auto texts = row.columns();
        int parameters = sqlite3_bind_parameter_count(stmt.handle());
        for (int i = 0; i < fts::column_count && first + i <= parameters; ++i)
            stmt.bind(first + i, *texts[static_cast<std::size_t>(i)], Lifetime::borrow);
    }
};

// A document ready to insert: its row, and the words of each search column.
struct Encoded {
    codec::Row row;
    std::array<fts::SplitText, fts::column_count> words;
};

// Encodes `documents` in order and hands each to `insert`. SQLite writes on
// one thread, of which encoding (the model as JSON) took a sixth and
// splitting the text into words two fifths; a second thread now encodes and
// splits the next batches while this one inserts (bench/index_search.sh).
// It is one thread for the whole run: a thread per batch spent 4% of the
// build's CPU starting threads and handing their heaps back at exit.
template <class T, class Insert>
base::Status insert_encoded(const std::vector<const T*>& documents, fts::Splitter& splitter, Insert insert) {
    constexpr std::size_t batch = 64, batches_ahead = 2;
    using Batch = base::Result<std::vector<Encoded>>;
    // Split words point into their row's strings, so a row never moves once
    // split: the batch is reserved whole, and moving the vector keeps its
    // elements where they are.
    auto encode_batch = [&documents, &splitter](std::size_t first) -> Batch {
        std::size_t last = std::min(first + batch, documents.size());
        std::vector<Encoded> encoded;
        encoded.reserve(last - first);
        for (std::size_t i = first; i < last; ++i) {
            Encoded& e = encoded.emplace_back(Encoded{codec::encode(*documents[i]), {}});
            auto columns = e.row.columns();
            for (std::size_t c = 0; c < columns.size(); ++c) {
                auto words = splitter.split(*columns[c]);
                if (!words) return words.error();
                e.words[c] = std::move(*words);
            }
        }
        return encoded;
    };
    std::mutex mutex;
    std::condition_variable_any changed;
    std::deque<Batch> ready;
    // Only the encoder uses the splitter. It stops at its first error, and
    // when this thread returns early (the jthread's stop request).
    std::jthread encoder([&](std::stop_token stop) {
        for (std::size_t first = 0; first < documents.size() && !stop.stop_requested(); first += batch) {
            Batch encoded = encode_batch(first);
            bool failed = !encoded;
            {
                std::unique_lock lock(mutex);
                // After a stop request the wait returns whether there is room.
                if (!changed.wait(lock, stop, [&] { return ready.size() < batches_ahead; }) || stop.stop_requested())
                    return;
                ready.push_back(std::move(encoded));
            }
            changed.notify_all();
            if (failed) return;
        }
    });
    for (std::size_t first = 0; first < documents.size(); first += batch) {
        std::optional<Batch> encoded;
        {
            std::unique_lock lock(mutex);
            changed.wait(lock, [&] { return !ready.empty(); });
            encoded.emplace(std::move(ready.front()));
            ready.pop_front();
        }
        changed.notify_all();
        if (!*encoded) return encoded->error();
        for (std::size_t k = 0; k < (*encoded)->size(); ++k)
            if (auto s = insert(*documents[first + k], (**encoded)[k]); !s) return s;
    }
    return base::Ok{};
}

// The sources the index stands for: what was loaded, plus what was listed
// but could not be read (too large, unreadable) with an empty hash, so such
// a file does not make every later open see a changed knowledge base.
std::vector<kb::SourceFile> manifest_of(const kb::KnowledgeBase& knowledge_base, const std::vector<fs::path>& kb_dirs) {
    std::vector<kb::SourceFile> manifest = knowledge_base.sources;
    std::set<std::string> loaded;
    for (const auto& f : manifest) loaded.insert(f.path);
    for (auto& f : kb::list_sources(kb_dirs))
        if (!loaded.count(f.path)) manifest.push_back(std::move(f));
    return manifest;
}

base::Status populate(sqlite::Db& db, const kb::KnowledgeBase& knowledge_base, const std::vector<fs::path>& kb_dirs) {
    if (auto s = schema::create(db); !s) return s;
    // No incremental merging while inserting: the single 'optimize' at the
    // end merges everything once, which took a third less CPU than merging
    // as segments pile up (bench/index_search.sh).
    for (const char* table : {"search", "search_head"}) {
        std::string t = table;
        if (auto s = db.exec("INSERT INTO " + t + " (" + t + ", rank) VALUES ('automerge', 0);" + "INSERT INTO " + t +
                             " (" + t + ", rank) VALUES ('crisismerge', 1000)");
            !s)
            return s;
    }
    auto tx = sqlite::Transaction::begin(db, sqlite::Transaction::Kind::exclusive);
    if (!tx) return tx.error();

    auto prepare = [&](const char* sql) { return db.prepare(sql); };
    auto document = prepare(
        "INSERT INTO documents (rowid, kind, id, title, date, status, path, signatures, steps, json, detail, "
        "markdown, heading, errors, meta, summary, code, body) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    auto search = prepare(
        "INSERT INTO search (rowid, heading, errors, meta, summary, code, body) VALUES (?, ?, ?, ?, ?, ?, ?)");
    auto search_head = prepare("INSERT INTO search_head (rowid, heading, errors, meta, summary) VALUES (?, ?, ?, ?, ?)");
    auto signature = prepare(
        "INSERT INTO signatures (runbook, role, idx, pattern, params, description, after, line) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    auto link = prepare("INSERT INTO links (incident, runbook) VALUES (?, ?)");
    auto diagnostic = prepare("INSERT INTO diagnostics (file, line, severity, message) VALUES (?, ?, ?, ?)");
    auto source = prepare("INSERT OR REPLACE INTO sources (path, size, changed_ns, hash) VALUES (?, ?, ?, ?)");
    auto meta = prepare("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)");
    for (auto* r : {&document, &search, &search_head, &signature, &link, &diagnostic, &source, &meta})
        if (!*r) return r->error();
    Writer w{std::move(*document), std::move(*search),     std::move(*search_head), std::move(*signature),
             std::move(*link),     std::move(*diagnostic), std::move(*source),      std::move(*meta)};

    // Row order matters to search: when a word is in too many documents to
    // rank them all, the lowest rowids are ranked. So runbooks go in first,
    // then the incidents newest first (ties in reverse id order), and FTS5
    // reads a common word's documents forwards: backwards, as the opposite
    // order needs, the 99th percentile of searches at 100,000 documents was
    // 6.6 ms instead of 3.8 ms (bench/index_search.sh).
    auto splitter = fts::Splitter::create(db);
    if (!splitter) return splitter.error();
    auto runbooks = last_of_each_id(knowledge_base.runbooks);
    std::reverse(runbooks.begin(), runbooks.end());
    auto inserted = insert_encoded(runbooks, *splitter, [&](const kb::Runbook& r, const Encoded& e) {
        auto s = w.add(kb::DocKind::runbook, r.id, r.title, "", "", r.path, static_cast<int>(r.signatures.size()),
                       static_cast<int>(r.steps.size()), e.row, e.words);
        auto add_patterns = [&](const char* role, const std::vector<kb::Signature>& list) {
            for (std::size_t i = 0; s && i < list.size(); ++i) {
                const auto& sig = list[i];
                w.signature.bind(1, r.id, Lifetime::borrow)
                    .bind(2, role)
                    .bind(3, static_cast<long long>(i))
                    .bind(4, sig.pattern, Lifetime::borrow)
                    .bind(5, dump(nlohmann::json(sig.params)))
                    .bind(6, sig.description, Lifetime::borrow)
                    .bind(7, sig.after, Lifetime::borrow)
                    .bind(8, sig.line);
                s = w.signature.run();
                w.signature.reset();
            }
        };
        add_patterns("evidence", r.signatures);
        add_patterns("cleared", r.cleared_by);
        return s;
    });
    if (!inserted) return inserted;
    auto incidents = last_of_each_id(knowledge_base.incidents);
    std::reverse(incidents.begin(), incidents.end());
    std::stable_sort(incidents.begin(), incidents.end(),
                     [](const kb::Incident* a, const kb::Incident* b) { return a->date > b->date; });
    inserted = insert_encoded(incidents, *splitter, [&](const kb::Incident& i, const Encoded& e) {
        return w.add(kb::DocKind::incident, i.id, i.title, i.date, i.status, i.path, 0, 0, e.row, e.words);
    });
    if (!inserted) return inserted;
    for (const auto& l : find_links(knowledge_base)) {
        w.link.bind(1, l.incident, Lifetime::borrow).bind(2, l.runbook, Lifetime::borrow);
        auto s = w.link.run();
        w.link.reset();
        if (!s) return s;
    }
    for (const auto& d : knowledge_base.diagnostics) {
        w.diagnostic.bind(1, d.file, Lifetime::borrow)
            .bind(2, d.line)
            .bind(3, d.severity == kb::Severity::error ? "error" : "warning")
            .bind(4, d.message, Lifetime::borrow);
        auto s = w.diagnostic.run();
        w.diagnostic.reset();
        if (!s) return s;
    }
    // Files left out share the table, under their own severity: a reason is
    // one line, like a problem's, and `deja index --verbose` lists them.
    for (const auto& l : knowledge_base.left_out) {
        w.diagnostic.bind(1, l.path, Lifetime::borrow).bind(2, 0).bind(3, schema::left_out_severity).bind(4, l.reason, Lifetime::borrow);
        auto s = w.diagnostic.run();
        w.diagnostic.reset();
        if (!s) return s;
    }
    auto manifest = manifest_of(knowledge_base, kb_dirs);
    for (const auto& f : manifest) {
        w.source.bind(1, f.path, Lifetime::borrow)
            .bind(2, f.size)
            .bind(3, f.changed_ns)
            .bind(4, f.content_hash, Lifetime::borrow);
        auto s = w.source.run();
        w.source.reset();
        if (!s) return s;
    }
    for (const auto& [key, value] : std::map<std::string, std::string>{
             {"dirs", dirs_key(kb_dirs)}, {"builder", builder_id()}, {"manifest", manifest_digest(manifest)}}) {
        w.meta.bind(1, key).bind(2, value);
        auto s = w.meta.run();
        w.meta.reset();
        if (!s) return s;
    }
    // One segment per table makes every later query cheaper than the merge
    // costs once here (bench/index_search.sh).
    for (const char* sql : {"INSERT INTO search (search) VALUES ('optimize')",
                            "INSERT INTO search_head (search_head) VALUES ('optimize')"})
        if (auto s = db.exec(sql); !s) return s;
    if (auto s = db.set_user_version(schema::version); !s) return s;
    return tx->commit();
}

base::Status sync_path(const fs::path& path, int flags) {
    base::Fd fd(::open(path.c_str(), flags | O_CLOEXEC));
    if (!fd) return base::error("cannot open for syncing: " + std::string(std::strerror(errno)) + " (" + path.string() + ")");
    if (::fsync(fd.get()) != 0)
        return base::error("cannot sync to disk: " + std::string(std::strerror(errno)) + " (" + path.string() + ")");
    return base::Ok{};
}

void remove_leftovers(const fs::path& db_path) {
    std::error_code ec;
    std::string prefix = db_path.filename().string() + ".tmp-";
    for (const auto& entry : fs::directory_iterator(db_path.parent_path(), ec)) {
        if (entry.path().filename().string().rfind(prefix, 0) == 0) fs::remove(entry.path(), ec);
    }
    // The writers' name and a journal left by one that crashed belong to the
    // file about to be replaced; beside the new file the journal would be
    // replayed into it.
    fs::path writer = writer_path(db_path);
    fs::remove(writer, ec);
    fs::remove(fs::path(writer.string() + "-journal"), ec);
}

}  // namespace

fs::path writer_path(const fs::path& db_path) { return db_path.string() + ".writer"; }

std::string builder_id() {
    std::string id = DEJA_VERSION;
    struct stat st {};
    if (::stat("/proc/self/exe", &st) == 0)
        id += " " + std::to_string(st.st_size) + " " +
              std::to_string(static_cast<long long>(st.st_mtim.tv_sec) * 1000000000LL + st.st_mtim.tv_nsec);
    return id;
}

std::string manifest_digest(const std::vector<kb::SourceFile>& files) {
    std::uint64_t sum = 0;
    std::string entry;
    for (const auto& f : files) {
        entry = f.path;
        entry += '\0' + std::to_string(f.size) + '\0' + std::to_string(f.changed_ns);
        sum += base::hash64(entry);  // a sum: the order of the files does not matter
    }
    return std::to_string(files.size()) + ":" + std::to_string(sum);
}

std::string dirs_key(const std::vector<fs::path>& dirs) {
    std::string key;
    for (const auto& d : dirs) key += d.string() + '\n';
    return key;
}

base::Status write_index_file(const kb::KnowledgeBase& knowledge_base, const std::vector<fs::path>& kb_dirs,
                            const fs::path& db_path) {
    remove_leftovers(db_path);
    fs::path temp = db_path.string() + ".tmp-" + std::to_string(::getpid());
    auto fail = [&](base::Error e) -> base::Status {
        std::error_code ec;
        fs::remove(temp, ec);
        return e;
    };
    {
        auto db = sqlite::Db::open(temp, sqlite::OpenMode::create);
        if (!db) return fail(db.error());
        // A temporary file nobody else sees: no journal, no syncs until the
        // end; a crash leaves only a file the next build removes. An 8 MiB
        // page cache built 10,000 and 100,000 documents as fast as 128 MiB
        // did (pages spill to the file, which the OS caches anyway), with
        // 124 MiB less memory (bench/site.sh, bench/index_search.sh).
        auto s = db->exec(
            "PRAGMA page_size = 8192; PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;"
            "PRAGMA locking_mode = EXCLUSIVE; PRAGMA temp_store = MEMORY; PRAGMA cache_size = -8192;");
        if (!s) return fail(s.error());
        if (s = fts::register_extensions(*db); !s) return fail(s.error());
        if (s = populate(*db, knowledge_base, kb_dirs); !s) return fail(s.error());
    }
    if (auto s = sync_path(temp, O_RDONLY); !s) return fail(s.error());
    std::error_code ec;
    fs::rename(temp, db_path, ec);
    if (ec) return fail(base::error("cannot move the new index into place: " + ec.message() + " (" + db_path.string() + ")"));
    (void)sync_path(db_path.parent_path(), O_RDONLY | O_DIRECTORY);
    return base::Ok{};
}

}  // namespace store::detail
