// Reading knowledge base folders: which files, in which order, layering by
// id, and every problem turned into a Diagnostic instead of a stop.
#include "kb/load.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <map>
#include <memory>
#include <system_error>
#include <thread>

#include "base/hash.hpp"
#include "base/ranges.hpp"
#include "base/result.hpp"
#include "base/text.hpp"
#include "kb/incident_infer.hpp"
#include "kb/link.hpp"

namespace kb {

namespace fs = std::filesystem;

namespace {

// Larger files are refused: a report is a few KiB, and an 8 MiB cap keeps a
// stray log or dump from costing seconds and memory on every index build.
constexpr std::uintmax_t max_file_bytes = 8u << 20;

struct Candidate {
    SourceFile file;
    DocKind kind;
};

enum class Named { document, maybe, other };  // maybe: no extension, the content decides

Named document_name(std::string_view name) {
    if (name.empty() || name.front() == '.') return Named::other;
    std::size_t dot = name.rfind('.');
    if (dot == std::string_view::npos) return Named::maybe;
    std::string ext = base::text::lower(name.substr(dot));
    // A name like "PM2022-009 - Bad AWS EKS AMI" has a dot in no extension.
    if (name.size() - dot > 10 || name.substr(dot).find(' ') != std::string_view::npos) return Named::maybe;
    if (ext != ".md" && ext != ".markdown" && ext != ".txt") return Named::other;
    // A folder's README describes the folder; it is not a report.
    return base::text::istarts_with(name, "readme.") ? Named::other : Named::document;
}

class FileDescriptor {
public:
    explicit FileDescriptor(int fd) : fd_(fd) {}
    ~FileDescriptor() {
        if (fd_ >= 0) ::close(fd_);
    }
    FileDescriptor(const FileDescriptor&) = delete;
    FileDescriptor& operator=(const FileDescriptor&) = delete;
    int get() const { return fd_; }

private:
    int fd_;
};

// A file without an extension is a document when it starts as Markdown
// does: a heading or front matter (a LICENSE or a Makefile does not).
bool starts_like_markdown(int folder, const char* name) {
    FileDescriptor fd(::openat(folder, name, O_RDONLY | O_CLOEXEC | O_NONBLOCK));
    if (fd.get() < 0) return false;
    char head[64];
    const ssize_t n = ::read(fd.get(), head, sizeof head);
    if (n <= 0) return false;
    std::string_view text(head, static_cast<std::size_t>(n));
    if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
    text = base::text::trim_left(text);
    return text.starts_with("# ") || text.starts_with("---\n") || text.starts_with("---\r\n");
}

// The order of path::compare (folder by folder) on plain strings: '/' sorts
// before any other character. Sorting 100k fs::paths with path::compare,
// which splits both into components on every call, was most of the time a
// read command spent checking that no source changed (bench/index_search.sh).
bool path_less(const std::string& x, const std::string& y) {
    auto [i, j] = std::mismatch(x.begin(), x.end(), y.begin(), y.end());
    if (j == y.end()) return false;
    if (i == x.end()) return true;
    if (*i == '/') return true;
    if (*j == '/') return false;
    return static_cast<unsigned char>(*i) < static_cast<unsigned char>(*j);
}

struct Found {
    std::string relative;  // to the folder collected
    long long size = 0, changed_ns = 0;
};

// Size and change time of a folder's documents, by the folder's descriptor.
// A read command checks every source for a change before it answers, and
// fstatat was most of that check's time (kernel, ~4 us a file): a folder of
// many documents is stat'ed on several threads, which took a fifth off a
// `deja match` of a small log on 10,000 documents (121 to 98 ms, 2 cores,
// bench/match.sh) and a tenth off a `deja search` (38 to 34 ms).
void stat_documents(int fd, std::vector<Found>& found, std::size_t first, const std::vector<std::string>& names) {
    auto stat_range = [&](std::size_t from, std::size_t to) {
        for (std::size_t i = from; i < to; ++i) {
            struct stat st {};
            Found& f = found[first + i];
            if (::fstatat(fd, names[i].c_str(), &st, 0) != 0) continue;  // a broken link: reported when read
            if (S_ISDIR(st.st_mode)) {
                f.size = -1;  // a link to a folder: dropped below
                continue;
            }
            f.size = static_cast<long long>(st.st_size);
            f.changed_ns = static_cast<long long>(st.st_ctim.tv_sec) * 1'000'000'000LL + st.st_ctim.tv_nsec;
        }
    };
    base::in_ranges(names.size(), base::range_count(names.size(), 512, 4),
              [&](unsigned, std::size_t from, std::size_t to) { stat_range(from, to); });
    found.erase(std::remove_if(found.begin() + static_cast<std::ptrdiff_t>(first), found.end(),
                               [](const Found& f) { return f.size < 0; }),
                found.end());
}

// Documents under `root + relative` (a folder; both end with '/'), at any
// depth. Each entry is looked at by its folder's descriptor (fstatat), not
// by its whole path, which halved the time of listing 100k sources. Folders
// starting with '.' are skipped and links to folders are not followed; a
// file that cannot be stat'ed (a broken link) is still listed, to be
// reported when read.
void walk(const std::string& root, const std::string& relative, std::vector<Found>& out) {
    std::unique_ptr<DIR, int (*)(DIR*)> dir(::opendir((root + relative).c_str()), ::closedir);
    if (!dir) return;  // unreadable folders are skipped, like missing ones
    const int fd = ::dirfd(dir.get());
    const std::size_t first = out.size();
    std::vector<std::string> names, folders;
    while (const dirent* entry = ::readdir(dir.get())) {
        std::string_view name = entry->d_name;
        if (name == "." || name == "..") continue;
        unsigned char type = entry->d_type;
        struct stat st {};
        if (type == DT_UNKNOWN && ::fstatat(fd, entry->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0)
            type = S_ISDIR(st.st_mode) ? DT_DIR : DT_REG;
        if (type == DT_DIR) {
            if (name.front() != '.') folders.emplace_back(name);
            continue;
        }
        const Named named = document_name(name);
        if (named == Named::other || (named == Named::maybe && !starts_like_markdown(fd, entry->d_name))) continue;
        names.emplace_back(name);
        out.push_back({relative + std::string(name)});
    }
    stat_documents(fd, out, first, names);
    for (const auto& folder : folders) walk(root, relative + folder + '/', out);
}

// Files of one folder, sorted by path so every run reads them in the same order.
void collect(const fs::path& folder, DocKind kind, std::vector<Candidate>& out) {
    std::error_code ec;
    if (!fs::is_directory(folder, ec)) return;
    const std::string root = (folder / "").string();
    std::vector<Found> found;
    walk(root, "", found);
    std::sort(found.begin(), found.end(), [](const Found& a, const Found& b) { return path_less(a.relative, b.relative); });
    for (auto& f : found) out.push_back({{root + f.relative, "", f.size, f.changed_ns}, kind});
}

std::vector<Candidate> candidates(const fs::path& dir) {
    std::vector<Candidate> out;
    std::error_code ec;
    bool structured = fs::is_directory(dir / "runbooks", ec) || fs::is_directory(dir / "incidents", ec);
    if (structured) {
        collect(dir / "runbooks", DocKind::runbook, out);
        collect(dir / "incidents", DocKind::incident, out);
    } else {
        // A folder of existing post-mortems, read as they are, month folders
        // and all.
        collect(dir, DocKind::incident, out);
    }
    return out;
}


// One file's outcome, produced independently of every other file so that
// files can be parsed on several threads and merged in a fixed order.
struct Parsed {
    std::optional<SourceFile> source;  // set when the file could be read
    std::optional<Runbook> runbook;
    std::optional<Incident> incident;
    std::vector<Diagnostic> diagnostics;
};

// Nothing but white space (and perhaps a byte order mark).
bool is_blank(std::string_view bytes) {
    if (bytes.starts_with("\xEF\xBB\xBF")) bytes.remove_prefix(3);
    return bytes.find_first_not_of(" \t\r\n\f\v") == std::string_view::npos;
}

Parsed parse_file(const Candidate& c) {
    Parsed out;
    const std::string& path = c.file.path;
    try {
        auto bytes = read_whole_file(path);
        if (!bytes) {
            out.diagnostics.push_back({path, 0, Severity::error, bytes.error().message});
            return out;
        }
        SourceFile file = c.file;
        file.content_hash = base::hash_hex(*bytes);
        file.size = static_cast<long long>(bytes->size());
        out.source = std::move(file);
        if (is_blank(*bytes)) {
            // Often a report begun and never written: nothing to index.
            out.diagnostics.push_back({path, 0, Severity::warning, "empty file; skipped"});
            return out;
        }
        if (c.kind == DocKind::runbook)
            out.runbook = parse_runbook(path, *bytes, out.diagnostics);
        else
            out.incident = parse_incident(path, *bytes, out.diagnostics);
        if (out.incident && infer::is_report_template(*out.incident)) {
            out.incident.reset();
            out.diagnostics.push_back({path, 1, Severity::warning,
                                       "not read as an incident: a report template (placeholders such as "
                                       "YYYY-MM-DD or {{ summary }}, and no date of its own)"});
        }
    } catch (const std::exception& e) {
        // Parsing is written not to throw; memory exhaustion and the like still must not take the rest down.
        out.runbook.reset();
        out.incident.reset();
        out.diagnostics.push_back({path, 0, Severity::error, std::string("could not be parsed: ") + e.what()});
    }
    return out;
}

// Parsing dominates loading and files are independent: spread them over
// the cores (measured ~1.9x on 2 cores for 1,000 reports of ~7 KiB).
std::vector<Parsed> parse_files(const std::vector<Candidate>& files) {
    std::vector<Parsed> results(files.size());
    unsigned threads = std::min<unsigned>(std::max(1u, std::thread::hardware_concurrency()), 8);
    if (files.size() < 64) threads = 1;
    std::atomic<std::size_t> next{0};
    auto work = [&] {
        for (std::size_t i = next++; i < files.size(); i = next++) results[i] = parse_file(files[i]);
    };
    if (threads == 1) {
        work();
        return results;
    }
    std::vector<std::jthread> pool;
    for (unsigned t = 1; t < threads; ++t) pool.emplace_back(work);
    work();
    return results;  // the jthreads join here
}

IdSource id_source(const Runbook&) { return IdSource::written; }
IdSource id_source(const Incident& incident) { return incident.id_source; }

// Ids are unique within a folder. An id the author chose (every runbook's,
// an incident's front matter or file name) is theirs to fix: a second file
// with it is skipped and reported. An incident id made up from a title can
// collide with no one at fault (titles are cut to fit, "Resolution report"
// recurs), so that report takes the first free "<id>-2", "<id>-3", ...
// instead of being lost; an id the author chose wins over a made-up one.
struct LayerIds {
    std::map<std::string, std::string> paths;  // id -> the file that has it
    // The suffix to try next for a taken id, so that a thousand reports
    // with one title do not each try every suffix before theirs.
    std::map<std::string, int> next_suffix;
};

template <class Doc>
void add_document(Doc doc, const std::string& path, LayerIds& layer, std::map<std::string, Doc>& all,
                  std::vector<Diagnostic>& diagnostics) {
    auto& layer_ids = layer.paths;
    auto free_id = [&](const std::string& id) {
        int& n = layer.next_suffix.try_emplace(id, 2).first->second;
        for (;; ++n)
            if (std::string candidate = id + "-" + std::to_string(n); !layer_ids.count(candidate)) return candidate;
    };
    auto renamed = [](const std::string& id, const std::string& taken_by, const std::string& new_id) {
        return "the id '" + id + "' made from this report's title is " + taken_by +
               "; this report is indexed as '" + new_id + "' (an `id:` in its front matter chooses one)";
    };
    auto it = layer_ids.find(doc.id);
    if (it != layer_ids.end()) {
        Doc& holder = all.at(doc.id);
        if (id_source(doc) == IdSource::inferred) {
            std::string new_id = free_id(doc.id);
            diagnostics.push_back({path, 1, Severity::warning, renamed(doc.id, "taken by " + it->second, new_id)});
            doc.id = new_id;
        } else if (id_source(holder) == IdSource::inferred) {
            std::string new_id = free_id(doc.id);
            diagnostics.push_back({it->second, 1, Severity::warning, renamed(doc.id, "the one " + path + " chose", new_id)});
            Doc moved = std::move(holder);
            all.erase(doc.id);
            moved.id = new_id;
            layer_ids.emplace(new_id, it->second);
            all.insert_or_assign(new_id, std::move(moved));
            it->second = path;
            all.insert_or_assign(doc.id, std::move(doc));
            return;
        } else {
            diagnostics.push_back({path, 1, Severity::error,
                                   "duplicate id '" + doc.id + "' (also used by " + it->second + "); this file is skipped"});
            return;
        }
    }
    layer_ids.emplace(doc.id, path);
    all.insert_or_assign(doc.id, std::move(doc));
}

}  // namespace

base::Result<std::string> read_whole_file(const std::string& path) {
    // O_NONBLOCK: opening a FIFO must not wait for a writer.
    FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
    if (fd.get() < 0) return base::error(std::string("cannot read file: ") + std::strerror(errno));
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) return base::error(std::string("cannot read file: ") + std::strerror(errno));
    if (!S_ISREG(st.st_mode)) return base::error("cannot read file: not a regular file");
    if (static_cast<std::uintmax_t>(st.st_size) > max_file_bytes)
        return base::error("file is " + std::to_string(st.st_size / (1024 * 1024)) + " MiB, over the " +
                     std::to_string(max_file_bytes >> 20) + " MiB limit for a document; skipped");
    std::string data;
    data.resize(static_cast<std::size_t>(st.st_size));
    std::size_t done = 0;
    while (true) {
        if (done == data.size()) {
            // The file may have grown since fstat; read on until EOF, within the limit.
            if (data.size() >= max_file_bytes) {
                char probe;
                ssize_t n = ::read(fd.get(), &probe, 1);
                if (n > 0) return base::error("file is over the " + std::to_string(max_file_bytes >> 20) +
                                        " MiB limit for a document; skipped");
                break;
            }
            data.resize(std::min<std::size_t>(std::max<std::size_t>(data.size() * 2, 4096), max_file_bytes));
        }
        ssize_t n = ::read(fd.get(), data.data() + done, data.size() - done);
        if (n < 0) {
            if (errno == EINTR) continue;
            return base::error(std::string("cannot read file: ") + std::strerror(errno));
        }
        if (n == 0) break;
        done += static_cast<std::size_t>(n);
    }
    data.resize(done);
    return data;
}

std::vector<SourceFile> list_sources(const std::vector<fs::path>& dirs) {
    std::vector<SourceFile> out;
    for (const auto& dir : dirs)
        for (auto& c : candidates(dir)) out.push_back(std::move(c.file));
    return out;
}

KnowledgeBase load(const std::vector<fs::path>& dirs) {
    KnowledgeBase kb;
    std::map<std::string, Runbook> runbooks;
    std::map<std::string, Incident> incidents;
    for (const auto& dir : dirs) {
        std::error_code ec;
        if (!fs::is_directory(dir, ec)) {
            kb.diagnostics.push_back({dir.string(), 0, Severity::error, "knowledge base folder not found"});
            continue;
        }
        // Ids must be unique within a folder; a later folder overrides an earlier one.
        LayerIds runbook_ids, incident_ids;
        auto files = candidates(dir);
        auto parsed = parse_files(files);
        for (std::size_t i = 0; i < files.size(); ++i) {
            Parsed& p = parsed[i];
            const std::string& path = files[i].file.path;
            if (p.source) kb.sources.push_back(std::move(*p.source));
            for (auto& d : p.diagnostics) kb.diagnostics.push_back(std::move(d));
            if (p.runbook) add_document(std::move(*p.runbook), path, runbook_ids, runbooks, kb.diagnostics);
            if (p.incident) add_document(std::move(*p.incident), path, incident_ids, incidents, kb.diagnostics);
        }
    }
    for (auto& [id, runbook] : runbooks) kb.runbooks.push_back(std::move(runbook));
    for (auto& [id, incident] : incidents) kb.incidents.push_back(std::move(incident));
    link_documents(kb);
    return kb;
}

}  // namespace kb
