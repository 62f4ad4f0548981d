#include "kb/error_lines.hpp"

#include <algorithm>
#include <array>

#include <re2/re2.h>

#include "base/text.hpp"

namespace kb::errors {

namespace {

enum class BlockRole { output, shell, source };

template <std::size_t N>
bool in_sorted(const std::array<std::string_view, N>& words, std::string_view word) {
    return std::binary_search(words.begin(), words.end(), word);
}

// First words that make a line a command rather than its output (sorted).
constexpr std::array<std::string_view, 109> command_words = {
    "alembic", "apt", "apt-get", "awk", "aws", "az", "bash", "break", "brew", "bun", "case",
    "cat", "cd", "chmod", "chown", "cmake", "continue", "cp", "createdb", "curl", "deja", "deno",
    "docker", "docker-compose", "done", "dropdb", "echo", "elif", "else", "env", "esac", "eval", "exit",
    "export", "fi", "find", "for", "function", "gcloud", "gh", "git", "go", "grep", "head",
    "helm", "if", "initdb", "journalctl", "jq", "k3d", "kill", "kind", "kubectl", "less", "ln",
    "local", "ls", "make", "minikube", "mkdir", "mv", "mysql", "nc", "node", "npm", "npx",
    "openssl", "pg_ctl", "pg_dump", "pg_isready", "pg_restore", "pip", "pip3", "pnpm", "podman", "poetry", "printf",
    "psql", "pytest", "python", "python3", "read", "redis-cli", "return", "rm", "rsync", "runme", "scp",
    "sed", "set", "sleep", "source", "ssh", "sudo", "systemctl", "tail", "tar", "terraform", "then",
    "touch", "trap", "unset", "until", "uv", "uvicorn", "wget", "while", "xargs", "yarn"};

constexpr std::array<std::string_view, 34> sql_words = {
    "alter", "analyze", "and", "begin", "comment", "commit", "copy", "create", "declare", "delete", "do",
    "drop", "end", "explain", "from", "grant", "group", "insert", "join", "language", "limit", "on", "or",
    "order", "reindex", "returning", "revoke", "rollback", "select", "truncate", "update", "values",
    "where", "with"};

constexpr std::array<std::string_view, 26> source_starts = {
    "def ", "class ", "import ", "from ", "return ", "raise ", "print(", "try:", "except", "with ",
    "async ", "await ", "const ", "let ", "var ", "func ", "fn ", "pub ", "if (", "} ", "});", "@",
    "op.", "__", "self.", "#include"};

constexpr std::array<std::string_view, 33> error_phrases = {
    "permission denied", "access denied", "connection refused", "connection reset", "no such file or directory",
    "command not found", "does not exist", "not found", "timed out", "timeout expired", "deadline exceeded",
    "couldn't ", "could not ", "cannot ", "can't ", "unable to ", "failed", "failure", "exception",
    "backofflimitexceeded", "crashloopbackoff", "imagepullbackoff", "errimagepull", "oomkilled",
    "segmentation fault", "core dumped", "out of memory", "not permitted", "not allowed",
    "non-zero exit", "returned non-zero", "refused", "unauthorized"};

BlockRole role_of(std::string_view language, std::string_view code) {
    static constexpr std::array<std::string_view, 21> output_languages = {
        "", "ansi", "console", "error", "errors", "log", "logs", "none", "output", "plain", "plaintext",
        "pytb", "shell-session", "stacktrace", "stderr", "stdout", "terminal", "text", "traceback", "txt",
        "trace"};
    static constexpr std::array<std::string_view, 10> shell_languages = {
        "bash", "bat", "cmd", "fish", "powershell", "ps", "ps1", "sh", "shell", "zsh"};
    std::string lang = base::text::lower(language);
    if (std::find(output_languages.begin(), output_languages.end(), lang) != output_languages.end())
        return BlockRole::output;
    if (code.find("Traceback (most recent call last)") != std::string_view::npos) return BlockRole::output;
    if (std::find(shell_languages.begin(), shell_languages.end(), lang) != shell_languages.end())
        return BlockRole::shell;
    return BlockRole::source;
}

std::string_view first_word(std::string_view s) {
    auto end = s.find_first_of(" \t;(");
    return s.substr(0, end);
}

bool is_check_mark_start(std::string_view s) {
    std::size_t pos = 0;
    char32_t cp = base::text::decode_utf8(s, pos);
    if (!base::text::is_pictographic(cp)) return false;
    // Crosses and red marks introduce failures, not done items.
    return cp != 0x274C && cp != 0x2717 && cp != 0x2718 && cp != 0x1F534 && cp != 0x26D4 && cp != 0x1F6AB &&
           cp != 0x26A0;
}

bool looks_like_table(std::string_view s) {
    if (s.starts_with('|') || s.starts_with("+-")) return true;
    if (s.find("-+-") != std::string_view::npos || s.find("--+") != std::string_view::npos) return true;
    if (s.find_first_not_of("-=+|: ") == std::string_view::npos) return true;
    std::size_t bars = 0;
    for (std::size_t pos = s.find(" | "); pos != std::string_view::npos; pos = s.find(" | ", pos + 1)) ++bars;
    return bars >= 2;
}

bool looks_like_assignment(std::string_view s) {
    if (s.find('=') == std::string_view::npos) return false;
    static const RE2 assignment(R"(^[A-Za-z_][A-Za-z0-9_.\[\]'"]*\s*(?:=|:=|\+=)\s)");
    static const RE2 env_assignment(R"(^[A-Za-z_][A-Za-z0-9_]*=\S*(?:\s|$))");
    return RE2::PartialMatch(s, assignment) || RE2::PartialMatch(s, env_assignment);
}

}  // namespace

