// deja lint: problems reported as file:line: message.
#include <catch2/catch.hpp>

#include <algorithm>

#include "kb/load.hpp"
#include "support.hpp"

namespace {

std::vector<std::string> lint_lines(const test::fs::path& dir) {
    std::vector<std::string> out;
    for (const auto& d : kb::lint(kb::load({dir}))) {
        auto text = d.format();
        out.push_back(text.substr(text.find(dir.filename().string()) + dir.filename().string().size() + 1));
    }
    return out;
}

bool contains(const std::vector<std::string>& lines, const std::string& expected) {
    return std::find(lines.begin(), lines.end(), expected) != lines.end();
}

std::string joined(const std::vector<std::string>& lines) {
    std::string out;
    for (const auto& l : lines) out += l + "\n";
    return out;
}

}  // namespace

TEST_CASE("a clean knowledge base lints clean", "[kb][lint]") {
    auto problems = kb::lint(kb::load({test::fixtures() / "kb" / "basic"}));
    std::vector<std::string> errors;
    for (const auto& d : problems)
        if (d.severity == kb::Severity::error) errors.push_back(d.format());
    INFO(joined(errors));
    CHECK(errors.empty());
}

TEST_CASE("lint reports each kind of problem at its line", "[kb][lint]") {
    test::TempDir dir;
    test::write_file(dir / "runbooks" / "bad.md",
                     "---\n"                                                   // 1
                     "id: bad\n"                                               // 2
                     "params:\n"                                               // 3
                     "  NAME: {pattern: '^[a-z+$', default: x}\n"             // 4
                     "  LEVEL: {choices: [low, high], default: medium}\n"     // 5
                     "signatures:\n"                                           // 6
                     "  - pattern: 'unclosed (group'\n"                        // 7
                     "  - pattern: 'value (?P<UNDECLARED>\\d+)'\n"            // 8
                     "    params: {ALSO_UNDECLARED: x}\n"                      // 9
                     "  - pattern: 'backtracking (?=lookahead)'\n"            // 10
                     "incidents: [2020-01-01-nowhere]\n"                       // 11
                     "---\n"                                                   // 12
                     "# Bad\n"                                                 // 13
                     "\n"                                                      // 14
                     "```sh {\"name\":\"check\",\"kind\":\"apply\"}\n"         // 15
                     "true\n"                                                  // 16
                     "```\n"                                                   // 17
                     "\n"                                                      // 18
                     "```cobol {\"name\":\"fix\",\"kind\":\"apply\",\"skip_if\":\"check\"}\n"  // 19
                     "puts 1\n"                                                // 20
                     "```\n"                                                   // 21
                     "\n"                                                      // 22
                     "```sh {\"name\":\"check\",\"kind\":\"verify\",\"skip_if\":\"nothing\"}\n"  // 23
                     "true\n"                                                  // 24
                     "```\n");
    test::write_file(dir / "runbooks" / "2020-05-05-clash.md", "---\nid: 2020-05-05-clash\n---\n# Clash\n");
    test::write_file(dir / "runbooks" / "renamed-file.md", "---\nid: old-name\n---\n# Renamed\n");
    test::write_file(dir / "incidents" / "2020-05-05-clash.md", "# An incident with a runbook's id\n");
    test::write_file(dir / "incidents" / "2020-06-06-typed.md",
                     "---\nstatus: sideways\ndate: someday\nrunbooks: [missing-runbook]\n---\n# Typed\n");

    auto lines = lint_lines(dir.path());
    INFO(joined(lines));
    CHECK(contains(lines, "runbooks/bad.md:4: param NAME: pattern does not compile in RE2: missing ]: [a-z+$"));
    CHECK(contains(lines, "runbooks/bad.md:5: param LEVEL: default 'medium' is not one of its choices"));
    CHECK(contains(lines, "runbooks/bad.md:7: signature does not compile in RE2: missing ): unclosed (group"));
    CHECK(contains(lines, "runbooks/bad.md:8: signature group (?P<UNDECLARED>...) names no declared param"));
    CHECK(contains(lines, "runbooks/bad.md:8: signature sets param ALSO_UNDECLARED, which is not declared"));
    CHECK(std::any_of(lines.begin(), lines.end(), [](const std::string& l) {
        return l.starts_with("runbooks/bad.md:10: signature does not compile in RE2");
    }));
    CHECK(contains(lines, "runbooks/bad.md:11: links to incident '2020-01-01-nowhere', which does not exist"));
    CHECK(contains(lines, "runbooks/bad.md:19: step 'fix' is in 'cobol', which deja cannot run (sh, bash, sql, "
                          "python, or set an interpreter)"));
    CHECK(contains(lines, "runbooks/bad.md:19: step 'fix': skip_if names 'check', which is not a diagnose step"));
    CHECK(contains(lines, "runbooks/bad.md:23: step name 'check' is used twice (also line 15)"));
    CHECK(contains(lines, "runbooks/bad.md:23: step 'check': skip_if names 'nothing', which is not a step"));
    CHECK(contains(lines, "incidents/2020-05-05-clash.md:1: id '2020-05-05-clash' is also the id of " +
                              (dir / "runbooks" / "2020-05-05-clash.md").string()));
    CHECK(contains(lines, "incidents/2020-06-06-typed.md:2: status 'sideways' is not one of resolved, open, "
                          "mitigated, monitoring"));
    CHECK(contains(lines, "incidents/2020-06-06-typed.md:3: date 'someday' is not a date like 2025-10-29"));
    CHECK(contains(lines, "incidents/2020-06-06-typed.md:4: links to runbook 'missing-runbook', which does not exist"));

    CHECK(contains(lines, "runbooks/renamed-file.md:1: warning: runbook id 'old-name' differs from its file name "
                          "'renamed-file'; rename one so that `deja run old-name` and the file are found by the "
                          "same name"));

    // Sorted by file, then line.
    auto problems = kb::lint(kb::load({dir.path()}));
    CHECK(std::is_sorted(problems.begin(), problems.end(), [](const kb::Diagnostic& a, const kb::Diagnostic& b) {
        return std::tie(a.file, a.line) < std::tie(b.file, b.line);
    }));
}

