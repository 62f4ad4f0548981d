#include <catch2/catch.hpp>

#include <algorithm>

#include "store/index.hpp"
#include "store/query.hpp"
#include "store_fixtures.hpp"
#include "support.hpp"

namespace {

struct Fixture {
    test::TempDir dir;
    store::Index index;
    explicit Fixture(const kb::KnowledgeBase& k = store_test::ranking_kb()) : index(open(dir, k)) {}
    static store::Index open(const test::TempDir& dir, const kb::KnowledgeBase& k) {
        auto built = store::Index::build(k, {}, dir / "index.sqlite");
        REQUIRE(built);
        return std::move(*built);
    }
    std::vector<std::string> ids(const std::string& query, int limit = 10) {
        auto hits = index.search(query, limit);
        REQUIRE(hits);
        std::vector<std::string> out;
        for (const auto& h : *hits) out.push_back(h.id);
        return out;
    }
};

std::ptrdiff_t position(const std::vector<std::string>& ids, const std::string& id) {
    auto it = std::find(ids.begin(), ids.end(), id);
    return it == ids.end() ? -1 : it - ids.begin();
}

}  // namespace

TEST_CASE("search: an identifier in a title or error line beats body mentions", "[store][search]") {
    Fixture f;
    auto ids = f.ids("gin_trgm_ops");
    REQUIRE(ids.size() == 3);
    // Error-line hits (the runbook's example, the incident's error) come
    // before the notes that say gin_trgm_ops four times in the body.
    CHECK(position(ids, "2025-05-05-search-tuning-notes") == 2);
    CHECK(position(ids, "pg-extension-missing") >= 0);
    CHECK(position(ids, "2025-10-29-tables-never-created") >= 0);
}

TEST_CASE("search: words in a title rank above the same words in error lines", "[store][search]") {
    using store_test::runbook;
    kb::KnowledgeBase k;
    // Runbooks quote many error lines: these name both words three times.
    k.runbooks.push_back(runbook("alembic-tables", "Make migrations commit",
                                 "Migrations report success and leave no tables.",
                                 {"asyncpg.exceptions.UndefinedTableError in alembic upgrade",
                                  "alembic with asyncpg: relation does not exist",
                                  "alembic asyncpg error"},
                                 "Commit the transaction."));
    k.runbooks.push_back(runbook("async-driver", "Run Alembic with a synchronous driver instead of asyncpg",
                                 "The async driver reached synchronous code.", {}, "Use psycopg."));
    Fixture f(k);
    CHECK(f.ids("asyncpg alembic") == std::vector<std::string>{"async-driver", "alembic-tables"});
}

TEST_CASE("search: identifiers are found by part", "[store][search]") {
    Fixture f;
    auto trgm = f.ids("trgm");
    CHECK(position(trgm, "pg-extension-missing") >= 0);
    CHECK(position(trgm, "2025-10-29-tables-never-created") >= 0);
    CHECK(position(trgm, "2025-05-05-search-tuning-notes") >= 0);
    CHECK(position(trgm, "2025-01-15-disk-full") == -1);

    CHECK(f.ids("uuid_generate_v4()") == std::vector<std::string>{"pg-extension-missing"});
    CHECK(f.ids("uuid_generate_v4") == std::vector<std::string>{"pg-extension-missing"});
    CHECK(f.ids("metrics.k8s.io") == std::vector<std::string>{"k8s-metrics-api-unavailable"});
    CHECK(f.ids("k8s") == std::vector<std::string>{"k8s-metrics-api-unavailable"});
    CHECK(f.ids("greenlet_spawn") == std::vector<std::string>{"sqlalchemy-async-from-sync", "2025-02-02-retro-notes"});
    CHECK(f.ids("MissingGreenlet") == std::vector<std::string>{"sqlalchemy-async-from-sync"});
    CHECK(f.ids("UndefinedObject") == std::vector<std::string>{"2025-10-29-tables-never-created"});
}

