// Error-line templates: the variable parts of a cleaned line (numbers,
// timestamps, hex ids, UUIDs, IP addresses and ports, paths, URLs, quoted
// values) are masked so that the same failure on another day, host or run
// gives the same template. Quoted identifiers (gin_trgm_ops, metrics.k8s.io,
// a table name) are kept: they are what tells one failure from another.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace match {

std::string normalise(std::string_view cleaned);

// The message without the labels clients put in front of it (`ERROR:  `,
// `psycopg.errors.UndefinedObject: `, `(psycopg2.errors.X) `, `PG::X: `), so
// the same server message from two clients compares equal.
std::string_view message_core(std::string_view normalised);

// The words of a template (masks included as their own tokens), each once.
std::vector<std::string> template_tokens(std::string_view template_text);

// Weighted overlap of two token sets in [0, 1], words weighted by
// word_weight so that sharing "gin_trgm_ops" counts more than sharing "not".
double similarity(const std::vector<std::string>& a, const std::vector<std::string>& b);
// The same with each token's weight given (token_weights), for comparing
// many sets with one another: weighing the tokens of 10,000 incident
// templates again for each line of a log was a sixth of a run on a small
// log (bench/match.sh).
std::vector<double> token_weights(const std::vector<std::string>& tokens);
double similarity(const std::vector<std::string>& a, std::span<const double> a_weights,
                  const std::vector<std::string>& b, std::span<const double> b_weights);

// How much of `required` appears in `tokens`, weighted, in [0, 1].
double coverage(const std::vector<std::string>& required, const std::vector<std::string>& tokens);

// Weight of a template's words once masks are ignored.
double template_weight(std::string_view template_text);

}  // namespace match
