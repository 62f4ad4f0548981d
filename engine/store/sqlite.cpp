#include "store/sqlite.hpp"

#include <sqlite3.h>

#include <utility>

namespace store::sqlite {

namespace {

base::Error open_error(sqlite3* db, int rc, const fs::path& path) {
    std::string message = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    return base::error("cannot open database: " + message + " (" + path.string() + ")");
}

}  // namespace

base::Result<Db> Db::open(const fs::path& path, OpenMode mode) {
    int flags = SQLITE_OPEN_NOMUTEX;
    switch (mode) {
        case OpenMode::read_only: flags |= SQLITE_OPEN_READONLY; break;
        case OpenMode::read_write: flags |= SQLITE_OPEN_READWRITE; break;
        case OpenMode::create: flags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE; break;
    }
    sqlite3* handle = nullptr;
    int rc = sqlite3_open_v2(path.c_str(), &handle, flags, nullptr);
    if (rc != SQLITE_OK) {
        base::Error e = open_error(handle, rc, path);
        sqlite3_close(handle);
        return e;
    }
    sqlite3_extended_result_codes(handle, 1);
    Db db(handle, path);
    db.busy_timeout(std::chrono::seconds(10));
    return db;
}

base::Result<Db> Db::open_memory() { return open(":memory:", OpenMode::create); }

Db::Db(Db&& other) noexcept : db_(std::exchange(other.db_, nullptr)), path_(std::move(other.path_)) {}

Db& Db::operator=(Db&& other) noexcept {
    if (this != &other) {
        if (db_) sqlite3_close_v2(db_);
        db_ = std::exchange(other.db_, nullptr);
        path_ = std::move(other.path_);
    }
    return *this;
}

Db::~Db() {
    if (db_) sqlite3_close_v2(db_);
}

base::Status Db::exec(std::string_view sql) {
    std::string owned(sql);
    char* message = nullptr;
    int rc = sqlite3_exec(db_, owned.c_str(), nullptr, nullptr, &message);
    if (rc != SQLITE_OK) {
        std::string text = message ? message : sqlite3_errstr(rc);
        sqlite3_free(message);
        return base::error("database statement failed: " + text + " (" + path_.string() + ")");
    }
    return base::Ok{};
}

base::Result<Statement> Db::prepare(std::string_view sql) const {
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                                &stmt, nullptr);
    if (rc != SQLITE_OK) return error("cannot prepare statement");
    return Statement(stmt, path_);
}

void Db::busy_timeout(std::chrono::milliseconds timeout) {
    sqlite3_busy_timeout(db_, static_cast<int>(timeout.count()));
}

base::Result<long long> Db::user_version() const {
    auto stmt = prepare("PRAGMA user_version");
    if (!stmt) return stmt.error();
    auto row = stmt->step();
    if (!row) return row.error();
    return *row ? stmt->integer(0) : 0LL;
}

base::Status Db::set_user_version(long long version) {
    return exec("PRAGMA user_version = " + std::to_string(version));
}

long long Db::last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }
int Db::changes() const { return sqlite3_changes(db_); }

base::Error Db::error(std::string_view what) const {
    return base::error(std::string(what) + ": " + sqlite3_errmsg(db_) + " (" + path_.string() + ")");
}

Statement::Statement(Statement&& other) noexcept
    : stmt_(std::exchange(other.stmt_, nullptr)), path_(std::move(other.path_)),
      bind_error_(std::move(other.bind_error_)) {}

Statement& Statement::operator=(Statement&& other) noexcept {
    if (this != &other) {
        if (stmt_) sqlite3_finalize(stmt_);
        stmt_ = std::exchange(other.stmt_, nullptr);
        path_ = std::move(other.path_);
        bind_error_ = std::move(other.bind_error_);
    }
    return *this;
}

Statement::~Statement() {
    if (stmt_) sqlite3_finalize(stmt_);
}

void Statement::note_bind(int rc, int index) {
    if (rc != SQLITE_OK && bind_error_.empty())
        bind_error_ = "cannot bind parameter " + std::to_string(index) + ": " + sqlite3_errstr(rc);
}

