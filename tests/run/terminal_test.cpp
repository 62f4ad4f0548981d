// deja run on a real terminal (a pseudo-terminal the test drives): the run's
// confirmation, a secret param typed without echo, and Ctrl-C typed while a
// step runs, which the terminal delivers to deja alone.
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>

#include <catch2/catch.hpp>

#include "run/run_support.hpp"

namespace fs = std::filesystem;
using runtest::Kb;

namespace {

class TerminalDeja {
public:
    TerminalDeja(const Kb& kb, const std::vector<std::string>& args) {
        std::vector<std::string> argv{DEJA_BINARY, "--kb", kb.kb().string()};
        argv.insert(argv.end(), args.begin(), args.end());
        std::vector<char*> cargv;
        for (auto& a : argv) cargv.push_back(a.data());
        cargv.push_back(nullptr);
        std::string state = kb.state().string();
        std::string cache = (kb.path() / "home" / "cache").string();
        pid_ = forkpty(&master_, nullptr, nullptr, nullptr);
        REQUIRE(pid_ >= 0);
        if (pid_ == 0) {
            unsetenv("DEJA_KB");
            setenv("DEJA_STATE_DIR", state.c_str(), 1);
            setenv("DEJA_CACHE_DIR", cache.c_str(), 1);
            setenv("DEJA_KILL_GRACE_MS", "300", 1);
            setenv("NO_COLOR", "1", 1);
            execv(cargv[0], cargv.data());
            _exit(127);
        }
    }
    ~TerminalDeja() {
        if (pid_ > 0) {
            kill(pid_, SIGKILL);
            waitpid(pid_, nullptr, 0);
        }
        close(master_);
    }

    // Reads until `text` has appeared (true) or the terminal closed or a
    // minute passed (false).
    bool expect(const std::string& text) {
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
        while (output_.find(text, seen_) == std::string::npos) {
            if (std::chrono::steady_clock::now() > deadline || !read_some(1000)) return false;
        }
        seen_ = output_.find(text, seen_) + text.size();
        return true;
    }
    void send(const std::string& text) { REQUIRE(write(master_, text.data(), text.size()) == ssize_t(text.size())); }
    int wait() {
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
        while (std::chrono::steady_clock::now() < deadline && read_some(1000)) {
        }
        // Still running after the deadline: a failure, not a hang of the suite.
        if (std::chrono::steady_clock::now() >= deadline) kill(pid_, SIGKILL);
        int status = 0;
        REQUIRE(waitpid(pid_, &status, 0) == pid_);
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    const std::string& output() const { return output_; }

private:
    bool read_some(int timeout_ms) {
        pollfd p{master_, POLLIN, 0};
        int r = poll(&p, 1, timeout_ms);
        if (r == 0) return true;
        char buf[4096];
        ssize_t n = read(master_, buf, sizeof buf);
        if (n <= 0) return false;  // EIO once deja and its terminal are gone
        output_.append(buf, static_cast<std::size_t>(n));
        return true;
    }
    pid_t pid_ = -1;
    int master_ = -1;
    std::string output_;
    std::size_t seen_ = 0;
};

const char* guarded = R"(---
id: guarded
title: Asks first
params:
  MARK: {description: marker folder, required: true}
  TOKEN: {description: an API token, required: true, secret: true}
---
# Guarded

```sh {"name":"change","kind":"apply"}
echo "using $TOKEN"
touch "$MARK/changed"
```
)";

}  // namespace

TEST_CASE("on a terminal deja asks once before changing anything", "[run][terminal]") {
    Kb kb;
    kb.add("guarded", guarded);
    std::vector<std::string> args{"run", "guarded", "-p", "MARK=" + kb.path().string(), "-p", "TOKEN=abc123xyz"};

    SECTION("yes runs the steps") {
        TerminalDeja deja(kb, args);
        REQUIRE(deja.expect("[y/N]"));
        CHECK_FALSE(fs::exists(kb / "changed"));
        deja.send("y\n");
        INFO(deja.output());
        CHECK(deja.wait() == 0);
        CHECK(fs::exists(kb / "changed"));
        CHECK(deja.output().find("abc123xyz") == std::string::npos);
    }
    SECTION("anything else refuses") {
        TerminalDeja deja(kb, args);
        REQUIRE(deja.expect("[y/N]"));
        deja.send("\n");
        INFO(deja.output());
        CHECK(deja.wait() == 2);
        CHECK_FALSE(fs::exists(kb / "changed"));
    }
}

TEST_CASE("a missing secret param is asked for on the terminal without echo", "[run][terminal]") {
    Kb kb;
    kb.add("guarded", guarded);
    TerminalDeja deja(kb, {"run", "guarded", "--yes", "-p", "MARK=" + kb.path().string()});
    REQUIRE(deja.expect("TOKEN"));
    deja.send("typed-secret-42\n");
    INFO(deja.output());
    CHECK(deja.wait() == 0);
    CHECK(fs::exists(kb / "changed"));
    CHECK(deja.output().find("typed-secret-42") == std::string::npos);
    CHECK_THAT(deja.output(), Catch::Contains("using ••••••"));
}

TEST_CASE("Ctrl-C typed on the terminal stops the running step and deja exits 130", "[run][terminal][signal]") {
    Kb kb;
    kb.add("sleepy", R"(---
id: sleepy
title: Sleeps
params:
  MARK: {description: marker folder, required: true}
---
# Sleepy

```sh {"name":"nap","kind":"apply"}
echo $$ > "$MARK/main.pid"
echo napping
sleep 300
```
)");
    TerminalDeja deja(kb, {"run", "sleepy", "--yes", "-p", "MARK=" + kb.path().string()});
    REQUIRE(deja.expect("napping"));
    auto main = runtest::wait_for_pid_file(kb / "main.pid");
    REQUIRE(main);
    deja.send("\x03");  // the terminal's interrupt character
    INFO(deja.output());
    CHECK(deja.wait() == 130);
    CHECK(runtest::process_gone(*main));
    CHECK_THAT(deja.output(), Catch::Contains("interrupted"));
}
