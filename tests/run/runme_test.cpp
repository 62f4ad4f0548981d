// Runbooks written for Runme run as Runme runs them: cells named from their
// first command, `$ ` prompts stripped and pasted output left out, exports
// shared with the cells after them, `export` prompts turned into params,
// blocks that are not programs shown and never run, single cells by name.
// Expectations come from Runme's own tests (testdata/script/basic.txtar,
// runall/basic.txtar, script/dotenv.txtar) and documentation.
#include <catch2/catch.hpp>

#include "kb/runme.hpp"
#include "run/plan.hpp"
#include "run/run_support.hpp"

namespace fs = std::filesystem;

using runtest::Kb;

TEST_CASE("cells without a name are named from their first command, as Runme names them", "[run][runme]") {
    CHECK(kb::runme_cell_name("$ echo \"Hello, runme!\"\n") == "echo-hello");
    CHECK(kb::runme_cell_name("# This is a pesky comment\necho Inferred\n") == "echo-inferred");
    CHECK(kb::runme_cell_name("temp_dir=$(mktemp -d -t \"runme-XXXXXXX\")\npushd $temp_dir\n") == "tempdir");
    CHECK(kb::runme_cell_name("package main\n\nimport \"fmt\"\n") == "package-main");
    CHECK(kb::runme_cell_name("kubectl get pods -n shop\n") == "kubectl-get");
}

TEST_CASE("a block written as a terminal session runs its commands, not the output pasted after them",
          "[run][runme]") {
    auto script = kb::strip_shell_prompts("$ echo one\none\n$ ls \\\n  -d /\n/\n# a note\n$ cat <<EOF\nkept\nEOF\n");
    CHECK(script.code == "echo one\nls \\\n  -d /\n# a note\ncat <<EOF\nkept\nEOF\n");
    CHECK(script.output_lines == 2);
    auto plain = kb::strip_shell_prompts("echo $HOME\nprintf '%s\\n' \"$ not a prompt\"\n");
    CHECK(plain.code == "echo $HOME\nprintf '%s\\n' \"$ not a prompt\"\n");
    CHECK(plain.output_lines == 0);
}

TEST_CASE("export lines that Runme prompts for are found; computed ones are not", "[run][runme]") {
    std::string code =
        "export PROJECT_ID=\"your-project-7f412a\"\n"
        "export ZONE=Enter a zone\n"
        "export NAME=[Enter your name]\n"
        "export EMPTY=\"\"\n"
        "export REGION=eu-west-1\n"
        "export NOW=$(date)\n"
        "export A=\"$HOME/x\"\n"
        "  export CHAIN=1 && echo hi\n"
        "echo \"$PROJECT_ID\"\n";
    auto prompts = kb::take_export_prompts(code);
    REQUIRE(prompts.size() == 5);
    CHECK(prompts[0].name == "PROJECT_ID");
    CHECK(prompts[0].kind == kb::ExportValue::placeholder);
    CHECK(prompts[0].value == "your-project-7f412a");
    CHECK(prompts[1].kind == kb::ExportValue::message);
    CHECK(prompts[1].value == "Enter a zone");
    CHECK(prompts[2].kind == kb::ExportValue::message);
    CHECK(prompts[3].kind == kb::ExportValue::empty);
    CHECK(prompts[4].kind == kb::ExportValue::placeholder);
    CHECK(prompts[4].line == 4);
    CHECK(code ==
          "export PROJECT_ID\nexport ZONE\nexport NAME\nexport EMPTY\nexport REGION\n"
          "export NOW=$(date)\nexport A=\"$HOME/x\"\n  export CHAIN=1 && echo hi\necho \"$PROJECT_ID\"\n");
}

TEST_CASE("Runme cells share their exports, $__ and capital-named outputs; a .env beside the document is read",
          "[run][runme]") {
    Kb kb;
    test::write_file(kb.kb() / "runbooks" / ".env", "FROM_DOTENV=\"in-my-dot-env\"\n");
    auto runbook = kb.add("session", R"md(# Cells that share a session

```sh
export GREETING=$(printf 'hel%s' lo)
export DROPPED=soon-gone
```

```sh {"name":"drop"}
unset DROPPED
echo "SOMETHING=${FROM_DOTENV}"
```

```sh {"name":"USERS"}
printf 'ann\nbob\n'
```

```bash {"name":"show"}
echo "greeting=$GREETING dropped=${DROPPED:-unset} users=$(echo $USERS)"
```
)md");
    REQUIRE(runbook.runme_style);
    CHECK(runbook.steps[0].name == "export-greeting");
    auto run = runtest::run_library(kb, runbook);
    INFO(run.out);
    CHECK(run.outcome.exit_code == 0);
    CHECK(run.out.find("SOMETHING=in-my-dot-env") != std::string::npos);
    CHECK(run.out.find("greeting=hello dropped=unset users=ann bob") != std::string::npos);
}

TEST_CASE("$__ holds the previous cell's output", "[run][runme]") {
    Kb kb;
    auto runbook = kb.add("pipe", "```sh\necho first-output\n```\n\n```sh\necho \"got: $__\"\n```\n");
    auto run = runtest::run_library(kb, runbook);
    INFO(run.out);
    CHECK(run.out.find("got: first-output") != std::string::npos);
}