Statement& Statement::bind(int index, std::string_view text, Lifetime lifetime) {
    // A null data pointer would bind NULL; an empty string must stay a string.
    const char* data = text.data() ? text.data() : "";
    note_bind(sqlite3_bind_text64(stmt_, index, data, text.size(),
                                  lifetime == Lifetime::copy ? SQLITE_TRANSIENT : SQLITE_STATIC, SQLITE_UTF8),
              index);
    return *this;
}

Statement& Statement::bind(int index, long long value) {
    note_bind(sqlite3_bind_int64(stmt_, index, value), index);
    return *this;
}

Statement& Statement::bind(int index, double value) {
    note_bind(sqlite3_bind_double(stmt_, index, value), index);
    return *this;
}

Statement& Statement::bind_blob(int index, std::string_view bytes, Lifetime lifetime) {
    const char* data = bytes.data() ? bytes.data() : "";
    note_bind(sqlite3_bind_blob64(stmt_, index, data, bytes.size(),
                                  lifetime == Lifetime::copy ? SQLITE_TRANSIENT : SQLITE_STATIC),
              index);
    return *this;
}

Statement& Statement::bind_null(int index) {
    note_bind(sqlite3_bind_null(stmt_, index), index);
    return *this;
}

Statement& Statement::bind(int index, const std::optional<std::string>& text) {
    return text ? bind(index, std::string_view(*text)) : bind_null(index);
}

base::Result<bool> Statement::step() {
    if (!bind_error_.empty()) {
        std::string message = std::move(bind_error_);
        bind_error_.clear();
        return base::error(message + " (" + path_.string() + ")");
    }
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    std::string sql = sqlite3_sql(stmt_) ? sqlite3_sql(stmt_) : "";
    if (sql.size() > 60) sql = sql.substr(0, 57) + "...";
    return base::error("database statement failed [" + sql + "]: " + sqlite3_errmsg(sqlite3_db_handle(stmt_)) +
                     " (" + path_.string() + ")");
}

base::Status Statement::run() {
    for (;;) {
        auto row = step();
        if (!row) return row.error();
        if (!*row) return base::Ok{};
    }
}

void Statement::reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
    bind_error_.clear();
}

int Statement::column_count() const { return sqlite3_column_count(stmt_); }
bool Statement::is_null(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }
long long Statement::integer(int column) const { return sqlite3_column_int64(stmt_, column); }
double Statement::real(int column) const { return sqlite3_column_double(stmt_, column); }

std::string_view Statement::text_view(int column) const {
    const unsigned char* data = sqlite3_column_text(stmt_, column);
    int size = sqlite3_column_bytes(stmt_, column);
    if (!data) return {};
    return {reinterpret_cast<const char*>(data), static_cast<std::size_t>(size)};
}

std::string Statement::text(int column) const { return std::string(text_view(column)); }

std::string Statement::blob(int column) const {
    const void* data = sqlite3_column_blob(stmt_, column);
    int size = sqlite3_column_bytes(stmt_, column);
    if (!data) return {};
    return {static_cast<const char*>(data), static_cast<std::size_t>(size)};
}

base::Result<Transaction> Transaction::begin(Db& db, Kind kind) {
    const char* sql = kind == Kind::immediate   ? "BEGIN IMMEDIATE"
                      : kind == Kind::exclusive ? "BEGIN EXCLUSIVE"
                                                : "BEGIN";
    if (auto s = db.exec(sql); !s) return s.error();
    return Transaction(&db);
}

Transaction::Transaction(Transaction&& other) noexcept : db_(std::exchange(other.db_, nullptr)) {}

Transaction::~Transaction() {
    // A failed COMMIT may already have ended the transaction; ROLLBACK is then
    // a harmless no-op error, which is why its result is not checked.
    if (db_ && !sqlite3_get_autocommit(db_->handle())) sqlite3_exec(db_->handle(), "ROLLBACK", nullptr, nullptr, nullptr);
}

base::Status Transaction::commit() {
    if (!db_) return base::error("transaction already finished");
    auto s = db_->exec("COMMIT");
    if (s) db_ = nullptr;
    return s;
}

}  // namespace store::sqlite
