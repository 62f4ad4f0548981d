// The info string of a fenced code block: the language, then attributes in
// Runme's syntax, JSON (`sh {"name":"x","kind":"apply"}`) or the older
// `sh {name=x kind=apply}` / `{name=x,kind=apply}`. Also the duration and
// language rules steps share with the runner.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace kb {

struct InfoString {
    std::string language;  // lower-case first word; empty when none
    nlohmann::json attributes = nlohmann::json::object();
    bool has_attributes = false;  // a {...} block was present
    std::string error;            // why the attributes could not be read
};

InfoString parse_info_string(std::string_view info);

// "30s", "5m", "1h", "1h30m", "250ms" (rounded up), or a bare number of
// seconds. nullopt when unreadable or negative.
std::optional<std::chrono::seconds> parse_duration(std::string_view text);

// Languages deja runs itself: sh, bash, shell, sql, python (python3, py).
bool is_runnable_language(std::string_view language);
// Languages that only display text (output, logs, config): never steps.
bool is_display_language(std::string_view language);

}  // namespace kb
