// RE2 against the JavaScript the site runs: RE2's verdict on a line in the
// shape node reports it, and one node process that runs every translated
// regex over its lines (the site's regex tests and the fuzz differential).
#pragma once

#include <string>

#include <nlohmann/json.hpp>
#include <re2/re2.h>

namespace test {

// {"match", "whole", "groups"} for RE2 on `line`, plus the pattern and line.
nlohmann::json re2_verdict(const RE2& re, const std::string& pattern, const std::string& line);

// `cases`: [{"source", "flags", "lines": [...]}]. One result per line, in
// order: {"match", "whole", "groups"}, or {"error"} when node refuses the
// regex. A hang in the JavaScript engine fails the calling test (timeout).
nlohmann::json run_in_node(const nlohmann::json& cases);

// Whether node's result for a line says what RE2's verdict says.
bool same_verdict(const nlohmann::json& node, const nlohmann::json& re2);

}  // namespace test