TEST_CASE("search: an identifier's parts match inside one identifier, not scattered over a page", "[store][search]") {
    kb::KnowledgeBase k;
    k.incidents.push_back(store_test::incident("2025-10-29-missing-opclass", "Migration failed",
                                               {"operator class \"gin_trgm_ops\" does not exist"}, "See the error."));
    k.incidents.push_back(store_test::incident("2025-11-01-async-driver", "Async driver",
                                               {"sqlalchemy.exc.MissingGreenlet: greenlet_spawn has not been called"},
                                               "The driver was synchronous."));
    // Every part, but each in a different word.
    k.incidents.push_back(store_test::incident("2025-11-02-weekly-notes", "Weekly notes", {},
                                               "The gin bottle, a trgm benchmark, an ops rota; the greenlet "
                                               "library was missing from one image and spawn failed twice."));
    Fixture f(k);
    auto ids = [&](const std::string& query) {
        auto hits = f.index.search(query, 10);
        REQUIRE(hits);
        std::vector<std::string> out;
        for (const auto& h : *hits) out.push_back(h.id);
        return out;
    };
    CHECK(ids("gin_trgm") == std::vector<std::string>{"2025-10-29-missing-opclass"});
    CHECK(ids("trgm_ops") == std::vector<std::string>{"2025-10-29-missing-opclass"});
    CHECK(ids("exc.MissingGreenlet") == std::vector<std::string>{"2025-11-01-async-driver"});
    CHECK(ids("GreenletSpawn") == std::vector<std::string>{"2025-11-01-async-driver"});
    // A single word is still found wherever it is.
    auto trgm = ids("trgm");
    std::sort(trgm.begin(), trgm.end());
    CHECK(trgm == std::vector<std::string>{"2025-10-29-missing-opclass", "2025-11-02-weekly-notes"});
}

TEST_CASE("search: an exact word beats the same word inside a longer identifier", "[store][search]") {
    Fixture f;
    // Head (title, error lines, summary) before body; within each, the word
    // itself before the word as part of MissingGreenlet or greenlet_spawn.
    auto ids = f.ids("greenlet");
    CHECK(ids == std::vector<std::string>{"2025-04-04-worker-import", "sqlalchemy-async-from-sync",
                                          "2025-03-02-dependency-audit", "2025-02-02-retro-notes"});
}

TEST_CASE("search: hits carry a marked one-line snippet", "[store][search]") {
    Fixture f;
    auto hits = f.index.search("greenlet_spawn", 5);
    REQUIRE(hits);
    REQUIRE(hits->size() == 2);
    const auto& h = hits->front();
    CHECK(h.kind == kb::DocKind::runbook);
    CHECK(h.title == "Call the async driver from async code");
    CHECK(h.path == "runbooks/sqlalchemy-async-from-sync.md");
    CHECK_THAT(h.snippet, Catch::Contains("\x01greenlet_spawn\x02"));
    CHECK(h.snippet.find('\n') == std::string::npos);
    CHECK(h.score > 0);
    CHECK(h.all_terms);
}

TEST_CASE("search: the snippet shows where the most query words are together", "[store][search]") {
    kb::KnowledgeBase k;
    // "failure" alone all over the body; "failure" and "number" together once,
    // well past the first sixteen words.
    std::string body;
    for (int i = 0; i < 40; ++i) body += "another failure here. ";
    body += "then came failure number seven in the payments module. ";
    for (int i = 0; i < 40; ++i) body += "another failure there. ";
    k.incidents.push_back(store_test::incident("2025-06-01-payments", "Payments outage", {}, body));
    Fixture f(k);
    auto hits = f.index.search("failure number", 5);
    REQUIRE(hits);
    REQUIRE(hits->size() == 1);
    const std::string& snippet = hits->front().snippet;
    CHECK_THAT(snippet, Catch::Contains("\x01" "failure\x02 \x01" "number\x02 seven"));
    CHECK(snippet.rfind("…", 0) == 0);  // the column starts before the window
    CHECK(snippet.size() > 6);
    CHECK(snippet.substr(snippet.size() - 3) == "…");  // and goes on after it
}

TEST_CASE("search: a document with a pasted log full of hits is searched and snippeted", "[store][search]") {
    // 60,000 lines that each hold both words: ranking and the snippet look at
    // every hit once, so this takes milliseconds, not minutes.
    kb::KnowledgeBase k;
    std::string log;
    for (int i = 0; i < 60000; ++i) log += "ERROR: failure number " + std::to_string(i) + " in module m" + std::to_string(i) + "\n";
    auto big = store_test::incident("2025-06-02-noisy-log", "Noisy log", {}, "The whole log follows.\n" + log);
    k.incidents.push_back(std::move(big));
    k.incidents.push_back(store_test::incident("2025-06-03-other", "Other report", {}, "A failure with a number in it."));
    Fixture f(k);
    auto hits = f.index.search("failure number", 2);
    REQUIRE(hits);
    REQUIRE(hits->size() == 2);
    for (const auto& h : *hits) {
        CHECK_THAT(h.snippet, Catch::Contains("\x01" "failure\x02"));
        CHECK_THAT(h.snippet, Catch::Contains("\x01number\x02"));
    }
}

