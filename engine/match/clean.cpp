#include "match/clean.hpp"

#include <array>
#include <memory>

#include <nlohmann/json.hpp>
#include <re2/re2.h>
#include <re2/set.h>

#include "base/text.hpp"
#include "match/text.hpp"

namespace match {

namespace {

constexpr int max_json_depth = 2;

std::string strip_carriage_returns(std::string_view line) {
    while (!line.empty() && line.back() == '\r') line.remove_suffix(1);  // CRLF
    std::size_t cr = line.rfind('\r');
    if (cr != std::string_view::npos) line.remove_prefix(cr + 1);
    return std::string(line);
}

void strip_ansi(std::string& s) {
    if (s.find('\x1b') == std::string::npos) return;
    std::string out;
    out.reserve(s.size());
    std::size_t i = 0;
    while (i < s.size()) {
        if (s[i] != '\x1b') {
            out += s[i++];
            continue;
        }
        ++i;
        if (i >= s.size()) break;
        char kind = s[i];
        if (kind == '[') {  // CSI: parameters and intermediates, then a final byte
            ++i;
            while (i < s.size() && static_cast<unsigned char>(s[i]) >= 0x20 && static_cast<unsigned char>(s[i]) <= 0x3F) ++i;
            while (i < s.size() && static_cast<unsigned char>(s[i]) >= 0x20 && static_cast<unsigned char>(s[i]) <= 0x2F) ++i;
            if (i < s.size()) ++i;
        } else if (kind == ']') {  // OSC: up to BEL or ESC backslash
            ++i;
            while (i < s.size() && s[i] != '\a' && !(s[i] == '\x1b' && i + 1 < s.size() && s[i + 1] == '\\')) ++i;
            if (i < s.size()) i += s[i] == '\a' ? 1 : 2;
        } else if (kind == '(' || kind == ')') {  // character set selection
            i += 2;
        } else {
            ++i;
        }
    }
    s = std::move(out);
}

struct Prefixes {
    // Each is anchored at the start of what is left of the line. No counted
    // repetition of wide classes: RE2 unrolls it, and `{1,256}` alone cost
    // 2 ms of compiling in every run.
    RE2 gh_log{R"re(^[^\t]+\t[^\t]*\t(?:\x{FEFF})?\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z ?)re"};
    RE2 timestamp{
        R"re(^\[?(?:\d{4}-\d\d-\d\d[T ]|\d{4}/\d\d/\d\d |\d{8}[T ])?\d\d:\d\d:\d\d(?:[.,]\d{1,9})?(?:Z| ?[+-]\d\d:?\d\d| (?:UTC|GMT|[A-Z]{3,4}))?\]?:?(?:\s+|$))re"};
    RE2 syslog{R"re(^[A-Z][a-z]{2} +\d{1,2} \d\d:\d\d:\d\d(?:\.\d+)?(?: [^\s:\[]+ [^\s:\[]+(?:\[\d+\])?:)?(?:\s+|$))re"};
    RE2 pid{R"re(^\[\d+(?:-\d+)?\]:?\s+)re"};
    RE2 compose{R"re(^[A-Za-z0-9][\w.-]*[-_]\d+\s+\|\s?)re"};
    RE2 kubectl{R"re(^\[pod/[^\]\s]+\]\s)re"};
    RE2 workflow{R"re(^(?:##\[[a-z]+\]|::(?:error|warning|notice|debug)(?: [^\n]*?)?::))re"};
    RE2 quote{R"re(^(?:>[ \t]?)+)re"};
    RE2 logfmt_level{R"re((?:^|\s)level=\w+(?:\s|$))re"};
    RE2 logfmt_msg{R"re((?:^|\s)msg=(?:"((?:[^"\\]|\\.)*)"|(\S+)))re"};
    RE2 logfmt_err{R"re((?:^|\s)err(?:or)?=(?:"((?:[^"\\]|\\.)*)"|(\S+)))re"};
};

const Prefixes& prefixes() {
    static const Prefixes p;
    return p;
}

bool consume(const RE2& re, std::string_view& s) {
    re2::StringPiece input(s.data(), s.size());
    if (!RE2::Consume(&input, re)) return false;
    s = std::string_view(input.data(), input.size());
    return true;
}

std::string_view strip_prefixes(std::string_view s) {
    const Prefixes& p = prefixes();
    for (int round = 0; round < 12; ++round) {
        s = base::text::trim(s);
        while (s.size() >= 3 && s.substr(0, 3) == "\xEF\xBB\xBF") s.remove_prefix(3);  // BOM at a step's start
        if (consume(p.gh_log, s)) continue;
        if (consume(p.timestamp, s) || consume(p.syslog, s)) {
            s = base::text::trim(s);
            consume(p.pid, s);
            continue;
        }
        if (consume(p.compose, s) || consume(p.kubectl, s) || consume(p.workflow, s) || consume(p.quote, s)) continue;
        break;
    }
    return base::text::trim(s);
}

std::string string_field(const nlohmann::json& value) {
    if (value.is_string()) return value.get<std::string>();
    if (value.is_object()) {
        for (const char* key : {"message", "msg"})
            if (auto it = value.find(key); it != value.end() && it->is_string()) return it->get<std::string>();
    }
    return {};
}

bool names_an_error(std::string_view key) {
    std::string lower(key);
    for (char& c : lower) c = base::text::lower_char(c);
    for (std::string_view word : {"err", "exception", "exc_", "reason", "detail", "cause", "stack", "fault"})
        if (lower.find(word) != std::string::npos) return true;
    return false;
}

std::string join_lines(std::string text) {
    for (char& c : text)
        if (c == '\n' || c == '\r') c = ' ';
    return text;
}

// The human part of a structured log line, or nothing when it is not one.
std::string structured_message(std::string_view s) {
    if (s.size() >= 2 && s.front() == '{' && s.back() == '}') {
        auto doc = nlohmann::json::parse(s.begin(), s.end(), nullptr, false);
        if (doc.is_discarded() || !doc.is_object()) return {};
        std::string message, error;
        for (const char* key : {"message", "msg", "log", "text", "event"})
            if (auto it = doc.find(key); it != doc.end() && message.empty()) message = string_field(*it);
        for (const char* key : {"error", "err", "exception", "exc_info", "stack_trace"})
            if (auto it = doc.find(key); it != doc.end() && error.empty()) error = string_field(*it);
        // Loggers name the field as they like (error.message, errorMessage,
        // err.msg, reason, detail): any field that names an error will do.
        for (auto it = doc.begin(); it != doc.end() && error.empty(); ++it)
            if (names_an_error(it.key())) error = string_field(*it);
        message = std::string(base::text::trim(message));
        error = std::string(base::text::trim(error));
        if (message.empty()) return join_lines(error);
        if (error.empty() || message.find(error) != std::string::npos) return join_lines(message);
        return join_lines(message + ": " + error);
    }
    const Prefixes& p = prefixes();
    if (s.find("msg=") == std::string_view::npos || !RE2::PartialMatch(s, p.logfmt_level)) return {};
    auto value = [&](const RE2& re) {
        std::string quoted, bare;
        if (!RE2::PartialMatch(s, re, &quoted, &bare)) return std::string();
        if (!bare.empty()) return bare;
        std::string out;
        for (std::size_t i = 0; i < quoted.size(); ++i) {
            if (quoted[i] == '\\' && i + 1 < quoted.size()) {
                ++i;
                out += quoted[i] == 'n' ? ' ' : quoted[i] == 't' ? '\t' : quoted[i];
            } else {
                out += quoted[i];
            }
        }
        return out;
    };
    std::string message = value(p.logfmt_msg);
    std::string error = value(p.logfmt_err);
    if (error.empty() || message.find(error) != std::string::npos) return message;
    return message.empty() ? error : message + ": " + error;
}

std::string clean(std::string_view raw, int depth) {
    std::string s = strip_carriage_returns(raw);
    strip_ansi(s);
    std::string_view rest = strip_prefixes(s);
    if (depth < max_json_depth) {
        std::string message = structured_message(rest);
        if (!message.empty()) return clean(message, depth + 1);
    }
    return std::string(rest);
}

}  // namespace

std::string clean_line(std::string_view raw) { return clean(raw, 0); }

bool is_notice(std::string_view cleaned) {
    static const RE2 notice{R"re((?:^|[\s\]:])NOTICE:\s|^NOTICE\s|, skipping$)re"};
    return RE2::PartialMatch(cleaned, notice);
}

void prepare_cleaning() {
    (void)prefixes();
    (void)is_notice({});
    (void)is_generic({});
}

bool is_generic(std::string_view cleaned) {
    static const std::unique_ptr<RE2::Set> generic = [] {
        RE2::Options options;
        options.set_case_sensitive(false);
        auto set = std::make_unique<RE2::Set>(options, RE2::ANCHOR_BOTH);
        const std::array<const char*, 21> patterns = {
            R"re((?:error:?\s*)?process completed with exit code \d+\.?)re",
            R"re((?:error:?\s*)?exit status \d+\.?)re",
            R"re((?:error:?\s*)?(?:exit|return) code:? \d+\.?)re",
            R"re((?:error:?\s*)?(?:the )?(?:command|script|process|step|job|task)(?: '[^']*'| "[^"]*"| \S+)? (?:failed|returned non-zero|exited)(?: with)?(?: (?:exit )?(?:code|status):? ?-?\d+)?\.?)re",
            R"re((?:error:?\s*)?the process '[^']*' failed with exit code \d+\.?)re",
            R"re(make(?:\[\d+\])?: \*\*\* .*(?:error|stop)\.? ?\d*)re",
            R"re(npm err! (?:code|errno) \S+)re",
            R"re(npm err! .*(?:exit status \d+|failed at the .* script.*|lifecycle.*))re",
            R"re(error: job failed: exit code \d+)re",
            R"re((?:error|failed|failure|fatal|fatal error|error!?|build failed\.?|error: build failed\.?))re",
            R"re(script returned exit code \d+)re",
            R"re((?:error: )?the operation was canceled\.?)re",
            R"re(\S+ exited with code \d+)re",
            R"re((?:error: )?command failed with exit code \d+\.?)re",
            R"re((?:error: )?recipe for target .* failed)re",
            R"re(\*\*\* \[.*\] error \d+)re",
            R"re(error: (?:\d+ )?(?:errors?|tests?) (?:occurred|failed)\.?)re",
            // The scaffolding of a traceback says that there was an exception,
            // never which.
            R"re(traceback \(most recent call last\):?)re",
            R"re((?:during handling of the above exception, another exception occurred|the above exception was the direct cause of the following exception):?)re",
            R"re(\(background on this error at: \S+\))re",
            R"re((?:stack ?trace|call stack|backtrace)(?: \(most recent call \w+\))?:?)re",
        };
        for (const char* p : patterns) set->Add(p, nullptr);
        set->Compile();
        return set;
    }();
    return generic->Match(cleaned, nullptr);
}

}  // namespace match
