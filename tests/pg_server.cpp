#include "pg_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <fcntl.h>
#include <pwd.h>
#include <sys/wait.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <stdexcept>

#include <catch2/catch.hpp>

namespace test {

namespace {

const char* runuser = "/usr/sbin/runuser";
const char* service_user = "deja-test";

std::optional<fs::path> find_bin_dir() {
    std::error_code ec;
    std::vector<fs::path> candidates;
    for (const auto& entry : fs::directory_iterator("/usr/lib/postgresql", ec)) {
        fs::path bin = entry.path() / "bin";
        if (fs::exists(bin / "initdb", ec) && fs::exists(bin / "pg_ctl", ec)) candidates.push_back(bin);
    }
    if (candidates.empty()) return std::nullopt;
    // Prefer 15 (what setup.sh installs on Debian 12), else the newest.
    for (const auto& c : candidates)
        if (c.parent_path().filename() == "15") return c;
    std::sort(candidates.begin(), candidates.end(), [](const fs::path& a, const fs::path& b) {
        return std::stoi(a.parent_path().filename().string()) < std::stoi(b.parent_path().filename().string());
    });
    return candidates.back();
}

int free_port() {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) throw std::runtime_error("cannot create a socket");
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof addr;
    if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
        close(fd);
        throw std::runtime_error("cannot find a free port");
    }
    int port = ntohs(addr.sin_port);
    close(fd);
    return port;
}

std::string current_user_name() {
    if (const passwd* pw = getpwuid(geteuid())) return pw->pw_name;
    return "postgres";
}

// Root: a dedicated unprivileged account, created once when missing.
std::string server_user() {
    if (geteuid() != 0) return current_user_name();
    if (!getpwnam(service_user)) {
        auto out = run({"/usr/sbin/useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin",
                        service_user});
        // Another test process may have created it at the same moment.
        if (!getpwnam(service_user)) {
            if (getpwnam("nobody")) return "nobody";
            throw std::runtime_error("cannot create user " + std::string(service_user) + ": " + out.err);
        }
    }
    return service_user;
}

void give_to(const fs::path& path, const std::string& user) {
    const passwd* pw = getpwnam(user.c_str());
    if (!pw || geteuid() != 0) return;
    if (chown(path.c_str(), pw->pw_uid, pw->pw_gid) != 0)
        throw std::runtime_error("cannot give " + path.string() + " to " + user);
}

}  // namespace

std::optional<std::string> PgServer::unavailable() {
    if (!find_bin_dir()) return "PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin";
    std::error_code ec;
    if (!fs::exists("/usr/bin/psql", ec)) return "psql not found";
    if (geteuid() == 0 && !fs::exists(runuser, ec)) return "runuser not found (needed to run PostgreSQL as non-root)";
    return std::nullopt;
}

std::vector<std::string> PgServer::as_user(std::vector<std::string> argv) const {
    if (geteuid() != 0) return argv;
    std::vector<std::string> wrapped{runuser, "-u", user_, "--"};
    wrapped.insert(wrapped.end(), argv.begin(), argv.end());
    return wrapped;
}

PgServer::PgServer() {
    auto bin = find_bin_dir();
    if (!bin) throw std::runtime_error("PostgreSQL is not installed");
    bin_ = *bin;
    user_ = server_user();
    // The unprivileged server must be able to reach its folders.
    fs::permissions(dir_.path(), fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                     fs::perms::others_read | fs::perms::others_exec);
    fs::path data = dir_ / "data";
    fs::path socket_dir = dir_ / "socket";
    fs::create_directories(data);
    fs::create_directories(socket_dir);
    fs::permissions(data, fs::perms::owner_all);
    give_to(data, user_);
    give_to(socket_dir, user_);
    give_to(dir_.path(), user_);

    auto init = run(as_user({(bin_ / "initdb").string(), "-D", data.string(), "-U", user_, "-A", "trust",
                             "--no-sync", "-E", "UTF8", "--locale=C"}),
                    {{"LC_ALL", "C"}});
    if (init.exit_code != 0) throw std::runtime_error("initdb failed: " + init.out + init.err);

    std::string last_error;
    for (int attempt = 0; attempt < 5; ++attempt) {
        port_ = free_port();
        std::string options = "-p " + std::to_string(port_) + " -k " + socket_dir.string() +
                              " -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off"
                              " -c full_page_writes=off";
        auto start = run(as_user({(bin_ / "pg_ctl").string(), "-D", data.string(), "-l", (dir_ / "server.log").string(),
                                  "-w", "-t", "60", "-o", options, "start"}),
                         {{"LC_ALL", "C"}});
        if (start.exit_code == 0) {
            running_ = true;
            start_watchdog();
            return;
        }
        last_error = start.out + start.err + server_log();
        // Another process may have taken the port between bind and start.
    }
    throw std::runtime_error("pg_ctl start failed: " + last_error);
}

