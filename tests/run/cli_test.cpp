// `deja run` and `deja runs` as a user meets them: the real binary, its exit
// codes, its refusals without a terminal, Ctrl-C and kill -9 in the middle of
// a run, and the history read back through `deja runs`.
#include <signal.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "run/run_support.hpp"

namespace fs = std::filesystem;

using runtest::Kb;

namespace {

const char* slow_runbook = R"(---
id: slow
title: A slow change
params:
  MARK: {description: folder for marker files, required: true}
---
# Slow

```sh {"name":"quick","kind":"diagnose"}
echo "quick step done"
```

```sh {"name":"long","kind":"apply"}
sleep 300 &
echo $! > "$MARK/background.pid"
echo $$ > "$MARK/main.pid"
sleep 300
```

```sh {"name":"never","kind":"apply"}
touch "$MARK/never-ran"
```

```sh {"name":"undo","kind":"rollback"}
touch "$MARK/rolled-back"
```
)";

nlohmann::json runs_show(const Kb& kb, long long id) {
    auto out = runtest::deja(kb, {"runs", "show", std::to_string(id), "--json"});
    INFO(out.err);
    REQUIRE(out.exit_code == 0);
    return nlohmann::json::parse(out.out);
}

long long latest_run(const Kb& kb) {
    auto out = runtest::deja(kb, {"runs", "--json", "--limit", "1"});
    REQUIRE(out.exit_code == 0);
    auto j = nlohmann::json::parse(out.out);
    REQUIRE(j.size() == 1);
    return j[0]["id"].get<long long>();
}

}  // namespace

TEST_CASE("deja run --yes runs, prints the plan and a summary, and deja runs shows it", "[run][cli]") {
    Kb kb;
    kb.add("hello", R"(---
id: hello
title: Say hello
params:
  WHO: {description: who to greet, default: world, pattern: '[a-z]+'}
  TOKEN: {description: a secret, secret: true, default: sekr3t-value}
---
# Hello

```sh {"name":"greet","kind":"apply"}
echo "hello $WHO"
```
)");
    auto out = runtest::deja(kb, {"run", "hello", "--yes", "--param", "WHO=deja"});
    INFO(out.out << out.err);
    CHECK(out.exit_code == 0);
    CHECK_THAT(out.out, Catch::Contains("greet") && Catch::Contains("apply") && Catch::Contains("sh"));
    CHECK_THAT(out.out, Catch::Contains("WHO") && Catch::Contains("deja"));
    CHECK_THAT(out.out, Catch::Contains("TOKEN") && Catch::Contains("••••••"));
    CHECK(out.out.find("sekr3t-value") == std::string::npos);
    CHECK_THAT(out.out, Catch::Contains("│ hello deja"));
    CHECK_THAT(out.out, Catch::Contains("succeeded"));

    auto list = runtest::deja(kb, {"runs"});
    CHECK(list.exit_code == 0);
    CHECK_THAT(list.out, Catch::Contains("hello") && Catch::Contains("succeeded"));
    auto shown = runtest::deja(kb, {"runs", "show", std::to_string(latest_run(kb))});
    CHECK(shown.exit_code == 0);
    CHECK_THAT(shown.out, Catch::Contains("greet") && Catch::Contains("│ hello deja"));
    auto j = runs_show(kb, latest_run(kb));
    CHECK(j["status"] == "succeeded");
    CHECK(j["params"]["TOKEN"] == "••••••");
    CHECK(j["steps"][0]["output"] == "hello deja\n");

    CHECK(runtest::deja(kb, {"runs", "show", "999"}).exit_code == 1);
    // The number alone, as copied from the list, shows the run too.
    auto by_number = runtest::deja(kb, {"runs", std::to_string(latest_run(kb))});
    CHECK(by_number.exit_code == 0);
    CHECK(by_number.out == shown.out);
    CHECK(runtest::deja(kb, {"runs", "999"}).exit_code == 1);

    // Runs of one runbook; a runbook the knowledge base does not have is a
    // mistyped id, not an empty history.
    auto of_hello = runtest::deja(kb, {"runs", "--runbook", "hello", "--json"});
    CHECK(of_hello.exit_code == 0);
    CHECK_FALSE(nlohmann::json::parse(of_hello.out).empty());
    auto unknown = runtest::deja(kb, {"runs", "--runbook", "helo"});
    CHECK(unknown.exit_code == 2);
    CHECK_THAT(unknown.err, Catch::Contains("no runbook helo") && Catch::Contains("did you mean hello?"));
}

