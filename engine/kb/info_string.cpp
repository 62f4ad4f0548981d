#include "kb/info_string.hpp"

#include <array>
#include <charconv>

#include "base/text.hpp"
#include "kb/model.hpp"

namespace kb {

namespace {

nlohmann::json typed_value(std::string_view value) {
    if (value == "true") return true;
    if (value == "false") return false;
    long long number = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), number);
    if (ec == std::errc() && end == value.data() + value.size() && !value.empty()) return number;
    return std::string(value);
}

// Runme's older attribute syntax: key=value pairs separated by spaces or
// commas; values may be quoted with " or '.
bool parse_key_values(std::string_view body, nlohmann::json& out, std::string& error) {
    std::size_t i = 0;
    auto skip_separators = [&] {
        while (i < body.size() && (body[i] == ' ' || body[i] == '\t' || body[i] == ',')) ++i;
    };
    while (true) {
        skip_separators();
        if (i >= body.size()) return true;
        std::size_t key_start = i;
        while (i < body.size() && body[i] != '=' && body[i] != ' ' && body[i] != ',' && body[i] != '\t') ++i;
        std::string key(body.substr(key_start, i - key_start));
        if (i >= body.size() || body[i] != '=') {
            // A bare word is a flag set to true (Runme writes `{interactive}` rarely, but it reads that way).
            out[key] = true;
            continue;
        }
        ++i;  // '='
        if (i < body.size() && (body[i] == '"' || body[i] == '\'')) {
            char quote = body[i++];
            std::string value;
            while (i < body.size() && body[i] != quote) {
                if (body[i] == '\\' && i + 1 < body.size()) ++i;
                value += body[i++];
            }
            if (i >= body.size()) {
                error = "unterminated quote in attribute '" + key + "'";
                return false;
            }
            ++i;
            out[key] = value;
        } else {
            std::size_t value_start = i;
            while (i < body.size() && body[i] != ' ' && body[i] != ',' && body[i] != '\t') ++i;
            out[key] = typed_value(body.substr(value_start, i - value_start));
        }
    }
}

// Attribute values are names, numbers and short lists. nlohmann parses
// without recursion, but writes JSON out recursively (the index stores
// attributes), so a value nested thousands deep would run the stack out.
constexpr int max_attribute_depth = 16;

}  // namespace

InfoString parse_info_string(std::string_view info) {
    InfoString result;
    info = base::text::trim(info);
    auto brace = info.find('{');
    std::string_view head = base::text::trim(info.substr(0, brace));
    auto space = head.find_first_of(" \t");
    result.language = base::text::lower(head.substr(0, space));
    if (brace == std::string_view::npos) return result;

    result.has_attributes = true;
    auto close = info.rfind('}');
    if (close == std::string_view::npos || close < brace) {
        result.error = "attributes start with '{' but have no closing '}'";
        return result;
    }
    std::string_view block = info.substr(brace, close - brace + 1);
    bool too_deep = false;
    auto depth_limit = [&too_deep](int depth, nlohmann::json::parse_event_t event, nlohmann::json&) {
        if (depth > max_attribute_depth && (event == nlohmann::json::parse_event_t::object_start ||
                                            event == nlohmann::json::parse_event_t::array_start))
            too_deep = true;
        return !too_deep;
    };
    auto parsed = nlohmann::json::parse(block, depth_limit, false);
    if (too_deep) {
        result.error = "attributes are nested more than " + std::to_string(max_attribute_depth) + " deep";
        return result;
    }
    if (!parsed.is_discarded()) {
        if (parsed.is_object()) {
            result.attributes = std::move(parsed);
        } else {
            result.error = "attributes must be an object like {\"name\":\"x\"}";
        }
        return result;
    }
    std::string_view inner = base::text::trim(block.substr(1, block.size() - 2));
    if (inner.starts_with('"')) {
        result.error = "attributes are not valid JSON: " + std::string(block);
        return result;
    }
    nlohmann::json attributes = nlohmann::json::object();
    if (parse_key_values(inner, attributes, result.error)) result.attributes = std::move(attributes);
    return result;
}

