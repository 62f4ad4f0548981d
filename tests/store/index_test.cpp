#include <catch2/catch.hpp>

#include <cstdio>

#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <future>
#include <thread>

#include "kb/load.hpp"
#include "store/file_lock.hpp"
#include "store/index.hpp"
#include "store/schema.hpp"
#include "store/sqlite.hpp"
#include "store_fixtures.hpp"
#include "support.hpp"

namespace fs = std::filesystem;

namespace {

const char* runbook_md = R"(---
id: disk-full
title: Free space on a full disk
summary: The runner's disk filled up.
params:
  PATH: {description: folder to clean, default: /tmp}
signatures:
  - pattern: 'No space left on device'
examples:
  - text: 'write /var/lib/docker/tmp: No space left on device'
---
# Free space on a full disk

```sh {"name":"usage","kind":"diagnose"}
df -h "$PATH"
```
)";

const char* incident_md = R"(# Runner out of disk

Date: 2025-02-03
Status: resolved

## What happened

```
Error: write /var/lib/docker/tmp/x: No space left on device
```
)";

struct Kb {
    test::TempDir dir;
    fs::path db() const { return dir / "cache" / "index.sqlite"; }
    std::vector<fs::path> dirs() const { return {dir / "kb"}; }
    Kb() {
        test::write_file(dir / "kb" / "runbooks" / "disk-full.md", runbook_md);
        test::write_file(dir / "kb" / "incidents" / "2025-02-03-runner-disk.md", incident_md);
    }
    store::Index open(store::Refresh refresh = store::Refresh::if_stale) const {
        auto index = store::Index::open(dirs(), db(), refresh);
        REQUIRE(index);
        return std::move(*index);
    }
};

// PRAGMA integrity_check of the file at `db`: "ok" when it is sound.
std::string integrity(const fs::path& db) {
    auto handle = store::sqlite::Db::open(db, store::sqlite::OpenMode::read_only);
    REQUIRE(handle);
    auto check = handle->prepare("PRAGMA integrity_check");
    REQUIRE(check);
    REQUIRE(*check->step());
    return check->text(0);
}

bool has_document(const store::Index& index, const std::string& id) {
    for (const auto& d : index.documents())
        if (d.id == id) return true;
    return false;
}

void set_user_version(const fs::path& db, long long version) {
    auto handle = store::sqlite::Db::open(db, store::sqlite::OpenMode::read_write);
    REQUIRE(handle);
    REQUIRE(handle->set_user_version(version));
}

// `count` incidents of one date, each with its own error line: a knowledge
// base that takes a while to write.
kb::KnowledgeBase generated(int count) {
    kb::KnowledgeBase k;
    for (int i = 0; i < count; ++i)
        k.incidents.push_back(store_test::incident("2025-01-01-generated-" + std::to_string(i), "Generated",
                                                   {"error " + std::to_string(i)}, store_test::filler(20)));
    return k;
}

std::vector<fs::path> leftovers(const fs::path& db) {
    std::vector<fs::path> out;
    for (const auto& e : fs::directory_iterator(db.parent_path()))
        if (e.path().filename().string().find(".tmp-") != std::string::npos) out.push_back(e.path());
    return out;
}

}  // namespace

TEST_CASE("index: built on first open, reused while the sources are unchanged", "[store][index]") {
    Kb k;
    {
        auto index = k.open();
        CHECK(index.rebuilt());
        CHECK(index.path() == k.db());
        auto c = index.counts();
        CHECK(c.runbooks == 1);
        CHECK(c.incidents == 1);
        CHECK(c.signatures == 1);
        CHECK(c.sources == 2);
        // The incident's error line matches the runbook's signature.
        CHECK(c.links == 1);
    }
    auto again = k.open();
    CHECK_FALSE(again.rebuilt());
    auto forced = k.open(store::Refresh::always);
    CHECK(forced.rebuilt());
}

TEST_CASE("index: a touched file is re-hashed, not re-indexed", "[store][index]") {
    Kb k;
    (void)k.open();
    fs::path file = k.dir / "kb" / "runbooks" / "disk-full.md";
    fs::last_write_time(file, fs::last_write_time(file) + std::chrono::hours(1));
    CHECK_FALSE(k.open().rebuilt());
    CHECK_FALSE(k.open().rebuilt());
}

