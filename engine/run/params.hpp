// A runbook's params resolved for one run: from --param, then the log, then
// the environment (DEJA_PARAM_<NAME>, or <NAME> itself for a param declared
// `env: true`), then the declared default; then validated against
// the declared pattern (RE2, whole value) and choices. Values only ever reach
// steps as data (environment and psql variables), never as code.
#pragma once

#include <functional>
#include <string_view>
#include <optional>
#include <string>
#include <vector>

#include "kb/model.hpp"
#include "base/result.hpp"
#include "run/env_file.hpp"

namespace run {

enum class ParamSource { command_line, environment, default_value, prompt, log, none };
std::string to_string(ParamSource source);

// The prefix of the environment variables that fill any param.
inline constexpr std::string_view environment_prefix = "DEJA_PARAM_";

struct ResolvedParam {
    std::string name;
    std::string value;
    ParamSource source = ParamSource::none;
    std::string variable;  // source environment: the variable it came from
    bool secret = false;  // kb::is_secret: declared so, or named like a credential
};

struct ParamResolution {
    std::vector<ResolvedParam> values;        // declaration order; optional unset ones with source none
    std::vector<const kb::Param*> missing;    // required, no value anywhere
    std::vector<std::string> problems;        // unknown names, pattern/choice failures
};

using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;
std::optional<std::string> process_environment(const std::string& name);
// For a Runme-style runbook: its `.env` (read once, by read_dot_env, and
// handed to the run too), then the process environment (Runme's session
// starts from both).
EnvLookup runbook_environment(const kb::Runbook& runbook, const EnvFile& dot_env);

// `given` holds the --param values, `from_log` what a matched log filled in
// (below --param, above the environment). An empty environment variable
// counts as unset. Optional params without a value are passed as empty.
ParamResolution resolve_params(const kb::Runbook& runbook, const kb::ParamValues& given,
                               const kb::ParamValues& from_log = {}, const EnvLookup& env = process_environment);

// Empty when `value` is acceptable for `param`, else the reason naming the
// param and its pattern or choices.
std::string check_value(const kb::Param& param, const std::string& value);

// Parses "K=V" (the first '=' splits; V may be empty or hold more '=').
base::Result<std::pair<std::string, std::string>> parse_assignment(const std::string& text);

// The values as the history and the plan show them (kb::shown_value).
kb::ParamValues masked(const std::vector<ResolvedParam>& values);

}  // namespace run
