// Runbook parsing: typed front matter with file lines, steps from fenced
// blocks in Runme's attribute forms, and what is not a step.
#include <catch2/catch.hpp>

#include <algorithm>

#include "kb/load.hpp"
#include "support.hpp"

namespace {

kb::Runbook parse_fixture(const std::string& name, std::vector<kb::Diagnostic>& diagnostics) {
    auto path = test::fixtures() / "kb" / "basic" / "runbooks" / name;
    auto runbook = kb::parse_runbook(path.string(), test::read_file(path), diagnostics);
    REQUIRE(runbook);
    return *runbook;
}

// Whether `list` has a diagnostic at `line` whose message contains `part`
// (and, when `file` is given, in that file).
bool reported(const std::vector<kb::Diagnostic>& list, int line, const std::string& part,
              const std::string& file = "") {
    return std::any_of(list.begin(), list.end(), [&](const kb::Diagnostic& d) {
        return d.line == line && d.message.find(part) != std::string::npos && (file.empty() || d.file == file);
    });
}

std::string messages(const std::vector<kb::Diagnostic>& diagnostics) {
    std::string out;
    for (const auto& d : diagnostics) out += d.format() + "\n";
    return out;
}

}  // namespace

TEST_CASE("a runbook's front matter is read with types and file lines", "[kb][runbook]") {
    std::vector<kb::Diagnostic> diagnostics;
    auto r = parse_fixture("disk-full.md", diagnostics);
    INFO(messages(diagnostics));
    CHECK(diagnostics.empty());

    CHECK(r.id == "disk-full");
    CHECK(r.title == "Free space on a full disk");
    CHECK(r.summary == "A job or database stopped because its volume has no space left.");
    CHECK(r.tags == std::vector<std::string>{"disk", "linux"});

    REQUIRE(r.params.size() == 3);
    CHECK(r.params[0].name == "MOUNT");  // declaration order is kept
    CHECK(r.params[0].line == 7);
    CHECK(r.params[0].default_value == "/var");
    CHECK(r.params[0].pattern == "^/[A-Za-z0-9/_.-]*$");
    CHECK(r.params[1].name == "DAYS");
    CHECK(r.params[1].choices == std::vector<std::string>{"3", "7", "14"});
    CHECK(r.params[2].required);
    CHECK(r.params[2].secret);
    CHECK_FALSE(r.params[2].default_value);

    REQUIRE(r.signatures.size() == 2);
    CHECK(r.signatures[0].pattern == "No space left on device");
    CHECK(r.signatures[0].line == 14);
    CHECK(r.signatures[0].description == "the kernel refuses a write");
    CHECK(r.signatures[1].params == kb::ParamValues{{"DAYS", "3"}});
    CHECK(r.signatures[1].line == 16);

    REQUIRE(r.examples.size() == 1);
    CHECK(r.examples[0].line == 19);
    CHECK(r.examples[0].params == kb::ParamValues{{"MOUNT", "/var"}});

    CHECK(r.incidents == std::vector<std::string>{"2024-06-01-disk-full"});
    CHECK(r.body_markdown.starts_with("# Free space on a full disk"));
    CHECK(r.body_text.find("Check first, then clean up old logs.") != std::string::npos);
    CHECK(r.body_text.find("df -h") == std::string::npos);  // code is in the steps
}

