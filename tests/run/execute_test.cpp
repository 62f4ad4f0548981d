// Running runbooks through the library with real processes: step semantics
// (diagnose, apply, skip_if, verify, rollback), timeouts that take the whole
// process group, params that arrive as data only, masking, $DEJA_ENV and
// Runme-style runbooks. Each outcome is checked in the history too.
#include <signal.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "run/run_support.hpp"

namespace fs = std::filesystem;

using runtest::Kb;
using runtest::run_library;
using store::RunStatus;
using store::StepStatus;

namespace {

const store::StepRecord& step(const store::RunRecord& run, const std::string& name) {
    for (const auto& s : run.steps)
        if (s.name == name) return s;
    FAIL("no step " << name << " in run " << run.id);
    throw;
}

std::string with_mark_param(const std::string& id, const std::string& body, const std::string& extra_params = "") {
    return "---\nid: " + id + "\ntitle: Test runbook " + id +
           "\nparams:\n  MARK: {description: folder for marker files, required: true}\n" + extra_params + "---\n# " +
           id + "\n\n" + body;
}

}  // namespace

TEST_CASE("a runbook whose steps all work succeeds and is recorded step by step", "[run][exec]") {
    Kb kb;
    auto rb = kb.add("works", with_mark_param("works", R"(
```sh {"name":"look","kind":"diagnose"}
echo "looking in $MARK"
```

```bash {"name":"change","kind":"apply"}
echo changed > "$MARK/changed"
echo "change made"
```

```sh {"name":"check","kind":"verify"}
test -f "$MARK/changed"
```

```sh {"name":"undo","kind":"rollback"}
touch "$MARK/rolled-back"
```
)"));
    auto r = run_library(kb, rb, {{"MARK", kb.path().string()}});
    INFO(r.out);
    CHECK(r.outcome.status == RunStatus::succeeded);
    CHECK(r.outcome.exit_code == 0);
    CHECK(fs::exists(kb / "changed"));
    CHECK_FALSE(fs::exists(kb / "rolled-back"));

    CHECK(r.record.status == RunStatus::succeeded);
    CHECK(r.record.runbook == "works");
    CHECK(r.record.runbook_hash == rb.content_hash);
    CHECK(r.record.params.at("MARK") == kb.path().string());
    CHECK_FALSE(r.record.ended_at.empty());
    REQUIRE(r.record.steps.size() == 4);
    CHECK(step(r.record, "look").status == StepStatus::ok);
    CHECK(step(r.record, "look").output == "looking in " + kb.path().string() + "\n");
    CHECK(step(r.record, "change").status == StepStatus::ok);
    CHECK(step(r.record, "change").exit_code == 0);
    CHECK(step(r.record, "check").status == StepStatus::ok);
    CHECK(step(r.record, "undo").status == StepStatus::not_run);
    // Output is shown live under its step.
    CHECK_THAT(r.out, Catch::Contains("│ change made"));
}

TEST_CASE("a failing apply stops the run, keeps its real exit code and triggers the rollback", "[run][exec]") {
    Kb kb;
    auto rb = kb.add("breaks", with_mark_param("breaks", R"(
```sh {"name":"first","kind":"apply"}
echo "about to fail"
exit 3
```

```sh {"name":"second","kind":"apply"}
touch "$MARK/second-ran"
```

```sh {"name":"check","kind":"verify"}
touch "$MARK/verify-ran"
```

```sh {"name":"undo","kind":"rollback"}
touch "$MARK/rolled-back"
```
)"));
    auto r = run_library(kb, rb, {{"MARK", kb.path().string()}});
    INFO(r.out);
    CHECK(r.outcome.status == RunStatus::failed);
    CHECK(r.outcome.exit_code == 1);
    CHECK_FALSE(fs::exists(kb / "second-ran"));
    CHECK_FALSE(fs::exists(kb / "verify-ran"));
    CHECK(fs::exists(kb / "rolled-back"));
    CHECK(step(r.record, "first").status == StepStatus::failed);
    CHECK(step(r.record, "first").exit_code == 3);
    CHECK(step(r.record, "first").output == "about to fail\n");
    CHECK(step(r.record, "second").status == StepStatus::not_run);
    CHECK(step(r.record, "check").status == StepStatus::not_run);
    CHECK(step(r.record, "undo").status == StepStatus::ok);
    CHECK(r.record.status == RunStatus::failed);
    CHECK(r.record.exit_code == 1);
}

TEST_CASE("set -euo pipefail: a failing command in the middle of a step fails it", "[run][exec]") {
    Kb kb;
    auto rb = kb.add("strict", with_mark_param("strict", R"(
```sh {"name":"pipe","kind":"apply"}
false | cat
touch "$MARK/after-pipe"
```
)"));
    auto r = run_library(kb, rb, {{"MARK", kb.path().string()}});
    CHECK(r.outcome.status == RunStatus::failed);
    CHECK(step(r.record, "pipe").exit_code == 1);
    CHECK_FALSE(fs::exists(kb / "after-pipe"));
}

TEST_CASE("continue_on_error lets the run go on past a failing apply", "[run][exec]") {
    Kb kb;
    auto rb = kb.add("tolerant", with_mark_param("tolerant", R"(
```sh {"name":"optional","kind":"apply","continue_on_error":true}
exit 4
```

```sh {"name":"main","kind":"apply"}
touch "$MARK/main-ran"
```
)"));
    auto r = run_library(kb, rb, {{"MARK", kb.path().string()}});
    CHECK(r.outcome.status == RunStatus::succeeded);
    CHECK(step(r.record, "optional").status == StepStatus::failed);
    CHECK(step(r.record, "optional").exit_code == 4);
    CHECK(fs::exists(kb / "main-ran"));
}

TEST_CASE("skip_if: an apply is skipped when its diagnose step succeeds, run when it fails", "[run][exec]") {
    Kb kb;
    auto rb = kb.add("idempotent", with_mark_param("idempotent", R"(
```sh {"name":"already","kind":"diagnose"}
test -f "$MARK/installed"
```

```sh {"name":"install","kind":"apply","skip_if":"already"}
echo run >> "$MARK/install-count"
touch "$MARK/installed"
```
)"));
    auto first = run_library(kb, rb, {{"MARK", kb.path().string()}});
    INFO(first.out);
    CHECK(first.outcome.status == RunStatus::succeeded);
    // The diagnose failure is information, not a run failure.
    CHECK(step(first.record, "already").status == StepStatus::failed);
    CHECK(step(first.record, "already").exit_code == 1);
    CHECK(step(first.record, "install").status == StepStatus::ok);

    auto second = run_library(kb, rb, {{"MARK", kb.path().string()}});
    CHECK(second.outcome.status == RunStatus::succeeded);
    CHECK(step(second.record, "already").status == StepStatus::ok);
    CHECK(step(second.record, "install").status == StepStatus::skipped);
    CHECK(test::read_file(kb / "install-count") == "run\n");
}

TEST_CASE("a failing verify fails the run and triggers the rollback", "[run][exec]") {
    Kb kb;
    auto rb = kb.add("unverified", with_mark_param("unverified", R"(
```sh {"name":"change","kind":"apply"}
touch "$MARK/changed"
```

```sh {"name":"check","kind":"verify"}
echo "still broken" >&2
exit 1
```

```python {"name":"undo","kind":"rollback"}
import os, pathlib
pathlib.Path(os.environ["MARK"], "rolled-back").write_text("yes")
```
)"));
    auto r = run_library(kb, rb, {{"MARK", kb.path().string()}});
    INFO(r.out);
    CHECK(r.outcome.status == RunStatus::failed);
    CHECK(r.outcome.exit_code == 1);
    CHECK(step(r.record, "change").status == StepStatus::ok);
    CHECK(step(r.record, "check").status == StepStatus::failed);
    CHECK(step(r.record, "check").output == "still broken\n");
    CHECK(step(r.record, "undo").status == StepStatus::ok);
    CHECK(test::read_file(kb / "rolled-back") == "yes");
    CHECK_THAT(r.record.message, Catch::Contains("check"));
}

TEST_CASE("a step over its timeout is stopped with its whole process group, background children included",
          "[run][exec][timeout]") {
    Kb kb;
    auto rb = kb.add("slow", with_mark_param("slow", R"(
```sh {"name":"hang","kind":"apply","timeout":"3s"}
sleep 300 &
echo $! > "$MARK/background.pid"
echo $$ > "$MARK/main.pid"
sleep 300
```

```sh {"name":"after","kind":"apply"}
touch "$MARK/after-ran"
```
)"));
    auto r = run_library(kb, rb, {{"MARK", kb.path().string()}});
    INFO(r.out);
    CHECK(r.outcome.status == RunStatus::failed);
    CHECK(step(r.record, "hang").status == StepStatus::timed_out);
    CHECK(step(r.record, "hang").signal == SIGTERM);
    CHECK(step(r.record, "after").status == StepStatus::not_run);
    auto background = runtest::wait_for_pid_file(kb / "background.pid");
    auto main = runtest::wait_for_pid_file(kb / "main.pid");
    REQUIRE(background);
    REQUIRE(main);
    CHECK(runtest::process_gone(*background));
    CHECK(runtest::process_gone(*main));
}

TEST_CASE("a step ignoring SIGTERM is killed once the grace period ends", "[run][exec][timeout]") {
    Kb kb;
    auto rb = kb.add("stubborn", with_mark_param("stubborn", R"(
```sh {"name":"deaf","kind":"apply","timeout":"3s"}
trap '' TERM
sleep 300 &
echo $! > "$MARK/background.pid"
sleep 300
```
)"));
    auto r = run_library(kb, rb, {{"MARK", kb.path().string()}});
    CHECK(step(r.record, "deaf").status == StepStatus::timed_out);
    CHECK(step(r.record, "deaf").signal == SIGKILL);
    CHECK(step(r.record, "deaf").exit_code == 128 + SIGKILL);
    auto background = runtest::wait_for_pid_file(kb / "background.pid");
    REQUIRE(background);
    CHECK(runtest::process_gone(*background));
}

TEST_CASE("a step that leaves a background process behind does not outlive it", "[run][exec]") {
    Kb kb;
    auto rb = kb.add("leaky", with_mark_param("leaky", R"(
```sh {"name":"leak","kind":"apply"}
sleep 300 &
echo $! > "$MARK/background.pid"
echo "left a sleeper"
```
)"));
    auto r = run_library(kb, rb, {{"MARK", kb.path().string()}});
    CHECK(r.outcome.status == RunStatus::succeeded);
    CHECK(step(r.record, "leak").status == StepStatus::ok);
    auto background = runtest::wait_for_pid_file(kb / "background.pid");
    REQUIRE(background);
    CHECK(runtest::process_gone(*background));
}

TEST_CASE("hostile param values arrive in bash and python steps as literal strings", "[run][exec][params]") {
    Kb kb;
    std::string pwned = (kb / "pwned").string();
    auto rb = kb.add("literal", R"(---
id: literal
title: Values as data
params:
  VALUE: {description: any text}
  OUT: {description: output folder}
---
# Values

```sh {"name":"bash-writes","kind":"apply"}
printf '%s' "$VALUE" > "$OUT/from-bash"
```

```python {"name":"python-writes","kind":"apply"}
import os
with open(os.path.join(os.environ["OUT"], "from-python"), "w", newline="") as f:
    f.write(os.environ["VALUE"])
```
)");
    for (std::string value : {"$(touch " + pwned + ")", std::string("'; DROP TABLE t; --"),
                              std::string("first line\nsecond line"), "`touch " + pwned + "`"}) {
        INFO("value: " << value);
        auto r = run_library(kb, rb, {{"VALUE", value}, {"OUT", kb.path().string()}});
        INFO(r.out);
        CHECK(r.outcome.status == RunStatus::succeeded);
        CHECK(test::read_file(kb / "from-bash") == value);
        CHECK(test::read_file(kb / "from-python") == value);
        CHECK_FALSE(fs::exists(pwned));
    }
}

TEST_CASE("a secret printed by a step is masked on screen and in the history", "[run][exec][secret]") {
    Kb kb;
    const std::string token = "tok-9f8e7d6c5b4a";
    auto rb = kb.add("secretive", R"(---
id: secretive
title: Prints its secret
params:
  API_TOKEN: {description: the token, required: true, secret: true}
---
# Secret

```sh {"name":"leak","kind":"apply"}
echo "token is $API_TOKEN"
# The secret split across two writes, with a pause between them.
printf 'split: %s' "${API_TOKEN:0:5}"
sleep 0.2
printf '%s!\n' "${API_TOKEN:5}"
echo "$API_TOKEN" >&2
```
)");
    auto r = run_library(kb, rb, {{"API_TOKEN", token}});
    INFO(r.out);
    CHECK(r.outcome.status == RunStatus::succeeded);
    CHECK(r.out.find(token) == std::string::npos);
    CHECK(r.out.find("tok-9") == std::string::npos);
    CHECK_THAT(r.out, Catch::Contains("token is ••••••"));
    CHECK_THAT(r.out, Catch::Contains("split: ••••••!"));
    const auto& leak = step(r.record, "leak");
    CHECK(leak.output == "token is ••••••\nsplit: ••••••!\n••••••\n");
    CHECK(r.record.params.at("API_TOKEN") == "••••••");
}

TEST_CASE("$DEJA_ENV hands values from one step to the steps after it", "[run][exec][env]") {
    Kb kb;
    auto rb = kb.add("handover", R"(---
id: handover
title: Hand values over
---
# Hand over

```sh {"name":"discover","kind":"diagnose"}
echo "FOUND_PORT=5433" >> "$DEJA_ENV"
{ echo 'NOTE<<END'; echo 'two'; echo 'lines'; echo 'END'; } >> "$DEJA_ENV"
```

```python {"name":"use","kind":"apply"}
import os
print("port", os.environ["FOUND_PORT"])
print(repr(os.environ["NOTE"]))
```
)");
    auto r = run_library(kb, rb);
    INFO(r.out);
    CHECK(r.outcome.status == RunStatus::succeeded);
    CHECK(step(r.record, "use").output == "port 5433\n'two\\nlines'\n");
}

TEST_CASE("$DEJA_ENV values named like credentials, and URL passwords, are hidden from then on",
          "[run][exec][env][mask]") {
    Kb kb;
    auto rb = kb.add("handover-secret", R"(---
id: handover-secret
title: Hand a credential over
---
# Hand over

```sh {"name":"fetch","kind":"diagnose"}
echo "PGPASSWORD=from-vault-9f8e7d" >> "$DEJA_ENV"
echo "REPLICA_URL=postgresql://repl:replica-pw-42@replica:5432/app" >> "$DEJA_ENV"
```

```sh {"name":"use","kind":"apply"}
echo "password $PGPASSWORD"
echo "replica $REPLICA_URL"
```
)");
    auto r = run_library(kb, rb);
    INFO(r.out);
    CHECK(r.outcome.status == RunStatus::succeeded);
    CHECK(step(r.record, "use").output == "password ••••••\nreplica postgresql://repl:••••••@replica:5432/app\n");
    CHECK(r.out.find("from-vault-9f8e7d") == std::string::npos);
    CHECK(r.out.find("replica-pw-42") == std::string::npos);
}

TEST_CASE("a Runme runbook runs: blocks in order, excluded blocks skipped, name, cwd and interpreter honoured",
          "[run][exec][runme]") {
    Kb kb;
    fs::create_directories(kb.kb() / "runbooks" / "sub");
    auto rb = kb.add("runme-style", R"(---
runme:
  id: 01HF7B0KJPF469EG9ZWDNNQ5Q5
  version: v3
---
# Set up the demo

```sh {"name":"where"}
pwd > where.txt
```

```sh {"excludeFromRunAll":"true","name":"dangerous"}
touch excluded-ran
```

```sh {"cwd":"sub","name":"in-sub"}
pwd > here.txt
```

```sh {"interpreter":"python3","name":"py"}
print("from python", 6 * 7)
```
)");
    REQUIRE(rb.runme_style);
    auto r = run_library(kb, rb);
    INFO(r.out);
    CHECK(r.outcome.status == RunStatus::succeeded);
    fs::path folder = kb.kb() / "runbooks";
    // Runme runs a document's blocks in the document's folder; cwd is relative to it.
    CHECK(test::read_file(folder / "where.txt") == folder.string() + "\n");
    CHECK(test::read_file(folder / "sub" / "here.txt") == (folder / "sub").string() + "\n");
    CHECK_FALSE(fs::exists(folder / "excluded-ran"));
    REQUIRE(r.record.steps.size() == 3);
    CHECK(r.record.steps[0].name == "where");
    CHECK(r.record.steps[1].name == "in-sub");
    CHECK(r.record.steps[2].name == "py");
    CHECK(r.record.steps[2].output == "from python 42\n");
    for (const auto& s : r.record.steps) CHECK(s.kind == kb::StepKind::apply);
}

TEST_CASE("a step's relative cwd resolves against the directory deja runs in", "[run][exec]") {
    Kb kb;
    fs::create_directories(kb / "work" / "project");
    auto rb = kb.add("cwd", R"(---
id: cwd
title: Working directory
---
# cwd

```sh {"name":"here","kind":"apply","cwd":"project"}
pwd
```
)");
    auto options = runtest::yes_options();
    options.invocation_dir = kb / "work";
    auto r = run_library(kb, rb, {}, options);
    CHECK(step(r.record, "here").output == (kb / "work" / "project").string() + "\n");
}

TEST_CASE("a step in a missing folder or with a missing interpreter fails with the reason", "[run][exec]") {
    Kb kb;
    auto rb = kb.add("broken-steps", R"(---
id: broken-steps
title: Broken steps
---
# Broken

```sh {"name":"nowhere","kind":"diagnose","cwd":"does/not/exist"}
true
```

```sh {"name":"no-interpreter","kind":"apply","interpreter":"deja-no-such-interpreter"}
true
```
)");
    auto r = run_library(kb, rb);
    CHECK(r.outcome.status == RunStatus::failed);
    CHECK(step(r.record, "nowhere").status == StepStatus::failed);
    CHECK_THAT(step(r.record, "nowhere").note, Catch::Contains("does/not/exist"));
    CHECK(step(r.record, "no-interpreter").status == StepStatus::failed);
    CHECK_THAT(step(r.record, "no-interpreter").note, Catch::Contains("deja-no-such-interpreter"));
}

TEST_CASE("a dry run shows every step's code and runs nothing", "[run][exec][dry-run]") {
    Kb kb;
    auto rb = kb.add("looked-at", with_mark_param("looked-at", R"(
```sh {"name":"look","kind":"diagnose"}
touch "$MARK/diagnose-ran"
```

```sql {"name":"change","kind":"apply"}
CREATE EXTENSION IF NOT EXISTS :"EXTENSION";
```
)", "  EXTENSION: {default: pg_trgm}\n  PASSWORD: {secret: true, default: hunter22}\n"));
    auto options = runtest::yes_options();
    options.mode = run::Mode::dry_run;
    auto r = run_library(kb, rb, {{"MARK", kb.path().string()}}, options);
    CHECK(r.outcome.run_id == 0);
    CHECK_FALSE(fs::exists(kb / "diagnose-ran"));
    CHECK_THAT(r.out, Catch::Contains("touch \"$MARK/diagnose-ran\""));
    CHECK_THAT(r.out, Catch::Contains("CREATE EXTENSION IF NOT EXISTS :\"EXTENSION\";"));
    CHECK_THAT(r.out, Catch::Contains("-v EXTENSION=pg_trgm"));
    CHECK_THAT(r.out, Catch::Contains("-v PASSWORD=••••••"));
    CHECK(r.out.find("hunter22") == std::string::npos);
}

TEST_CASE("diagnose mode runs only the diagnose steps and shows what the others would do", "[run][exec][diagnose]") {
    Kb kb;
    auto rb = kb.add("diagnosed", with_mark_param("diagnosed", R"(
```sh {"name":"look","kind":"diagnose"}
echo inspected
touch "$MARK/diagnose-ran"
```

```sh {"name":"change","kind":"apply","skip_if":"look"}
touch "$MARK/apply-ran"
```

```sh {"name":"other","kind":"apply"}
touch "$MARK/other-ran"
```
)"));
    auto options = runtest::yes_options();
    options.mode = run::Mode::diagnose;
    options.assume_yes = run::AssumeYes::no;  // read-only: nothing to confirm
    auto r = run_library(kb, rb, {{"MARK", kb.path().string()}}, options);
    INFO(r.out);
    CHECK(r.outcome.status == RunStatus::succeeded);
    CHECK(fs::exists(kb / "diagnose-ran"));
    CHECK_FALSE(fs::exists(kb / "apply-ran"));
    CHECK_FALSE(fs::exists(kb / "other-ran"));
    CHECK_THAT(r.out, Catch::Contains("change would be skipped"));
    CHECK_THAT(r.out, Catch::Contains("touch \"$MARK/other-ran\""));
    CHECK(r.record.mode == "diagnose");
    REQUIRE(r.record.steps.size() == 1);
}

TEST_CASE("without a terminal, apply steps need --yes: the run is refused, and a refusal is not a run",
          "[run][exec][confirm]") {
    Kb kb;
    auto rb = kb.add("guarded", with_mark_param("guarded", R"(
```sh {"name":"look","kind":"diagnose"}
touch "$MARK/diagnose-ran"
```

```sh {"name":"change","kind":"apply"}
touch "$MARK/apply-ran"
```
)"));
    auto options = runtest::yes_options();
    options.assume_yes = run::AssumeYes::no;
    auto r = run_library(kb, rb, {{"MARK", kb.path().string()}}, options);
    CHECK(r.outcome.status == RunStatus::refused);
    CHECK(r.outcome.exit_code == 2);
    CHECK_THAT(r.outcome.message, Catch::Contains("--yes"));
    CHECK_FALSE(fs::exists(kb / "diagnose-ran"));
    CHECK_FALSE(fs::exists(kb / "apply-ran"));
    CHECK(r.outcome.run_id == 0);  // nothing recorded
    auto history = store::History::open(kb.history_path());
    REQUIRE(history);
    auto runs = history->runs({"", 0});
    REQUIRE(runs);
    CHECK(runs->empty());
}

TEST_CASE("on a terminal: one confirmation for the run, or one per step with step-by-step", "[run][exec][confirm]") {
    Kb kb;
    auto rb = kb.add("asked", with_mark_param("asked", R"(
```sh {"name":"one","kind":"apply"}
touch "$MARK/one-ran"
```

```sh {"name":"two","kind":"apply"}
touch "$MARK/two-ran"
```

```sh {"name":"three","kind":"apply","confirm":true}
touch "$MARK/three-ran"
```
)"));
    auto options = runtest::yes_options();
    options.assume_yes = run::AssumeYes::no;

    SECTION("declining the run runs nothing") {
        std::vector<std::string> questions;
        auto r = run_library(kb, rb, {{"MARK", kb.path().string()}}, options,
                             [&](const std::string& q, run::Choices) {
            questions.push_back(q);
            return run::Answer::no;
        });
        CHECK(questions.size() == 1);
        CHECK(r.outcome.status == RunStatus::refused);
        CHECK_FALSE(fs::exists(kb / "one-ran"));
    }
    SECTION("a confirmed run still asks before a step marked confirm") {
        std::vector<std::string> questions;
        auto r = run_library(kb, rb, {{"MARK", kb.path().string()}}, options,
                             [&](const std::string& q, run::Choices) {
            questions.push_back(q);
            return questions.size() == 1 ? run::Answer::yes : run::Answer::no;
        });
        REQUIRE(questions.size() == 2);
        CHECK_THAT(questions[1], Catch::Contains("three"));
        CHECK(fs::exists(kb / "one-ran"));
        CHECK(fs::exists(kb / "two-ran"));
        CHECK_FALSE(fs::exists(kb / "three-ran"));
        CHECK(step(r.record, "three").status == StepStatus::skipped);
    }
    SECTION("step by step: each step asked, quit stops the run") {
        options.pace = run::Pace::step_by_step;
        std::vector<std::string> questions;
        auto r = run_library(kb, rb, {{"MARK", kb.path().string()}}, options,
                             [&](const std::string& q, run::Choices) {
            questions.push_back(q);
            return questions.size() == 1 ? run::Answer::no : run::Answer::quit;
        });
        CHECK(questions.size() == 2);
        CHECK_FALSE(fs::exists(kb / "one-ran"));
        CHECK_FALSE(fs::exists(kb / "two-ran"));
        CHECK(r.outcome.status == RunStatus::interrupted);
        CHECK(step(r.record, "one").status == StepStatus::skipped);
        CHECK(step(r.record, "two").status == StepStatus::not_run);
        CHECK(step(r.record, "three").status == StepStatus::not_run);
    }
}

TEST_CASE("a step in a language deja cannot run is refused before anything runs", "[run][exec]") {
    Kb kb;
    auto rb = kb.add("cobol", R"(---
id: cobol
title: Unknown language
---
# Unknown

```cobol {"name":"ancient","kind":"apply"}
DISPLAY 'HELLO'.
```
)");
    std::ostringstream out;
    auto outcome = run::run_runbook(rb, {}, {}, {}, nullptr, out);
    REQUIRE_FALSE(outcome);
    CHECK_THAT(outcome.error().message, Catch::Contains("cobol") && Catch::Contains("cobol.md:"));
}
