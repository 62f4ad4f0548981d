// `deja match` as a library call: scan logs with a compiled Matcher and get
// a Report of known failures (runbooks, or incidents without a runbook),
// ranked by confidence with causes before their symptoms, each with its
// evidence lines, the incidents where it was seen before, the params taken
// from the log and the `deja run` command; or, when nothing is confident,
// the closest candidates.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "kb/model.hpp"
#include "base/result.hpp"
#include "match/input.hpp"
#include "match/matcher.hpp"

namespace match {

enum class EvidenceKind {
    signature,  // a runbook signature matched the line
    incident,   // the line is an incident's error line (same template)
    similar,    // the line is worded much like an incident's error line
    keywords,   // near misses only: the line shares words with a signature
    cleared,    // near misses only: a later line shows the failure went away (cleared_by)
};
std::string to_string(EvidenceKind kind);

struct Evidence {
    std::string source;
    long long line = 0;
    std::string text;       // the cleaned line: valid UTF-8, length capped
    std::string signature;  // the signature's pattern, or the incident's error-line template
    EvidenceKind kind = EvidenceKind::signature;
    long long context_line = 0;  // the line before (0: none)
    std::string context;
};

struct IncidentRef {
    std::string id;
    std::string title;
    std::string date;
    std::string status;
    bool in_log = false;  // its error lines are in this log
};

struct Match {
    std::optional<std::string> runbook;  // empty: an incident that has no runbook
    std::string title;
    double confidence = 0;  // [0, 1], two decimals
    std::vector<Evidence> evidence;
    std::vector<IncidentRef> incidents;
    kb::ParamValues params;  // taken from the log only (defaults are not added)
    kb::ParamValues shown_params;  // the same as output shows them: secrets masked (kb/secrets.hpp)
    std::string command;     // `deja run ...`, a secret read from the environment; empty without a runbook
    // Params the runbook requires, has no default for, and the log did not
    // give: `deja run` asks for them (in the runbook's order).
    std::vector<std::string> missing;
    bool symptom = false;
};

struct Report {
    std::vector<std::string> sources;
    long long lines = 0;
    std::vector<Match> matches;      // confident ones, best first, causes before symptoms
    std::vector<Match> near_misses;  // only when nothing is confident
    std::vector<Evidence> error_lines;  // a sample of the log's error lines, in log order
    // Inputs that could not be read to the end (InputError::report_and_go_on):
    // the report covers what was read of them.
    std::vector<std::string> input_errors;

    bool found() const { return !matches.empty(); }
};

// What scan() does when an input cannot be opened or fails part way (a
// truncated gzip stream, a read error).
enum class InputError {
    fail,              // the scan fails with the error
    report_and_go_on,  // the report covers what was read and lists the error
};

struct Options {
    double threshold = 0.5;  // matches at or above; near misses below
    std::size_t block_size = LineBlocks::default_block_size;
    std::size_t max_line = LineBlocks::default_max_line;
    std::size_t max_evidence = 5;   // per match
    std::size_t max_near_misses = 3;
    unsigned threads = 0;  // scanning threads; 0: one per core, at most 4
    std::vector<std::string> command_prefix;  // words between "deja" and "run", e.g. {"--kb", "team"}
    InputError on_input_error = InputError::fail;
};

// Errors: an input that cannot be opened or read ("cannot read x.log (...)"),
// unless options.on_input_error says to go on.
base::Result<Report> scan(const Matcher& matcher, const std::vector<Input>& inputs, const Options& options = {});

// The DESIGN.md contract: sources, lines, matches, near_misses.
nlohmann::json to_json(const Report& report);

// A word the shell reads back as `value`: as is when plain, else in single quotes.
std::string shell_quote(std::string_view value);
std::string run_command(const kb::Runbook& runbook, const kb::ParamValues& params,
                        const std::vector<std::string>& prefix = {});

}  // namespace match