TEST_CASE("search: the first results are the same whatever the limit", "[store][search]") {
    Fixture f;
    for (const char* query : {"gin_trgm_ops", "trgm", "does not exist", "greenlet_spawn", "migration", "extension"}) {
        INFO(query);
        auto all = f.index.search(query, 20);
        REQUIRE(all);
        for (int limit = 1; limit <= static_cast<int>(all->size()); ++limit) {
            INFO("limit " << limit);
            auto some = f.index.search(query, limit);
            REQUIRE(some);
            REQUIRE(some->size() == static_cast<std::size_t>(limit));
            for (std::size_t i = 0; i < some->size(); ++i) {
                CHECK((*some)[i].id == (*all)[i].id);
                CHECK((*some)[i].score == (*all)[i].score);
            }
        }
    }
}

TEST_CASE("search: several words must all match, else the best partial matches", "[store][search]") {
    Fixture f;
    CHECK(f.ids("missing extension") == std::vector<std::string>{"pg-extension-missing"});
    // No document has both: the ones with either come back, marked partial.
    auto hits = f.index.search("gin_trgm_ops zebra", 10);
    REQUIRE(hits);
    REQUIRE(hits->size() == 3);
    for (const auto& h : *hits) CHECK_FALSE(h.all_terms);
    auto none = f.index.search("zebra", 10);
    REQUIRE(none);
    CHECK(none->empty());
    // Both words exist, never together: documents with either.
    auto either = f.index.search("greenlet space", 10);
    REQUIRE(either);
    std::vector<std::string> ids;
    for (const auto& h : *either) {
        ids.push_back(h.id);
        CHECK_FALSE(h.all_terms);
    }
    CHECK(position(ids, "2025-04-04-worker-import") >= 0);
    CHECK(position(ids, "2025-01-15-disk-full") >= 0);
}

TEST_CASE("search: with no document having every word, the rarest words together rank first", "[store][search]") {
    using store_test::incident;
    using store_test::runbook;
    kb::KnowledgeBase k;
    k.runbooks.push_back(runbook("hypertable-ddl", "Change the columns of a compressed hypertable",
                                 "Decompress the chunks before altering the table.", {}, "Decompress, alter, compress."));
    // More of the query's words than the runbook, but only common ones
    // besides the two that matter.
    k.incidents.push_back(incident("2025-03-01-weekly-notes", "Weekly notes", {},
                                   "How to fix the flaky test. How to fix the compressed hypertable in staging?"));
    k.incidents.push_back(incident("2025-03-02-flaky-test", "Flaky test", {}, "How to fix it: rerun it, to be sure."));
    k.incidents.push_back(incident("2025-03-03-cache", "Cache misses", {}, "How to fix the cache: clear its columns."));
    k.incidents.push_back(incident("2025-03-04-report", "Report columns", {}, "Two columns were added to the report."));
    Fixture f(k);
    auto hits = f.index.search("how to fix compressed hypertable columns", 10);
    REQUIRE(hits);
    std::vector<std::string> ids;
    for (const auto& h : *hits) {
        ids.push_back(h.id);
        CHECK_FALSE(h.all_terms);
    }
    REQUIRE(ids.size() >= 2);
    CHECK(ids[0] == "hypertable-ddl");
    CHECK(position(ids, "2025-03-01-weekly-notes") > 0);  // still found, after it
    // Scores still say which is better.
    for (std::size_t i = 1; i < hits->size(); ++i) CHECK((*hits)[i - 1].score >= (*hits)[i].score);
}

TEST_CASE("search: the words of a question are left out first, however rare", "[store][search]") {
    using store_test::incident;
    using store_test::runbook;
    kb::KnowledgeBase k;
    k.runbooks.push_back(runbook("script-exec", "Make a script executable",
                                 "The entrypoint fails with permission denied.", {}, "Fix the mode with chmod."));
    // "how" is rarer here than the words that matter: left out by rarity
    // alone, "how entrypoint" would be what remained, and this would win.
    k.incidents.push_back(incident("2025-04-01-startup", "Slow start", {},
                                   "This is how the entrypoint waits for the database."));
    k.incidents.push_back(incident("2025-04-02-log", "Log file", {}, "Permission denied writing the log file."));
    k.incidents.push_back(incident("2025-04-03-socket", "Socket", {}, "Permission denied on the socket."));
    k.incidents.push_back(incident("2025-04-04-etc", "Etc", {}, "Fix permission denied on /etc by not writing there."));
    Fixture f(k);
    auto hits = f.index.search("how do I fix permission denied on entrypoint", 10);
    REQUIRE(hits);
    REQUIRE_FALSE(hits->empty());
    CHECK(hits->front().id == "script-exec");
    CHECK(store::is_filler_word("how"));
    CHECK_FALSE(store::is_filler_word("entrypoint"));
}