TEST_CASE("index: an open that waited out another process's rebuild can still re-hash a touched file",
          "[store][index]") {
    using namespace std::chrono_literals;
    Kb k;
    (void)k.open();
    fs::path file = k.dir / "kb" / "runbooks" / "disk-full.md";
    std::string changed = runbook_md;
    changed.replace(changed.find("Free space"), 10, "Reclaim space");
    test::write_file(file, changed);  // the index is stale now

    // "Another process" holds the lock while it rebuilds; the open finds the
    // index stale and waits for that lock.
    auto lock = store::FileLock::acquire(k.db().string() + ".lock");
    REQUIRE(lock);
    auto opening = std::async(std::launch::async, [&] { return store::Index::open(k.dirs(), k.db()); });
    std::this_thread::sleep_for(300ms);
    fs::path elsewhere = k.dir / "elsewhere" / "index.sqlite";
    REQUIRE(store::Index::build(kb::load(k.dirs()), k.dirs(), elsewhere));
    fs::rename(elsewhere, k.db());
    // Same content, new mtime: the waiting open re-hashes it and records
    // the new mtime while it holds the lock itself.
    fs::last_write_time(file, fs::last_write_time(file) + 1h);
    { store::FileLock released = std::move(*lock); }

    if (opening.wait_for(30s) != std::future_status::ready) {
        std::fputs("index open is waiting on its own lock\n", stderr);
        std::_Exit(1);  // the stuck thread could never be joined
    }
    auto index = opening.get();
    REQUIRE(index);
    CHECK_FALSE(index->rebuilt());
    CHECK(index->documents().size() == 2);
    CHECK(index->documents(kb::DocKind::runbook).at(0).title == "Reclaim space on a full disk");
    CHECK_FALSE(k.open().rebuilt());
}

TEST_CASE("index: changed, added and removed files rebuild it", "[store][index]") {
    Kb k;
    (void)k.open();
    SECTION("changed content of the same size, its modification time put back") {
        // As `cp -p`, `rsync -t` or `tar x` leave an edited file.
        fs::path file = k.dir / "kb" / "runbooks" / "disk-full.md";
        auto modified = fs::last_write_time(file);
        std::string same_size = runbook_md;
        same_size.replace(same_size.find("Free space"), 10, "Fresh room");
        test::write_file(file, same_size);
        fs::last_write_time(file, modified);
        auto index = k.open();
        CHECK(index.rebuilt());
        CHECK(index.runbook("disk-full")->title == "Fresh room on a full disk");
    }
    SECTION("changed content") {
        test::write_file(k.dir / "kb" / "runbooks" / "disk-full.md",
                         std::string(runbook_md).replace(std::string(runbook_md).find("Free space"), 10, "Reclaim space"));
        auto index = k.open();
        CHECK(index.rebuilt());
        CHECK(index.runbook("disk-full")->title == "Reclaim space on a full disk");
        auto hits = index.search("reclaim", 5);
        REQUIRE(hits);
        CHECK(hits->size() == 1);
    }
    SECTION("added file") {
        test::write_file(k.dir / "kb" / "incidents" / "2025-04-01-second.md", "# A second incident\n\nStatus: open\n");
        auto index = k.open();
        CHECK(index.rebuilt());
        CHECK(index.counts().incidents == 2);
    }
    SECTION("removed file") {
        fs::remove(k.dir / "kb" / "incidents" / "2025-02-03-runner-disk.md");
        auto index = k.open();
        CHECK(index.rebuilt());
        CHECK(index.counts().incidents == 0);
        CHECK_FALSE(has_document(index, "2025-02-03-runner-disk"));
    }
    SECTION("same files, other folders") {
        auto other = store::Index::open({k.dir / "kb", k.dir / "nowhere"}, k.db());
        REQUIRE(other);
        CHECK(other->rebuilt());
    }
}

TEST_CASE("index: a file deja cannot read does not make it stale forever", "[store][index]") {
    Kb k;
    test::write_file(k.dir / "kb" / "incidents" / "huge.md", std::string(9u << 20, 'x'));
    auto first = k.open();
    CHECK(first.rebuilt());
    bool reported = false;
    for (const auto& d : first.diagnostics()) reported |= d.file.find("huge.md") != std::string::npos;
    CHECK(reported);
    CHECK_FALSE(k.open().rebuilt());
}

