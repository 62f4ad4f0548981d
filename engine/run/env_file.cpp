#include "run/env_file.hpp"

#include <filesystem>

#include "base/file.hpp"
#include "base/text.hpp"

namespace run {

namespace {

std::string unquoted(std::string_view value) {
    value = base::text::trim(value);
    if (value.size() >= 2 && value.front() == '\'' && value.back() == '\'') return std::string(value.substr(1, value.size() - 2));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
        std::string out;
        for (std::size_t i = 1; i + 1 < value.size(); ++i) {
            if (value[i] == '\\' && i + 2 < value.size()) {
                char next = value[++i];
                out += next == 'n' ? '\n' : next;
            } else {
                out += value[i];
            }
        }
        return out;
    }
    if (auto hash = value.find(" #"); hash != std::string_view::npos) value = base::text::trim(value.substr(0, hash));
    return std::string(value);
}

}  // namespace

EnvFile parse_env_file(std::string_view text, EnvSyntax syntax) {
    EnvFile out;
    auto lines = base::text::split_lines(text);
    for (std::size_t i = 0; i < lines.size(); ++i) {
        std::string_view line = lines[i];
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (base::text::trim(line).empty()) continue;
        if (syntax == EnvSyntax::dotenv) {
            line = base::text::trim(line);
            if (line.starts_with('#')) continue;
            if (line.starts_with("export ")) line = base::text::trim(line.substr(7));
        }
        std::string line_no = "line " + std::to_string(i + 1);
        auto heredoc = line.find("<<");
        auto eq = line.find('=');
        if (heredoc != std::string_view::npos && (eq == std::string_view::npos || heredoc < eq)) {
            std::string name(line.substr(0, heredoc));
            std::string delimiter(line.substr(heredoc + 2));
            if (!base::text::is_env_name(name) || delimiter.empty()) {
                out.problems.push_back(line_no + ": expected NAME<<DELIMITER");
                continue;
            }
            std::string value;
            bool closed = false;
            std::size_t j = i + 1;
            for (; j < lines.size(); ++j) {
                std::string_view l = lines[j];
                if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
                if (l == delimiter) {
                    closed = true;
                    break;
                }
                if (j > i + 1) value += '\n';
                value += l;
            }
            if (!closed) {
                out.problems.push_back(line_no + ": " + name + "<<" + delimiter + " is never closed by " + delimiter);
                break;
            }
            out.values.emplace_back(name, value);
            i = j;
            continue;
        }
        if (eq == std::string_view::npos || !base::text::is_env_name(line.substr(0, eq))) {
            out.problems.push_back(line_no + ": expected NAME=value");
            continue;
        }
        std::string value = syntax == EnvSyntax::dotenv ? unquoted(line.substr(eq + 1)) : std::string(line.substr(eq + 1));
        out.values.emplace_back(std::string(line.substr(0, eq)), std::move(value));
    }
    return out;
}

EnvFile read_dot_env(const std::string& document_path) {
    if (document_path.empty()) return {};
    std::filesystem::path file = std::filesystem::path(document_path).parent_path() / ".env";
    std::error_code ec;
    if (!std::filesystem::exists(file, ec)) return {};
    auto text = base::read_file(file.string(), max_env_file_bytes);
    if (!text) return {{}, {file.string() + ", " + text.error().message}};
    auto parsed = parse_env_file(*text, EnvSyntax::dotenv);
    for (auto& problem : parsed.problems) problem = file.string() + ", " + problem;
    return parsed;
}

}  // namespace run
