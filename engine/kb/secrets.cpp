#include "kb/secrets.hpp"

#include <re2/re2.h>

#include <algorithm>
#include <cctype>

#include "kb/text.hpp"

namespace kb {

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
    // scheme://user:password@host: the password runs to the last '@' before
    // the path, so that an '@' inside it (unescaped, as people paste it) is
    // hidden too.
    static const RE2 url(R"(([A-Za-z][A-Za-z0-9+.\-]*://[^/\s:@]*:)([^/\s]*)@)");
    std::vector<std::string> parts;
    re2::StringPiece rest(value.data(), value.size());
    re2::StringPiece prefix, password;
    while (RE2::FindAndConsume(&rest, url, &prefix, &password))
        if (!password.empty()) parts.emplace_back(password.data(), password.size());
    return parts;
}

std::string shown_value(std::string_view value, bool secret) {
    auto parts = hidden_parts(value, secret);
    // The longest first, so that a part inside a longer one never leaves the
    // rest of the longer one showing.
    std::sort(parts.begin(), parts.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
    std::string out(value);
    for (const auto& part : parts) out = text::replace_all(out, part, text::secret_mask);
    return out;
}

}  // namespace kb
