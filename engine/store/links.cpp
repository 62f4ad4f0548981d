#include "store/links.hpp"

#include <set>
#include <utility>

namespace store {

std::vector<Link> find_links(const kb::KnowledgeBase& knowledge_base) {
    std::set<std::string> runbooks, incidents;
    for (const auto& r : knowledge_base.runbooks) runbooks.insert(r.id);
    for (const auto& i : knowledge_base.incidents) incidents.insert(i.id);

    std::set<std::pair<std::string, std::string>> pairs;
    auto add = [&](const std::string& incident, const std::string& runbook) {
        if (incidents.count(incident) && runbooks.count(runbook)) pairs.emplace(incident, runbook);
    };
    for (const auto& i : knowledge_base.incidents)
        for (const auto& r : i.runbooks) add(i.id, r);
    for (const auto& r : knowledge_base.runbooks)
        for (const auto& i : r.incidents) add(i, r.id);

    std::vector<Link> links;
    links.reserve(pairs.size());
    for (const auto& [incident, runbook] : pairs) links.push_back({incident, runbook});
    return links;
}

}  // namespace store
