#include "run/interrupt.hpp"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <csignal>
#include <cerrno>
#include <stdexcept>

namespace run {

namespace {

int pipe_read = -1;
int pipe_write = -1;
volatile std::sig_atomic_t received = 0;
struct sigaction previous[4];
constexpr int handled[] = {SIGINT, SIGTERM, SIGHUP, SIGPIPE};

extern "C" void on_signal(int sig) {
    int saved = errno;
    if (received == 0) received = sig;
    char byte = 1;
    [[maybe_unused]] auto ignored = ::write(pipe_write, &byte, 1);
    errno = saved;
}

}  // namespace

InterruptGuard::InterruptGuard() {
    if (pipe_read >= 0) throw std::logic_error("one interrupt guard at a time");
    int fds[2];
    if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) throw std::runtime_error("cannot create a pipe");
    pipe_read = fds[0];
    pipe_write = fds[1];
    received = 0;
    for (std::size_t i = 0; i < 4; ++i) {
        struct sigaction action {};
        sigemptyset(&action.sa_mask);
        // No SA_RESTART: a prompt waiting on the terminal returns EINTR and
        // sees the interruption.
        action.sa_flags = 0;
        action.sa_handler = handled[i] == SIGPIPE ? SIG_IGN : on_signal;
        sigaction(handled[i], &action, &previous[i]);
    }
}

InterruptGuard::~InterruptGuard() {
    for (std::size_t i = 0; i < 4; ++i) sigaction(handled[i], &previous[i], nullptr);
    ::close(pipe_read);
    ::close(pipe_write);
    pipe_read = pipe_write = -1;
}

int InterruptGuard::fd() const { return pipe_read; }
bool InterruptGuard::interrupted() const { return received != 0; }
int InterruptGuard::signal() const { return static_cast<int>(received); }

}  // namespace run