TEST_CASE("index: a database from a newer deja is refused and left alone", "[store][index]") {
    Kb k;
    (void)k.open();
    set_user_version(k.db(), store::schema::version + 1);
    for (auto refresh : {store::Refresh::if_stale, store::Refresh::always}) {
        auto refused = store::Index::open(k.dirs(), k.db(), refresh);
        REQUIRE_FALSE(refused);
        CHECK(refused.error().message ==
              "index " + k.db().string() + " was written by a newer deja (schema " +
                  std::to_string(store::schema::version + 1) + ", this deja knows " +
                  std::to_string(store::schema::version) + "); remove it or upgrade");
    }
    auto db = store::sqlite::Db::open(k.db(), store::sqlite::OpenMode::read_only);
    REQUIRE(db);
    CHECK(*db->user_version() == store::schema::version + 1);
}

TEST_CASE("index: an older or unreadable database is rebuilt", "[store][index]") {
    Kb k;
    (void)k.open();
    SECTION("older schema") { set_user_version(k.db(), store::schema::version - 1); }
    SECTION("not a database") { test::write_file(k.db(), std::string(5000, 'z')); }
    SECTION("empty file") { test::write_file(k.db(), ""); }
    auto index = k.open();
    CHECK(index.rebuilt());
    CHECK(index.counts().runbooks == 1);
    auto db = store::sqlite::Db::open(k.db(), store::sqlite::OpenMode::read_only);
    CHECK(*db->user_version() == store::schema::version);
}

TEST_CASE("index: a build killed half-way leaves the previous index intact", "[store][index]") {
    Kb k;
    (void)k.open();
    kb::KnowledgeBase big = generated(40000);
    pid_t child = fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        auto built = store::Index::build(big, k.dirs(), k.db());
        _exit(built ? 0 : 1);
    }
    fs::path temp = k.db().string() + ".tmp-" + std::to_string(child);
    while (!fs::exists(temp)) {
        int status = 0;
        REQUIRE(waitpid(child, &status, WNOHANG) == 0);  // the build must still be running
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    kill(child, SIGKILL);
    int status = 0;
    waitpid(child, &status, 0);
    REQUIRE(WIFSIGNALED(status));

    auto index = k.open();
    CHECK_FALSE(index.rebuilt());
    CHECK(has_document(index, "disk-full"));
    CHECK(index.counts().incidents == 1);
    CHECK(leftovers(k.db()).size() == 1);
    // The next build clears what the killed one left.
    (void)k.open(store::Refresh::always);
    CHECK(leftovers(k.db()).empty());
}

TEST_CASE("index: a build that cannot write fails with a message and leaves the previous index intact",
          "[store][index]") {
    // A file size limit stands in for a full disk: the writer fails many
    // batches in, while the encoder thread is still running ahead of it.
    Kb k;
    (void)k.open();
    kb::KnowledgeBase big = generated(3000);
    int pipe_fds[2];
    REQUIRE(pipe(pipe_fds) == 0);
    pid_t child = fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        close(pipe_fds[0]);
        signal(SIGXFSZ, SIG_IGN);
        rlimit limit{2 << 20, 2 << 20};
        setrlimit(RLIMIT_FSIZE, &limit);
        auto built = store::Index::build(big, k.dirs(), k.db());
        std::string message = built ? "" : built.error().message;
        (void)!write(pipe_fds[1], message.data(), message.size());
        _exit(built ? 0 : 1);
    }
    close(pipe_fds[1]);
    std::string message;
    char buf[512];
    for (ssize_t n; (n = read(pipe_fds[0], buf, sizeof buf)) > 0;) message.append(buf, static_cast<std::size_t>(n));
    close(pipe_fds[0]);
    int status = 0;
    REQUIRE(waitpid(child, &status, 0) == child);
    REQUIRE(WIFEXITED(status));  // returned, neither crashed nor hung
    CHECK(WEXITSTATUS(status) == 1);
    CHECK_THAT(message, Catch::Contains(".tmp-"));  // names the file it could not write
    CHECK(leftovers(k.db()).empty());
    CHECK(integrity(k.db()) == "ok");
    auto index = k.open();
    CHECK_FALSE(index.rebuilt());
    CHECK(index.counts().incidents == 1);
}