TEST_CASE("search: a question about one word finds that word's documents first", "[store][search]") {
    using store_test::incident;
    using store_test::runbook;
    kb::KnowledgeBase k;
    k.runbooks.push_back(runbook("async-driver", "Run migrations with a synchronous driver",
                                 "Alembic cannot await through greenlet: MissingGreenlet.", {}, "Use psycopg for Alembic."));
    // Every word of the question but the one it is about.
    k.incidents.push_back(incident("2025-05-01-howto", "How to fix things", {}, "How to fix a deploy: roll it back."));
    k.incidents.push_back(incident("2025-05-02-notes", "Notes", {}, "How we fix flaky tests, and how to avoid them."));
    k.incidents.push_back(incident("2025-05-03-greenlet", "Worker import", {}, "The greenlet wheel was missing; we had to fix the image."));
    Fixture f(k);
    auto asked = f.ids("how to fix greenlet");
    REQUIRE(asked.size() >= 2);
    // The question's own words are left out together, not one by one: with
    // "fix" kept, the incident that says it would be all there is.
    std::vector<std::string> first_two(asked.begin(), asked.begin() + 2);
    std::sort(first_two.begin(), first_two.end());
    CHECK(first_two == std::vector<std::string>{"2025-05-03-greenlet", "async-driver"});
    CHECK(position(asked, "2025-05-01-howto") > 1);  // after them, with the rest

    // A document with every word comes first; those with every word but the
    // question's follow it, and are not reported as having every word.
    auto hits = f.index.search("fix greenlet", 10);
    REQUIRE(hits);
    REQUIRE(hits->size() == 2);
    CHECK((*hits)[0].id == "2025-05-03-greenlet");
    CHECK((*hits)[0].all_terms);
    CHECK((*hits)[1].id == "async-driver");
    CHECK_FALSE((*hits)[1].all_terms);
    CHECK((*hits)[1].snippet.find("greenlet") != std::string::npos);
    // Only when fewer were found than asked for.
    CHECK(f.ids("fix greenlet", 1) == std::vector<std::string>{"2025-05-03-greenlet"});
}

TEST_CASE("search: a quoted phrase outweighs any number of the other words", "[store][search]") {
    using store_test::incident;
    using store_test::runbook;
    kb::KnowledgeBase k;
    k.runbooks.push_back(runbook("script-exec", "Make a script executable",
                                 "exec: ./entrypoint.sh: permission denied: unknown", {}, "chmod +x."));
    // Every other word of the query, but not the error it quotes.
    k.incidents.push_back(incident("2025-06-01-startup", "Container startup failure", {},
                                   "The container startup failure was an unknown error."));
    k.incidents.push_back(incident("2025-06-02-more", "Another container failure", {},
                                   "Startup error, unknown cause, container restarted after the failure."));
    Fixture f(k);
    auto ids = f.ids("container startup failure with \"permission denied: unknown\" error");
    REQUIRE_FALSE(ids.empty());
    CHECK(ids.front() == "script-exec");
}

TEST_CASE("search: a word cut short finds the words it starts, when nothing has it whole", "[store][search]") {
    Fixture f;
    auto greenl = f.ids("greenl");
    CHECK(position(greenl, "sqlalchemy-async-from-sync") >= 0);     // MissingGreenlet, greenlet_spawn
    CHECK(position(greenl, "2025-04-04-worker-import") >= 0);       // greenlet
    CHECK(position(greenl, "2025-03-02-dependency-audit") >= 0);    // greenlet
    CHECK(position(greenl, "2025-01-15-disk-full") < 0);
    CHECK(f.ids("greenl spawn") == std::vector<std::string>{"sqlalchemy-async-from-sync", "2025-02-02-retro-notes"});
    // The words found by their start are marked in the snippet.
    auto marked = f.index.search("modulenotf", 5);
    REQUIRE(marked);
    REQUIRE(marked->size() == 1);
    CHECK(marked->front().id == "2025-04-04-worker-import");
    INFO(marked->front().snippet);
    CHECK(marked->front().snippet.find("\x01ModuleNotFoundError\x02") != std::string::npos);
    // Three letters start too many words to mean one.
    CHECK(f.ids("gre").empty());
    CHECK(f.ids("zebr").empty());
}