// A shell in a session of its own waits on a pipe from this process. A clean
// shutdown writes a line first, and the shell just exits; end-of-file without
// one means this process died, and the shell stops the server and removes its
// folder, so a killed test run leaves no server behind. The shell is started
// through a second fork and so is not this process's descendant: CTest kills a
// timed-out test together with every descendant it finds.
void PgServer::start_watchdog() {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) return;
    std::string script =
        "read -r line || { \"$@\" >/dev/null 2>&1; rm -rf \"$DEJA_PG_DIR\"; }";
    std::vector<std::string> stop = as_user({(bin_ / "pg_ctl").string(), "-D", (dir_ / "data").string(), "-m",
                                             "immediate", "-w", "-t", "60", "stop"});
    std::vector<std::string> argv{"/bin/sh", "-c", script, "deja-pg-watchdog"};
    argv.insert(argv.end(), stop.begin(), stop.end());
    std::vector<char*> cargv;
    for (auto& a : argv) cargv.push_back(a.data());
    cargv.push_back(nullptr);
    std::string dir = dir_.path().string();
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return;
    }
    if (pid == 0) {
        setsid();
        if (fork() != 0) _exit(0);  // the watchdog is the grandchild, adopted by init
        dup2(fds[0], STDIN_FILENO);
        int null = open("/dev/null", O_WRONLY);
        dup2(null, STDOUT_FILENO);
        dup2(null, STDERR_FILENO);
        // Only the pipe's read end may stay open: any other inherited copy of
        // its write end would keep the watchdog waiting forever.
        for (int fd = 3; fd < 1024; ++fd) close(fd);
        setenv("DEJA_PG_DIR", dir.c_str(), 1);
        execv(cargv[0], cargv.data());
        _exit(127);
    }
    close(fds[0]);
    waitpid(pid, nullptr, 0);
    watchdog_ = fds[1];
}

PgServer::~PgServer() {
    if (!running_) return;
    run(as_user({(bin_ / "pg_ctl").string(), "-D", (dir_ / "data").string(), "-m", "immediate", "-w", "-t", "60",
                 "stop"}),
        {{"LC_ALL", "C"}});
    if (watchdog_ >= 0) {
        [[maybe_unused]] auto written = write(watchdog_, "done\n", 5);
        close(watchdog_);
    }
}

std::string PgServer::url(const std::string& database) const {
    return "postgresql://" + user_ + "@127.0.0.1:" + std::to_string(port_) + "/" + database;
}

Output PgServer::psql(const std::string& sql, const std::string& database) const {
    return run({"psql", "-X", "-w", "-v", "ON_ERROR_STOP=1", "-At", "-d", url(database), "-c", sql});
}

std::string PgServer::query(const std::string& sql, const std::string& database) const {
    auto out = psql(sql, database);
    if (out.exit_code != 0) throw std::runtime_error("psql failed: " + out.err);
    std::string text = out.out;
    while (!text.empty() && text.back() == '\n') text.pop_back();
    return text;
}

void PgServer::create_database(const std::string& name) const {
    query("CREATE DATABASE \"" + name + "\"");
}

std::string PgServer::server_log() const { return read_file(dir_ / "server.log"); }

std::unique_ptr<PgServer> start_postgres_or_warn() {
    if (auto why = PgServer::unavailable()) {
        WARN("skipped: " << *why << " (scripts/setup.sh installs it)");
        return nullptr;
    }
    return std::make_unique<PgServer>();
}

}  // namespace test
