// RE2 patterns rewritten in JavaScript RegExp syntax, so the site's log
// matcher runs a runbook's signatures in the reader's browser with the same
// meaning deja gives them. The output always uses the `u` flag (RE2 matches
// code points); anything JavaScript cannot express is an error naming why.
#pragma once

#include <string>
#include <string_view>

#include "base/result.hpp"

namespace site {

struct JsRegex {
    std::string source;  // for `new RegExp(source, flags)`
    std::string flags;   // always contains "u"; "i" for a leading (?i)
};

base::Result<JsRegex> to_js_regex(std::string_view re2_pattern);

}  // namespace site