std::optional<std::chrono::seconds> parse_duration(std::string_view input) {
    std::string_view s = base::text::trim(input);
    if (s.empty()) return std::nullopt;
    long long total_ms = 0;
    std::size_t i = 0;
    bool any = false;
    while (i < s.size()) {
        long long number = 0;
        auto [end, ec] = std::from_chars(s.data() + i, s.data() + s.size(), number);
        if (ec != std::errc() || number < 0) return std::nullopt;
        i = static_cast<std::size_t>(end - s.data());
        std::size_t unit_start = i;
        while (i < s.size() && ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z'))) ++i;
        std::string unit = base::text::lower(s.substr(unit_start, i - unit_start));
        long long factor = 0;
        if (unit.empty() || unit == "s" || unit == "sec" || unit == "secs" || unit == "second" || unit == "seconds")
            factor = 1000;
        else if (unit == "ms")
            factor = 1;
        else if (unit == "m" || unit == "min" || unit == "mins" || unit == "minute" || unit == "minutes")
            factor = 60'000;
        else if (unit == "h" || unit == "hr" || unit == "hour" || unit == "hours")
            factor = 3'600'000;
        else
            return std::nullopt;
        if (unit.empty() && i < s.size()) return std::nullopt;  // "30 5m"
        if (number > 1'000'000'000) return std::nullopt;
        total_ms += number * factor;
        any = true;
        while (i < s.size() && s[i] == ' ') ++i;
    }
    if (!any) return std::nullopt;
    return std::chrono::seconds((total_ms + 999) / 1000);
}

std::optional<LanguageRule> language_rule(std::string_view language) {
    std::string l = base::text::lower(language);
    const std::vector<std::string> strict_bash = {"bash", "--noprofile", "--norc", "-euo", "pipefail"};
    if (l == "sh" || l == "bash" || l == "shell" || l == "shellscript")
        return LanguageRule{strict_bash, ".sh", false, true};
    if (l == "zsh") return LanguageRule{{"zsh", "--no-rcs", "-e", "-o", "pipefail"}, ".zsh", false, true};
    if (l == "ksh") return LanguageRule{{"ksh", "-e", "-o", "pipefail"}, ".ksh", false, true};
    if (l == "fish") return LanguageRule{{"fish", "--no-config"}, ".fish", false, false};
    if (l == "sql" || l == "psql" || l == "postgresql" || l == "postgres" || l == "pgsql")
        return LanguageRule{{"psql", "-X", "-w", "-v", "ON_ERROR_STOP=1"}, ".sql", true, false};
    if (l == "python" || l == "python3" || l == "py") return LanguageRule{{"python3"}, ".py", false, false};
    if (l == "js" || l == "javascript" || l == "node" || l == "mjs") return LanguageRule{{"node"}, ".js", false, false};
    // Node 22.6+ runs TypeScript by stripping its types; older ones refuse the flag.
    if (l == "ts" || l == "typescript")
        return LanguageRule{{"node", "--experimental-strip-types", "--no-warnings"}, ".ts", false, false};
    if (l == "ruby" || l == "rb") return LanguageRule{{"ruby"}, ".rb", false, false};
    if (l == "perl" || l == "pl") return LanguageRule{{"perl"}, ".pl", false, false};
    if (l == "lua") return LanguageRule{{"lua"}, ".lua", false, false};
    if (l == "php") return LanguageRule{{"php"}, ".php", false, false};
    if (l == "go" || l == "golang") return LanguageRule{{"go", "run"}, ".go", false, false};
    return std::nullopt;
}

std::optional<LanguageRule> language_rule(const Step& step) { return language_rule(step.language.empty() ? "sh" : step.language); }

bool is_runnable_language(std::string_view language) { return language_rule(language).has_value(); }

bool is_display_language(std::string_view language) {
    static constexpr std::array<std::string_view, 22> display = {
        "text", "txt", "plaintext", "plain", "console", "output", "log", "logs", "yaml", "yml", "json",
        "diff", "markdown", "md", "ini", "toml", "xml", "html", "csv", "terminal", "shell-session", "none"};
    for (auto l : display)
        if (base::text::iequals(l, language)) return true;
    return false;
}

}  // namespace kb
