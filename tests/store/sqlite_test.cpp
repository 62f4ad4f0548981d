#include <catch2/catch.hpp>

#include "store/sqlite.hpp"
#include "support.hpp"

using namespace store::sqlite;

TEST_CASE("sqlite: statements bind and read every type", "[store][sqlite]") {
    auto db = Db::open_memory();
    REQUIRE(db);
    REQUIRE(db->exec("CREATE TABLE t (s TEXT, i INTEGER, r REAL, b BLOB, n TEXT)"));
    auto insert = db->prepare("INSERT INTO t VALUES (?, ?, ?, ?, ?)");
    REQUIRE(insert);
    std::string bytes("a\0b", 3);
    insert->bind(1, std::string_view("héllo")).bind(2, 42).bind(3, 2.5).bind_blob(4, bytes).bind_null(5);
    REQUIRE(insert->run());
    insert->reset();
    insert->bind(1, std::string_view("")).bind(2, -1LL).bind(3, 0.0).bind_blob(4, "").bind(5, std::optional<std::string>{});
    REQUIRE(insert->run());

    auto select = db->prepare("SELECT s, i, r, b, n FROM t ORDER BY i DESC");
    REQUIRE(select);
    auto row = select->step();
    REQUIRE(row);
    REQUIRE(*row);
    CHECK(select->text(0) == "héllo");
    CHECK(select->integer(1) == 42);
    CHECK(select->real(2) == 2.5);
    CHECK(select->blob(3) == bytes);
    CHECK(select->is_null(4));
    row = select->step();
    REQUIRE(*row);
    // An empty string stays a string, not NULL.
    CHECK_FALSE(select->is_null(0));
    CHECK(select->text(0).empty());
    row = select->step();
    REQUIRE(row);
    CHECK_FALSE(*row);
}

TEST_CASE("sqlite: a transaction rolls back unless committed", "[store][sqlite]") {
    auto db = Db::open_memory();
    REQUIRE(db);
    REQUIRE(db->exec("CREATE TABLE t (x INTEGER)"));
    {
        auto tx = Transaction::begin(*db);
        REQUIRE(tx);
        REQUIRE(db->exec("INSERT INTO t VALUES (1)"));
    }
    {
        auto tx = Transaction::begin(*db, Transaction::Kind::immediate);
        REQUIRE(tx);
        REQUIRE(db->exec("INSERT INTO t VALUES (2)"));
        REQUIRE(tx->commit());
    }
    auto count = db->prepare("SELECT group_concat(x) FROM t");
    REQUIRE(count);
    REQUIRE(*count->step());
    CHECK(count->text(0) == "2");
}

TEST_CASE("sqlite: errors name the database file", "[store][sqlite]") {
    test::TempDir dir;
    auto missing = Db::open(dir / "absent.sqlite", OpenMode::read_only);
    REQUIRE_FALSE(missing);
    CHECK_THAT(missing.error().message, Catch::Contains("absent.sqlite"));

    auto db = Db::open(dir / "db.sqlite", OpenMode::create);
    REQUIRE(db);
    auto bad = db->prepare("SELECT * FROM no_such_table");
    REQUIRE_FALSE(bad);
    CHECK_THAT(bad.error().message, Catch::Contains("no_such_table") && Catch::Contains("db.sqlite"));

    REQUIRE(db->exec("CREATE TABLE t (x INTEGER PRIMARY KEY)"));
    auto insert = db->prepare("INSERT INTO t VALUES (1)");
    REQUIRE(insert);
    REQUIRE(insert->run());
    insert->reset();
    auto again = insert->run();
    REQUIRE_FALSE(again);
    CHECK_THAT(again.error().message, Catch::Contains("UNIQUE") && Catch::Contains("db.sqlite"));

    auto stmt = db->prepare("SELECT ?");
    REQUIRE(stmt);
    stmt->bind(5, 1);  // out of range: reported by step()
    auto row = stmt->step();
    REQUIRE_FALSE(row);
    CHECK_THAT(row.error().message, Catch::Contains("parameter 5"));
}

TEST_CASE("sqlite: user_version round-trips", "[store][sqlite]") {
    test::TempDir dir;
    {
        auto db = Db::open(dir / "v.sqlite", OpenMode::create);
        REQUIRE(db);
        CHECK(*db->user_version() == 0);
        REQUIRE(db->set_user_version(7));
    }
    auto db = Db::open(dir / "v.sqlite", OpenMode::read_only);
    REQUIRE(db);
    CHECK(*db->user_version() == 7);
}
