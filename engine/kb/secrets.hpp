// Which param values are secrets, and what of a value or a text must never be
// shown: the one set of rules for runs, `deja match`, `deja show` and the
// site. A param is a secret when it is declared `secret: true` or named like
// a credential; in any other value, the password of a URL is hidden; in free
// text, whatever looks like a credential.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "kb/model.hpp"

namespace kb {

// PASSWORD, PASSWD, SECRET, TOKEN, API_KEY, APIKEY, PRIVATE_KEY or
// CREDENTIAL anywhere in the name, in any case.
bool is_secret_name(std::string_view name);

bool is_secret(const Param& param);
// A param of `runbook` by name; one it does not declare (a signature may set
// any) is judged by its name.
bool is_secret(const Runbook& runbook, const std::string& name);

// What of `value` must never be shown: all of it for a secret; otherwise
// the password of each URL in it ("postgresql://app:PASSWORD@db/app").
std::vector<std::string> hidden_parts(std::string_view value, bool secret);

// `text` with every occurrence of each of `parts` replaced by the mask, the
// longest first, so that a part inside a longer one never leaves the rest
// of the longer one showing.
std::string mask_parts(std::string_view text, std::vector<std::string> parts);

// `value` as it may be shown: its hidden parts masked.
std::string shown_value(std::string_view value, bool secret);

// Credentials in free text (a log line, a step's output) replaced by the
// mask: the password of a URL, the value of a password=, secret=, token= or
// api_key: setting, an Authorization header's credentials, and tokens of a
// well-known shape (GitHub, GitLab, Slack, AWS access keys, JSON Web Tokens).
std::string redact_credentials(std::string text);

}  // namespace kb
