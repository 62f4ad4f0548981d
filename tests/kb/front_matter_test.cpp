// Front matter: the direct reading of simple blocks must agree with
// yaml-cpp, and every value keeps its file line.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <yaml-cpp/yaml.h>

#include "kb/front_matter.hpp"

namespace {

nlohmann::json to_json(const YAML::Node& node) {
    if (node.IsMap()) {
        nlohmann::json out = nlohmann::json::object();
        for (const auto& entry : node) out[entry.first.Scalar()] = to_json(entry.second);
        return out;
    }
    if (node.IsSequence()) {
        nlohmann::json out = nlohmann::json::array();
        for (const auto& item : node) out.push_back(to_json(item));
        return out;
    }
    if (node.IsNull()) return nullptr;
    return node.Scalar();
}

nlohmann::json to_json(const kb::front_matter::Value& value) {
    if (value.is_map()) {
        nlohmann::json out = nlohmann::json::object();
        for (const auto& [key, v] : value.entries) out[key.scalar] = to_json(v);
        return out;
    }
    if (value.is_sequence()) {
        nlohmann::json out = nlohmann::json::array();
        for (const auto& item : value.items) out.push_back(to_json(item));
        return out;
    }
    if (value.is_null()) return nullptr;
    return value.scalar;
}

kb::front_matter::Value parse(const std::string& text, std::vector<kb::Diagnostic>& diagnostics) {
    auto split = kb::front_matter::split(text, "f.md", diagnostics);
    auto parsed = kb::front_matter::parse(split, "f.md", diagnostics);
    REQUIRE(parsed);
    return *parsed;
}

}  // namespace

TEST_CASE("front matter reads the same as yaml-cpp", "[kb][front-matter]") {
    for (std::string yaml : {
             "id: a\ntitle: Plain title with spaces\n",
             "id: 2024-01-01-x\ndate: 2024-01-01\nstatus: resolved\nservices: [api, db]\ntags: []\n",
             "# comment\nid: x\n\nrequired: yes\ncount: 42\nurl: http://example.com/a#b\n",
             "title: 'quoted: with colon'\nsummary: \"escaped \\\" quote\"\n",
             "title: value # trailing comment\n",
             "params:\n  A: {required: true}\nsignatures:\n  - pattern: x\n",
             "tags: [a, 'b, c']\nempty:\nnothing: ~\n",
             "title: a:b and c\n",
         }) {
        INFO(yaml);
        std::vector<kb::Diagnostic> diagnostics;
        auto parsed = parse("---\n" + yaml + "---\nbody\n", diagnostics);
        CHECK(diagnostics.empty());
        CHECK(to_json(parsed) == to_json(YAML::Load(yaml)));
    }
}

TEST_CASE("front matter values keep their file lines", "[kb][front-matter]") {
    std::vector<kb::Diagnostic> diagnostics;
    for (std::string extra : {"", "nested:\n  a: 1\n"}) {  // read directly, then through yaml-cpp
        auto parsed = parse("---\nid: x\n\ntags: [a, b]\nstatus: open\n" + extra + "---\n", diagnostics);
        CHECK(parsed.get("id")->line == 2);
        CHECK(parsed.get("tags")->line == 4);
        CHECK(parsed.get("tags")->items[1].line == 4);
        CHECK(parsed.get("status")->line == 5);
        CHECK(parsed.entries[0].key.line == 2);
    }
}

TEST_CASE("front matter problems are reported", "[kb][front-matter]") {
    std::vector<kb::Diagnostic> diagnostics;
    auto split = kb::front_matter::split("---\n- a\n- b\n---\n", "f.md", diagnostics);
    CHECK_FALSE(kb::front_matter::parse(split, "f.md", diagnostics));
    REQUIRE(diagnostics.size() == 1);
    CHECK(diagnostics[0].message.find("must be a map") != std::string::npos);

    diagnostics.clear();
    split = kb::front_matter::split("---\n---\n# Body\n", "f.md", diagnostics);
    CHECK(split.present);
    CHECK(split.body_first_line == 3);
    CHECK_FALSE(kb::front_matter::parse(split, "f.md", diagnostics));
    CHECK(diagnostics.empty());

    split = kb::front_matter::split("# No front matter\n---\n", "f.md", diagnostics);
    CHECK_FALSE(split.present);
    CHECK(split.body_first_line == 1);
}