TEST_CASE("steps come from fenced blocks in runnable languages", "[kb][runbook][steps]") {
    std::vector<kb::Diagnostic> diagnostics;
    auto r = parse_fixture("disk-full.md", diagnostics);
    REQUIRE(r.steps.size() == 4);  // text output and the bare block are not steps
    CHECK_FALSE(r.runme_style);

    const auto& usage = r.steps[0];
    CHECK(usage.name == "usage");
    CHECK(usage.kind == kb::StepKind::diagnose);
    CHECK(usage.language == "sh");
    CHECK(usage.code == "df -h \"$MOUNT\"\n");
    CHECK(usage.line == 27);

    const auto& clean = r.steps[1];  // older {name=x kind=y} form, space separated
    CHECK(clean.name == "clean");
    CHECK(clean.kind == kb::StepKind::apply);
    CHECK(clean.skip_if == "usage");
    CHECK(clean.timeout == std::chrono::minutes(5));
    CHECK(clean.confirm);
    CHECK(clean.attributes["skip_if"] == "usage");

    const auto& verify = r.steps[2];  // comma separated, bare number of seconds
    CHECK(verify.name == "verify-space");
    CHECK(verify.kind == kb::StepKind::verify);
    CHECK(verify.timeout == std::chrono::seconds(30));

    const auto& unnamed = r.steps[3];
    CHECK(unnamed.name == "step-4");
    CHECK(unnamed.kind == kb::StepKind::apply);
    CHECK(unnamed.language == "python");
    CHECK(unnamed.timeout == std::chrono::seconds(600));
}

TEST_CASE("a runbook written for Runme keeps Runme's semantics", "[kb][runbook][steps]") {
    std::vector<kb::Diagnostic> diagnostics;
    auto r = parse_fixture("runme-hello.md", diagnostics);
    CHECK(diagnostics.empty());
    CHECK(r.id == "runme-hello");  // no front matter: from the file name
    CHECK(r.title == "Say hello the Runme way");
    CHECK(r.runme_style);
    REQUIRE(r.steps.size() == 3);
    CHECK(r.steps[0].name == "hello");
    CHECK(r.steps[0].exclude_from_run_all);  // "true" as a JSON string, as Runme writes it
    CHECK(r.steps[0].cwd == "/tmp");
    CHECK(r.steps[1].interpreter == "zsh");
    CHECK(r.steps[1].tag == "greeting");
    CHECK(r.steps[1].name == "echo-from");  // Runme's name, from the first command
    CHECK(r.steps[1].name_generated);
    CHECK(r.steps[2].language == "json");  // shown with the others, never run
    CHECK(r.steps[2].shown_only == "a json block: text, not a program");
}

TEST_CASE("bad front matter values are reported at their line", "[kb][runbook][bad-input]") {
    std::string text = "---\n"
                       "id: broken\n"
                       "params:\n"
                       "  HOST: {required: maybe}\n"
                       "  2BAD: {description: starts with a digit}\n"
                       "signatures: not-a-list\n"
                       "examples:\n"
                       "  - params: {A: b}\n"
                       "tags: {a: b}\n"
                       "colour: blue\n"
                       "---\n"
                       "```sh {\"name\":\"x\",\"kind\":\"destroy\",\"timeout\":\"soon\"}\n"
                       "true\n"
                       "```\n";
    std::vector<kb::Diagnostic> diagnostics;
    auto r = kb::parse_runbook("runbooks/broken.md", text, diagnostics);
    REQUIRE(r);
    CHECK(r->id == "broken");
    auto has = [&](int line, const std::string& part) {
        return reported(diagnostics, line, part, "runbooks/broken.md");
    };
    INFO(messages(diagnostics));
    CHECK(has(4, "required must be true or false"));
    CHECK(has(5, "2BAD"));
    CHECK(has(6, "signatures must be a list"));
    CHECK(has(8, "example has no text"));
    CHECK(has(9, "tags must be a list"));
    CHECK(has(10, "unknown front-matter key 'colour'"));
    CHECK(has(12, "step kind 'destroy'"));
    CHECK(has(12, "timeout 'soon'"));
}

TEST_CASE("malformed YAML is reported with its line and the body still parses", "[kb][runbook][bad-input]") {
    std::string text = "---\n"
                       "id: yaml-error\n"
                       "title: [unclosed\n"
                       "summary: x\n"
                       "---\n"
                       "# Heading\n\n"
                       "```sh\necho hi\n```\n";
    std::vector<kb::Diagnostic> diagnostics;
    auto r = kb::parse_runbook("/kb/runbooks/yaml-error.md", text, diagnostics);
    REQUIRE(r);
    REQUIRE(diagnostics.size() == 1);
    CHECK(diagnostics[0].message.find("not valid YAML") != std::string::npos);
    CHECK(diagnostics[0].line >= 3);
    CHECK(diagnostics[0].line <= 5);
    CHECK(r->id == "yaml-error");  // from the file name
    CHECK(r->title == "Heading");
    CHECK(r->steps.size() == 1);
}

