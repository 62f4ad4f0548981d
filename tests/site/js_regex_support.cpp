#include "site/js_regex_support.hpp"

#include <vector>

#include <catch2/catch.hpp>

#include "support.hpp"

namespace test {

nlohmann::json re2_verdict(const RE2& re, const std::string& pattern, const std::string& line) {
    std::vector<re2::StringPiece> groups(static_cast<std::size_t>(re.NumberOfCapturingGroups() + 1));
    const bool hit = re.Match(line, 0, line.size(), RE2::UNANCHORED, groups.data(), static_cast<int>(groups.size()));
    nlohmann::json named = nlohmann::json::object();
    if (hit)
        for (const auto& [name, index] : re.NamedCapturingGroups()) {
            const auto& g = groups[static_cast<std::size_t>(index)];
            named[name] = g.data() ? std::string(g) : "";
        }
    return {{"pattern", pattern}, {"line", line}, {"match", hit}, {"whole", hit ? std::string(groups[0]) : ""},
            {"groups", named}};
}

nlohmann::json run_in_node(const nlohmann::json& cases) {
    TempDir dir;
    write_file(dir / "cases.json", cases.dump());
    const std::string script = R"JS(
const cases = JSON.parse(require('fs').readFileSync(process.argv[1], 'utf8'));
const out = [];
for (const c of cases) {
  let re = null;
  try { re = new RegExp(c.source, c.flags); } catch (e) { re = e.message; }
  for (const line of c.lines) {
    if (typeof re === 'string') { out.push({ error: re }); continue; }
    const m = re.exec(line);
    const groups = {};
    if (m && m.groups) for (const [k, v] of Object.entries(m.groups)) groups[k] = v === undefined ? '' : v;
    out.push({ match: !!m, whole: m ? m[0] : '', groups });
  }
}
process.stdout.write(JSON.stringify(out));
)JS";
    auto result = run({"timeout", "300", "node", "-e", script, (dir / "cases.json").string()});
    INFO(result.err);
    REQUIRE(result.exit_code == 0);
    return nlohmann::json::parse(result.out);
}

bool same_verdict(const nlohmann::json& node, const nlohmann::json& re2) {
    return !node.contains("error") && node["match"] == re2["match"] && node["whole"] == re2["whole"] &&
           node["groups"] == re2["groups"];
}

}  // namespace test
