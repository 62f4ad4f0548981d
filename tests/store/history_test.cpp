// The run history: a state database that migrates forward, refuses files it
// does not own or a newer schema, records runs step by step, and marks the
// runs of a deja that died as abandoned while leaving live ones alone.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <sqlite3.h>

#include "store/history.hpp"
#include "support.hpp"

namespace fs = std::filesystem;

using store::History;
using store::RunStatus;
using store::StepStatus;

namespace {

store::NewRun new_run(const std::string& runbook) {
    store::NewRun run;
    run.runbook = runbook;
    run.runbook_title = "Title of " + runbook;
    run.runbook_hash = "0123456789abcdef";
    run.params = {{"EXTENSION", "pg_trgm"}, {"DATABASE_URL", "••••••"}};
    run.cwd = "/srv/app";
    return run;
}

store::StepRecord step(int position, const std::string& name, StepStatus status, int exit_code) {
    store::StepRecord s;
    s.position = position;
    s.name = name;
    s.kind = kb::StepKind::apply;
    s.language = "sh";
    s.status = status;
    s.exit_code = exit_code;
    s.started_at = store::timestamp_now();
    s.duration_ms = 12;
    s.output = "output of " + name + "\n";
    return s;
}

void exec_sql(const fs::path& path, const std::string& sql) {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
    char* err = nullptr;
    int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
    std::string message = err ? err : "";
    sqlite3_free(err);
    sqlite3_close(db);
    INFO(message);
    REQUIRE(rc == SQLITE_OK);
}

std::string query_text(const fs::path& path, const std::string& sql) {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
    sqlite3_stmt* stmt = nullptr;
    REQUIRE(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK);
    std::string out;
    if (sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_text(stmt, 0))
        out = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return out;
}

}  // namespace

TEST_CASE("the history is created in WAL mode with its schema version and survives reopening", "[store][history]") {
    test::TempDir dir;
    fs::path path = dir / "state" / "history.sqlite";
    long long id = 0;
    {
        auto h = History::open(path);
        REQUIRE(h);
        auto run_id = h->begin_run(new_run("pg-extension-missing"));
        REQUIRE(run_id);
        id = *run_id;
        REQUIRE(h->end_step(id, step(1, "enable", StepStatus::ok, 0)));
        REQUIRE(h->end_run(id, RunStatus::succeeded, 0, ""));
    }
    CHECK(query_text(path, "PRAGMA journal_mode") == "wal");
    CHECK(query_text(path, "PRAGMA user_version") == std::to_string(History::schema_version()));
    auto h = History::open(path);
    REQUIRE(h);
    auto run = h->run(id);
    REQUIRE(run);
    REQUIRE(*run);
    CHECK((*run)->status == RunStatus::succeeded);
    CHECK((*run)->steps.size() == 1);
}

TEST_CASE("a run and its steps round-trip with everything a user audits", "[store][history]") {
    test::TempDir dir;
    auto h = History::open(dir / "history.sqlite");
    REQUIRE(h);
    auto run = new_run("pg-extension-missing");
    run.evidence = {{"log", "ci.log"}, {"lines", {{{"line", 14}, {"text", "operator class does not exist"}}}}};
    auto id = h->begin_run(run);
    REQUIRE(id);

    auto running = h->run(*id);
    REQUIRE(running);
    CHECK((*running)->status == RunStatus::running);
    CHECK((*running)->ended_at.empty());

    auto first = step(1, "installed", StepStatus::failed, 1);
    first.kind = kb::StepKind::diagnose;
    REQUIRE(h->begin_step(*id, first));
    REQUIRE(h->end_step(*id, first));
    auto second = step(2, "enable", StepStatus::timed_out, 143);
    second.signal = SIGTERM;
    second.output_truncated = true;
    second.note = "stopped after the step's timeout";
    REQUIRE(h->end_step(*id, second));
    REQUIRE(h->end_run(*id, RunStatus::failed, 1, "apply step enable timed out"));

    auto got = h->run(*id);
    REQUIRE(got);
    REQUIRE(*got);
    const auto& r = **got;
    CHECK(r.runbook == "pg-extension-missing");
    CHECK(r.runbook_title == "Title of pg-extension-missing");
    CHECK(r.runbook_hash == "0123456789abcdef");
    CHECK(r.params.at("DATABASE_URL") == "••••••");
    CHECK(r.cwd == "/srv/app");
    CHECK(r.pid == getpid());
    CHECK_FALSE(r.user.empty());
    CHECK_FALSE(r.host.empty());
    CHECK(r.status == RunStatus::failed);
    CHECK(r.exit_code == 1);
    CHECK(r.message == "apply step enable timed out");
    CHECK(r.evidence["lines"][0]["line"] == 14);
    REQUIRE(r.steps.size() == 2);
    CHECK(r.steps[0].kind == kb::StepKind::diagnose);
    CHECK(r.steps[0].status == StepStatus::failed);
    CHECK(r.steps[1].status == StepStatus::timed_out);
    CHECK(r.steps[1].exit_code == 143);
    CHECK(r.steps[1].signal == SIGTERM);
    CHECK(r.steps[1].output_truncated);
    CHECK(r.steps[1].output == "output of enable\n");

    auto j = store::to_json(r, store::WithSteps::yes);
    CHECK(j["status"] == "failed");
    CHECK(j["steps"][1]["status"] == "timed_out");
    CHECK(j["steps"][1]["exit_code"] == 143);
}