TEST_CASE("index: concurrent processes rebuilding and reading never see a broken index", "[store][index]") {
    Kb k;
    (void)k.open();
    std::vector<pid_t> children;
    for (int c = 0; c < 4; ++c) {
        pid_t pid = fork();
        REQUIRE(pid >= 0);
        if (pid == 0) {
            int failures = 0;
            // The child's reasons go to stderr, which CTest keeps with the failure.
            auto fail = [&](int round, const std::string& why) {
                ++failures;
                std::fprintf(stderr, "process %d, round %d: %s\n", c, round, why.c_str());
            };
            for (int round = 0; round < 5; ++round) {
                auto index = store::Index::open(k.dirs(), k.db(), c % 2 ? store::Refresh::always : store::Refresh::if_stale);
                if (!index) {
                    fail(round, "open: " + index.error().message);
                    continue;
                }
                auto hits = index->search("space", 5);
                if (!hits) fail(round, "search: " + hits.error().message);
                else if (hits->size() != 2) fail(round, "search found " + std::to_string(hits->size()) + " hits");
                if (auto put = index->put_blob("k" + std::to_string(c), "v"); !put)
                    fail(round, "put_blob: " + put.error().message);
            }
            _exit(failures == 0 ? 0 : 1);
        }
        children.push_back(pid);
    }
    for (pid_t pid : children) {
        int status = 0;
        waitpid(pid, &status, 0);
        CHECK(WIFEXITED(status));
        CHECK(WEXITSTATUS(status) == 0);
    }
    CHECK(integrity(k.db()) == "ok");
    CHECK(leftovers(k.db()).empty());
}

TEST_CASE("index: blobs are kept until the next rebuild", "[store][index]") {
    Kb k;
    {
        auto index = k.open();
        CHECK_FALSE(index.blob("compiled"));
        std::string bytes("\0\1\2binary", 9);
        REQUIRE(index.put_blob("compiled", bytes));
        CHECK(index.blob("compiled") == bytes);
    }
    CHECK(k.open().blob("compiled"));
    CHECK_FALSE(k.open(store::Refresh::always).blob("compiled"));
}

TEST_CASE("index: the model, links, signatures and diagnostics come back", "[store][index]") {
    Kb k;
    test::write_file(k.dir / "kb" / "runbooks" / "broken.md", "---\nid: [unclosed\n---\n# Broken\n");
    auto index = k.open();

    auto runbook = index.runbook("disk-full");
    REQUIRE(runbook);
    CHECK(runbook->title == "Free space on a full disk");
    REQUIRE(runbook->params.size() == 1);
    CHECK(runbook->params[0].name == "PATH");
    REQUIRE(runbook->steps.size() == 1);
    CHECK(runbook->steps[0].kind == kb::StepKind::diagnose);
    CHECK_FALSE(index.runbook("2025-02-03-runner-disk"));
    CHECK(index.incident("2025-02-03-runner-disk"));

    auto sigs = index.signatures();
    REQUIRE(sigs.size() == 1);
    CHECK(sigs[0].runbook == "disk-full");
    CHECK(sigs[0].signature.pattern == "No space left on device");

    auto links = index.links_of_runbook("disk-full");
    REQUIRE(links.size() == 1);
    CHECK(links[0].incident == "2025-02-03-runner-disk");
    CHECK(index.links_of_incident("2025-02-03-runner-disk").size() == 1);

    bool broken_reported = false;
    for (const auto& d : index.diagnostics()) broken_reported |= d.file.find("broken.md") != std::string::npos && d.line > 0;
    CHECK(broken_reported);

    auto everything = index.knowledge_base();
    CHECK(everything.runbook("disk-full") != nullptr);
    CHECK(everything.incidents.size() == 1);
    CHECK(everything.sources.size() == 3);

    CHECK(index.similar_ids("disk-ful") == std::vector<std::string>{"disk-full"});
    CHECK(index.similar_ids("runner-disk") == std::vector<std::string>{"2025-02-03-runner-disk"});
    CHECK(index.similar_ids("zzzzzzzzzzzz").empty());
}

TEST_CASE("index: the outline has what matching reads and nothing large", "[store][index]") {
    Kb k;
    auto index = k.open();
    auto full = index.knowledge_base();
    auto outline = index.knowledge_base_outline();
    REQUIRE(outline.runbooks.size() == full.runbooks.size());
    const auto& r = outline.runbooks.front();
    const auto& fr = full.runbooks.front();
    CHECK(r.id == fr.id);
    CHECK(r.title == fr.title);
    CHECK(r.path == fr.path);
    REQUIRE(r.signatures.size() == 1);
    CHECK(r.signatures[0].pattern == "No space left on device");
    CHECK(r.signatures[0].line == fr.signatures[0].line);
    // The rest of a runbook is read when a log gives evidence for it.
    CHECK(r.summary.empty());
    CHECK(r.params.empty());
    CHECK_FALSE(fr.params.empty());
    CHECK(r.steps.empty());
    CHECK(r.examples.empty());
    CHECK(r.body_markdown.empty());
    CHECK_FALSE(fr.steps.empty());

    REQUIRE(outline.incidents.size() == full.incidents.size());
    const auto& i = outline.incidents.front();
    const auto& fi = full.incidents.front();
    CHECK(i.id == fi.id);
    CHECK(i.title == fi.title);
    CHECK(i.date == fi.date);
    CHECK(i.status == fi.status);
    CHECK(i.path == fi.path);
    CHECK(i.runbooks == std::vector<std::string>{"disk-full"});
    CHECK(i.error_lines.empty());
    CHECK(i.body_markdown.empty());
}

