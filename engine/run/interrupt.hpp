// Ctrl-C and SIGTERM while a runbook runs: instead of dying with a step
// half-done and unrecorded, deja notes the signal (a self-pipe the step loop
// polls), stops the running step's process group, records the run as
// interrupted and exits 130. Steps run in their own session, so a terminal's
// Ctrl-C reaches deja only; deja passes it on.
#pragma once

namespace run {

class InterruptGuard {
public:
    // Installs the handlers (SIGINT, SIGTERM, SIGHUP; SIGPIPE ignored so a
    // closed stdout does not kill a run midway). One guard at a time.
    InterruptGuard();
    ~InterruptGuard();
    InterruptGuard(const InterruptGuard&) = delete;
    InterruptGuard& operator=(const InterruptGuard&) = delete;

    // Readable once a signal arrived.
    int fd() const;
    bool interrupted() const;
    int signal() const;  // the first signal received, 0 when none
};

}  // namespace run