TEST_CASE("a URL's password and a param named like a token never show, declared secret or not", "[run][cli][mask]") {
    Kb kb;
    kb.add("reach-db", R"md(---
id: reach-db
title: Reach the database
params:
  DATABASE_URL: {description: the database, required: true}
  API_TOKEN: {description: for the status page, required: true}
---
# Reach

```sh {"name":"show","kind":"diagnose"}
echo "connecting to $DATABASE_URL"
echo "password alone: $(printf '%s' "$DATABASE_URL" | sed 's|.*:\(.*\)@.*|\1|')"
echo "token $API_TOKEN"
echo "from its own config: password=not-a-param-77"
```
)md");
    auto out = runtest::deja(kb, {"run", "reach-db", "--yes", "-p", "DATABASE_URL=postgresql://app:hunter2-pw@db:5432/app",
                                  "-p", "API_TOKEN=tok_0123456789abcdef"});
    INFO(out.out << out.err);
    REQUIRE(out.exit_code == 0);
    // The plan and the output say where, not with what.
    CHECK_THAT(out.out, Catch::Contains("postgresql://app:••••••@db:5432/app"));
    CHECK_THAT(out.out, Catch::Contains("│ connecting to postgresql://app:••••••@db:5432/app"));
    CHECK_THAT(out.out, Catch::Contains("│ password alone: ••••••"));
    CHECK_THAT(out.out, Catch::Contains("│ token ••••••"));
    // What only looks like a credential is masked too.
    CHECK_THAT(out.out, Catch::Contains("│ from its own config: password=••••••"));
    CHECK(out.out.find("not-a-param-77") == std::string::npos);
    for (const auto* text : {&out.out, &out.err}) {
        CHECK(text->find("hunter2-pw") == std::string::npos);
        CHECK(text->find("tok_0123456789abcdef") == std::string::npos);
    }
    auto shown = runtest::deja(kb, {"runs", "show", std::to_string(latest_run(kb)), "--json"});
    REQUIRE(shown.exit_code == 0);
    CHECK(shown.out.find("hunter2-pw") == std::string::npos);
    CHECK(shown.out.find("tok_0123456789abcdef") == std::string::npos);
    CHECK_THAT(shown.out, Catch::Contains("postgresql://app:••••••@db:5432/app"));
    CHECK(test::read_file(kb.history_path()).find("hunter2-pw") == std::string::npos);
    CHECK(test::read_file(kb.history_path()).find("not-a-param-77") == std::string::npos);
}

TEST_CASE("without a terminal and without --yes, deja run refuses with exit 2 and runs nothing", "[run][cli]") {
    Kb kb;
    kb.add("slow", slow_runbook);
    auto out = runtest::deja(kb, {"run", "slow", "--param", "MARK=" + kb.path().string()});
    INFO(out.out << out.err);
    CHECK(out.exit_code == 2);
    CHECK_THAT(out.err, Catch::Contains("--yes"));
    CHECK_FALSE(fs::exists(kb / "main.pid"));
    CHECK_FALSE(fs::exists(kb / "never-ran"));
    // A refused attempt is not a run: `deja runs` has nothing to list.
    auto runs = runtest::deja(kb, {"runs", "--json"});
    REQUIRE(runs.exit_code == 0);
    CHECK(nlohmann::json::parse(runs.out).empty());
}