TEST_CASE("index: incident outlines and their bodies, read in ranges, make up the whole incidents", "[store][index]") {
    Kb k;
    for (int n = 1; n <= 5; ++n)
        test::write_file(k.dir / "kb" / "incidents" / ("2025-03-0" + std::to_string(n) + "-case.md"),
                         "# Case " + std::to_string(n) + "\n\nDate: 2025-03-0" + std::to_string(n) +
                             "\ntags: [disk]\n\n## Symptoms\n\nThe body of case " + std::to_string(n) +
                             ".\n\n```\nERROR: case " + std::to_string(n) + " failed\n```\n");
    auto index = k.open();
    auto full = index.incidents();
    auto outline = index.knowledge_base_without_incident_bodies();
    REQUIRE(full.size() == 6);
    REQUIRE(outline.incidents.size() == full.size());
    CHECK(outline.runbooks.size() == 1);
    CHECK_FALSE(outline.runbooks.front().steps.empty());  // runbooks stay whole
    for (std::size_t n = 0; n < full.size(); ++n) {
        const auto& head = outline.incidents[n];
        CHECK(head.id == full[n].id);
        CHECK(head.error_lines.size() == full[n].error_lines.size());
        CHECK(head.summary == full[n].summary);
        CHECK(head.tags == full[n].tags);
        CHECK(head.body_markdown.empty());
        CHECK(head.body_text.empty());
        CHECK(head.sections.empty());
    }

    // Two ranges, as two threads would read them, in incidents() order.
    std::vector<kb::Incident> bodies;
    auto keep = [&bodies](kb::Incident&& body) -> base::Status {
        bodies.push_back(std::move(body));
        return base::Ok{};
    };
    REQUIRE(index.read_incident_bodies(0, 4, keep));
    REQUIRE(index.read_incident_bodies(4, 10, keep));  // past the end: what there is
    REQUIRE(bodies.size() == full.size());
    for (std::size_t n = 0; n < full.size(); ++n) {
        CHECK(bodies[n].id == full[n].id);
        CHECK(bodies[n].body_markdown == full[n].body_markdown);
        CHECK(bodies[n].body_text == full[n].body_text);
        CHECK(bodies[n].code == full[n].code);
        CHECK(bodies[n].title.empty());
    }

    // The visitor's error stops the reading and comes back.
    int seen = 0;
    auto stop = index.read_incident_bodies(0, 6, [&seen](kb::Incident&&) -> base::Status {
        ++seen;
        return base::error("disk on fire");
    });
    REQUIRE_FALSE(stop);
    CHECK(stop.error().message == "disk on fire");
    CHECK(seen == 1);
}

TEST_CASE("index: bodies are not read from a file that replaced the index", "[store][index]") {
    Kb k;
    auto index = k.open();
    // Another process rebuilt the index since this one opened it.
    auto other = store::Index::open(k.dirs(), k.db(), store::Refresh::always);
    REQUIRE(other);
    auto read = index.read_incident_bodies(0, 1, [](kb::Incident&&) -> base::Status { return base::Ok{}; });
    REQUIRE_FALSE(read);
    CHECK_THAT(read.error().message, Catch::Contains("rebuilt by another deja"));
}

TEST_CASE("index: listings are ordered runbooks by id, incidents newest first", "[store][index]") {
    test::TempDir dir;
    auto k = store_test::ranking_kb();
    auto index = store::Index::build(k, {}, dir / "i.sqlite");
    REQUIRE(index);
    auto docs = index->documents();
    std::vector<std::string> ids;
    for (const auto& d : docs) ids.push_back(d.id);
    CHECK(ids == std::vector<std::string>{"k8s-metrics-api-unavailable", "pg-extension-missing",
                                          "sqlalchemy-async-from-sync", "2025-10-29-tables-never-created",
                                          "2025-05-05-search-tuning-notes", "2025-04-04-worker-import",
                                          "2025-03-02-dependency-audit", "2025-02-02-retro-notes",
                                          "2025-01-15-disk-full"});
    CHECK(index->documents(kb::DocKind::runbook).size() == 3);
    CHECK(index->incidents().front().id == "2025-10-29-tables-never-created");
}