TEST_CASE("search: a pasted line with a local name still finds the known error", "[store][search]") {
    Fixture f;
    auto hits = f.index.search("ERROR: operator class \"gin_trgm_ops\" does not exist for access method \"gin\" "
                               "[SQL: CREATE INDEX idx_services_name_trgm ON services]", 10);
    REQUIRE(hits);
    REQUIRE(hits->size() >= 2);
    std::vector<std::string> ids;
    for (const auto& h : *hits) ids.push_back(h.id);
    CHECK(position(ids, "pg-extension-missing") < 2);
    CHECK(position(ids, "2025-10-29-tables-never-created") < 2);
}

TEST_CASE("search: a title hit is found among thousands of body mentions", "[store][search]") {
    kb::KnowledgeBase k;
    // The oldest document has the word in its title; thousands of newer ones
    // mention it in passing, more than one search stage ranks.
    k.incidents.push_back(store_test::incident("2020-01-01-okapi-outage", "The okapi outage", {}, store_test::filler(2)));
    for (int i = 0; i < 3000; ++i)
        k.incidents.push_back(store_test::incident("2025-06-01-note-" + std::to_string(i), "Weekly note",
                                                   {}, "An okapi was mentioned. " + store_test::filler(1)));
    Fixture f(k);
    auto hits = f.index.search("okapi", 5);
    REQUIRE(hits);
    REQUIRE(hits->size() == 5);
    CHECK(hits->front().id == "2020-01-01-okapi-outage");
}

TEST_CASE("search: a word in more documents than are ranked ranks runbooks and the newest incidents", "[store][search]") {
    // 2,400 incidents say "zebra": more than one stage ranks. The 300 oldest
    // say it three times, so they would outrank the rest if they were ranked.
    kb::KnowledgeBase k;
    for (int i = 0; i < 2400; ++i) {
        bool old = i < 300;
        std::string date = old ? "2019-03-01" : "2025-06-01";
        k.incidents.push_back(store_test::incident(date + "-case-" + std::to_string(i), "Case",
                                                   {}, old ? "zebra zebra zebra. " : "A zebra. " + store_test::filler(1)));
    }
    k.runbooks.push_back(store_test::runbook("zebra-crossing", "Crossing", "Summary.", {}, "Mind the zebra."));
    Fixture f(k);
    auto hits = f.index.search("zebra", 50);
    REQUIRE(hits);
    REQUIRE(hits->size() == 50);
    bool runbook_found = false;
    for (const auto& h : *hits) {
        INFO(h.id);
        if (h.kind == kb::DocKind::runbook) runbook_found = true;
        else CHECK(h.date == "2025-06-01");
    }
    CHECK(runbook_found);
}

TEST_CASE("search: any text is a safe query", "[store][search]") {
    Fixture f;
    for (std::string q : {"\"gin_trgm_ops", "(gin_trgm_ops", "gin_trgm_ops)", "NOT gin_trgm_ops", "gin* OR trgm",
                          "-gin_trgm_ops", "NEAR(gin trgm)", "title:gin_trgm_ops", "gin_trgm_ops AND",
                          "\"\"\"", "^gin", "{title}: x", "a\x1f" "b", "'single' `back`", "((((", "AND OR NOT"}) {
        INFO(q);
        auto hits = f.index.search(q, 10);
        if (!hits) CHECK_THAT(hits.error().message, Catch::Contains("nothing to search for"));
    }
    // Operators are words: NOT does not negate.
    CHECK(position(f.ids("NOT gin_trgm_ops"), "pg-extension-missing") >= 0);
    // A quoted phrase must appear as written.
    CHECK(f.ids("\"does not exist for access method\"").size() == 2);
    CHECK(f.ids("\"exist does not\"").empty());
    // A pasted error line, quotes and all.
    CHECK(position(f.ids("operator class \"gin_trgm_ops\" does not exist for access method \"gin\""),
                   "2025-10-29-tables-never-created") >= 0);
}

TEST_CASE("search: empty and word-less queries are clear errors", "[store][search]") {
    Fixture f;
    auto empty = f.index.search("   ", 10);
    REQUIRE_FALSE(empty);
    CHECK_THAT(empty.error().message, Catch::Contains("empty search query"));
    auto punctuation = f.index.search("()*\"\":-", 10);
    REQUIRE_FALSE(punctuation);
    CHECK_THAT(punctuation.error().message, Catch::Contains("nothing to search for"));
    // A pasted wall of punctuation is not echoed back whole.
    auto wall = f.index.search(std::string(100000, '!'), 10);
    REQUIRE_FALSE(wall);
    CHECK(wall.error().message.size() < 300);
}

TEST_CASE("search: the limit caps the hits", "[store][search]") {
    Fixture f;
    CHECK(f.ids("gin_trgm_ops", 1).size() == 1);
    CHECK(f.ids("team", 2).size() == 2);
}
