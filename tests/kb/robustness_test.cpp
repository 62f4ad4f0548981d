// Whatever the bytes, parsing returns: random mixes of Markdown, YAML,
// attribute syntax, mojibake and broken UTF-8 never crash and always give
// valid UTF-8 back.
#include <catch2/catch.hpp>

#include <random>

#include "kb/front_matter.hpp"
#include "kb/load.hpp"
#include "base/text.hpp"
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
        CHECK(base::text::is_valid_utf8(incident->title));
        CHECK(base::text::is_valid_utf8(incident->body_text));
        for (const auto& e : incident->error_lines) CHECK(base::text::is_valid_utf8(e.text));
        CHECK(base::text::is_valid_utf8(runbook->title));
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

TEST_CASE("deeply nested Markdown parses without running out of stack", "[kb][bad-input]") {
    // Fifty thousand levels: far past what a recursive walk survives on a
    // thread's stack, and well inside the size limit for a document.
    const int depth = 50000;
    std::string quotes = "# Nested quotes\n\n";
    for (int i = 0; i < depth; ++i) quotes += "> ";
    quotes += "ERROR: deep inside\n";
    std::string emphasis = "# Nested emphasis\n\n" + std::string(depth, '*') + "middle" + std::string(depth, '*') +
                           "\n\nA [link " + std::string(depth, '[') + "x" + std::string(depth, ']') +
                           "](../runbooks/deep.md) after.\n";
    std::string mixed = "# Nested lists in quotes\n\n";
    for (int i = 0; i < depth / 2; ++i) mixed += "> - ";
    mixed += "last item\n";
    for (const auto& doc : {quotes, emphasis, mixed}) {
        std::vector<kb::Diagnostic> diagnostics;
        auto incident = kb::parse_incident("incidents/deep.md", doc, diagnostics);
        REQUIRE(incident);
        CHECK(incident->title.starts_with("Nested"));
    }
    std::vector<kb::Diagnostic> diagnostics;
    auto quoted = kb::parse_incident("incidents/deep.md", quotes, diagnostics);
    REQUIRE(quoted);
    CHECK(quoted->body_text.find("ERROR: deep inside") != std::string::npos);
    auto linked = kb::parse_incident("incidents/deep.md", emphasis, diagnostics);
    REQUIRE(linked);
    CHECK(linked->body_text.find("middle") != std::string::npos);
    CHECK(linked->body_text.find("after.") != std::string::npos);
    auto listed = kb::parse_incident("incidents/deep.md", mixed, diagnostics);
    REQUIRE(listed);
    CHECK(listed->body_text.find("last item") != std::string::npos);
}

TEST_CASE("front matter with an alias inside its own anchor is refused, not followed", "[kb][bad-input]") {
    // A value that contains itself: converting it followed the alias until
    // the stack overflowed, and `deja lint` died of a segmentation fault.
    for (const std::string yaml : {"anchors: &a [1, k: *a]", "loop: &a {next: *a}", "x: &a [[[[*a]]]]"}) {
        INFO(yaml);
        std::vector<kb::Diagnostic> diagnostics;
        auto runbook = kb::parse_runbook("runbooks/cycle.md", "---\nid: cycle\ntitle: Cycle\n" + yaml + "\n...\n# Cycle\n",
                                         diagnostics);
        REQUIRE(runbook);
        CHECK(runbook->id == "cycle");  // read from the file name, as without front matter
        REQUIRE_FALSE(diagnostics.empty());
        CHECK(diagnostics[0].line == 2);
        CHECK_THAT(diagnostics[0].message, Catch::Contains("levels deep once its aliases are expanded"));
    }
    // Nesting within the limit is still read.
    std::vector<kb::Diagnostic> fine;
    const std::string text = "---\ntitle: x\ndeep: " + std::string(200, '[') + std::string(200, ']') + "\n---\n";
    auto split = kb::front_matter::split(text, "incidents/nested.md", fine);
    auto value = kb::front_matter::parse(split, "incidents/nested.md", fine);
    REQUIRE(value);
    CHECK(fine.empty());
    CHECK(value->get("deep") != nullptr);
}

TEST_CASE("front matter whose aliases expand to billions of values is refused, not expanded", "[kb][bad-input]") {
    std::string doc = "---\ntitle: Laughs\na0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n";
    for (int i = 1; i < 10; ++i) {
        doc += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [";
        for (int j = 0; j < 9; ++j) doc += std::string(j ? ", " : "") + "*a" + std::to_string(i - 1);
        doc += "]\n";
    }
    doc += "tags: *a9\n---\n# Billion laughs\n\nDate: 2025-04-01\n";
    std::vector<kb::Diagnostic> diagnostics;
    auto incident = kb::parse_incident("incidents/laughs.md", doc, diagnostics);
    REQUIRE(incident);
    CHECK(incident->title == "Billion laughs");  // the Markdown is still read
    CHECK(incident->date == "2025-04-01");
    REQUIRE(diagnostics.size() == 1);
    CHECK(diagnostics[0].line == 2);
    CHECK(diagnostics[0].message.find("aliases") != std::string::npos);

    // Nesting deeper than yaml-cpp reads is said plainly.
    std::vector<kb::Diagnostic> deep;
    auto nested = kb::parse_incident("incidents/nested.md",
                                     "---\ntitle: x\ntags: " + std::string(5000, '[') + std::string(5000, ']') +
                                         "\n---\n# Nested\n",
                                     deep);
    REQUIRE(nested);
    CHECK(nested->title == "Nested");
    REQUIRE(deep.size() == 1);
    CHECK(deep[0].message == "front matter is not valid YAML: nested too deep to read");

    // Aliases used the way people use them still work.
    std::vector<kb::Diagnostic> fine;
    auto reused = kb::parse_incident("incidents/reused.md",
                                     "---\ntitle: &t Disk full\nsummary: *t\ntags: &tags [disk, runner]\n---\n"
                                     "# Heading\n",
                                     fine);
    REQUIRE(reused);
    CHECK(fine.empty());
    CHECK(reused->title == "Disk full");
    CHECK(reused->summary == "Disk full");
    CHECK(reused->tags == std::vector<std::string>{"disk", "runner"});
}
