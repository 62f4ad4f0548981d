#include <algorithm>
#include <atomic>
#include <cstdio>
#include <functional>
#include <iterator>
#include <mutex>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "kb/load.hpp"
#include "kb/secrets.hpp"
#include "base/text.hpp"
#include "site/graph.hpp"
#include "site/output.hpp"
#include "site/pages.hpp"
#include "site/regex_js.hpp"
#include "site/search_index.hpp"
#include "site/site.hpp"

namespace site {

namespace {

// Written into every site: the files that build wrote, so that the next build
// knows which of the folder's files are its own to remove when they are no
// longer part of the site. Everything else in the folder (a gh-pages
// checkout's .git, CNAME, .nojekyll, a user's own file) is never touched.
constexpr const char* marker_name = ".deja-site";
constexpr const char* marker_header =
    "# Written by `deja site build`: the files it wrote, one a line. The next build removes\n"
    "# those of them it no longer writes, and nothing else in this folder.\n";
constexpr const char* incidents_changed = "the incidents changed while the site was being built; run the command again";

// What a folder may hold beside a site without having been built by deja:
// what publishing a site on GitHub Pages or similar adds to it.
bool publishing_file(std::string_view name) { return name.starts_with('.') || name == "CNAME"; }

base::Status prepare_out_dir(const fs::path& dir) {
    std::error_code ec;
    if (fs::exists(dir, ec)) {
        if (!fs::is_directory(dir, ec)) return base::error("output is not a folder (" + dir.string() + ")");
        if (!fs::exists(dir / marker_name, ec)) {
            for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator(); it.increment(ec))
                if (!publishing_file(it->path().filename().string()))
                    return base::error("output folder is not empty and was not written by deja site build; empty it or "
                                     "choose another with -o (" + dir.string() + ")");
            if (ec) return base::error("cannot read the output folder: " + ec.message() + " (" + dir.string() + ")");
        }
    }
    for (const char* sub : {"", "runbooks", "incidents", "tags", "search", "assets"}) {
        fs::create_directories(dir / sub, ec);
        if (ec) return base::error("cannot create the output folder: " + ec.message() + " (" + (dir / sub).string() + ")");
    }
    return base::Ok{};
}

// A path the manifest may name: relative, inside the folder, nothing that
// publishing adds (a dotfile or dot-folder, CNAME) anywhere along it.
// Anything else in a manifest (edited by hand, or not ours) is ignored rather
// than removed.
bool own_path(std::string_view relative) {
    if (relative.empty() || relative.front() == '/') return false;
    for (std::size_t start = 0; start <= relative.size();) {
        std::size_t end = relative.find('/', start);
        if (end == std::string_view::npos) end = relative.size();
        std::string_view part = relative.substr(start, end - start);
        if (part.empty() || publishing_file(part) || part.find('\\') != std::string_view::npos) return false;
        start = end + 1;
    }
    return true;
}

// The files the previous build wrote, from its marker; none when there is no
// marker or it is one from before markers listed their files.
std::vector<std::string> previous_files(const fs::path& dir) {
    std::vector<std::string> files;
    auto text = kb::read_whole_file((dir / marker_name).string());
    if (!text) return files;
    std::string_view rest = *text;
    while (!rest.empty()) {
        std::size_t end = rest.find('\n');
        std::string_view line = rest.substr(0, end);
        rest.remove_prefix(end == std::string_view::npos ? rest.size() : end + 1);
        if (!line.empty() && line.front() != '#' && own_path(line)) files.emplace_back(line);
    }
    return files;
}

std::string manifest(std::vector<std::string> files) {
    std::sort(files.begin(), files.end());
    std::string text = marker_header;
    for (const auto& file : files) text += file + '\n';
    return text;
}

// True when `relative` can be removed from `dir` without following a
// symbolic link: every folder on the way is a real folder, so a link placed
// in the site never leads a removal outside it.
bool removable(const fs::path& dir, const std::string& relative) {
    std::error_code ec;
    fs::path at = dir;
    fs::path parts = fs::path(relative);
    for (auto it = parts.begin(); it != parts.end(); ++it) {
        at /= *it;
        auto status = fs::symlink_status(at, ec);
        if (ec) return false;
        if (std::next(it) == parts.end()) return fs::is_regular_file(status) || fs::is_symlink(status);
        if (!fs::is_directory(status)) return false;
    }
    return false;
}

// A rebuild overwrites files in place and then removes the files the previous
// build wrote that this one did not (pages of deleted documents): on this
// kind of disk unlinking and recreating every file made a rebuild of 10,000
// pages several times slower.
base::Result<std::size_t> remove_stale(const fs::path& dir, const std::vector<std::string>& previous,
                                     const std::vector<std::string>& written) {
    std::set<std::string_view> keep(written.begin(), written.end());
    std::size_t removed = 0;
    std::error_code ec;
    for (const auto& relative : previous) {
        if (keep.count(relative) || !removable(dir, relative)) continue;
        const fs::path path = dir / relative;
        if (fs::remove(path, ec)) ++removed;
        if (ec) return base::error("cannot remove a stale file: " + ec.message() + " (" + path.string() + ")");
    }
    return removed;
}

// The assets under `from` into out_dir/assets.
base::Result<Written> copy_assets(const fs::path& from, const fs::path& out_dir) {
    std::error_code ec;
    if (!fs::is_directory(from, ec)) return base::error("assets folder missing (" + from.string() + ")");
    std::vector<fs::path> files;
    for (auto it = fs::recursive_directory_iterator(from, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec))
        if (it->is_regular_file(ec)) files.push_back(it->path());
    if (ec) return base::error("cannot read the assets: " + ec.message() + " (" + from.string() + ")");
    std::sort(files.begin(), files.end());
    Written written;
    for (const auto& file : files) {
        std::string relative = "assets/" + fs::relative(file, from, ec).generic_string();
        fs::create_directories((out_dir / relative).parent_path(), ec);
        // Written only when different, as every other file of the site, so
        // that a rebuild leaves them and their times alone.
        auto content = kb::read_whole_file(file.string());
        if (!content) return base::error("cannot copy an asset: " + content.error().message + " (" + file.string() + ")");
        if (auto status = written.write(out_dir, std::move(relative), *content); !status) return status.error();
    }
    return written;
}

nlohmann::json js_regex_json(const JsRegex& regex) { return {{"source", regex.source}, {"flags", regex.flags}}; }

// What the in-page log matcher needs: each runbook's signatures in
// JavaScript syntax, its params (with their rules) and where it was needed.
std::string matcher_data(const Graph& graph) {
    nlohmann::json runbooks = nlohmann::json::array();
    for (std::size_t r = 0; r < graph.runbooks.size(); ++r) {
        const auto& runbook = *graph.runbooks[r];
        nlohmann::json signatures = nlohmann::json::array();
        for (std::size_t s : graph.runbook_signatures[r]) {
            const auto& node = graph.signatures[s];
            if (!node.js) continue;
            const auto& signature = runbook.signatures[node.index];
            nlohmann::json fixed = nlohmann::json::object();
            for (const auto& [name, value] : signature.params) fixed[name] = value;
            nlohmann::json entry = {{"regex", js_regex_json(*node.js)}, {"params", fixed}, {"anchor", node.anchor}};
            if (!signature.after.empty()) {
                // deja lint reports an `after` the browser cannot run; such a
                // signature is left out rather than let count anywhere.
                auto after = to_js_regex(signature.after);
                if (!after) continue;
                entry["after"] = js_regex_json(*after);
            }
            signatures.push_back(std::move(entry));
        }
        if (signatures.empty()) continue;
        nlohmann::json cleared_by = nlohmann::json::array();
        for (const auto& clear : runbook.cleared_by)
            if (auto js = to_js_regex(clear.pattern)) cleared_by.push_back(js_regex_json(*js));
        nlohmann::json params = nlohmann::json::array();
        for (const auto& param : runbook.params) {
            nlohmann::json entry = {{"name", param.name},
                                    {"description", param.description},
                                    {"required", param.required},
                                    {"secret", kb::is_secret(param)},
                                    {"choices", param.choices}};
            entry["default"] = param.default_value
                                   ? nlohmann::json(kb::shown_value(*param.default_value, kb::is_secret(param)))
                                   : nlohmann::json(nullptr);
            entry["pattern"] = nullptr;
            if (!param.pattern.empty())
                if (auto js = to_js_regex(param.pattern)) entry["pattern"] = js_regex_json(*js);
            params.push_back(std::move(entry));
        }
        nlohmann::json incidents = nlohmann::json::array();
        const auto& linked = graph.runbook_incidents[r];
        for (std::size_t k = 0; k < linked.size() && k < 5; ++k) {
            const auto& incident = *graph.incidents[linked[k]];
            incidents.push_back({incident.title.empty() ? incident.id : incident.title,
                                 "incidents/" + graph.incident_files[linked[k]] + ".html", incident.date});
        }
        runbooks.push_back({{"id", runbook.id},
                            {"title", runbook.title.empty() ? runbook.id : runbook.title},
                            {"href", "runbooks/" + graph.runbook_files[r] + ".html"},
                            {"summary", runbook.summary},
                            {"symptom", runbook.is_symptom()},
                            {"params", params},
                            {"signatures", signatures},
                            {"cleared_by", cleared_by},
                            {"incidents", incidents},
                            {"incident_total", linked.size()}});
    }
    return "deja.matcherData(" + script_json(runbooks) + ");\n";
}

void index_runbooks(const Graph& graph, SearchIndexBuilder& search) {
    for (std::size_t r = 0; r < graph.runbooks.size(); ++r) {
        const auto& runbook = *graph.runbooks[r];
        std::string title = runbook.title.empty() ? runbook.id : runbook.title;
        std::string meta = "runbook";
        if (!runbook.tags.empty()) meta += " · " + base::text::join(runbook.tags, ", ");
        std::string example = runbook.examples.empty() ? "" : std::string(base::text::split_lines(runbook.examples[0].text).empty()
                                                                               ? ""
                                                                               : base::text::split_lines(runbook.examples[0].text)[0]);
        auto doc = search.add({'r', "runbooks/" + graph.runbook_files[r] + ".html", title, meta,
                               base::text::truncate_words(runbook.summary, 200), base::text::truncate_words(example, 160)});
        search.index(doc, title, Field::title);
        search.index(doc, runbook.id, Field::title);
        for (const auto& tag : runbook.tags) search.index(doc, tag, Field::title);
        search.index(doc, runbook.summary, Field::error);
        for (const auto& signature : runbook.signatures) {
            search.index(doc, signature.pattern, Field::error);
            search.index(doc, signature.description, Field::error);
        }
        for (const auto& example : runbook.examples) search.index(doc, example.text, Field::error);
        for (const auto& param : runbook.params) {
            search.index(doc, param.name, Field::body);
            search.index(doc, param.description, Field::body);
        }
        search.index(doc, runbook.body_text, Field::body);
        for (const auto& step : runbook.steps) search.index(doc, step.code, Field::body);
    }
}

// `incident` is the whole of graph.incidents[i]; search documents follow the
// runbooks, in incident order.
void index_incident(const Graph& graph, std::size_t i, const kb::Incident& incident, SearchIndexBuilder& search) {
    std::string title = incident.title.empty() ? incident.id : incident.title;
    std::string meta = incident.date.empty() ? "incident" : incident.date;
    if (!incident.status.empty()) meta += " · " + incident.status;
    if (!incident.severity.empty()) meta += " · " + incident.severity;
    std::string error = incident.error_lines.empty() ? "" : incident.error_lines[0].text;
    auto doc = search.add({'i', "incidents/" + graph.incident_files[i] + ".html", title, meta,
                           base::text::truncate_words(incident.summary, 200), base::text::truncate_words(error, 160)});
    search.index(doc, title, Field::title);
    search.index(doc, incident.id, Field::title);
    for (const auto& tag : incident.tags) search.index(doc, tag, Field::title);
    for (const auto& service : incident.services) search.index(doc, service, Field::title);
    for (const auto& line : incident.error_lines) search.index(doc, line.text, Field::error);
    search.index(doc, incident.summary, Field::body);
    search.index(doc, incident.body_text, Field::body);
    search.index(doc, incident.code, Field::body);
}

std::string sitemap(std::vector<std::string> paths, std::string base) {
    if (base.back() != '/') base += '/';
    std::sort(paths.begin(), paths.end());
    std::string xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                      "<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n";
    for (auto path : paths) {
        if (path == "404.html") continue;
        if (path == "index.html")
            path.clear();
        else if (base::text::ends_with(path, "/index.html"))
            path.resize(path.size() - std::string("index.html").size());
        std::string loc = base + path;
        std::string escaped;
        for (char c : loc) {
            switch (c) {
                case '&': escaped += "&amp;"; break;
                case '<': escaped += "&lt;"; break;
                case '>': escaped += "&gt;"; break;
                default: escaped += c;
            }
        }
        xml += "  <url><loc>" + escaped + "</loc></url>\n";
    }
    xml += "</urlset>\n";
    return xml;
}

// "\rdeja: site: 4000/10012 pages" on a terminal, at most every 250 pages.
class ProgressLine {
public:
    ProgressLine(Progress mode, std::size_t total) : mode_(mode), total_(total) {}
    void tick() {
        std::size_t done = ++done_;
        if (mode_ != Progress::terminal || (done % 250 != 0 && done != total_)) return;
        std::lock_guard lock(mutex_);
        std::fprintf(stderr, "\rdeja: site: %zu/%zu pages", done, total_);
        if (done == total_) std::fputc('\n', stderr);
        std::fflush(stderr);
    }

private:
    Progress mode_;
    std::size_t total_;
    std::atomic<std::size_t> done_{0};
    std::mutex mutex_;
};

base::Result<BuildStats> build_site(const Graph& graph, const ReadIncidents& read, const BuildOptions& options) {
    if (auto valid = check_base_url(options.base_url); !valid) return valid.error();
    auto sources = TemplateSources::load(options.web_root / "templates");
    if (!sources) return sources.error();
    if (auto status = prepare_out_dir(options.out_dir); !status) return status.error();
    BuildStats stats;
    auto assets = copy_assets(options.web_root / "assets", options.out_dir);
    if (!assets) return assets.error();
    Written written = std::move(*assets);

    using Job = std::function<Page(PageRenderer&)>;
    std::vector<Job> jobs;
    jobs.push_back([](PageRenderer& p) { return p.home(); });
    jobs.push_back([](PageRenderer& p) { return p.signatures(); });
    jobs.push_back([](PageRenderer& p) { return p.runbooks_index(); });
    jobs.push_back([](PageRenderer& p) { return p.tags_index(); });
    jobs.push_back([](PageRenderer& p) { return p.not_found(); });
    std::size_t incident_pages = std::max<std::size_t>(1, (graph.incidents.size() + incidents_per_page - 1) / incidents_per_page);
    for (std::size_t n = 0; n < incident_pages; ++n) jobs.push_back([n](PageRenderer& p) { return p.incidents_index(n); });
    for (std::size_t t = 0; t < graph.tags.size(); ++t) jobs.push_back([t](PageRenderer& p) { return p.tag(t); });
    for (std::size_t r = 0; r < graph.runbooks.size(); ++r) jobs.push_back([r](PageRenderer& p) { return p.runbook(r); });

    // Worker threads (each with its own compiled templates) render the pages.
    // Each also reads one consecutive share of the incidents, renders their
    // pages and indexes them for search in a builder of its own; the shares
    // are appended in order, so a page's bytes and the search index never
    // depend on which thread did the work. This thread indexes the runbooks.
    const std::size_t incidents = graph.incidents.size();
    const std::size_t pages = jobs.size() + incidents;  // jobs always has the home page and more
    const std::size_t workers = std::min(static_cast<std::size_t>(std::clamp(options.threads, 1, 64)), pages);
    ProgressLine progress(options.progress, pages);
    std::vector<std::string> paths(pages);
    std::vector<std::uintmax_t> sizes(pages, 0);
    std::vector<char> changed(pages, 0);
    std::vector<std::string> errors(workers);
    std::vector<SearchIndexBuilder> shares;
    const auto share_start = [&](std::size_t w) { return incidents * w / workers; };
    for (std::size_t w = 0; w < workers; ++w)
        shares.emplace_back(static_cast<std::uint32_t>(graph.runbooks.size() + share_start(w)));
    std::vector<std::thread> threads;
    for (std::size_t w = 0; w < workers; ++w) {
        threads.emplace_back([&, w] {
            PageRenderer renderer(graph, options, *sources);
            auto keep = [&](std::size_t slot, Page page) -> base::Status {
                auto change = write_file(options.out_dir / page.path, page.html);
                paths[slot] = std::move(page.path);
                sizes[slot] = page.html.size();
                progress.tick();
                if (!change) return change.error();
                changed[slot] = *change == Change::written;
                return base::Ok{};
            };
            for (std::size_t j = w; j < jobs.size(); j += workers) {
                if (auto status = keep(j, jobs[j](renderer)); !status && errors[w].empty())
                    errors[w] = status.error().message;
            }
            std::size_t position = share_start(w);
            const std::size_t end = share_start(w + 1);
            if (position == end) return;
            auto status = read(position, end - position, [&](kb::Incident&& body) -> base::Status {
                if (position >= end || graph.incidents[position]->id != body.id)
                    return base::error(incidents_changed);
                std::size_t i = position++;
                kb::Incident incident = *graph.incidents[i];
                incident.body_markdown = std::move(body.body_markdown);
                incident.body_text = std::move(body.body_text);
                incident.code = std::move(body.code);
                if (auto kept = keep(jobs.size() + i, renderer.incident(i, incident)); !kept) return kept;
                index_incident(graph, i, incident, shares[w]);
                return base::Ok{};
            });
            if (status && position != end)
                status = base::error(incidents_changed);
            if (!status && errors[w].empty()) errors[w] = status.error().message;
        });
    }

    SearchIndexBuilder search;
    index_runbooks(graph, search);
    std::string matcher = matcher_data(graph);
    auto matcher_status = written.write(options.out_dir, "search/signatures.js", matcher);

    for (auto& thread : threads) thread.join();
    for (const auto& error : errors)
        if (!error.empty()) return base::error(error);
    for (auto& share : shares) search.append(std::move(share));
    auto search_written = search.write(options.out_dir);
    if (!search_written) return search_written.error();
    if (!matcher_status) return matcher_status.error();

    stats.pages = pages;
    written.paths.insert(written.paths.end(), paths.begin(), paths.end());
    for (auto size : sizes) written.bytes += size;
    written.changed += static_cast<std::size_t>(std::count(changed.begin(), changed.end(), 1));
    stats.search_bytes = search_written->bytes;
    written.append(std::move(*search_written));

    if (!options.base_url.empty())
        if (auto status = written.write(options.out_dir, "sitemap.xml", sitemap(paths, options.base_url)); !status)
            return status.error();
    // The marker is the folder's own, not one of the site's files.
    const auto previous = previous_files(options.out_dir);
    auto marker = write_file(options.out_dir / marker_name, manifest(written.paths));
    if (!marker) return marker.error();
    auto removed = remove_stale(options.out_dir, previous, written.paths);
    if (!removed) return removed.error();
    stats.bytes = written.bytes;
    stats.changed = written.changed + (*marker == Change::written);
    stats.removed = *removed;
    stats.files = written.paths.size() + 1;
    return stats;
}

}  // namespace

