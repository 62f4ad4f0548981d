// `sql` steps against a real, throwaway PostgreSQL server: psql with
// ON_ERROR_STOP against DATABASE_URL, params as psql variables, hostile
// values stored literally, and a failing statement failing the step.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <thread>

#include <catch2/catch.hpp>

#include "pg_server.hpp"
#include "run/run_support.hpp"

namespace fs = std::filesystem;

using runtest::Kb;
using runtest::run_library;
using store::RunStatus;
using store::StepStatus;

TEST_CASE("sql steps run through psql with params as variables, values arriving literally", "[run][sql][postgres]") {
    auto pg = test::start_postgres_or_warn();
    if (!pg) return;
    Kb kb;
    auto rb = kb.add("sql-values", R"(---
id: sql-values
title: Store a value
params:
  DATABASE_URL: {description: where, required: true, secret: true}
  VALUE: {description: any text}
  TABLE_NAME: {default: notes, pattern: '[a-z_]+'}
---
# SQL

```sh {"name":"exists","kind":"diagnose"}
psql -X -w -At -v ON_ERROR_STOP=1 -d "$DATABASE_URL" -v t="$TABLE_NAME" <<'SQL' | grep -qx t
SELECT to_regclass(:'t') IS NOT NULL;
SQL
```

```sql {"name":"create","kind":"apply","skip_if":"exists"}
CREATE TABLE :"TABLE_NAME" (id serial PRIMARY KEY, v text NOT NULL);
```

```sql {"name":"insert","kind":"apply"}
INSERT INTO :"TABLE_NAME"(v) VALUES (:'VALUE');
```

```sh {"name":"count","kind":"verify"}
psql -X -w -At -v ON_ERROR_STOP=1 -d "$DATABASE_URL" -v t="$TABLE_NAME" <<'SQL'
SELECT count(*) FROM :"t";
SQL
```
)");
    std::string pwned = (kb / "pwned").string();
    int expected_rows = 0;
    for (std::string value : {std::string("'; DROP TABLE notes; --"), "$(touch " + pwned + ")",
                              std::string("line one\nline two"), std::string("plain")}) {
        INFO("value: " << value);
        auto r = run_library(kb, rb, {{"DATABASE_URL", pg->url()}, {"VALUE", value}});
        INFO(r.out);
        CHECK(r.outcome.status == RunStatus::succeeded);
        ++expected_rows;
        CHECK(pg->query("SELECT v FROM notes ORDER BY id DESC LIMIT 1") == value);
        CHECK(pg->query("SELECT count(*) FROM notes") == std::to_string(expected_rows));
        CHECK_FALSE(fs::exists(pwned));
        // The connection string is secret: masked in what was stored.
        CHECK(r.record.params.at("DATABASE_URL") == "••••••");
        for (const auto& s : r.record.steps) CHECK(s.output.find(pg->url()) == std::string::npos);
    }
    // The first run created the table; later runs skipped that step.
    auto last = run_library(kb, rb, {{"DATABASE_URL", pg->url()}, {"VALUE", "again"}});
    REQUIRE(last.record.steps.size() == 4);
    CHECK(last.record.steps[0].status == StepStatus::ok);
    CHECK(last.record.steps[1].name == "create");
    CHECK(last.record.steps[1].status == StepStatus::skipped);
}

TEST_CASE("a failing SQL statement stops the sql step (ON_ERROR_STOP) and fails the run", "[run][sql][postgres]") {
    auto pg = test::start_postgres_or_warn();
    if (!pg) return;
    Kb kb;
    auto rb = kb.add("sql-fails", R"(---
id: sql-fails
title: Broken SQL
params:
  DATABASE_URL: {description: where, required: true}
---
# SQL

```sql {"name":"broken","kind":"apply"}
CREATE TABLE marker_before(x int);
SELECT * FROM table_that_does_not_exist;
CREATE TABLE marker_after(x int);
```

```sql {"name":"undo","kind":"rollback"}
DROP TABLE IF EXISTS marker_before;
```
)");
    auto r = run_library(kb, rb, {{"DATABASE_URL", pg->url()}});
    INFO(r.out);
    CHECK(r.outcome.status == RunStatus::failed);
    REQUIRE(r.record.steps.size() == 2);
    CHECK(r.record.steps[0].status == StepStatus::failed);
    CHECK(r.record.steps[0].exit_code == 3);  // psql: a script error under ON_ERROR_STOP
    CHECK_THAT(r.record.steps[0].output, Catch::Contains("table_that_does_not_exist"));
    CHECK(r.record.steps[1].status == StepStatus::ok);
    CHECK(pg->query("SELECT to_regclass('marker_after') IS NULL") == "t");
    CHECK(pg->query("SELECT to_regclass('marker_before') IS NULL") == "t");
}

namespace {

// The processes descended from `root`, found through /proc as CTest finds
// them when it kills a test that timed out.
std::vector<pid_t> descendants(pid_t root) {
    std::map<pid_t, std::vector<pid_t>> children;
    std::error_code ec;
    for (fs::directory_iterator it("/proc", ec), end; !ec && it != end; it.increment(ec)) {
        const auto& entry = *it;
        const auto name = entry.path().filename().string();
        if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
        auto stat = test::read_file(entry.path() / "stat");
        auto close_paren = stat.rfind(')');
        if (close_paren == std::string::npos) continue;
        int parent = 0;
        char state = 0;
        if (std::sscanf(stat.c_str() + close_paren + 1, " %c %d", &state, &parent) != 2) continue;
        children[parent].push_back(static_cast<pid_t>(std::stoi(name)));
    }
    std::vector<pid_t> out;
    std::vector<pid_t> todo{root};
    while (!todo.empty()) {
        pid_t p = todo.back();
        todo.pop_back();
        for (pid_t c : children[p]) {
            out.push_back(c);
            todo.push_back(c);
        }
    }
    return out;
}

}  // namespace

TEST_CASE("a test server whose test process is killed with its descendants is stopped and removed by its watchdog",
          "[postgres][pg_server]") {
    if (auto why = test::PgServer::unavailable()) {
        WARN("skipped: " << *why);
        return;
    }
    int report[2];
    REQUIRE(pipe(report) == 0);
    pid_t owner = fork();
    REQUIRE(owner >= 0);
    if (owner == 0) {
        close(report[0]);
        test::PgServer pg;
        std::string line = pg.url() + "\n" + pg.folder().string() + "\n";
        if (write(report[1], line.data(), line.size()) != static_cast<ssize_t>(line.size())) _exit(1);
        for (;;) pause();  // until killed: no destructor runs
    }
    close(report[1]);
    std::string url, folder;
    char c;
    while (read(report[0], &c, 1) == 1 && c != '\n') url += c;
    while (read(report[0], &c, 1) == 1 && c != '\n') folder += c;
    close(report[0]);
    REQUIRE_FALSE(url.empty());
    REQUIRE_FALSE(folder.empty());
    // As CTest does on a timeout: the test process and everything below it.
    for (pid_t p : descendants(owner)) kill(p, SIGKILL);
    kill(owner, SIGKILL);
    int status = 0;
    REQUIRE(waitpid(owner, &status, 0) == owner);
    // The watchdog stops the server and removes its folder; wait (bounded,
    // for slow machines) until it has.
    bool removed = false;
    for (int i = 0; i < 240 && !removed; ++i) {
        removed = !fs::exists(folder);
        if (!removed) std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
    CHECK(removed);
    CHECK(test::run({"psql", "-X", "-w", "-At", "-d", url, "-c", "SELECT 1"}).exit_code != 0);
}
