// The static documentation site (`deja site build`): one page per runbook and
// incident, the signature index, tag pages, a home page with search and a
// log matcher, all rendered through the mustache templates in web/templates
// with the assets of web/assets. Output depends on the knowledge base only,
// byte for byte, and every link is relative so it works from file:// and any
// sub-path.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "kb/model.hpp"
#include "base/result.hpp"

namespace site {

namespace fs = std::filesystem;

enum class Progress { quiet, terminal };

struct BuildOptions {
    fs::path out_dir;
    fs::path web_root;     // holds templates/ and assets/
    std::string base_url;  // absolute URL the site is served from; empty = no sitemap.xml
    Progress progress = Progress::quiet;
    int threads = 2;
};

struct BuildStats {
    std::size_t pages = 0;            // HTML pages written
    std::size_t files = 0;            // every file written, assets included
    std::uintmax_t bytes = 0;         // bytes written
    std::uintmax_t search_bytes = 0;  // the search index (search/*.js)
    std::size_t changed = 0;          // files new or different from the ones there
    std::size_t removed = 0;          // files of an earlier build no longer part of the site
};

// An http(s) URL with a host, no query or fragment, and nothing that would
// need escaping where it is written (canonical links, the sitemap); empty is
// fine (no base URL). build() checks it too.
base::Status check_base_url(std::string_view url);

// Writes the site into options.out_dir. The folder must be empty, missing,
// hold only what publishing adds (dotfiles such as .git, CNAME), or be a site
// built earlier: a folder of someone's own files is refused, never
// overwritten. A rebuild removes only files that the previous build listed in
// its manifest (.deja-site) and no longer writes, never through a link.
base::Result<BuildStats> build(const kb::KnowledgeBase& knowledge_base, const BuildOptions& options);

// Hands `visit` the incidents at positions [first, first + count) of the
// site's incident order (newest first, then by id), one at a time, and stops
// at the first error. Only each one's id, body_markdown, body_text and code
// are read; the rest comes from the outline. Called from several threads at
// once, each with its own range.
using IncidentVisitor = std::function<base::Status(kb::Incident&&)>;
using ReadIncidents =
    std::function<base::Status(std::size_t first, std::size_t count, const IncidentVisitor& visit)>;

// The same site from a knowledge base whose incidents are outlines without
// their bodies: each incident's page and search entry take the body `read`
// hands over, so memory holds a few bodies at a time instead of all of them.
base::Result<BuildStats> build(const kb::KnowledgeBase& outline, const ReadIncidents& read, const BuildOptions& options);

// Checks only the site needs: every signature must translate to JavaScript
// for the in-page log matcher ("file:line: signature cannot run in the
// browser: why").
std::vector<kb::Diagnostic> lint(const kb::KnowledgeBase& knowledge_base);

}  // namespace site
