#include <catch2/catch.hpp>

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
