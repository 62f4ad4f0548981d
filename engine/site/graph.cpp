#include "site/graph.hpp"

#include <re2/re2.h>
#include <re2/set.h>

#include <algorithm>
#include <memory>
#include <set>

#include "base/hash.hpp"
#include "base/text.hpp"
#include "store/links.hpp"

namespace site {

namespace {

RE2::Options quiet_options() {
    RE2::Options options;
    options.set_log_errors(false);
    options.set_max_mem(256 << 20);
    return options;
}

// Which signatures match each error line: one RE2::Set pass per line, with
// single patterns as the fallback should the combined automaton not fit.
void match_error_lines(Graph& graph) {
    RE2::Set set(quiet_options(), RE2::UNANCHORED);
    std::vector<std::size_t> owners;
    for (std::size_t s = 0; s < graph.signatures.size(); ++s) {
        const auto& node = graph.signatures[s];
        const auto& pattern = graph.runbooks[node.runbook]->signatures[node.index].pattern;
        if (pattern.empty() || set.Add(pattern, nullptr) < 0) continue;
        owners.push_back(s);
    }
    bool compiled = !owners.empty() && set.Compile();
    std::vector<std::unique_ptr<RE2>> singles;
    std::vector<int> hits;
    graph.error_line_signatures.resize(graph.incidents.size());
    for (std::size_t i = 0; i < graph.incidents.size(); ++i) {
        const auto& lines = graph.incidents[i]->error_lines;
        auto& per_line = graph.error_line_signatures[i];
        per_line.resize(lines.size());
        if (owners.empty()) continue;
        for (std::size_t l = 0; l < lines.size(); ++l) {
            hits.clear();
            RE2::Set::ErrorInfo info{};
            if (compiled && set.Match(lines[l].text, &hits, &info)) {
                for (int h : hits) per_line[l].push_back(owners[static_cast<std::size_t>(h)]);
            } else if (!compiled || info.kind != RE2::Set::kNoError) {
                if (singles.empty()) {
                    for (std::size_t s : owners) {
                        const auto& node = graph.signatures[s];
                        singles.push_back(std::make_unique<RE2>(
                            graph.runbooks[node.runbook]->signatures[node.index].pattern, quiet_options()));
                    }
                }
                for (std::size_t k = 0; k < singles.size(); ++k)
                    if (singles[k]->ok() && RE2::PartialMatch(lines[l].text, *singles[k])) per_line[l].push_back(owners[k]);
            }
            std::sort(per_line[l].begin(), per_line[l].end());
            for (std::size_t s : per_line[l]) {
                auto& seen = graph.signatures[s].seen;
                if (seen.empty() || seen.back() != i) seen.push_back(i);
            }
        }
    }
}

void add_tag(std::map<std::string, TagNode>& tags, const std::string& raw, bool runbook, std::size_t doc) {
    std::string key = tag_key(raw);
    if (key.empty()) return;
    auto& tag = tags[key];
    if (tag.name.empty()) tag.name = base::text::collapse_whitespace(raw);
    auto& list = runbook ? tag.runbooks : tag.incidents;
    if (list.empty() || list.back() != doc) list.push_back(doc);
}

}  // namespace

std::string tag_key(const std::string& raw) { return base::text::lower(base::text::collapse_whitespace(raw)); }

std::string file_stem(const std::string& id) {
    bool plain = !id.empty() && id.size() <= 120 && id[0] != '.' &&
                 std::all_of(id.begin(), id.end(), [](char c) {
                     return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                            c == '_' || c == '.';
                 });
    if (plain) return id;
    std::string slug = base::text::slugify(id, 80);
    if (slug.empty()) slug = "page";
    return slug + "-" + base::hash_hex(id).substr(0, 8);
}

Graph make_graph(const kb::KnowledgeBase& knowledge_base) {
    Graph graph;
    for (const auto& runbook : knowledge_base.runbooks) graph.runbooks.push_back(&runbook);
    for (const auto& incident : knowledge_base.incidents) graph.incidents.push_back(&incident);
    std::stable_sort(graph.runbooks.begin(), graph.runbooks.end(),
                     [](const auto* a, const auto* b) { return a->id < b->id; });
    std::stable_sort(graph.incidents.begin(), graph.incidents.end(), [](const auto* a, const auto* b) {
        if (a->date != b->date) return a->date > b->date;
        return a->id < b->id;
    });

    // File names: unique even when two ids map to the same stem.
    auto assign_files = [](const auto& docs, std::vector<std::string>& files, std::map<std::string, std::size_t>& by_id) {
        std::set<std::string> used;
        for (std::size_t i = 0; i < docs.size(); ++i) {
            std::string stem = file_stem(docs[i]->id);
            std::string lowered = base::text::lower(stem);
            if (lowered == "index" || !used.insert(lowered).second) {
                stem += "-" + base::hash_hex(docs[i]->id + "#" + std::to_string(i)).substr(0, 6);
                used.insert(base::text::lower(stem));
            }
            files.push_back(stem);
            by_id.emplace(docs[i]->id, i);
        }
    };
    assign_files(graph.runbooks, graph.runbook_files, graph.runbook_by_id);
    assign_files(graph.incidents, graph.incident_files, graph.incident_by_id);

    graph.runbook_incidents.resize(graph.runbooks.size());
    graph.incident_runbooks.resize(graph.incidents.size());
    for (const auto& link : store::find_links(knowledge_base)) {
        auto r = graph.runbook_by_id.find(link.runbook);
        auto i = graph.incident_by_id.find(link.incident);
        if (r == graph.runbook_by_id.end() || i == graph.incident_by_id.end()) continue;
        graph.runbook_incidents[r->second].push_back(i->second);
        graph.incident_runbooks[i->second].push_back(r->second);
    }
    for (auto& list : graph.runbook_incidents) {
        std::sort(list.begin(), list.end());
        list.erase(std::unique(list.begin(), list.end()), list.end());
    }
    for (auto& list : graph.incident_runbooks) {
        std::sort(list.begin(), list.end());
        list.erase(std::unique(list.begin(), list.end()), list.end());
    }

    graph.runbook_signatures.resize(graph.runbooks.size());
    for (std::size_t r = 0; r < graph.runbooks.size(); ++r) {
        const auto& signatures = graph.runbooks[r]->signatures;
        for (std::size_t s = 0; s < signatures.size(); ++s) {
            SignatureNode node;
            node.runbook = r;
            node.index = s;
            node.anchor = "sig-" + graph.runbook_files[r] + "-" + std::to_string(s + 1);
            auto js = to_js_regex(signatures[s].pattern);
            if (js)
                node.js = js.value();
            else
                node.js_error = js.error().message;
            graph.runbook_signatures[r].push_back(graph.signatures.size());
            graph.signatures.push_back(std::move(node));
        }
    }
    match_error_lines(graph);

    std::map<std::string, TagNode> tags;
    for (std::size_t r = 0; r < graph.runbooks.size(); ++r)
        for (const auto& tag : graph.runbooks[r]->tags) add_tag(tags, tag, true, r);
    for (std::size_t i = 0; i < graph.incidents.size(); ++i)
        for (const auto& tag : graph.incidents[i]->tags) add_tag(tags, tag, false, i);
    std::set<std::string> used_files;
    for (auto& [key, tag] : tags) {
        std::string stem = base::text::slugify(key, 60);
        if (stem.empty() || stem == "index" || !used_files.insert(stem).second) {
            stem = (stem.empty() ? std::string("tag") : stem) + "-" + base::hash_hex(key).substr(0, 6);
            used_files.insert(stem);
        }
        tag.file = stem;
        graph.tag_by_key.emplace(key, graph.tags.size());
        graph.tags.push_back(std::move(tag));
    }
    return graph;
}

}  // namespace site
