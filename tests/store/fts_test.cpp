#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <optional>

#include "store/fts.hpp"

using store::fts::Term;

namespace {

std::vector<Term> terms(const std::string& text) {
    auto db = store::sqlite::Db::open_memory();
    REQUIRE(db);
    REQUIRE(store::fts::register_extensions(*db));
    auto result = store::fts::analyze(*db, text);
    REQUIRE(result);
    return *result;
}

using Leaves = std::vector<std::string>;

}  // namespace

TEST_CASE("fts: identifiers stay whole and know their parts", "[store][fts]") {
    auto t = terms("operator class \"gin_trgm_ops\" does not exist");
    REQUIRE(t.size() == 6);
    CHECK(t[2].whole == "gin_trgm_ops");
    CHECK(t[2].leaves == Leaves{"gin", "trgm", "ops"});
    CHECK(t[0].whole == "operator");
    CHECK(t[0].leaves.empty());

    t = terms("sqlalchemy.exc.MissingGreenlet: greenlet_spawn has not been called");
    REQUIRE(t.size() >= 2);
    CHECK(t[0].whole == "sqlalchemy.exc.missinggreenlet");
    CHECK(t[0].leaves == Leaves{"sqlalchemy", "exc", "missing", "greenlet"});
    CHECK(t[1].whole == "greenlet_spawn");

    t = terms("function uuid_generate_v4() does not exist");
    CHECK(t[1].whole == "uuid_generate_v4");
    CHECK(t[1].leaves == Leaves{"uuid", "generate", "v4"});

    t = terms("(get pods.metrics.k8s.io)");
    REQUIRE(t.size() == 2);
    CHECK(t[1].whole == "pods.metrics.k8s.io");
    CHECK(t[1].leaves == Leaves{"pods", "metrics", "k8s", "io"});
}

TEST_CASE("fts: CamelCase, acronyms, punctuation and accents", "[store][fts]") {
    CHECK(terms("HTTPServerError")[0].leaves == Leaves{"http", "server", "error"});
    CHECK(terms("IOError")[0].leaves == Leaves{"io", "error"});
    // Trailing sentence punctuation and leading dashes are not part of words.
    auto t = terms("done. --kb __init__ -rw-rw-r--");
    REQUIRE(t.size() == 4);
    CHECK(t[0].whole == "done");
    CHECK(t[1].whole == "kb");
    CHECK(t[2].whole == "init");
    CHECK(t[3].whole == "rw-rw-r");
    t = terms("Résumé ÉCHEC");
    CHECK(t[0].whole == "resume");
    CHECK(t[1].whole == "echec");
    CHECK(terms("  ()*:;  ").empty());
}

namespace {

using store::fts::SplitText;

// Every token the index holds, as "term doc column offset" lines.
std::vector<std::string> indexed(const std::vector<std::array<std::string, 2>>& rows,
                                 const std::vector<std::array<SplitText, 2>>* split) {
    auto db = store::sqlite::Db::open_memory();
    REQUIRE(db);
    REQUIRE(store::fts::register_extensions(*db));
    REQUIRE(db->exec("CREATE VIRTUAL TABLE t USING fts5(a, b, tokenize = 'deja');"
                     "CREATE VIRTUAL TABLE v USING fts5vocab(t, instance);"));
    auto insert = db->prepare("INSERT INTO t (rowid, a, b) VALUES (?, ?, ?)");
    REQUIRE(insert);
    for (std::size_t r = 0; r < rows.size(); ++r) {
        std::optional<store::fts::Replay> replay;
        if (split) replay.emplace((*split)[r]);
        insert->bind(1, static_cast<long long>(r + 1)).bind(2, rows[r][0]).bind(3, rows[r][1]);
        REQUIRE(insert->run());
        insert->reset();
    }
    auto read = db->prepare("SELECT term, doc, col, offset FROM v ORDER BY doc, col, offset, term");
    REQUIRE(read);
    std::vector<std::string> out;
    while (*read->step())
        out.push_back(read->text(0) + " " + read->text(1) + " " + read->text(2) + " " + read->text(3));
    return out;
}

}  // namespace

TEST_CASE("fts: words split ahead of time are indexed as if split while inserting", "[store][fts]") {
    std::vector<std::array<std::string, 2>> rows = {
        {"operator class \"gin_trgm_ops\" does not exist", "sqlalchemy.exc.MissingGreenlet: greenlet_spawn"},
        {"HTTPServerError IOError __init__ -rw-rw-r--", "Résumé ÉCHEC 🎉 pods.metrics.k8s.io uuid_generate_v4()"},
        {"", "   "},
        {"same text", "same text"},
    };
    auto db = store::sqlite::Db::open_memory();
    REQUIRE(db);
    REQUIRE(store::fts::register_extensions(*db));
    auto splitter = store::fts::Splitter::create(*db);
    REQUIRE(splitter);
    std::vector<std::array<SplitText, 2>> split;
    for (const auto& row : rows) {
        auto a = splitter->split(row[0]), b = splitter->split(row[1]);
        REQUIRE(a);
        REQUIRE(b);
        split.push_back({std::move(*a), std::move(*b)});
    }
    auto expected = indexed(rows, nullptr);
    REQUIRE(expected.size() > 20);
    CHECK(indexed(rows, &split) == expected);

    SECTION("the recorded words are the ones indexed, for the same text at another address") {
        // Texts are bound as copies, so SQLite hands the tokenizer its own
        // bytes: the replay is found by content. Changing a recorded word
        // shows that it was used.
        split[0][0].bytes.replace(0, std::string("operator").size(), "replayed");
        auto changed = indexed(rows, &split);
        CHECK(std::find(changed.begin(), changed.end(), "replayed 1 a 0") != changed.end());
        CHECK(std::find(changed.begin(), changed.end(), "operator 1 a 0") == changed.end());
    }
    SECTION("a text nothing recorded is split as usual") {
        auto other = rows;
        other[0][0] = "operator class changed";
        auto changed = indexed(other, &split);
        CHECK(std::find(changed.begin(), changed.end(), "changed 1 a 2") != changed.end());
    }
}
