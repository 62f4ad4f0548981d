// A thin RAII layer over the SQLite C API, shared by the index (a cache) and
// the run history (state): connections, prepared statements with typed binds
// and column reads, and transactions that roll back unless committed. Every
// failure comes back as a base::Error naming the database file.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace store::sqlite {

namespace fs = std::filesystem;

enum class OpenMode { read_only, read_write, create };

// How long bound text/blob bytes must live: `copy` lets the caller free them
// at once; `borrow` skips the copy (bulk inserts) and requires the bytes to
// outlive the next step()/reset().
enum class Lifetime { copy, borrow };

class Statement;

class Db {
public:
    static base::Result<Db> open(const fs::path& path, OpenMode mode);
    // A private in-memory database (tests, scratch work).
    static base::Result<Db> open_memory();

    Db(Db&& other) noexcept;
    Db& operator=(Db&& other) noexcept;
    Db(const Db&) = delete;
    Db& operator=(const Db&) = delete;
    ~Db();

    sqlite3* handle() const { return db_; }
    const fs::path& path() const { return path_; }

    // One or more statements without results (schema, pragmas).
    base::Status exec(std::string_view sql);
    base::Result<Statement> prepare(std::string_view sql) const;

    // Waits up to `timeout` for another connection's lock instead of failing.
    void busy_timeout(std::chrono::milliseconds timeout);

    base::Result<long long> user_version() const;
    base::Status set_user_version(long long version);

    long long last_insert_rowid() const;
    int changes() const;

    // "<what>: <SQLite's message> (<path>)".
    base::Error error(std::string_view what) const;

private:
    Db(sqlite3* db, fs::path path) : db_(db), path_(std::move(path)) {}
    sqlite3* db_ = nullptr;
    fs::path path_;
};

// A prepared statement; must not outlive the connection it was prepared on
// (moving the Db is fine). Binds are chained and any bind failure is
// reported by the next step().
class Statement {
public:
    Statement(Statement&& other) noexcept;
    Statement& operator=(Statement&& other) noexcept;
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;
    ~Statement();

    // Parameters are 1-based, as in SQLite.
    Statement& bind(int index, std::string_view text, Lifetime lifetime = Lifetime::copy);
    Statement& bind(int index, const char* text) { return bind(index, std::string_view(text)); }
    Statement& bind(int index, const std::string& text) { return bind(index, std::string_view(text)); }
    Statement& bind(int index, long long value);
    Statement& bind(int index, int value) { return bind(index, static_cast<long long>(value)); }
    Statement& bind(int index, double value);
    Statement& bind_blob(int index, std::string_view bytes, Lifetime lifetime = Lifetime::copy);
    Statement& bind_null(int index);
    Statement& bind(int index, const std::optional<std::string>& text);

    // true: a row is available; false: the statement is done.
    base::Result<bool> step();
    // Steps to the end, for statements that return no rows.
    base::Status run();
    // Ready to run again; bindings are cleared.
    void reset();

    int column_count() const;
    bool is_null(int column) const;
    long long integer(int column) const;
    double real(int column) const;
    std::string text(int column) const;
    // Valid until the next step()/reset().
    std::string_view text_view(int column) const;
    std::string blob(int column) const;

    sqlite3_stmt* handle() const { return stmt_; }

private:
    friend class Db;
    Statement(sqlite3_stmt* stmt, fs::path path) : stmt_(stmt), path_(std::move(path)) {}
    void note_bind(int rc, int index);
    sqlite3_stmt* stmt_ = nullptr;
    fs::path path_;  // for messages
    std::string bind_error_;
};

// BEGIN on creation; ROLLBACK on destruction unless commit() succeeded.
class Transaction {
public:
    enum class Kind { deferred, immediate, exclusive };
    static base::Result<Transaction> begin(Db& db, Kind kind = Kind::deferred);

    Transaction(Transaction&& other) noexcept;
    Transaction& operator=(Transaction&&) = delete;
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    ~Transaction();

    base::Status commit();

private:
    explicit Transaction(Db* db) : db_(db) {}
    Db* db_ = nullptr;  // null once committed or rolled back
};

}  // namespace store::sqlite
