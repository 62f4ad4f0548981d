#include "run/step_process.hpp"

#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

#include "run/capture.hpp"

namespace run {

std::chrono::milliseconds default_kill_grace() {
    if (const char* v = std::getenv("DEJA_KILL_GRACE_MS"); v && *v) {
        char* end = nullptr;
        long ms = std::strtol(v, &end, 10);
        if (end && *end == '\0' && ms >= 0) return std::chrono::milliseconds(ms);
    }
    return std::chrono::milliseconds(5000);
}

// How long a line still being written waits for its end before it is shown
// as it is (a prompt, dots printed while waiting).
constexpr std::chrono::milliseconds line_wait{200};

ProcessResult run_process(const SpawnSpec& spec, const ProcessLimits& limits, const Masker& masker,
                          const std::function<void(std::string_view)>& show, const InterruptGuard& interrupt) {
    using clock = std::chrono::steady_clock;
    ProcessResult result;
    auto started = clock::now();
    auto spawned = Child::spawn(spec);
    if (!spawned) {
        result.error = spawned.error().message;
        return result;
    }
    Child& child = spawned.value();
    StreamMasker stream(masker);
    Capture capture(limits.capture_limit);
    auto emit = [&](std::string_view raw) {
        std::string safe = stream.feed(raw);
        if (safe.empty()) return;
        capture.append(safe);
        if (show) show(safe);
    };
    char buffer[65536];
    // Reads what is available now; false once the pipe is closed or dry.
    auto drain = [&] {
        while (child.output_fd() >= 0) {
            ssize_t n = ::read(child.output_fd(), buffer, sizeof buffer);
            if (n > 0) {
                emit(std::string_view(buffer, static_cast<std::size_t>(n)));
                continue;
            }
            if (n < 0 && errno == EINTR) continue;
            if (n == 0) child.close_output();
            return;
        }
    };

    auto deadline = started + limits.timeout;
    // Since when a line still being written has waited for its end.
    bool line_held = false;
    clock::time_point held_since{};
    result.end = ProcessEnd::exited;
    while (true) {
        if (interrupt.interrupted()) {
            result.end = ProcessEnd::interrupted;
            break;
        }
        if (child.poll_exit()) break;
        auto now = clock::now();
        if (now >= deadline) {
            result.end = ProcessEnd::timed_out;
            break;
        }
        pollfd fds[3];
        nfds_t n = 0;
        if (child.output_fd() >= 0) fds[n++] = {child.output_fd(), POLLIN, 0};
        if (child.exit_fd() >= 0) fds[n++] = {child.exit_fd(), POLLIN, 0};
        fds[n++] = {interrupt.fd(), POLLIN, 0};
        auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count() + 1;
        // Without a pidfd the exit is noticed by polling waitpid.
        if (child.exit_fd() < 0 && wait > 50) wait = 50;
        if (line_held) wait = std::min<long long>(wait, line_wait.count());
        int ready = ::poll(fds, n, static_cast<int>(std::min<long long>(wait, 60'000)));
        if (ready < 0 && errno != EINTR) break;
        drain();
        // A line still being written is shown once it has waited line_wait
        // for its end.
        if (!stream.holding()) {
            line_held = false;
        } else if (!line_held) {
            line_held = true;
            held_since = clock::now();
        } else if (clock::now() - held_since >= line_wait) {
            std::string partial = stream.flush_quiet();
            if (!partial.empty()) {
                capture.append(partial);
                if (show) show(partial);
            }
            line_held = false;
        }
    }
    // The main process has ended (or must be stopped); whatever it left in
    // its group goes too, and the pipe is emptied while they wind down.
    child.stop_group(result.end == ProcessEnd::exited ? std::chrono::milliseconds(std::min<long long>(
                                                            limits.kill_grace.count(), 1000))
                                                      : limits.kill_grace,
                     drain);
    drain();
    std::string rest = stream.flush();
    if (!rest.empty()) {
        capture.append(rest);
        if (show) show(rest);
    }
    result.status = child.status();
    result.output = capture.text();
    result.output_truncated = capture.truncated();
    result.duration = std::chrono::duration_cast<std::chrono::milliseconds>(clock::now() - started);
    return result;
}

}  // namespace run