base::Status check_base_url(std::string_view url) {
    if (url.empty()) return base::Ok{};
    auto refuse = [url](const std::string& why) {
        return base::error("--base-url " + std::string(url) + ": " + why + " (e.g. https://kb.example.com/ops/)");
    };
    std::string_view rest = url;
    if (rest.starts_with("https://"))
        rest.remove_prefix(8);
    else if (rest.starts_with("http://"))
        rest.remove_prefix(7);
    else
        return refuse("must start with http:// or https://");
    if (rest.empty() || rest.front() == '/') return refuse("has no host");
    // It is written into every canonical link and the sitemap as it is.
    for (char c : url) {
        auto b = static_cast<unsigned char>(c);
        if (b <= 0x20 || b == 0x7F || c == '"' || c == '\'' || c == '<' || c == '>' || c == '\\' || c == '`')
            return refuse("contains a space, a quote or a character that must be percent-encoded");
        if (c == '?' || c == '#') return refuse("has a query or fragment; a site is served from a path");
    }
    return base::Ok{};
}

base::Result<BuildStats> build(const kb::KnowledgeBase& knowledge_base, const BuildOptions& options) {
    const Graph graph = make_graph(knowledge_base);
    // The bodies as the index would hand them over; the rest is in the graph.
    auto read = [&graph](std::size_t first, std::size_t count, const IncidentVisitor& visit) -> base::Status {
        for (std::size_t i = first; i < first + count && i < graph.incidents.size(); ++i) {
            const kb::Incident& whole = *graph.incidents[i];
            kb::Incident body;
            body.id = whole.id;
            body.body_markdown = whole.body_markdown;
            body.body_text = whole.body_text;
            body.code = whole.code;
            if (auto status = visit(std::move(body)); !status) return status;
        }
        return base::Ok{};
    };
    return build_site(graph, read, options);
}

base::Result<BuildStats> build(const kb::KnowledgeBase& outline, const ReadIncidents& read, const BuildOptions& options) {
    return build_site(make_graph(outline), read, options);
}

}  // namespace site
