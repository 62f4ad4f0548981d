#include "kb/runme.hpp"

#include <algorithm>
#include <cctype>
#include <optional>

#include "base/text.hpp"

namespace kb {

namespace {

bool is_name_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool is_name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

std::vector<std::string_view> lines_of(std::string_view text) {
    std::vector<std::string_view> lines;
    std::size_t start = 0;
    while (start < text.size()) {
        auto end = text.find('\n', start);
        if (end == std::string_view::npos) end = text.size();
        lines.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    return lines;
}

bool is_prompt_line(std::string_view line) { return line.starts_with("$ ") || line == "$" || line == "$\t"; }

// The delimiter of a here-document started on this line (`<<EOF`,
// `<<-'EOF'`, `<< "END"`); empty when there is none.
std::string here_document_delimiter(std::string_view line) {
    auto at = line.find("<<");
    if (at == std::string_view::npos || line.substr(at).starts_with("<<<")) return "";
    std::size_t i = at + 2;
    if (i < line.size() && line[i] == '-') ++i;
    while (i < line.size() && line[i] == ' ') ++i;
    std::string word;
    for (; i < line.size(); ++i) {
        char c = line[i];
        if (c == '\'' || c == '"') continue;
        if (!is_name_char(c)) break;
        word += c;
    }
    return word;
}

}  // namespace

std::string runme_cell_name(std::string_view code) {
    std::string_view first;
    std::vector<std::string_view> lines = lines_of(code);
    for (auto raw : lines) {
        // Runme drops the leading `$` before naming.
        std::string_view line = base::text::trim(raw);
        while (line.starts_with('$')) line.remove_prefix(1);
        line = base::text::trim(line);
        line = base::text::trim(line.substr(0, line.find('#')));
        if (!line.empty()) {
            first = line;
            break;
        }
    }
    if (first.empty() && !lines.empty()) first = base::text::trim(lines.front());
    if (auto eq = first.find('='); eq != std::string_view::npos && eq > 0) first = first.substr(0, eq);
    first = first.substr(0, std::min<std::size_t>(first.size(), 32));
    auto space = first.find(' ');
    if (space != std::string_view::npos) {
        auto second = first.find(' ', space + 1);
        if (second != std::string_view::npos) first = first.substr(0, second);
    }
    std::string name;
    for (char c : first) {
        char l = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (l == ' ' && !name.empty()) name += '-';
        else if ((l >= '0' && l <= '9') || (l >= 'a' && l <= 'z')) name += l;
    }
    return name;
}

PromptedScript strip_shell_prompts(std::string_view code) {
    std::vector<std::string_view> lines = lines_of(code);
    bool prompts = false;
    for (auto line : lines) prompts = prompts || is_prompt_line(line);
    if (!prompts) return {std::string(code), 0};

    PromptedScript out;
    bool continued = false;      // the previous command line ended with '\'
    std::string here_document;   // delimiter of an open here-document
    for (auto line : lines) {
        std::string_view kept;
        bool keep = false;
        if (!here_document.empty()) {
            keep = true;
            kept = line;
            if (base::text::trim(line) == here_document) here_document.clear();
        } else if (is_prompt_line(line)) {
            keep = true;
            kept = line.size() > 1 ? line.substr(2) : std::string_view();
        } else if (continued) {
            keep = true;
            kept = line;
        } else {
            std::string_view trimmed = base::text::trim(line);
            if (trimmed.empty() || trimmed.starts_with('#')) {
                keep = true;
                kept = line;
            }
        }
        if (!keep) {
            ++out.output_lines;
            continue;
        }
        out.code.append(kept);
        out.code += '\n';
        if (here_document.empty()) {
            std::string_view trimmed = base::text::trim(kept);
            continued = trimmed.ends_with('\\');
            here_document = here_document_delimiter(kept);
        }
    }
    return out;
}

std::vector<ExportPrompt> take_export_prompts(std::string& code) {
    std::vector<ExportPrompt> found;
    std::vector<std::string_view> lines = lines_of(code);
    std::string rewritten;
    bool changed = false;
    int number = 0;
    for (auto line : lines) {
        std::string_view rest = base::text::trim(line);
        std::optional<ExportPrompt> prompt;
        if (rest.starts_with("export ") || rest.starts_with("export\t")) {
            rest = base::text::trim(rest.substr(7));
            std::size_t i = 0;
            if (!rest.empty() && is_name_start(rest[0]))
                while (i < rest.size() && is_name_char(rest[i])) ++i;
            if (i > 0 && i < rest.size() && rest[i] == '=') {
                ExportPrompt p;
                p.name = std::string(rest.substr(0, i));
                p.line = number;
                std::string_view value = rest.substr(i + 1);
                bool computed = value.find('$') != std::string_view::npos || value.find('`') != std::string_view::npos;
                if (!computed && !value.empty() && (value.front() == '"' || value.front() == '\'')) {
                    char quote = value.front();
                    auto close = value.find(quote, 1);
                    std::string_view after = close == std::string_view::npos ? "x" : base::text::trim(value.substr(close + 1));
                    bool backslash = quote == '"' && value.find('\\') != std::string_view::npos;
                    if ((after.empty() || after.starts_with('#')) && !backslash) {
                        p.value = std::string(value.substr(1, close - 1));
                        p.kind = p.value.empty() ? ExportValue::empty : ExportValue::placeholder;
                        prompt = p;
                    }
                } else if (!computed) {
                    if (auto hash = value.find(" #"); hash != std::string_view::npos) value = value.substr(0, hash);
                    value = base::text::trim(value);
                    bool command = value.find_first_of(";&|()\"'\\") != std::string_view::npos &&
                                   !(value.starts_with('[') && value.ends_with(']'));
                    if (!command) {
                        // Runme asks with any unquoted value as a message; a
                        // single word (a path, a region) reads better as the
                        // value to confirm, so only words with spaces or
                        // brackets are a message here.
                        p.value = std::string(value);
                        bool sentence = p.value.find_first_of(" \t[<") != std::string::npos;
                        p.kind = p.value.empty() ? ExportValue::empty
                                 : sentence      ? ExportValue::message
                                                 : ExportValue::placeholder;
                        prompt = p;
                    }
                }
            }
        }
        if (prompt) {
            std::string indent(line.substr(0, line.find_first_not_of(" \t")));
            rewritten += indent + "export " + prompt->name + '\n';
            found.push_back(std::move(*prompt));
            changed = true;
        } else {
            rewritten.append(line);
            rewritten += '\n';
        }
        ++number;
    }
    if (changed) code = std::move(rewritten);
    return found;
}

namespace {

// Set by the system, the shell or the terminal, never by a runbook's reader.
bool is_system_variable(std::string_view name) {
    static const std::vector<std::string_view> names = {
        "HOME", "PATH", "USER", "LOGNAME", "SHELL", "PWD", "OLDPWD", "TERM", "HOSTNAME", "UID", "EUID", "PPID",
        "RANDOM", "LINENO", "SECONDS", "IFS", "TMPDIR", "LANG", "EDITOR", "VISUAL", "PAGER", "DISPLAY", "OSTYPE",
        "HOSTTYPE", "MACHTYPE", "SHLVL", "COLUMNS", "LINES", "PS1", "PS2", "PS4", "OPTARG", "OPTIND", "REPLY",
        "PIPESTATUS", "FUNCNAME", "GROUPS", "EPOCHSECONDS", "EPOCHREALTIME", "SRANDOM", "XDG_CONFIG_HOME",
        "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME", "XDG_RUNTIME_DIR", "CI", "GITHUB_ACTIONS"};
    if (name.starts_with("BASH") || name.starts_with("LC_") || name.starts_with("DEJA_") || name.starts_with("RUNME_"))
        return true;
    return std::find(names.begin(), names.end(), name) != names.end();
}

void add_once(std::vector<std::string>& list, std::string_view name) {
    if (std::find(list.begin(), list.end(), name) == list.end()) list.emplace_back(name);
}

std::string_view name_at(std::string_view text, std::size_t at) {
    std::size_t end = at;
    if (end < text.size() && is_name_start(text[end]))
        while (end < text.size() && is_name_char(text[end])) ++end;
    return text.substr(at, end - at);
}

}  // namespace

ShellVariables shell_variables(std::string_view code) {
    ShellVariables out;
    auto note_set = [&](std::string_view name) {
        if (base::text::is_capital_env_name(name) && !is_system_variable(name)) add_once(out.set, name);
    };
    for (auto raw : lines_of(code)) {
        std::string_view line = base::text::trim(raw);
        if (line.starts_with('#')) continue;
        // Words that set the names after them.
        std::size_t word_start = 0;
        bool at_command = true;  // the next word starts a command (after ;, &&, |, or the line start)
        std::string_view setter;
        char quote = 0;
        for (std::size_t i = 0; i <= line.size(); ++i) {
            char c = i < line.size() ? line[i] : ' ';
            if (quote == '\'') {
                if (c == '\'') quote = 0;
                continue;
            }
            if (c == '\\') {
                ++i;
                continue;
            }
            if (c == '$' && i + 1 < line.size()) {
                bool braced = line[i + 1] == '{';
                std::size_t at = i + (braced ? 2 : 1);
                if (braced && at < line.size() && line[at] == '#') ++at;
                std::string_view name = name_at(line, at);
                bool has_default = false;
                if (braced && at + name.size() < line.size()) {
                    std::string_view rest = line.substr(at + name.size());
                    has_default = rest.starts_with(":-") || rest.starts_with("-") || rest.starts_with(":=") ||
                                  rest.starts_with("=") || rest.starts_with(":?") || rest.starts_with("?");
                }
                if (!name.empty() && !has_default && base::text::is_capital_env_name(name) && !is_system_variable(name) &&
                    std::find(out.set.begin(), out.set.end(), name) == out.set.end())
                    add_once(out.used, name);
                continue;
            }
            if (quote == '"') {
                if (c == '"') quote = 0;
                continue;
            }
            if (c == '\'' || c == '"') {
                quote = c;
                continue;
            }
            bool separator = c == ' ' || c == '\t' || c == ';' || c == '&' || c == '|' || c == '(' || c == ')';
            if (!separator) continue;
            std::string_view word = line.substr(word_start, i - word_start);
            word_start = i + 1;
            if (word.empty()) {
                if (c != ' ' && c != '\t') at_command = true;
                continue;
            }
            auto eq = word.find('=');
            std::string_view name = name_at(word, 0);
            if (eq != std::string_view::npos && name.size() == eq && (at_command || !setter.empty())) {
                note_set(name);  // X=value, export X=value
            } else if (!setter.empty() && !word.starts_with('-') && name.size() == word.size()) {
                note_set(name);  // export X, read X Y, local X
            } else if (at_command && (word == "export" || word == "read" || word == "local" || word == "declare" ||
                                      word == "typeset" || word == "readonly" || word == "for")) {
                setter = word;
                at_command = false;
                if (c != ' ' && c != '\t') at_command = true;
                continue;
            } else if (setter == "for") {
                setter = {};
            }
            if (setter == "for" && !name.empty()) setter = {};
            at_command = c != ' ' && c != '\t' ? true : (eq != std::string_view::npos && at_command);
            if (c != ' ' && c != '\t') setter = {};
        }
    }
    return out;
}

}  // namespace kb
