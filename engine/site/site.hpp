// The static documentation site (`deja site build`): one page per runbook and
// incident, the signature index, tag pages, a home page with search and a
// log matcher, all rendered through the mustache templates in web/templates
// with the assets of web/assets. Output depends on the knowledge base only,
// byte for byte, and every link is relative so it works from file:// and any
// sub-path.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "kb/model.hpp"
#include "kb/result.hpp"

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
};

// Writes the site into options.out_dir. The folder must be empty, missing,
// or a site built earlier (it is then cleared first): a folder of someone's
// own files is refused, never overwritten.
kb::Result<BuildStats> build(const kb::KnowledgeBase& knowledge_base, const BuildOptions& options);

// Checks only the site needs: every signature must translate to JavaScript
// for the in-page log matcher ("file:line: signature cannot run in the
// browser: why").
std::vector<kb::Diagnostic> lint(const kb::KnowledgeBase& knowledge_base);

}  // namespace site