TEST_CASE("params that are missing, unknown or fail their pattern are refused with exit 2", "[run][cli][params]") {
    Kb kb;
    kb.add("strict-params", R"(---
id: strict-params
title: Strict params
params:
  HOST: {description: the host, required: true}
  PORT: {description: the port, required: true, pattern: '[0-9]{1,5}'}
  MODE: {choices: [fast, safe], default: safe}
---
# Strict

```sh {"name":"show","kind":"diagnose"}
echo "$HOST:$PORT"
```
)");
    auto missing = runtest::deja(kb, {"run", "strict-params", "--yes"});
    CHECK(missing.exit_code == 2);
    CHECK_THAT(missing.err, Catch::Contains("needs HOST and PORT, and there is no terminal to ask"));

    auto bad = runtest::deja(kb, {"run", "strict-params", "--yes", "-p", "HOST=db", "-p", "PORT=54x"});
    CHECK(bad.exit_code == 2);
    CHECK_THAT(bad.err, Catch::Contains("PORT") && Catch::Contains("[0-9]{1,5}"));

    auto choice = runtest::deja(kb, {"run", "strict-params", "--yes", "-p", "HOST=db", "-p", "PORT=5432",
                                     "-p", "MODE=yolo"});
    CHECK(choice.exit_code == 2);
    CHECK_THAT(choice.err, Catch::Contains("MODE") && Catch::Contains("fast, safe"));

    auto unknown =
        runtest::deja(kb, {"run", "strict-params", "--yes", "-p", "HOST=db", "-p", "PORT=1", "-p", "PROT=2"});
    CHECK(unknown.exit_code == 2);
    CHECK_THAT(unknown.err, Catch::Contains("unknown param PROT"));

    // DEJA_PARAM_PORT fills PORT, and the plan says so; a PORT exported for
    // something else does not.
    auto from_env = runtest::deja(kb, {"run", "strict-params", "-p", "HOST=db"}, {{"DEJA_PARAM_PORT", "6543"}});
    INFO(from_env.out << from_env.err);
    CHECK(from_env.exit_code == 0);
    CHECK_THAT(from_env.out, Catch::Contains("│ db:6543") && Catch::Contains("(environment DEJA_PARAM_PORT)"));

    // Only the run that ran is in the history, not the four refusals before it.
    auto runs = nlohmann::json::parse(runtest::deja(kb, {"runs", "--json"}).out);
    REQUIRE(runs.size() == 1);
    CHECK(runs[0]["status"] == "succeeded");
    auto generic = runtest::deja(kb, {"run", "strict-params", "-p", "HOST=db"}, {{"PORT", "6543"}});
    CHECK(generic.out.find("│ db:6543") == std::string::npos);
}

TEST_CASE("a line a step is still writing shows while the step waits", "[run][cli][output]") {
    Kb kb;
    kb.add("waits", R"(---
id: waits
title: Waits for a go
params:
  MARK: {description: marker folder, required: true}
---
# Waits

```sh {"name":"wait","kind":"diagnose"}
printf 'waiting for the lock'
while [ ! -e "$MARK/go" ]; do sleep 0.05; done
echo ' got it'
```
)");
    runtest::BackgroundDeja deja(kb, {"run", "waits", "--yes", "--param", "MARK=" + kb.path().string()});
    // Output goes on line by line, so that credentials can be masked; a line
    // without its end must still show while the step waits for something.
    bool shown = false;
    for (int i = 0; i < 400 && !shown; ++i) {
        shown = deja.out().find("│ waiting for the lock") != std::string::npos;
        if (!shown) usleep(50 * 1000);
    }
    test::write_file(kb / "go", "");
    CHECK(deja.wait() == 0);
    INFO(deja.out());
    CHECK(shown);
    CHECK_THAT(deja.out(), Catch::Contains("│ waiting for the lock got it"));
}

TEST_CASE("SIGINT during a step stops its process group, records the run interrupted, exits 130",
          "[run][cli][signal]") {
    Kb kb;
    kb.add("slow", slow_runbook);
    for (int sig : {SIGINT, SIGTERM}) {
        INFO("signal " << sig);
        fs::remove(kb / "main.pid");
        fs::remove(kb / "background.pid");
        runtest::BackgroundDeja deja(kb, {"run", "slow", "--yes", "--param", "MARK=" + kb.path().string()});
        auto main = runtest::wait_for_pid_file(kb / "main.pid");
        REQUIRE(main);
        auto background = runtest::wait_for_pid_file(kb / "background.pid");
        REQUIRE(background);
        REQUIRE(kill(deja.pid(), sig) == 0);
        int code = deja.wait();
        INFO(deja.out() << deja.err());
        CHECK(code == 130);
        CHECK(runtest::process_gone(*main));
        CHECK(runtest::process_gone(*background));
        CHECK_FALSE(fs::exists(kb / "never-ran"));
        CHECK_FALSE(fs::exists(kb / "rolled-back"));
        auto j = runs_show(kb, latest_run(kb));
        CHECK(j["status"] == "interrupted");
        CHECK(j["exit_code"] == 130);
        REQUIRE(j["steps"].size() == 4);
        CHECK(j["steps"][0]["status"] == "ok");
        CHECK(j["steps"][1]["name"] == "long");
        CHECK(j["steps"][1]["status"] == "interrupted");
        CHECK(j["steps"][2]["status"] == "not_run");
    }
}

