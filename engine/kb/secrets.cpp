#include "kb/secrets.hpp"

#include <re2/re2.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <memory>

#include "base/text.hpp"

namespace kb {

namespace {

// scheme://user:PASSWORD@host. The password runs to the last '@' before the
// path, so that an '@' inside it (unescaped, as people paste it) is hidden
// too; quotes end it, so a URL in JSON takes nothing after it along.
constexpr const char* url_with_password = R"re(([A-Za-z][A-Za-z0-9+.\-]*://[^/\s:@'"]*:)([^/\s'"]*)@)re";

const std::string credential_mask(base::text::secret_mask);

struct Redaction {
    std::unique_ptr<RE2> pattern;
    std::string rewrite;
};

const std::vector<Redaction>& redactions() {
    static const std::vector<Redaction> list = [] {
        const std::array<std::pair<const char*, std::string>, 5> rules = {{
            {url_with_password, "\\1" + credential_mask + "@"},
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

bool is_secret_name(std::string_view name) {
    std::string upper(name);
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    for (std::string_view word : {"PASSWORD", "PASSWD", "SECRET", "TOKEN", "API_KEY", "APIKEY", "PRIVATE_KEY",
                                  "CREDENTIAL"})
        if (upper.find(word) != std::string::npos) return true;
    return false;
}

bool is_secret(const Param& param) { return param.secret || is_secret_name(param.name); }

bool is_secret(const Runbook& runbook, const std::string& name) {
    const Param* declared = runbook.param(name);
    return declared ? is_secret(*declared) : is_secret_name(name);
}

std::vector<std::string> hidden_parts(std::string_view value, bool secret) {
    if (value.empty()) return {};
    if (secret) return {std::string(value)};
    static const RE2 url(url_with_password);
    std::vector<std::string> parts;
    re2::StringPiece rest(value.data(), value.size());
    re2::StringPiece prefix, password;
    while (RE2::FindAndConsume(&rest, url, &prefix, &password))
        if (!password.empty()) parts.emplace_back(password.data(), password.size());
    return parts;
}

std::string redact_credentials(std::string text) {
    for (const auto& r : redactions()) RE2::GlobalReplace(&text, *r.pattern, r.rewrite);
    return text;
}

std::string mask_parts(std::string_view text, std::vector<std::string> parts) {
    std::sort(parts.begin(), parts.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
    std::string out(text);
    for (const auto& part : parts) out = base::text::replace_all(out, part, base::text::secret_mask);
    return out;
}

std::string shown_value(std::string_view value, bool secret) { return mask_parts(value, hidden_parts(value, secret)); }

}  // namespace kb
