// How a run looks on screen: the plan, each step's header and live output
// (every line marked "│ " under its step), each step's result and the final
// summary. Colour only when asked for (the CLI decides: terminal, NO_COLOR).
#pragma once

#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "run/params.hpp"
#include "run/plan.hpp"
#include "store/history.hpp"

namespace run {

enum class Colour { off, on };

class Console {
public:
    Console(std::ostream& out, Colour colour) : out_(out), colour_(colour) {}

    void plan(const Plan& plan, const std::vector<ResolvedParam>& params);
    // --dry-run and --diagnose: a step's command line and code, not executed.
    void step_code(const PlannedStep& step, const std::vector<std::string>& command);
    void step_header(const PlannedStep& step, int position, int total);
    void step_output(std::string_view text);  // masked already
    void step_result(const store::StepRecord& record);
    void note(const std::string& text);
    void summary(const std::vector<store::StepRecord>& steps, store::RunStatus status, long long run_id,
                 const std::string& message);
    void flush() { out_.flush(); }

private:
    std::string paint(std::string_view text, const char* sgr) const;
    void end_output_line();
    std::ostream& out_;
    Colour colour_;
    bool at_line_start_ = true;
};

// A value as one readable line: control characters escaped, long values cut.
std::string display_value(std::string_view value, std::size_t max = 80);
std::string format_duration(long long ms);
std::string status_symbol(store::StepStatus status);

}  // namespace run
