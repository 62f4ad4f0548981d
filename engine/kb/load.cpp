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

#include "base/file.hpp"
#include "base/hash.hpp"
#include "base/ranges.hpp"
#include "base/result.hpp"
#include "base/text.hpp"
#include "kb/document.hpp"
#include "kb/front_matter.hpp"
#include "kb/incident_infer.hpp"
#include "kb/link.hpp"

namespace kb {

namespace fs = std::filesystem;

namespace {

// Larger files are refused: a report is a few KiB, and an 8 MiB cap keeps a
// stray log or dump from costing seconds and memory on every index build.
constexpr std::uintmax_t max_file_bytes = 8u << 20;

// Where a file's kind comes from: its folder (runbooks/, incidents/), or,
// in a plain folder, its content.
enum class KindFrom { folder, content };

struct Candidate {
    SourceFile file;
    DocKind kind;
    std::size_t root_size = 0;  // file.path minus this many bytes: the path inside its folder
    KindFrom kind_from = KindFrom::folder;
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
    return Named::document;
}

// README, index and _index pages: a folder's description (left out once
// read) or a document of their own (a service's runbook page).
bool is_index_page(std::string_view path) {
    std::string stem = base::text::lower(file_stem(std::string(path)));
    return stem == "readme" || stem == "index" || stem == "_index";
}

// A file without an extension is a document when it starts as Markdown
// does: a heading or front matter (a LICENSE or a Makefile does not).
bool starts_like_markdown(int folder, const char* name) {
    base::Fd fd(::openat(folder, name, O_RDONLY | O_CLOEXEC | O_NONBLOCK));
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

struct NotTaken {
    std::string relative;
    const char* reason;
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
void walk(const std::string& root, const std::string& relative, std::vector<Found>& out,
          std::vector<NotTaken>* not_taken) {
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
        if (named == Named::other || (named == Named::maybe && !starts_like_markdown(fd, entry->d_name))) {
            if (not_taken && name.front() != '.')
                not_taken->push_back({relative + std::string(name), named == Named::other
                                                                         ? "not Markdown or text"
                                                                         : "no extension, and it does not start as Markdown does"});
            continue;
        }
        names.emplace_back(name);
        out.push_back({relative + std::string(name)});
    }
    stat_documents(fd, out, first, names);
    for (const auto& folder : folders) walk(root, relative + folder + '/', out, not_taken);
}

// Files of one folder, sorted by path so every run reads them in the same
// order; with `left_out`, also the files that are not documents.
void collect(const fs::path& folder, DocKind kind, KindFrom kind_from, std::vector<Candidate>& out,
             std::vector<LeftOut>* left_out) {
    std::error_code ec;
    if (!fs::is_directory(folder, ec)) return;
    const std::string root = (folder / "").string();
    std::vector<Found> found;
    std::vector<NotTaken> not_taken;
    walk(root, "", found, left_out ? &not_taken : nullptr);
    std::sort(found.begin(), found.end(), [](const Found& a, const Found& b) { return path_less(a.relative, b.relative); });
    for (auto& f : found) out.push_back({{root + f.relative, "", f.size, f.changed_ns}, kind, root.size(), kind_from});
    if (!left_out) return;
    std::sort(not_taken.begin(), not_taken.end(),
              [](const NotTaken& a, const NotTaken& b) { return path_less(a.relative, b.relative); });
    for (auto& n : not_taken) left_out->push_back({root + n.relative, n.reason});
}

std::vector<Candidate> candidates(const fs::path& dir, std::vector<LeftOut>* left_out = nullptr) {
    std::vector<Candidate> out;
    std::error_code ec;
    bool structured = fs::is_directory(dir / "runbooks", ec) || fs::is_directory(dir / "incidents", ec);
    if (structured) {
        collect(dir / "runbooks", DocKind::runbook, KindFrom::folder, out, left_out);
        collect(dir / "incidents", DocKind::incident, KindFrom::folder, out, left_out);
    } else {
        // A folder of existing post-mortems or runbooks, read as they are,
        // month folders and all; each file's content says which it is.
        collect(dir, DocKind::incident, KindFrom::content, out, left_out);
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
    std::optional<std::string> left_out;  // read, and not a document: why
};

enum class Reads { report, procedure, either };

// A page without a date in a plain folder: a report when it tells what
// happened (a root cause, lessons), a procedure when it has the headings an
// alert's runbook is written under, either otherwise.
Reads how_it_reads(const Incident& incident) {
    bool procedure = false;
    for (const auto& s : incident.sections) {
        std::string heading = base::text::lower(base::text::trim_decoration(s.heading));
        bool step = false;
        for (std::string_view word : {"diagnosis", "mitigation", "meaning", "procedure", "remediation", "troubleshooting"})
            step = step || heading.starts_with(word);
        // "Diagnosis" reads as a root cause; any other root cause is a report's.
        if ((s.kind == SectionKind::root_cause || s.kind == SectionKind::lessons) && !step) return Reads::report;
        procedure = procedure || step;
    }
    return procedure && incident.error_lines.empty() ? Reads::procedure : Reads::either;
}

// Why an index page is left out, or nothing when it is a document: a
// runbook page has something to run or recognise, a report a date and the
// facts of a failure (sections or error lines).
std::optional<std::string> folder_description(const Parsed& p) {
    if (p.runbook) {
        if (!p.runbook->steps.empty() || !p.runbook->signatures.empty()) return std::nullopt;
        return "an index page describing its folder (nothing to run or recognise)";
    }
    if (p.incident) {
        const Incident& i = *p.incident;
        bool facts = !i.error_lines.empty() ||
                     std::any_of(i.sections.begin(), i.sections.end(), [](const Section& s) {
                         return s.kind == SectionKind::symptoms || s.kind == SectionKind::root_cause ||
                                s.kind == SectionKind::resolution;
                     });
        if (!i.date.empty() && facts) return std::nullopt;
        return "an index page describing its folder (no date and facts of a failure)";
    }
    return std::nullopt;
}

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
        if (c.kind_from == KindFrom::content && out.incident && out.incident->date.empty() && !is_index_page(path)) {
            // A report has a date somewhere (its name, a field, its prose);
            // a page without one that has commands to run, or an alert
            // runbook's diagnosis and mitigation, is a runbook.
            Reads reads = how_it_reads(*out.incident);
            std::vector<Diagnostic> as_runbook;
            auto runbook = reads == Reads::report ? std::nullopt : parse_runbook(path, *bytes, as_runbook);
            if (runbook && (reads == Reads::procedure ||
                            std::any_of(runbook->steps.begin(), runbook->steps.end(),
                                        [](const Step& s) { return s.shown_only.empty(); }))) {
                out.incident.reset();
                out.runbook = std::move(runbook);
                out.diagnostics = std::move(as_runbook);
            }
        }
        if (out.incident && infer::is_report_template(*out.incident)) {
            out.incident.reset();
            out.left_out = "a report template (placeholders such as YYYY-MM-DD or {{ summary }}, and no date of its own)";
        } else if (is_index_page(path)) {
            if (auto reason = folder_description(out)) {
                out.runbook.reset();
                out.incident.reset();
                out.left_out = std::move(reason);
            }
        }
        if (out.left_out) {
            // What a file not read would need is no one's problem; a broken one still is.
            std::erase_if(out.diagnostics, [](const Diagnostic& d) { return d.severity == Severity::warning; });
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

// An id that is the file's name, which files in two folders can share.
bool id_from_file_name(const Runbook& r) { return r.id == file_stem(r.path); }
bool id_from_file_name(const Incident& i) {
    return i.id_source == IdSource::written && i.id == base::text::slugify(file_stem(i.path), 80);
}

// Ids are unique within a folder. An id the author chose (every runbook's,
// an incident's front matter or file name) is theirs to fix: a second file
// with it is skipped and reported. An incident id made up from a title can
// collide with no one at fault (titles are cut to fit, "Resolution report"
// recurs), so that report takes the first free "<id>-2", "<id>-3", ...
// instead of being lost; an id the author chose wins over a made-up one.
//
// An id that is only a file's name (`cli`, `_index`) and is taken by a file
// earlier in path order is prefixed with the folders of the file's path
// inside the knowledge-base folder: `usage/cli.md` becomes `usage-cli`,
// `guide/k8s/index.md` `guide-k8s-index`. A link by relative path still
// reaches the file.
struct LayerIds {
    std::size_t root_size = 0;                 // a path minus this many bytes: the path inside the folder
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
    auto grown_id = [&](const std::string& id, const std::string& file) -> std::optional<std::string> {
        std::string_view inside = std::string_view(file).substr(std::min(layer.root_size, file.size()));
        std::vector<std::string_view> folders;
        for (auto slash = inside.find('/'); slash != std::string_view::npos; slash = inside.find('/')) {
            folders.push_back(inside.substr(0, slash));
            inside.remove_prefix(slash + 1);
        }
        std::string grown;
        for (auto folder : folders)
            if (std::string part = base::text::slugify(folder, 40); !part.empty()) grown += part + "-";
        if (grown.empty()) return std::nullopt;  // no folder to tell it apart: the name itself clashes
        grown += id;
        return layer_ids.count(grown) ? free_id(grown) : grown;
    };
    auto grown = [](const std::string& id, const std::string& taken_by, const std::string& new_id) {
        return "the id '" + id + "' that this file's name gives is " + taken_by + "; this file is indexed as '" + new_id +
               "' (an `id:` in its front matter chooses one)";
    };
    auto it = layer_ids.find(doc.id);
    if (it != layer_ids.end()) {
        Doc& holder = all.at(doc.id);
        // The file that had the id takes `new_id`, and this one the id.
        auto move_holder = [&](const std::string& new_id, std::string message) {
            diagnostics.push_back({it->second, 1, Severity::warning, std::move(message)});
            Doc moved = std::move(holder);
            all.erase(doc.id);
            moved.id = new_id;
            layer_ids.emplace(new_id, it->second);
            all.insert_or_assign(new_id, std::move(moved));
            it->second = path;
            all.insert_or_assign(doc.id, std::move(doc));
        };
        if (id_source(doc) == IdSource::inferred) {
            std::string new_id = free_id(doc.id);
            diagnostics.push_back({path, 1, Severity::warning, renamed(doc.id, "taken by " + it->second, new_id)});
            doc.id = new_id;
        } else if (id_source(holder) == IdSource::inferred) {
            std::string new_id = free_id(doc.id);
            move_holder(new_id, renamed(doc.id, "the one " + path + " chose", new_id));
            return;
        } else if (auto doc_grown = id_from_file_name(doc) ? grown_id(doc.id, path) : std::nullopt) {
            diagnostics.push_back({path, 1, Severity::warning, grown(doc.id, "taken by " + it->second, *doc_grown)});
            doc.id = *doc_grown;
        } else if (auto holder_grown = id_from_file_name(holder) ? grown_id(doc.id, it->second) : std::nullopt) {
            move_holder(*holder_grown, grown(doc.id, "the one " + path + " chose", *holder_grown));
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

// Another tool's key in every file of a folder is one thing to learn about,
// not one warning per file: the first file keeps it, with a count of the rest.
void fold_unknown_keys(std::vector<Diagnostic>& diagnostics) {
    std::map<std::string, std::pair<std::size_t, std::size_t>> seen;  // key -> (first diagnostic, other files)
    std::vector<bool> drop(diagnostics.size(), false);
    for (std::size_t i = 0; i < diagnostics.size(); ++i) {
        auto key = front_matter::unknown_key_of(diagnostics[i].message);
        if (!key) continue;
        auto [it, first] = seen.try_emplace(*key, i, 0);
        if (first) continue;
        ++it->second.second;
        drop[i] = true;
    }
    for (const auto& [key, where] : seen)
        if (where.second > 0)
            diagnostics[where.first].message +=
                " (also in " + std::to_string(where.second) + " other file" + (where.second == 1 ? "" : "s") + ")";
    std::size_t kept = 0;
    for (std::size_t i = 0; i < diagnostics.size(); ++i) {
        if (drop[i]) continue;
        if (kept != i) diagnostics[kept] = std::move(diagnostics[i]);
        ++kept;
    }
    diagnostics.resize(kept);
}

}  // namespace

base::Result<std::string> read_whole_file(const std::string& path) {
    auto bytes = base::read_file(path, max_file_bytes);
    if (!bytes && bytes.error().message.starts_with("file is "))
        return base::error(bytes.error().message + " for a document; skipped");
    return bytes;
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
        auto files = candidates(dir, &kb.left_out);
        auto parsed = parse_files(files);
        for (std::size_t i = 0; i < files.size(); ++i) {
            Parsed& p = parsed[i];
            const std::string& path = files[i].file.path;
            (p.runbook ? runbook_ids : incident_ids).root_size = files[i].root_size;
            if (p.source) kb.sources.push_back(std::move(*p.source));
            for (auto& d : p.diagnostics) kb.diagnostics.push_back(std::move(d));
            if (p.left_out) kb.left_out.push_back({path, std::move(*p.left_out)});
            if (p.runbook) add_document(std::move(*p.runbook), path, runbook_ids, runbooks, kb.diagnostics);
            if (p.incident) add_document(std::move(*p.incident), path, incident_ids, incidents, kb.diagnostics);
        }
    }
    for (auto& [id, runbook] : runbooks) kb.runbooks.push_back(std::move(runbook));
    for (auto& [id, incident] : incidents) kb.incidents.push_back(std::move(incident));
    std::stable_sort(kb.left_out.begin(), kb.left_out.end(),
                     [](const LeftOut& a, const LeftOut& b) { return path_less(a.path, b.path); });
    fold_unknown_keys(kb.diagnostics);
    link_documents(kb);
    return kb;
}

}  // namespace kb
