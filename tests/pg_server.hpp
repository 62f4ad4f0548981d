// A throwaway PostgreSQL server for tests: Debian's initdb + pg_ctl on a free
// loopback port, data and socket in a temporary folder, run as an
// unprivileged user when the tests run as root (PostgreSQL refuses root).
// Stopped and removed when the object goes away; a watchdog process does it
// when the test process dies without running destructors (a ctest timeout).
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "support.hpp"

namespace test {

class PgServer {
public:
    // Starts a fresh cluster; throws std::runtime_error with initdb's or
    // pg_ctl's output when it cannot.
    PgServer();
    ~PgServer();
    PgServer(const PgServer&) = delete;
    PgServer& operator=(const PgServer&) = delete;

    // Why no server can be started here (binaries missing), or nullopt.
    static std::optional<std::string> unavailable();

    // postgresql://USER@127.0.0.1:PORT/DATABASE (trust authentication).
    std::string url(const std::string& database = "postgres") const;
    const std::string& user() const { return user_; }
    int port() const { return port_; }
    const fs::path& bin_dir() const { return bin_; }
    const fs::path& folder() const { return dir_.path(); }  // data, socket and log

    // psql -X -w -v ON_ERROR_STOP=1 -At -c SQL against `database`.
    Output psql(const std::string& sql, const std::string& database = "postgres") const;
    // The output of a query that must succeed, without the final newline;
    // throws with psql's message otherwise.
    std::string query(const std::string& sql, const std::string& database = "postgres") const;
    void create_database(const std::string& name) const;
    std::string server_log() const;

private:
    std::vector<std::string> as_user(std::vector<std::string> argv) const;
    void start_watchdog();
    TempDir dir_;
    fs::path bin_;
    std::string user_;
    int port_ = 0;
    bool running_ = false;
    int watchdog_ = -1;  // write end of the pipe the watchdog waits on
};

// Starts a server for the current test, or WARNs why not and returns null
// (the test then returns early): only when PostgreSQL is not installed.
std::unique_ptr<PgServer> start_postgres_or_warn();

}  // namespace test
