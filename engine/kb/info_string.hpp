// The info string of a fenced code block: the language, then attributes in
// Runme's syntax, JSON (`sh {"name":"x","kind":"apply"}`) or the older
// `sh {name=x kind=apply}` / `{name=x,kind=apply}`. Also the duration and
// language rules steps share with the runner.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace kb {

struct Step;

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

// How a language's code runs: the interpreter with its fixed arguments (the
// code file follows), the code file's extension, and whether it is SQL (psql
// gets params as -v variables too).
struct LanguageRule {
    std::vector<std::string> program;
    std::string extension;
    bool sql = false;
    bool shell = false;  // a POSIX-like shell: `$ ` prompts are stripped, exports are shared (Runme)
};

// The languages deja runs, by fence name as Runme reads them: sh, bash,
// shell, shellscript, zsh, ksh, fish; sql; python; js/javascript and ts
// through node; ruby, perl, lua, php; go. Case-insensitive; nullopt otherwise.
std::optional<LanguageRule> language_rule(std::string_view language);
// A step's rule: a fence without a language is sh, as Runme reads it.
std::optional<LanguageRule> language_rule(const Step& step);
bool is_runnable_language(std::string_view language);
// Languages that only display text (output, logs, config): never steps.
bool is_display_language(std::string_view language);

}  // namespace kb