TEST_CASE("an export prompt becomes a param: declared, given with --param, refused without a value",
          "[run][runme]") {
    Kb kb;
    auto runbook = kb.add("prompted", R"md(# Prompted

```sh
export PROJECT_ID=Enter a valid project ID
export REGION="eu-west-1"
echo "project=$PROJECT_ID region=$REGION"
```
)md");
    REQUIRE(runbook.params.size() == 2);
    CHECK(runbook.params[0].name == "PROJECT_ID");
    CHECK(runbook.params[0].required);
    CHECK(runbook.params[0].description == "Enter a valid project ID");
    CHECK(runbook.params[1].default_value == std::optional<std::string>("eu-west-1"));

    auto given = runtest::deja(kb, {"run", "prompted", "--param", "PROJECT_ID=shop-1; touch /tmp/x", "--yes"});
    INFO(given.out << given.err);
    CHECK(given.exit_code == 0);
    CHECK(given.out.find("project=shop-1; touch /tmp/x region=eu-west-1") != std::string::npos);

    auto missing = runtest::deja(kb, {"run", "prompted", "--yes"});
    CHECK(missing.exit_code == 2);
    CHECK(missing.err.find("PROJECT_ID") != std::string::npos);
    CHECK(missing.err.find("Enter a valid project ID") != std::string::npos);

    auto dry = runtest::deja(kb, {"run", "prompted", "--dry-run"});
    CHECK(dry.exit_code == 0);
    CHECK(dry.out.find("(not set)") != std::string::npos);
}

TEST_CASE("with skipPrompts, an export's value is used as written (Runme's runall test)", "[run][runme]") {
    Kb kb;
    auto runbook = kb.add("runall", R"md(---
skipPrompts: true
---

```bash {"category":"foo","interactive":true,"name":"set-env"}
$ export ENV="foo!"
```

```bash {"category":"foo","interactive":true,"name":"print-foo"}
$ echo "$ENV"
```

```bash {"category":"foo,bar","interactive":true,"name":"print-bar"}
$ echo "bar!"
```

```bash {"category":"foo,bar","interactive":true,"excludeFromRunAll":true,"name":"excluded"}
$ echo "excluded!"
```
)md");
    auto all = runtest::run_library(kb, runbook);
    INFO(all.out);
    CHECK(all.outcome.exit_code == 0);
    CHECK(all.out.find("│ foo!") != std::string::npos);
    CHECK(all.out.find("│ bar!") != std::string::npos);
    CHECK(all.out.find("│ excluded!") == std::string::npos);

    auto by_name = runtest::deja(kb, {"run", "runall:excluded", "--yes"});
    INFO(by_name.err);
    CHECK(by_name.exit_code == 0);
    CHECK(by_name.out.find("│ excluded!") != std::string::npos);
    CHECK(by_name.out.find("│ bar!") == std::string::npos);

    auto by_tag = runtest::deja(kb, {"run", "runall", "--category", "bar", "--yes"});
    CHECK(by_tag.exit_code == 0);
    CHECK(by_tag.out.find("│ bar!") != std::string::npos);
    CHECK(by_tag.out.find("│ excluded!") == std::string::npos);
    CHECK(by_tag.out.find("│ foo!") == std::string::npos);

    auto nosuch = runtest::deja(kb, {"run", "runall", "--step", "nosuch"});
    CHECK(nosuch.exit_code == 2);
    CHECK(nosuch.err.find("set-env, print-foo") != std::string::npos);
}

TEST_CASE("blocks that are not programs are shown, never run, and never make the runbook refuse",
          "[run][runme]") {
    Kb kb;
    auto runbook = kb.add("mixed", R"md(# Mixed

```yaml
apiVersion: v1
kind: Pod
```

```promql
rate(http_requests_total[5m])
```

```sh {"ignore":"true"}
touch should-not-exist
```

```sh
$ echo ran-it
ran-it
$ echo second
second
```
)md");
    auto run = runtest::run_library(kb, runbook);
    INFO(run.out);
    CHECK(run.outcome.exit_code == 0);
    CHECK(run.out.find("shown, not run: a yaml block") != std::string::npos);
    CHECK(run.out.find("shown, not run: deja does not run promql blocks") != std::string::npos);
    CHECK(run.out.find("shown, not run: marked ignore=true") != std::string::npos);
    CHECK(run.out.find("│ ran-it") != std::string::npos);
    CHECK(run.out.find("│ second") != std::string::npos);
    CHECK(run.outcome.steps.size() == 1);
    CHECK_FALSE(fs::exists(kb.kb() / "runbooks" / "should-not-exist"));

    auto list = runtest::deja(kb, {"run", "mixed", "--list"});
    CHECK(list.exit_code == 0);
    CHECK(list.out.find("apiversion-v1") != std::string::npos);
    CHECK(list.out.find("echo-ranit") != std::string::npos);
}

