// A step's process: spawned in a session (and so a process group) of its
// own, stdin from /dev/null, stdout and stderr into one pipe. Stopping it
// stops the whole group, background children included: SIGTERM, a grace
// period, then SIGKILL. deja becomes the reaper of the orphans a step leaves,
// so it can tell when every process of the group is really gone.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "base/file.hpp"
#include "base/result.hpp"

namespace run {

using base::Fd;

struct SpawnSpec {
    std::vector<std::string> argv;         // argv[0] is looked up in the PATH of `environment`
    std::vector<std::string> environment;  // "NAME=value", the complete environment
    std::filesystem::path cwd;             // empty: inherit
};

// How a process ended, as waitpid reported it.
struct ExitStatus {
    int exit_code = 0;              // WEXITSTATUS, or 128+N when killed by signal N
    std::optional<int> signal;
};

class Child {
public:
    // Fails (with the reason) when the program cannot be started or the
    // working directory cannot be entered.
    static base::Result<Child> spawn(const SpawnSpec& spec);
    Child(Child&& other) noexcept;
    Child& operator=(Child&&) = delete;
    Child(const Child&) = delete;
    Child& operator=(const Child&) = delete;
    // A child still running is stopped with SIGKILL (group) and reaped.
    ~Child();

    pid_t pid() const { return pid_; }
    int output_fd() const { return output_.get(); }
    void close_output() { output_.reset(); }
    // Readable when the main process has exited; -1 when pidfd is unavailable.
    int exit_fd() const { return pidfd_.get(); }

    // Reaps the main process if it has exited.
    bool poll_exit();
    const std::optional<ExitStatus>& status() const { return status_; }

    // Anything of the group (main process or its descendants) still alive.
    bool group_alive();
    // Stops every process of the group: SIGTERM, `grace`, SIGKILL. `tick` is
    // called while waiting (to keep draining output). Returns once all are gone.
    void stop_group(std::chrono::milliseconds grace, const std::function<void()>& tick = {});

private:
    Child() = default;
    void reap_group();
    pid_t pid_ = -1;
    Fd output_;
    Fd pidfd_;
    std::optional<ExitStatus> status_;
};

ExitStatus decode_wait_status(int status);

}  // namespace run