TEST_CASE("a runbook without steps is reported: deja run would have nothing to run", "[kb][lint]") {
    test::TempDir dir;
    test::write_file(dir / "runbooks" / "notes.md", "---\nid: notes\ntitle: Notes\n---\n# Notes\n\nJust prose.\n");
    auto lines = lint_lines(dir.path());
    INFO(joined(lines));
    CHECK(contains(lines, "runbooks/notes.md:1: warning: runbook has no steps, so `deja run notes` has nothing to run "
                          "(a step is a fenced code block in sh, bash, sql or python)"));
}

TEST_CASE("a relative link must reach a file or a document", "[kb][lint]") {
    test::TempDir dir;
    test::write_file(dir / "runbooks" / "fix.md",
                     "---\nid: fix\n---\n# Fix\n\n"                                     // 1-5
                     "See [other](missing-runbook.md), [notes](../notes/setup.md),\n"   // 6
                     "[the report](../incidents/2024-01-01-real.md#timeline),\n"        // 7
                     "[a file](../scripts/fix%20it.sh), [site](https://example.com),\n" // 8
                     "[anchor](#steps), [by name](2024-01-01-real.md) and [gone](./gone.txt).\n");
    test::write_file(dir / "scripts" / "fix it.sh", "#!/bin/sh\n");
    test::write_file(dir / "incidents" / "2024-01-01-real.md",
                     "# Real\n\nFixed with [fix](../runbooks/fix.md); see [the other one](2024-02-02-other.md).\n");
    auto lines = lint_lines(dir.path());
    INFO(joined(lines));
    CHECK(contains(lines, "runbooks/fix.md:6: warning: link to 'missing-runbook.md' points at no file and no document"));
    CHECK(contains(lines, "runbooks/fix.md:6: warning: link to '../notes/setup.md' points at no file and no document"));
    CHECK(contains(lines, "runbooks/fix.md:9: warning: link to './gone.txt' points at no file and no document"));
    CHECK(contains(lines, "incidents/2024-01-01-real.md:3: warning: link to '2024-02-02-other.md' points at no file and "
                          "no document"));
    // The report, the script (its name percent-encoded), the web, the anchor and a document by name all resolve.
    CHECK(std::count_if(lines.begin(), lines.end(), [](const std::string& l) { return l.find("points at") != std::string::npos; }) == 4);
}