TEST_CASE("index: every document of a knowledge base many batches long is written once, in date order",
          "[store][index]") {
    // Encoding runs ahead of the writer in batches; a batch lost, repeated
    // or reordered on the way would show here.
    test::TempDir dir;
    kb::KnowledgeBase k;
    const int count = 700;
    for (int i = 0; i < count; ++i) {
        int day = (i * 389) % count;  // dates out of file order
        char date[11];
        std::snprintf(date, sizeof date, "20%02d-%02d-%02d", 10 + day / 336, 1 + day / 28 % 12, 1 + day % 28);
        k.incidents.push_back(store_test::incident(std::string(date) + "-case-" + std::to_string(i), "Case",
                                                   {"ERROR: marker" + std::to_string(i) + " failed"},
                                                   store_test::filler(3)));
    }
    k.runbooks.push_back(store_test::runbook("only-runbook", "The runbook", "Summary.", {}, "Body."));
    auto index = store::Index::build(k, {}, dir / "i.sqlite");
    REQUIRE(index);
    auto incidents = index->incidents();
    REQUIRE(incidents.size() == count);
    for (std::size_t n = 1; n < incidents.size(); ++n) CHECK(incidents[n - 1].date >= incidents[n].date);
    // Runbooks first, then incidents newest first: search ranks the lowest
    // rowids of a common word.
    auto db = store::sqlite::Db::open(dir / "i.sqlite", store::sqlite::OpenMode::read_only);
    REQUIRE(db);
    auto rows = db->prepare("SELECT kind, date FROM documents ORDER BY rowid");
    REQUIRE(rows);
    REQUIRE(*rows->step());
    CHECK(rows->text(0) == "runbook");
    std::string previous = "9999";
    int incidents_seen = 0;
    for (;;) {
        auto row = rows->step();
        REQUIRE(row);
        if (!*row) break;
        CHECK(rows->text(0) == "incident");
        CHECK(rows->text(1) <= previous);
        previous = rows->text(1);
        ++incidents_seen;
    }
    CHECK(incidents_seen == count);
    for (int i = 0; i < count; i += 7) {
        auto hits = index->search("marker" + std::to_string(i));
        REQUIRE(hits);
        REQUIRE(hits->size() == 1);
        CHECK(hits->front().id.ends_with("-case-" + std::to_string(i)));
    }
    auto hits = index->search("runbook");
    REQUIRE(hits);
    REQUIRE_FALSE(hits->empty());
    CHECK(hits->front().id == "only-runbook");
}

TEST_CASE("index: a blob writer killed mid-commit is rolled back before anyone reads", "[store][index]") {
    Kb k;
    REQUIRE(k.open().put_blob("kept", "before"));
    pid_t child = fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        // What put_blob does, dying before COMMIT with pages already in the
        // file: a tiny cache makes SQLite spill them early.
        auto db = store::sqlite::Db::open(k.db().string() + ".writer", store::sqlite::OpenMode::read_write);
        if (!db || !db->exec("PRAGMA cache_size = 2") || !db->exec("BEGIN IMMEDIATE")) _exit(2);
        for (int i = 0; i < 200; ++i)
            if (!db->exec("INSERT OR REPLACE INTO blobs (key, bytes) VALUES ('big" + std::to_string(i) +
                          "', randomblob(8192))"))
                _exit(3);
        if (!db->exec("UPDATE blobs SET bytes = 'after' WHERE key = 'kept'")) _exit(4);
        raise(SIGKILL);
    }
    int status = 0;
    REQUIRE(waitpid(child, &status, 0) == child);
    REQUIRE(WIFSIGNALED(status));
    REQUIRE(fs::exists(k.db().string() + ".writer-journal"));

    auto index = k.open();
    CHECK(index.blob("kept") == std::optional<std::string>("before"));
    CHECK_FALSE(index.blob("big0"));
    auto hits = index.search("space", 5);
    REQUIRE(hits);
    CHECK(hits->size() == 2);
    CHECK_FALSE(fs::exists(k.db().string() + ".writer-journal"));
    CHECK(integrity(k.db()) == "ok");
}
