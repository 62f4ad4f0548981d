// The run history: every `deja run` with its params (secrets masked), who ran
// it where, and each step's status, exit code, duration and output. It is
// state, not cache: a separate SQLite file in the state directory that is
// never rebuilt or dropped, migrated forward in a transaction, written step by
// step so that a deja killed mid-run leaves the finished steps behind and the
// run is later marked abandoned rather than left running forever.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "kb/model.hpp"
#include "base/result.hpp"

namespace store {

enum class RunStatus { running, succeeded, failed, interrupted, refused, abandoned };
enum class StepStatus { running, ok, failed, skipped, timed_out, interrupted, not_run, abandoned };

// Stable ids as stored and in JSON ("timed_out", "not_run").
std::string to_string(RunStatus status);
std::string to_string(StepStatus status);
// Words a user reads ("timed out", "not run").
std::string display(StepStatus status);
std::optional<RunStatus> run_status_from_string(const std::string& text);
std::optional<StepStatus> step_status_from_string(const std::string& text);

struct StepRecord {
    int position = 0;  // 1-based order of execution within the run
    std::string name;
    kb::StepKind kind = kb::StepKind::apply;
    std::string language;
    StepStatus status = StepStatus::running;
    std::optional<int> exit_code;  // as the process ended: 128+N when killed by signal N
    std::optional<int> signal;     // the signal that ended it, if any
    std::string started_at;        // ISO 8601 UTC, empty when the step never started
    long long duration_ms = 0;
    std::string output;            // masked, the last bytes up to the capture limit
    bool output_truncated = false;
    std::string note;              // why skipped / not run, or what went wrong
};

struct RunRecord {
    long long id = 0;
    std::string runbook;
    std::string runbook_title;
    std::string runbook_hash;
    std::string mode;              // "run" or "diagnose"
    kb::ParamValues params;        // secrets already masked
    std::string user;
    std::string host;
    std::string cwd;
    long long pid = 0;
    std::string started_at;
    std::string ended_at;          // empty while running or when abandoned
    RunStatus status = RunStatus::running;
    std::optional<int> exit_code;
    std::string message;           // why it was refused / failed / abandoned
    nlohmann::json evidence;       // null unless the run came from --from-log
    int step_count = 0;            // steps recorded
    int steps_ok = 0;              // of which ok or skipped
    // Diagnose steps that failed, which is what they are for: the check
    // found the problem (a missing tool, exit 127, is not counted).
    int steps_found = 0;
    std::vector<StepRecord> steps; // filled by History::run(id) only
};

struct NewRun {
    std::string runbook;
    std::string runbook_title;
    std::string runbook_hash;
    std::string mode = "run";
    kb::ParamValues params;  // masked by the caller
    std::string cwd;
    nlohmann::json evidence;
};

struct RunFilter {
    std::string runbook;  // empty = all
    int limit = 20;       // <= 0 = no limit
};

// Who and where this process runs, as recorded with a run.
struct Origin {
    std::string user;
    std::string host;
    std::string boot_id;
    long long pid = 0;
    long long process_start = 0;  // /proc/<pid>/stat start time, tells a reused pid apart
};
Origin current_origin();

// Now as ISO 8601 UTC with milliseconds ("2025-11-02T10:14:03.120Z").
std::string timestamp_now();

class History {
public:
    // The history file in the state directory ($DEJA_STATE_DIR overrides).
    static std::filesystem::path default_path();

    // Opens or creates the database, migrating it forward. Refuses a file
    // written by a newer deja. Runs left `running` by a deja that is gone are
    // marked abandoned; their ids are in abandoned().
    static base::Result<History> open(const std::filesystem::path& db_path);
    History(History&&) noexcept;
    History& operator=(History&&) noexcept;
    ~History();

    const std::vector<long long>& abandoned() const;
    static int schema_version();  // the version this deja writes

    // Writes the run row (status running) and returns its id.
    base::Result<long long> begin_run(const NewRun& run);
    // Steps are written when they start (status running) and updated when they end.
    base::Status begin_step(long long run_id, const StepRecord& step);
    base::Status end_step(long long run_id, const StepRecord& step);
    base::Status end_run(long long run_id, RunStatus status, int exit_code, const std::string& message);

    base::Result<std::vector<RunRecord>> runs(const RunFilter& filter) const;
    base::Result<std::optional<RunRecord>> run(long long id) const;

    const std::filesystem::path& path() const;

private:
    struct Impl;
    explicit History(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

nlohmann::json to_json(const StepRecord& step);
enum class WithSteps { no, yes };
nlohmann::json to_json(const RunRecord& run, WithSteps with_steps);

}  // namespace store