TEST_CASE("kill -9 of deja mid-run leaves the finished steps in the history and the run shown abandoned",
          "[run][cli][signal]") {
    Kb kb;
    kb.add("slow", slow_runbook);
    // A deja killed this way cannot remove its private folder of step files:
    // keep it inside the test's folder.
    fs::create_directories(kb / "tmp");
    runtest::BackgroundDeja deja(kb, {"run", "slow", "--yes", "--param", "MARK=" + kb.path().string()},
                                 {{"TMPDIR", (kb / "tmp").string()}});
    auto main = runtest::wait_for_pid_file(kb / "main.pid");
    REQUIRE(main);
    auto background = runtest::wait_for_pid_file(kb / "background.pid");
    REQUIRE(background);
    pid_t deja_pid = deja.pid();
    REQUIRE(kill(deja_pid, SIGKILL) == 0);
    CHECK(deja.wait() == 128 + SIGKILL);
    // The step's processes are in their own group and outlive a deja killed
    // without warning; clean them up.
    pid_t group = getpgid(*main);
    if (group > 0) kill(-group, SIGKILL);

    auto list = runtest::deja(kb, {"runs"});
    CHECK_THAT(list.err, Catch::Contains("abandoned"));
    auto j = runs_show(kb, latest_run(kb));
    CHECK(j["status"] == "abandoned");
    CHECK_THAT(j["message"].get<std::string>(), Catch::Contains(std::to_string(deja_pid)));
    REQUIRE(j["steps"].size() == 2);
    CHECK(j["steps"][0]["name"] == "quick");
    CHECK(j["steps"][0]["status"] == "ok");
    CHECK(j["steps"][0]["output"] == "quick step done\n");
    CHECK(j["steps"][1]["name"] == "long");
    CHECK(j["steps"][1]["status"] == "abandoned");
}

TEST_CASE("deja run --dry-run and --diagnose need no confirmation and change nothing", "[run][cli]") {
    Kb kb;
    kb.add("slow", slow_runbook);
    auto dry = runtest::deja(kb, {"run", "slow", "--dry-run"});
    INFO(dry.out << dry.err);
    CHECK(dry.exit_code == 0);
    CHECK_THAT(dry.out, Catch::Contains("sleep 300 &"));
    CHECK_FALSE(fs::exists(kb / "main.pid"));

    auto diagnose = runtest::deja(kb, {"run", "slow", "--diagnose", "-p", "MARK=" + kb.path().string()});
    INFO(diagnose.out << diagnose.err);
    CHECK(diagnose.exit_code == 0);
    CHECK_THAT(diagnose.out, Catch::Contains("│ quick step done"));
    CHECK_THAT(diagnose.out, Catch::Contains("touch \"$MARK/never-ran\""));
    CHECK_FALSE(fs::exists(kb / "main.pid"));
    CHECK_FALSE(fs::exists(kb / "never-ran"));
}

