// Whatever the bytes, parsing returns: random mixes of Markdown, YAML,
// attribute syntax, mojibake and broken UTF-8 never crash and always give
// valid UTF-8 back.
#include <catch2/catch.hpp>

#include <random>

#include "kb/load.hpp"
#include "kb/text.hpp"
#include "support.hpp"

namespace {

const std::vector<std::string> pieces = {
    "---\n", "id: x\n", "params: {A: {required: yes}}\n", "signatures:\n  - pattern: '(unclosed'\n", "- [a, b\n",
    "# Title \xF0\x9F\x8E\x89\n", "## Root cause\n", "Status: resolved\n", "**Date**: 2025-02-30\n", "```sh {\"name\":\n",
    "```bash {name=x kind=apply timeout=\n", "```\n", "    indented code\n", "ERROR:  it broke\n", "| a | b |\n|---|\n",
    "\xC3\x83\xC2\xA9", "\xE2\x80", "\xFF\xFE", "\r\n", "\r", "\xEF\xBB\xBF", "[link](../runbooks/", ")", "\"quoted",
    "`code", "\xC3\xB0\xC5\xB8\xE2\x80", "\t", "<div>", "~~~\n", "> quote\n", "1. item\n", "- [ ] task\n", "\n\n",
    "Would you like me to", "2 Sep 2025", "\0"};

std::string random_document(std::mt19937& rng) {
    std::uniform_int_distribution<std::size_t> count(0, 60), pick(0, pieces.size() - 1);
    std::string doc;
    for (std::size_t n = count(rng); n > 0; --n) doc += pieces[pick(rng)];
    return doc;
}

}  // namespace

TEST_CASE("random documents parse without crashing", "[kb][bad-input]") {
    std::mt19937 rng(20251121);
    for (int i = 0; i < 1500; ++i) {
        std::string doc = random_document(rng);
        INFO(doc);
        std::vector<kb::Diagnostic> diagnostics;
        auto runbook = kb::parse_runbook("runbooks/r.md", doc, diagnostics);
        auto incident = kb::parse_incident("incidents/i.md", doc, diagnostics);
        if (doc.find('\0') != std::string::npos) continue;  // binary: refused
        REQUIRE(runbook);
        REQUIRE(incident);
        CHECK(kb::text::is_valid_utf8(incident->title));
        CHECK(kb::text::is_valid_utf8(incident->body_text));
        for (const auto& e : incident->error_lines) CHECK(kb::text::is_valid_utf8(e.text));
        CHECK(kb::text::is_valid_utf8(runbook->title));
        CHECK_FALSE(incident->id.empty());
        CHECK_FALSE(runbook->id.empty());
    }
}

TEST_CASE("many files load the same way every time", "[kb][load]") {
    // Enough files that loading parses them on several threads.
    test::TempDir dir;
    for (int i = 0; i < 150; ++i) {
        std::string n = std::to_string(1000 + i);
        test::write_file(dir / "incidents" / ("2024-05-01-case-" + n + ".md"),
                         "# Case " + n + "\n\n```\nERROR: failure number " + n + "\n```\n");
    }
    // Two files with one id: the later file in name order is the one reported.
    test::write_file(dir / "incidents" / "zz-dup.md", "---\nid: 2024-05-01-case-1000\n---\n# Duplicate\n");
    test::write_file(dir / "runbooks" / "failures.md",
                     "---\nid: failures\nsignatures: ['failure number 10[0-4]\\d']\n---\n# Failures\n");
    auto first = kb::load({dir.path()});
    auto second = kb::load({dir.path()});
    REQUIRE(first.incidents.size() == 150);
    REQUIRE(first.diagnostics.size() == 1);
    CHECK(first.diagnostics[0].file.ends_with("zz-dup.md"));
    CHECK(first.incident("2024-05-01-case-1000")->title == "Case 1000");
    CHECK(first.runbook("failures")->incidents.size() == 50);
    REQUIRE(second.incidents.size() == first.incidents.size());
    for (std::size_t i = 0; i < first.incidents.size(); ++i) {
        CHECK(first.incidents[i].id == second.incidents[i].id);
        CHECK(first.incidents[i].runbooks == second.incidents[i].runbooks);
    }
    REQUIRE(first.sources.size() == second.sources.size());
    for (std::size_t i = 0; i < first.sources.size(); ++i) CHECK(first.sources[i].path == second.sources[i].path);
}