std::string_view strip_log_prefix(std::string_view line) {
    static const RE2 iso_timestamp(
        R"(^\[?\d{4}[-/]\d\d[-/]\d\d[T ]\d\d:\d\d(?::\d\d(?:[.,]\d+)?)?(?:Z|[+-]\d\d:?\d\d| ?UTC)?\]?:?\s*)");
    static const RE2 clock(R"(^\[?\d\d:\d\d:\d\d(?:[.,]\d+)?\]?\s+)");
    static const RE2 syslog(R"(^[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \S+ [^:\s]+: )");
    static const RE2 runner_marker(R"(^(?:##\[(?:error|warning|debug|notice)\]|::(?:error|warning|notice)[^:]*::))");
    static const RE2 compose_service(R"(^[\w.-]+[-_]\d+\s+\|\s)");

    // Downloaded GitHub Actions logs put "job<TAB>step<TAB>" before the timestamp.
    if (line.find('\t') != std::string_view::npos) {
        std::size_t pos = 0;
        while ((pos = line.find('\t', pos)) != std::string_view::npos) {
            ++pos;
            std::string_view rest = line.substr(pos);
            if (rest.size() >= 10 && rest[4] == '-' && rest[7] == '-' && rest[0] >= '0' && rest[0] <= '9') {
                line = rest;
                break;
            }
        }
    }
    re2::StringPiece s(line.data(), line.size());
    for (int round = 0; round < 4; ++round) {
        std::string_view trimmed = base::text::trim_left(std::string_view(s.data(), s.size()));
        s = re2::StringPiece(trimmed.data(), trimmed.size());
        if (trimmed.size() < 4) break;
        // Cheap first-byte checks keep the regexes off the lines they cannot match.
        char c = trimmed[0];
        bool digit_start = (c >= '0' && c <= '9') || c == '[';
        if (digit_start && (RE2::Consume(&s, iso_timestamp) || RE2::Consume(&s, clock))) continue;
        if (c >= 'A' && c <= 'Z' && trimmed.size() > 16 && trimmed[3] == ' ' && RE2::Consume(&s, syslog)) continue;
        if ((c == '#' || c == ':') && RE2::Consume(&s, runner_marker)) continue;
        if (trimmed.find(" | ") != std::string_view::npos && RE2::Consume(&s, compose_service)) continue;
        break;
    }
    return base::text::trim(std::string_view(s.data(), s.size()));
}

bool looks_like_strong_error(std::string_view s) {
    s = base::text::trim(s);
    // One alternation without captures: RE2 answers it with its DFA.
    static const RE2 strong(
        R"(^(?:[a-z_][a-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*\.[A-Z][A-Za-z0-9_]*: \S)"
        R"(|[A-Z][A-Za-z0-9_]*(?:Error|Exception|Failure|Fault|Exceeded|Warning)(?:$|:|\s|\())"
        R"(|\[?(?:ERROR|FATAL|PANIC|CRITICAL|CRIT|EMERG|ALERT|ERR)\]?(?::|\s|!))"
        R"(|(?:[Ee]rror|[Ff]atal|[Pp]anic)(?:\[[^\]]*\])?:\s)"
        R"(|npm ERR!|E\d{4} \d\d:\d\d:\d\d))");
    return RE2::PartialMatch(s, strong);
}