TEST_CASE("deja run --from-log takes the runbook and its params from the log and records the evidence",
          "[run][cli][from-log]") {
    Kb kb;
    kb.add("pg-type-missing", R"md(---
id: pg-type-missing
title: A type from an extension is missing
params:
  EXTENSION: {description: extension to enable, pattern: '[a-z0-9_]+', required: true}
  MARK: {description: marker folder, required: true}
signatures:
  - pattern: 'type "(?P<EXTENSION>hstore|citext|ltree)" does not exist'
---
# Missing type

```sh {"name":"enable","kind":"apply"}
echo "would enable $EXTENSION" > "$MARK/enabled"
```
)md");
    test::write_file(kb / "ci.log", "collecting tests\nERROR:  type \"citext\" does not exist\nLINE 1: ...\n");
    auto out = runtest::deja(kb, {"run", "--from-log", (kb / "ci.log").string(), "--yes", "-p",
                                  "MARK=" + kb.path().string()});
    INFO(out.out << out.err);
    CHECK(out.exit_code == 0);
    CHECK(test::read_file(kb / "enabled") == "would enable citext\n");
    CHECK_THAT(out.out, Catch::Contains("pg-type-missing"));
    auto j = runs_show(kb, latest_run(kb));
    CHECK(j["params"]["EXTENSION"] == "citext");
    CHECK(j["evidence"]["lines"][0]["line"] == 2);
    CHECK_THAT(j["evidence"]["lines"][0]["text"].get<std::string>(), Catch::Contains("citext"));

    test::write_file(kb / "quiet.log", "all good\nnothing to see\n");
    auto none = runtest::deja(kb, {"run", "--from-log", (kb / "quiet.log").string(), "--yes"});
    CHECK(none.exit_code == 2);
    CHECK_THAT(none.err, Catch::Contains("no runbook matches"));
    auto piped = runtest::deja(kb, {"run", "--from-log", "-", "--yes"}, {}, "all good\n");
    CHECK(piped.exit_code == 2);
    CHECK_THAT(piped.err, Catch::Contains("no runbook matches standard input confidently"));
}

TEST_CASE("deja run with an unknown id names the runbooks it may have meant", "[run][cli]") {
    Kb kb;
    auto typo = runtest::deja(kb, {"run", "pg-extension-mising", "--yes"});
    CHECK(typo.exit_code == 2);
    CHECK_THAT(typo.err, Catch::Contains("no runbook pg-extension-mising in the knowledge base (did you mean "
                                         "pg-extension-missing"));
    // Part of an id is enough; incidents are not runbooks.
    auto part = runtest::deja(kb, {"run", "greenlet", "--yes"});
    CHECK_THAT(part.err, Catch::Contains("did you mean sqlalchemy-missing-greenlet?)"));
    auto nothing = runtest::deja(kb, {"run", "zzzzzzzz", "--yes"});
    CHECK(nothing.exit_code == 2);
    CHECK_THAT(nothing.err, Catch::Contains("(`deja list runbooks` lists them)"));
    CHECK_THAT(nothing.err, !Catch::Contains("pg-extension-missing"));
}

TEST_CASE("deja run exits 1 when the runbook fails and names the step", "[run][cli]") {
    Kb kb;
    kb.add("fails", R"(---
id: fails
title: Fails
---
# Fails

```sh {"name":"boom","kind":"apply"}
echo "it broke" >&2
exit 7
```
)");
    auto out = runtest::deja(kb, {"run", "fails", "--yes"});
    INFO(out.out << out.err);
    CHECK(out.exit_code == 1);
    CHECK_THAT(out.out, Catch::Contains("boom") && Catch::Contains("exit 7"));
    auto unknown = runtest::deja(kb, {"run", "no-such-runbook", "--yes"});
    CHECK(unknown.exit_code == 2);
    CHECK_THAT(unknown.err, Catch::Contains("no-such-runbook"));
}

TEST_CASE("deja runs counts a diagnose step that found the problem as a finding, not a failed step",
          "[run][cli][history]") {
    Kb kb;
    kb.add("found", R"(---
id: found
title: A check that finds the problem
---
# Found

```sh {"name":"check","kind":"diagnose"}
echo "the volume is full"; exit 1
```

```sh {"name":"fix","kind":"apply"}
echo fixed
```
)");
    auto run = runtest::deja(kb, {"run", "found", "--yes"});
    INFO(run.out << run.err);
    REQUIRE(run.exit_code == 0);
    auto runs = runtest::deja(kb, {"runs"});
    CHECK_THAT(runs.out, Catch::Contains("2/2 (1 found)"));
    auto j = nlohmann::json::parse(runtest::deja(kb, {"runs", "--json"}).out);
    REQUIRE(j.size() == 1);
    CHECK(j[0]["steps_found"] == 1);
    CHECK(j[0]["steps_ok"] == 1);
}