TEST_CASE("a Markdown file runs as it is, and one cell of it by name", "[run][runme]") {
    Kb kb;
    test::write_file(kb.path() / "notes" / "README.md",
                     "# Notes\n\n```sh {\"name\":\"one\"}\necho one-ran\n```\n\n```sh {\"name\":\"two\"}\necho two-ran\n```\n");
    std::string file = (kb.path() / "notes" / "README.md").string();
    auto whole = runtest::deja(kb, {"run", file, "--yes"});
    INFO(whole.err);
    CHECK(whole.exit_code == 0);
    CHECK(whole.out.find("│ one-ran") != std::string::npos);
    CHECK(whole.out.find("│ two-ran") != std::string::npos);
    auto one = runtest::deja(kb, {"run", file + ":two", "--yes"});
    CHECK(one.exit_code == 0);
    CHECK(one.out.find("│ one-ran") == std::string::npos);
    CHECK(one.out.find("│ two-ran") != std::string::npos);
    auto second = runtest::deja(kb, {"run", file, "--step", "2", "--yes"});
    CHECK(second.out.find("│ one-ran") == std::string::npos);
    CHECK(second.out.find("│ two-ran") != std::string::npos);
}

TEST_CASE("a cell's relative cwd is taken from the document's, as Runme combines them", "[run][runme]") {
    Kb kb;
    fs::create_directories(kb.path() / "top" / "inner");
    auto runbook = kb.add("cwd", R"md(---
cwd: ../../top
---

```sh {"name":"doc"}
pwd
```

```sh {"name":"cell","cwd":"inner"}
pwd
```
)md");
    auto run = runtest::run_library(kb, runbook);
    INFO(run.out);
    std::string top = fs::canonical(kb.path() / "top").string();
    CHECK(run.out.find("│ " + top + "\n") != std::string::npos);
    CHECK(run.out.find("│ " + top + "/inner\n") != std::string::npos);
}

TEST_CASE("a command that is not installed is not a failed diagnosis: the run stops there and says so",
          "[run][runme]") {
    Kb kb;
    auto runbook = kb.add("missing-tool", R"md(---
id: missing-tool
---

```sh {"name":"look","kind":"diagnose"}
deja-no-such-tool-here get pods
```

```sh {"name":"change","kind":"apply"}
echo changed
```
)md");
    auto run = runtest::run_library(kb, runbook);
    INFO(run.out);
    CHECK(run.outcome.exit_code == 1);
    CHECK(run.outcome.message == "step look cannot run here: deja-no-such-tool-here is not installed");
    REQUIRE(run.outcome.steps.size() == 2);
    CHECK(run.outcome.steps[1].status == store::StepStatus::not_run);
    CHECK(run.out.find("│ changed") == std::string::npos);
}

TEST_CASE("variables a runbook uses but never sets become params, given with --param", "[run][runme]") {
    Kb kb;
    auto runbook = kb.add("undeclared", R"md(# Debug a node

```shell
$ NODE_NAME=<instance label from alert>
$ kubectl -n default debug node/$NODE_NAME
```

```sh {"name":"show"}
for POD in a b; do echo "$POD"; done
echo "node=${NODE} ns=${NAMESPACE:-default} home=$HOME"
```
)md");
    std::vector<std::string> names;
    for (const auto& p : runbook.params) names.push_back(p.name);
    CHECK(names == std::vector<std::string>{"NODE"});
    CHECK(runbook.params[0].required);
    CHECK(runbook.params[0].declared_by == "show");

    auto refused = runtest::deja(kb, {"run", "undeclared:show", "--yes"});
    CHECK(refused.exit_code == 2);
    CHECK(refused.err.find("needs NODE") != std::string::npos);
    auto given = runtest::deja(kb, {"run", "undeclared:show", "--yes", "--param", "NODE=worker-1"});
    INFO(given.err);
    CHECK(given.exit_code == 0);
    CHECK(given.out.find("│ node=worker-1 ns=default") != std::string::npos);

    auto lint = runtest::deja(kb, {"lint"});
    CHECK(lint.out.find("runbooks/undeclared.md:3: warning: step 'nodename': <instance label from alert> is a "
                        "placeholder") != std::string::npos);
}

TEST_CASE("a runbook whose front matter does not parse is refused with the YAML error's line, never run",
          "[run][runme]") {
    Kb kb;
    test::write_file(kb.kb() / "runbooks" / "broken.md",
                     "---\nid: broken\nparams:\n  HOST: {description: \"x\", required: true\n"
                     "signatures:\n  - pattern: foo\n---\n# Broken\n\n```sh\ntouch \"$MARK\"\n```\n");
    auto out = runtest::deja(kb, {"run", "broken", "--yes"}, {{"DEJA_PARAM_MARK", (kb.path() / "ran").string()}});
    CHECK(out.exit_code == 2);
    CHECK(out.err.find("runbook broken is not run while its front matter does not parse: ") != std::string::npos);
    CHECK(out.err.find("broken.md:5: front matter is not valid YAML") != std::string::npos);
    CHECK_FALSE(fs::exists(kb.path() / "ran"));
    CHECK(runtest::deja(kb, {"run", "broken", "--dry-run"}).exit_code == 0);
}