bool looks_like_noise(std::string_view s) {
    s = base::text::trim(s);
    if (s.size() < 6) return true;
    static constexpr std::array<std::string_view, 12> prefixes = {"$ ", "# ", "#!", "> ", ">>>", "//", "-- ",
                                                                  "/*", "```", "...", "[SQL:", "[parameters:"};
    for (auto p : prefixes)
        if (s.starts_with(p)) return true;
    if (s.starts_with('"') || s.starts_with('\'') || s.starts_with('`')) return true;
    if (s.starts_with("(Background on this error")) return true;
    if (is_check_mark_start(s)) return true;
    static const RE2 quiet_level(R"(^\[?(?:INFO|DEBUG|TRACE|NOTICE|LOG|STATEMENT|DETAIL|HINT|CONTEXT|LINE \d+)\]?(?::|\s))");
    if ((s[0] == '[' || (s[0] >= 'A' && s[0] <= 'Z')) && RE2::PartialMatch(s, quiet_level)) return true;
    static const RE2 traceback_frame(R"(^File "[^"]*", line \d+)");
    if (s.starts_with("File \"") && RE2::PartialMatch(s, traceback_frame)) return true;
    if (looks_like_table(s)) return true;

    std::string_view word = first_word(s);
    std::string lowered_word = base::text::lower(word);
    if (!looks_like_strong_error(s)) {
        if (in_sorted(sql_words, lowered_word)) return true;
        if (in_sorted(command_words, word)) return true;
        if ((word.starts_with("./") || word.starts_with("../")) && word.find(':') == std::string_view::npos)
            return true;
    }
    for (auto p : source_starts)
        if (s.starts_with(p)) return true;
    if (looks_like_assignment(s)) return true;
    if (s.find(" && ") != std::string_view::npos || s.find(" || ") != std::string_view::npos ||
        s.find("$(") != std::string_view::npos || s.ends_with(" \\"))
        return true;
    return false;
}

bool looks_like_error(std::string_view s) {
    s = base::text::trim(s);
    if (looks_like_strong_error(s)) return true;
    if (s.starts_with("Traceback (most recent call last)")) return true;
    std::string lowered = base::text::lower(s);
    for (auto phrase : error_phrases)
        if (lowered.find(phrase) != std::string::npos) return true;
    if (base::text::contains_word(lowered, "error") || base::text::contains_word(s, "FAIL") || base::text::contains_word(s, "FAILED"))
        return true;
    static const RE2 other_forms(R"(^exec \S+: \S|^no \S.* registered|exit(?:ed with)? (?:code|status) [1-9])");
    return RE2::PartialMatch(lowered, other_forms);
}

std::vector<ErrorLine> from_code_block(std::string_view language, std::string_view code, int first_line) {
    std::vector<ErrorLine> out;
    BlockRole role = role_of(language, code);
    int line = first_line;
    for (auto raw : base::text::split_lines(code)) {
        int current = line++;
        if (raw.size() > 2000) continue;
        std::string_view s = strip_log_prefix(raw);
        if (s.empty() || s.starts_with("Traceback (most recent call last)")) continue;
        if (looks_like_noise(s)) continue;
        bool accept = role == BlockRole::source ? looks_like_strong_error(s) : looks_like_error(s);
        if (accept) out.push_back({std::string(s), current});
    }
    return out;
}

std::vector<ErrorLine> from_prose(std::string_view raw, int line) {
    std::vector<ErrorLine> out;
    auto consider = [&](std::string_view piece) {
        std::string_view s = base::text::trim(piece);
        if (s.size() < 10 || s.size() > 300 || s.find(' ') == std::string_view::npos) return;
        if (!looks_like_noise(s) && looks_like_error(s)) out.push_back({std::string(s), line});
    };
    // Pairs of "...", `...` and curly quotes. A curly quote's first byte is
    // tested before the compare: a compare at every byte of prose was a
    // twelfth of parsing (bench/index_search.sh).
    static constexpr std::string_view open_curly = "\u201C", close_curly = "\u201D";
    std::size_t i = 0;
    while (i < raw.size()) {
        char c = raw[i];
        if (c == '"' || c == '`') {
            auto end = raw.find(c, i + 1);
            if (end == std::string_view::npos) break;
            consider(raw.substr(i + 1, end - i - 1));
            i = end + 1;
        } else if (c == open_curly.front() && raw.compare(i, open_curly.size(), open_curly) == 0) {
            auto end = raw.find(close_curly, i + open_curly.size());
            if (end == std::string_view::npos) break;
            consider(raw.substr(i + open_curly.size(), end - i - open_curly.size()));
            i = end + close_curly.size();
        } else {
            ++i;
        }
    }
    return out;
}

}  // namespace kb::errors
