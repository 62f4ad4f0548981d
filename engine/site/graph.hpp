// The site's view of the knowledge base: documents in page order with their
// file names, the links between incidents, runbooks and signatures (both
// ways), and the tags. Built once, read by every page.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "kb/model.hpp"
#include "site/regex_js.hpp"

namespace site {

struct SignatureNode {
    std::size_t runbook = 0;  // index into Graph::runbooks
    std::size_t index = 0;    // position in the runbook's signatures
    std::string anchor;       // id on signatures.html
    std::optional<JsRegex> js;
    std::string js_error;           // why it cannot run in the browser
    std::vector<std::size_t> seen;  // incidents whose error lines it matches
};

struct TagNode {
    std::string name;
    std::string file;  // tags/<file>.html
    std::vector<std::size_t> runbooks;
    std::vector<std::size_t> incidents;
};

struct Graph {
    std::vector<const kb::Runbook*> runbooks;    // by id
    std::vector<const kb::Incident*> incidents;  // newest first, then by id
    std::vector<std::string> runbook_files;      // runbooks/<file>.html
    std::vector<std::string> incident_files;     // incidents/<file>.html
    std::map<std::string, std::size_t> runbook_by_id;
    std::map<std::string, std::size_t> incident_by_id;

    std::vector<std::vector<std::size_t>> runbook_incidents;  // in incident order
    std::vector<std::vector<std::size_t>> incident_runbooks;  // in runbook order

    std::vector<SignatureNode> signatures;                    // runbook order, then position
    std::vector<std::vector<std::size_t>> runbook_signatures;  // indices into signatures
    // Per incident, per error line: the signatures matching it.
    std::vector<std::vector<std::vector<std::size_t>>> error_line_signatures;

    std::vector<TagNode> tags;  // by key
    std::map<std::string, std::size_t> tag_by_key;
};

Graph make_graph(const kb::KnowledgeBase& knowledge_base);

// Tags are one tag whatever their case and spacing ("Postgres", "postgres ");
// a tag page shows the first spelling met, runbooks before incidents.
std::string tag_key(const std::string& raw);

// A name safe as a file name and in a URL without escaping: the id itself
// when it is made of [A-Za-z0-9._-], otherwise a slug plus a short hash.
std::string file_stem(const std::string& id);

}  // namespace site
