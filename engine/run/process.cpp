#include "run/process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

extern char** environ;

namespace run {

ExitStatus decode_wait_status(int status) {
    ExitStatus s;
    if (WIFEXITED(status)) {
        s.exit_code = WEXITSTATUS(status);
    } else if (WIFSIGNALED(status)) {
        s.signal = WTERMSIG(status);
        s.exit_code = 128 + WTERMSIG(status);
    }
    return s;
}

namespace {

void become_subreaper() {
    // Orphans of a step's group are then re-parented to deja rather than to
    // PID 1 (which, in a container, may never reap them), so deja can wait
    // until the group is really empty.
    static const bool done = [] {
        prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
        return true;
    }();
    (void)done;
}

void write_all(int fd, const void* data, std::size_t size) {
    auto* p = static_cast<const char*>(data);
    while (size > 0) {
        ssize_t w = ::write(fd, p, size);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return;
        p += w;
        size -= static_cast<std::size_t>(w);
    }
}

}  // namespace

base::Result<Child> Child::spawn(const SpawnSpec& spec) {
    if (spec.argv.empty()) return base::error("nothing to run");
    become_subreaper();

    int out[2], report[2];
    if (pipe2(out, O_CLOEXEC) != 0) return base::error(std::string("cannot create a pipe: ") + std::strerror(errno));
    Fd out_read(out[0]), out_write(out[1]);
    // The child reports a failed chdir/exec through this pipe; a successful
    // exec closes it (O_CLOEXEC) and the parent reads end-of-file.
    if (pipe2(report, O_CLOEXEC) != 0) return base::error(std::string("cannot create a pipe: ") + std::strerror(errno));
    Fd report_read(report[0]), report_write(report[1]);
    Fd devnull(::open("/dev/null", O_RDONLY | O_CLOEXEC));

    // Everything the child needs is prepared before fork: after it, only
    // async-signal-safe calls.
    std::vector<char*> argv;
    for (const auto& a : spec.argv) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    std::vector<char*> envp;
    for (const auto& e : spec.environment) envp.push_back(const_cast<char*>(e.c_str()));
    envp.push_back(nullptr);
    std::string cwd = spec.cwd.string();

    pid_t pid = fork();
    if (pid < 0) return base::error(std::string("cannot start a process: ") + std::strerror(errno));
    if (pid == 0) {
        setsid();
        struct sigaction dfl {};
        dfl.sa_handler = SIG_DFL;
        for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE, SIGCHLD}) sigaction(sig, &dfl, nullptr);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, nullptr);
        if (devnull) dup2(devnull.get(), STDIN_FILENO);
        else ::close(STDIN_FILENO);
        dup2(out_write.get(), STDOUT_FILENO);
        dup2(out_write.get(), STDERR_FILENO);
        int stage = 0;
        if (!cwd.empty() && chdir(cwd.c_str()) != 0) {
            int err[2] = {stage, errno};
            write_all(report_write.get(), err, sizeof err);
            _exit(127);
        }
        stage = 1;
        environ = envp.data();
        execvp(argv[0], argv.data());
        int err[2] = {stage, errno};
        write_all(report_write.get(), err, sizeof err);
        _exit(127);
    }
    out_write.reset();
    report_write.reset();

    Child child;
    child.pid_ = pid;
    child.output_ = std::move(out_read);
    fcntl(child.output_.get(), F_SETFL, fcntl(child.output_.get(), F_GETFL) | O_NONBLOCK);

    // End-of-file here means exec succeeded, so setsid() ran: the group exists
    // before anyone can signal it.
    int err[2] = {0, 0};
    ssize_t got;
    do {
        got = ::read(report_read.get(), err, sizeof err);
    } while (got < 0 && errno == EINTR);
    if (got == static_cast<ssize_t>(sizeof err)) {
        int status = 0;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
        child.pid_ = -1;
        if (err[0] == 0) return base::error("cannot enter the working directory " + cwd + ": " + std::strerror(err[1]));
        return base::error("cannot run " + spec.argv[0] + ": " + std::strerror(err[1]));
    }
    long fd = syscall(SYS_pidfd_open, pid, 0);
    if (fd >= 0) child.pidfd_.reset(static_cast<int>(fd));
    return child;
}

Child::Child(Child&& other) noexcept
    : pid_(other.pid_), output_(std::move(other.output_)), pidfd_(std::move(other.pidfd_)), status_(other.status_) {
    other.pid_ = -1;
}

Child::~Child() {
    if (pid_ > 0) stop_group(std::chrono::milliseconds(0));
}

bool Child::poll_exit() {
    if (status_) return true;
    if (pid_ <= 0) return false;
    int status = 0;
    pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
        status_ = decode_wait_status(status);
        return true;
    }
    return false;
}

void Child::reap_group() {
    if (pid_ <= 0) return;
    int status = 0;
    pid_t r;
    // Members of the group that are deja's children: the main process and,
    // deja being a subreaper, the orphans it left.
    while ((r = waitpid(-pid_, &status, WNOHANG)) > 0) {
        if (r == pid_ && !status_) status_ = decode_wait_status(status);
    }
    if (!status_) poll_exit();
}

bool Child::group_alive() {
    if (pid_ <= 0) return false;
    reap_group();
    if (::kill(-pid_, 0) == 0) return true;
    return errno == EPERM;
}

void Child::stop_group(std::chrono::milliseconds grace, const std::function<void()>& tick) {
    using clock = std::chrono::steady_clock;
    if (pid_ <= 0) return;
    auto wait_until_gone = [&](clock::time_point deadline) {
        while (group_alive()) {
            if (clock::now() >= deadline) return false;
            if (tick) tick();
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        return true;
    };
    if (group_alive()) {
        if (grace.count() > 0) {
            ::kill(-pid_, SIGTERM);
            ::kill(-pid_, SIGCONT);  // a stopped process acts on SIGTERM only once continued
            if (!wait_until_gone(clock::now() + grace)) ::kill(-pid_, SIGKILL);
        } else {
            ::kill(-pid_, SIGKILL);
        }
        // SIGKILL cannot be caught; the bound only guards against a process
        // stuck in the kernel (uninterruptible I/O).
        wait_until_gone(clock::now() + std::chrono::seconds(30));
    }
    if (!status_) {
        int status = 0;
        if (waitpid(pid_, &status, WNOHANG) == pid_) status_ = decode_wait_status(status);
    }
    pid_ = -1;
}

}  // namespace run
