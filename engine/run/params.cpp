#include "run/params.hpp"

#include <algorithm>
#include <cstdlib>
#include <map>

#include <re2/re2.h>

#include "kb/secrets.hpp"
#include "run/env_file.hpp"
#include "run/mask.hpp"

namespace run {

std::string to_string(ParamSource source) {
    switch (source) {
        case ParamSource::command_line: return "--param";
        case ParamSource::environment: return "environment";
        case ParamSource::default_value: return "default";
        case ParamSource::prompt: return "prompt";
        case ParamSource::log: return "log";
        case ParamSource::none: return "unset";
    }
    return "unset";
}

std::optional<std::string> process_environment(const std::string& name) {
    const char* v = std::getenv(name.c_str());
    if (!v || !*v) return std::nullopt;  // an empty variable counts as unset, as ${X:-default} does
    return std::string(v);
}

std::string check_value(const kb::Param& param, const std::string& value) {
    if (!param.pattern.empty()) {
        RE2 re(param.pattern, RE2::Quiet);
        if (!re.ok()) return "param " + param.name + " has a pattern RE2 cannot compile: " + param.pattern;
        if (!RE2::FullMatch(value, re))
            return "param " + param.name + ": the value does not match the pattern " + param.pattern;
    }
    if (!param.choices.empty() && std::find(param.choices.begin(), param.choices.end(), value) == param.choices.end()) {
        std::string list;
        for (const auto& c : param.choices) list += (list.empty() ? "" : ", ") + c;
        return "param " + param.name + ": the value is not one of the choices (" + list + ")";
    }
    return "";
}

EnvLookup runbook_environment(const kb::Runbook& runbook, const EnvFile& file) {
    if (!runbook.runme_style) return process_environment;
    std::map<std::string, std::string> dot_env;
    for (const auto& [name, value] : file.values) dot_env[name] = value;
    return [dot_env = std::move(dot_env)](const std::string& name) -> std::optional<std::string> {
        if (auto it = dot_env.find(name); it != dot_env.end() && !it->second.empty()) return it->second;
        return process_environment(name);
    };
}

ParamResolution resolve_params(const kb::Runbook& runbook, const kb::ParamValues& given,
                               const kb::ParamValues& from_log, const EnvLookup& env) {
    ParamResolution out;
    for (const auto& [name, value] : given) {
        if (!runbook.param(name)) {
            std::string known;
            for (const auto& p : runbook.params) known += (known.empty() ? "" : ", ") + p.name;
            out.problems.push_back("unknown param " + name + " for runbook " + runbook.id +
                                   (known.empty() ? " (it declares no params)" : " (it declares " + known + ")"));
        }
    }
    for (const auto& p : runbook.params) {
        ResolvedParam r{p.name, "", ParamSource::none, "", kb::is_secret(p)};
        if (auto it = given.find(p.name); it != given.end()) {
            r.value = it->second;
            r.source = ParamSource::command_line;
        } else if (auto lit = from_log.find(p.name); lit != from_log.end()) {
            r.value = lit->second;
            r.source = ParamSource::log;
        } else if (auto e = env ? env(std::string(environment_prefix) + p.name) : std::nullopt) {
            r.value = *e;
            r.source = ParamSource::environment;
            r.variable = std::string(environment_prefix) + p.name;
        } else if (auto own = env && p.environment ? env(p.name) : std::nullopt) {
            r.value = *own;
            r.source = ParamSource::environment;
            r.variable = p.name;
        } else if (p.default_value) {
            r.value = *p.default_value;
            r.source = ParamSource::default_value;
        }
        if (p.required && r.value.empty()) {
            out.missing.push_back(&p);
            r.source = ParamSource::none;
        } else if (r.source != ParamSource::none && !(r.value.empty() && !p.required)) {
            if (auto problem = check_value(p, r.value); !problem.empty())
                out.problems.push_back(problem + " (from " + to_string(r.source) + ")");
        }
        out.values.push_back(std::move(r));
    }
    return out;
}

base::Result<std::pair<std::string, std::string>> parse_assignment(const std::string& text) {
    auto eq = text.find('=');
    if (eq == std::string::npos || eq == 0)
        return base::error("--param expects NAME=VALUE, got '" + text + "'");
    return std::pair{text.substr(0, eq), text.substr(eq + 1)};
}

kb::ParamValues masked(const std::vector<ResolvedParam>& values) {
    kb::ParamValues out;
    for (const auto& v : values) {
        if (v.source == ParamSource::none) continue;
        out[v.name] = kb::shown_value(v.value, v.secret);
    }
    return out;
}

}  // namespace run
