// The compiled signature database lives in the index as a blob, so a run on
// a small log loads it instead of compiling every pattern again.
#include <hs/hs.h>

#include "match/matcher.hpp"
#include "store/index.hpp"

namespace match {

// The blob holds its own key (format, Vectorscan version, hash of every
// pattern): a stale or foreign blob is rebuilt and replaced.
std::string Matcher::blob_name() {
    std::string version = hs_version();
    return "match.db.vectorscan-" + version.substr(0, version.find(' '));
}

base::Result<Matcher> Matcher::load_or_build(store::Index& index) {
    // A cached matcher carries its incident templates, so it needs the
    // incidents only by name, and the runbooks by name and signatures until a
    // log gives evidence for one: the outline is read without decoding any.
    if (auto blob = index.blob(blob_name())) {
        auto loaded = deserialize(std::make_shared<const kb::KnowledgeBase>(index.knowledge_base_outline()), *blob,
                                  [&index](const std::string& id) { return index.runbook_outline(id); });
        if (loaded) return loaded;
    }
    auto built = build(std::make_shared<const kb::KnowledgeBase>(index.knowledge_base()));
    if (!built) return built;
    std::string blob = built->serialize();
    // A read-only cache only costs the next run a compile.
    if (!blob.empty()) (void)index.put_blob(blob_name(), blob);
    return built;
}

}  // namespace match
