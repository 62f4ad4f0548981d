#include "match/text.hpp"

#include <re2/re2.h>

#include <array>
#include <memory>
#include <vector>

#include "kb/text.hpp"

namespace match {

namespace {

constexpr std::string_view replacement = "\xEF\xBF\xBD";

const std::string credential_mask(kb::text::secret_mask);

struct Redaction {
    std::unique_ptr<RE2> pattern;
    std::string rewrite;
};

const std::vector<Redaction>& redactions() {
    static const std::vector<Redaction> list = [] {
        const std::array<std::pair<const char*, std::string>, 5> rules = {{
            // scheme://user:PASSWORD@host
            {R"re(([a-zA-Z][a-zA-Z0-9+.-]*://[^\s:/@'"]+:)[^\s@/'"]+@)re", "\\1" + credential_mask + "@"},
            // PGPASSWORD=..., --token=..., "api_key": "...", db_password: ...;
            // after a colon only a value of some length, so that "Unexpected
            // token: '}'" keeps what it says.
            {R"re((?i)\b([A-Za-z0-9_.-]*(?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key)["']?\s*=\s*["']?)[^\s"',;&]+)re",
             "\\1" + credential_mask},
            {R"re((?i)\b([A-Za-z0-9_.-]*(?:password|passwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key)["']?\s*:\s*["']?)[^\s"',;&]{6,})re",
             "\\1" + credential_mask},
            // Authorization: Bearer ...
            {R"re((?i)(authorization["']?\s*[=:]\s*["']?(?:bearer|basic|token)\s+)[^\s"',;]+)re",
             "\\1" + credential_mask},
            {R"re(\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|glpat-[A-Za-z0-9_-]{20,}|xox[abprs]-[A-Za-z0-9-]{10,}|AKIA[0-9A-Z]{16}|eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}))re",
             credential_mask},
        }};
        std::vector<Redaction> out;
        for (const auto& [pattern, rewrite] : rules) {
            auto re = std::make_unique<RE2>(pattern);
            if (re->ok()) out.push_back({std::move(re), rewrite});
        }
        return out;
    }();
    return list;
}

}  // namespace

std::string sanitize_utf8(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    std::size_t pos = 0;
    while (pos < s.size()) {
        std::size_t start = pos;
        char32_t cp = kb::text::decode_utf8(s, pos);
        if (cp == kb::text::invalid_code_point || (cp < 0x20 && cp != '\t') || cp == 0x7F) out += replacement;
        else out.append(s.substr(start, pos - start));
    }
    return out;
}

std::string truncate_utf8(std::string_view text, std::size_t max_bytes) {
    if (text.size() <= max_bytes) return std::string(text);
    std::size_t cut = max_bytes;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
    return std::string(text.substr(0, cut)) + "\xE2\x80\xA6";
}

std::string redact_credentials(std::string text) {
    for (const auto& r : redactions()) RE2::GlobalReplace(&text, *r.pattern, r.rewrite);
    return text;
}

std::string shown_line(std::string_view raw, std::size_t max_bytes) {
    return truncate_utf8(redact_credentials(sanitize_utf8(raw)), max_bytes);
}

}  // namespace match