TEST_CASE("runs are listed newest first, by runbook and with a limit", "[store][history]") {
    test::TempDir dir;
    auto h = History::open(dir / "history.sqlite");
    REQUIRE(h);
    for (const char* rb : {"a", "b", "a", "c", "a"}) {
        auto id = h->begin_run(new_run(rb));
        REQUIRE(id);
        REQUIRE(h->end_run(*id, RunStatus::succeeded, 0, ""));
    }
    auto failed = h->begin_run(new_run("b"));
    REQUIRE(failed);
    REQUIRE(h->end_run(*failed, RunStatus::failed, 1, "apply step x failed"));

    auto all = h->runs({"", 0});
    REQUIRE(all);
    REQUIRE(all->size() == 6);
    CHECK(all->front().id == *failed);
    CHECK(all->front().status == RunStatus::failed);
    CHECK(all->front().exit_code == 1);
    auto only_a = h->runs({"a", 2});
    REQUIRE(only_a);
    REQUIRE(only_a->size() == 2);
    CHECK(only_a->at(0).runbook == "a");
    CHECK(only_a->at(0).id > only_a->at(1).id);
}

TEST_CASE("a history written by a newer deja is refused, not migrated backwards", "[store][history]") {
    test::TempDir dir;
    fs::path path = dir / "history.sqlite";
    { REQUIRE(History::open(path)); }
    exec_sql(path, "PRAGMA user_version = 99");
    auto h = History::open(path);
    REQUIRE_FALSE(h);
    CHECK_THAT(h.error().message, Catch::Contains("newer deja") && Catch::Contains("99"));
    CHECK(query_text(path, "PRAGMA user_version") == "99");
}

TEST_CASE("an SQLite file that is not a deja history is left alone", "[store][history]") {
    test::TempDir dir;
    fs::path path = dir / "other.sqlite";
    exec_sql(path, "CREATE TABLE runs(x); INSERT INTO runs VALUES (1)");
    auto h = History::open(path);
    REQUIRE_FALSE(h);
    CHECK_THAT(h.error().message, Catch::Contains("not a deja run history"));
    CHECK(query_text(path, "SELECT count(*) FROM runs") == "1");

    fs::path garbage = dir / "garbage.sqlite";
    test::write_file(garbage, std::string(8192, 'x'));
    auto g = History::open(garbage);
    REQUIRE_FALSE(g);
    CHECK_THAT(g.error().message, Catch::Contains(garbage.string()));
}

TEST_CASE("a run left running by a deja that died is marked abandoned; finished steps stay", "[store][history]") {
    test::TempDir dir;
    fs::path path = dir / "history.sqlite";
    int ids[2];
    REQUIRE(pipe(ids) == 0);
    pid_t child = fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        close(ids[0]);
        auto h = History::open(path);
        if (!h) _exit(1);
        auto id = h->begin_run(new_run("dies"));
        if (!id) _exit(1);
        (void)h->end_step(*id, step(1, "done", StepStatus::ok, 0));
        auto running = step(2, "in-flight", StepStatus::running, 0);
        running.exit_code.reset();
        (void)h->begin_step(*id, running);
        long long value = *id;
        if (write(ids[1], &value, sizeof value) != sizeof value) _exit(1);
        raise(SIGKILL);  // as `kill -9` would: no destructor, no end_run
    }
    close(ids[1]);
    long long id = 0;
    REQUIRE(read(ids[0], &id, sizeof id) == sizeof id);
    close(ids[0]);
    int status = 0;
    REQUIRE(waitpid(child, &status, 0) == child);
    REQUIRE(WIFSIGNALED(status));

    auto h = History::open(path);
    REQUIRE(h);
    REQUIRE(h->abandoned() == std::vector<long long>{id});
    auto run = h->run(id);
    REQUIRE(run);
    REQUIRE(*run);
    CHECK((*run)->status == RunStatus::abandoned);
    CHECK_THAT((*run)->message, Catch::Contains(std::to_string(child)));
    REQUIRE((*run)->steps.size() == 2);
    CHECK((*run)->steps[0].status == StepStatus::ok);
    CHECK((*run)->steps[0].output == "output of done\n");
    CHECK((*run)->steps[1].status == StepStatus::abandoned);

    // Reported once: the next open has nothing new to mark.
    auto again = History::open(path);
    REQUIRE(again);
    CHECK(again->abandoned().empty());
}

TEST_CASE("a run of a deja that is still alive is not marked abandoned", "[store][history]") {
    test::TempDir dir;
    fs::path path = dir / "history.sqlite";
    int ids[2], hold[2];
    REQUIRE(pipe(ids) == 0);
    REQUIRE(pipe(hold) == 0);
    pid_t child = fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        close(ids[0]);
        close(hold[1]);
        auto h = History::open(path);
        if (!h) _exit(1);
        auto id = h->begin_run(new_run("alive"));
        if (!id) _exit(1);
        long long value = *id;
        if (write(ids[1], &value, sizeof value) != sizeof value) _exit(1);
        char c;
        [[maybe_unused]] auto got = read(hold[0], &c, 1);  // until the parent closes its end
        _exit(0);
    }
    close(ids[1]);
    close(hold[0]);
    long long id = 0;
    REQUIRE(read(ids[0], &id, sizeof id) == sizeof id);
    close(ids[0]);
    {
        auto h = History::open(path);
        REQUIRE(h);
        CHECK(h->abandoned().empty());
        auto run = h->run(id);
        REQUIRE(run);
        CHECK((*run)->status == RunStatus::running);
    }
    close(hold[1]);
    int status = 0;
    REQUIRE(waitpid(child, &status, 0) == child);
    auto h = History::open(path);
    REQUIRE(h);
    CHECK(h->abandoned() == std::vector<long long>{id});
}
