// Running one step's process to its end: output streamed live (masked) and
// captured, the step's timeout enforced, an interruption of deja honoured.
// Either way the step's whole process group is gone when this returns.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "kb/model.hpp"
#include "run/interrupt.hpp"
#include "run/mask.hpp"
#include "run/process.hpp"

namespace run {

// DEJA_KILL_GRACE_MS overrides the default 5 s between SIGTERM and SIGKILL.
std::chrono::milliseconds default_kill_grace();

struct ProcessLimits {
    std::chrono::milliseconds timeout = kb::default_step_timeout;
    std::chrono::milliseconds kill_grace{5000};
    std::size_t capture_limit = 1 << 20;
};

enum class ProcessEnd { exited, timed_out, interrupted, not_started };

struct ProcessResult {
    ProcessEnd end = ProcessEnd::not_started;
    std::optional<ExitStatus> status;
    std::string output;  // masked, last capture_limit bytes
    bool output_truncated = false;
    std::chrono::milliseconds duration{0};
    std::string error;   // why it could not start
};

// `show` receives masked output as it arrives.
ProcessResult run_process(const SpawnSpec& spec, const ProcessLimits& limits, const Masker& masker,
                          const std::function<void(std::string_view)>& show, const InterruptGuard& interrupt);

}  // namespace run