TEST_CASE("an unclosed front matter block is reported", "[kb][runbook][bad-input]") {
    std::vector<kb::Diagnostic> diagnostics;
    auto r = kb::parse_runbook("x.md", "---\nid: x\n# no end\n", diagnostics);
    REQUIRE(r);
    REQUIRE(diagnostics.size() == 1);
    CHECK(diagnostics[0].line == 1);
    CHECK(diagnostics[0].message.find("no closing") != std::string::npos);
}

TEST_CASE("GFM extensions are parsed, so tables and task lists are text, not noise", "[kb][runbook]") {
    std::string text = "# T\n\n| a | b |\n|---|---|\n| one | two |\n\n- [x] done item\n\n~~old~~ new\n\n"
                       "See https://example.com/x for more.\n";
    std::vector<kb::Diagnostic> diagnostics;
    auto r = kb::parse_runbook("t.md", text, diagnostics);
    REQUIRE(r);
    CHECK(r->body_text.find("one | two") != std::string::npos);
    CHECK(r->body_text.find("done item") != std::string::npos);
    CHECK(r->body_text.find("[x]") == std::string::npos);
    CHECK(r->body_text.find("~~") == std::string::npos);
    // A second document through the same reused parser still has the extensions.
    auto again = kb::parse_runbook("t2.md", text, diagnostics);
    CHECK(again->body_text == r->body_text);
}

TEST_CASE("after, cleared_by and symptom are read with their lines, and mistakes in them reported",
          "[kb][runbook]") {
    std::string text = "---\n"
                       "id: waits\n"
                       "symptom: true\n"
                       "signatures:\n"
                       "  - pattern: 'Did not find any relations'\n"
                       "    after: 'Running upgrade '\n"
                       "  - pattern: 'refused'\n"
                       "    after: '(unclosed'\n"
                       "cleared_by:\n"
                       "  - pattern: 'accepting connections$'\n"
                       "    description: pg_isready got through\n"
                       "  - 'Postgres is up'\n"
                       "  - pattern: 'ready'\n"
                       "    params: {A: b}\n"
                       "  - pattern: '[unclosed'\n"
                       "---\n"
                       "# Waits\n";
    std::vector<kb::Diagnostic> diagnostics;
    auto r = kb::parse_runbook("runbooks/waits.md", text, diagnostics);
    REQUIRE(r);
    CHECK(r->symptom);
    REQUIRE(r->signatures.size() == 2);
    CHECK(r->signatures[0].after == "Running upgrade ");
    REQUIRE(r->cleared_by.size() == 4);
    CHECK(r->cleared_by[0].pattern == "accepting connections$");
    CHECK(r->cleared_by[0].description == "pg_isready got through");
    CHECK(r->cleared_by[0].line == 10);
    CHECK(r->cleared_by[1].pattern == "Postgres is up");
    CHECK(r->cleared_by[2].params.empty());
    INFO(messages(diagnostics));
    CHECK(reported(diagnostics, 14, "cleared_by entry: unknown field 'params'"));
    kb::KnowledgeBase k;
    k.runbooks.push_back(*r);
    auto problems = kb::lint(k);
    INFO(messages(problems));
    CHECK(reported(problems, 7, "signature's after does not compile in RE2"));
    CHECK(reported(problems, 15, "cleared_by pattern does not compile in RE2"));
    // The model keeps them through its JSON form (the index stores runbooks so).
    nlohmann::json j = *r;
    auto back = j.get<kb::Runbook>();
    CHECK(back.signatures[0].after == "Running upgrade ");
    CHECK(back.cleared_by.size() == 4);
    CHECK(back.symptom);
}
