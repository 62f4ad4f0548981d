#include "store/history.hpp"

#include <pwd.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <ctime>
#include <fstream>
#include <sstream>
#include <system_error>

#include "base/text.hpp"
#include "kb/paths.hpp"
#include "store/sqlite.hpp"

namespace store {

namespace fs = std::filesystem;

namespace {

// PRAGMA application_id: tells a deja history apart from any other SQLite file.
constexpr int application_id = 0x64656a68;  // "dejh"

// Forward migrations; schema version N is the state after the first N entries.
// Entries are never edited once released: a change is a new entry.
const std::vector<const char*> migrations = {
    R"sql(
CREATE TABLE runs(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  runbook TEXT NOT NULL,
  runbook_title TEXT NOT NULL DEFAULT '',
  runbook_hash TEXT NOT NULL DEFAULT '',
  mode TEXT NOT NULL DEFAULT 'run',
  params TEXT NOT NULL DEFAULT '{}',
  user TEXT NOT NULL DEFAULT '',
  host TEXT NOT NULL DEFAULT '',
  cwd TEXT NOT NULL DEFAULT '',
  pid INTEGER NOT NULL DEFAULT 0,
  boot_id TEXT NOT NULL DEFAULT '',
  process_start INTEGER NOT NULL DEFAULT 0,
  started_at TEXT NOT NULL,
  ended_at TEXT,
  status TEXT NOT NULL,
  exit_code INTEGER,
  message TEXT NOT NULL DEFAULT '',
  evidence TEXT
);
CREATE INDEX runs_by_runbook ON runs(runbook, id);
CREATE INDEX runs_running ON runs(status) WHERE status = 'running';
CREATE TABLE steps(
  run_id INTEGER NOT NULL REFERENCES runs(id),
  position INTEGER NOT NULL,
  name TEXT NOT NULL,
  kind TEXT NOT NULL,
  language TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL,
  exit_code INTEGER,
  signal INTEGER,
  started_at TEXT,
  duration_ms INTEGER NOT NULL DEFAULT 0,
  output TEXT NOT NULL DEFAULT '',
  output_truncated INTEGER NOT NULL DEFAULT 0,
  note TEXT NOT NULL DEFAULT '',
  PRIMARY KEY(run_id, position)
) WITHOUT ROWID;
)sql",
};

using sqlite::Db;
using sqlite::Statement;
using sqlite::Transaction;

void bind_optional(Statement& q, int index, std::optional<int> value) {
    if (value) q.bind(index, static_cast<long long>(*value));
    else q.bind_null(index);
}

std::optional<int> optional_int(const Statement& q, int column) {
    if (q.is_null(column)) return std::nullopt;
    return static_cast<int>(q.integer(column));
}

std::string read_first_line(const char* path) {
    std::ifstream in(path);
    std::string line;
    std::getline(in, line);
    return std::string(base::text::trim(line));
}

// Field 22 of /proc/<pid>/stat (start time in clock ticks since boot); the
// command name (field 2) may hold spaces and parentheses, so count from the
// last ')'.
long long process_start_time(long long pid) {
    std::string stat = read_first_line(("/proc/" + std::to_string(pid) + "/stat").c_str());
    auto close = stat.rfind(')');
    if (close == std::string::npos) return 0;
    std::istringstream fields(stat.substr(close + 1));
    std::string field;
    for (int index = 3; fields >> field; ++index) {
        if (index == 22) return std::atoll(field.c_str());
    }
    return 0;
}

bool process_still_runs(const Origin& recorded, const Origin& here) {
    if (recorded.host != here.host || recorded.boot_id != here.boot_id) return false;
    if (recorded.pid <= 0) return false;
    if (kill(static_cast<pid_t>(recorded.pid), 0) != 0 && errno == ESRCH) return false;
    // The pid exists: it is the same deja only if it started at the same moment.
    return recorded.process_start == 0 || process_start_time(recorded.pid) == recorded.process_start;
}

std::string params_json(const kb::ParamValues& params) { return nlohmann::json(params).dump(); }

kb::ParamValues parse_params(const std::string& text) {
    kb::ParamValues out;
    auto j = nlohmann::json::parse(text, nullptr, false);
    if (j.is_object())
        for (auto& [k, v] : j.items())
            if (v.is_string()) out[k] = v.get<std::string>();
    return out;
}

}  // namespace

std::string to_string(RunStatus status) {
    switch (status) {
        case RunStatus::running: return "running";
        case RunStatus::succeeded: return "succeeded";
        case RunStatus::failed: return "failed";
        case RunStatus::interrupted: return "interrupted";
        case RunStatus::refused: return "refused";
        case RunStatus::abandoned: return "abandoned";
    }
    return "failed";
}

std::string to_string(StepStatus status) {
    switch (status) {
        case StepStatus::running: return "running";
        case StepStatus::ok: return "ok";
        case StepStatus::failed: return "failed";
        case StepStatus::skipped: return "skipped";
        case StepStatus::timed_out: return "timed_out";
        case StepStatus::interrupted: return "interrupted";
        case StepStatus::not_run: return "not_run";
        case StepStatus::abandoned: return "abandoned";
    }
    return "failed";
}

std::string display(StepStatus status) {
    switch (status) {
        case StepStatus::timed_out: return "timed out";
        case StepStatus::not_run: return "not run";
        default: return to_string(status);
    }
}

std::optional<RunStatus> run_status_from_string(const std::string& text) {
    for (auto s : {RunStatus::running, RunStatus::succeeded, RunStatus::failed, RunStatus::interrupted,
                   RunStatus::refused, RunStatus::abandoned})
        if (to_string(s) == text) return s;
    return std::nullopt;
}

std::optional<StepStatus> step_status_from_string(const std::string& text) {
    for (auto s : {StepStatus::running, StepStatus::ok, StepStatus::failed, StepStatus::skipped,
                   StepStatus::timed_out, StepStatus::interrupted, StepStatus::not_run, StepStatus::abandoned})
        if (to_string(s) == text) return s;
    return std::nullopt;
}

Origin current_origin() {
    Origin o;
    o.pid = static_cast<long long>(getpid());
    o.process_start = process_start_time(o.pid);
    o.boot_id = read_first_line("/proc/sys/kernel/random/boot_id");
    char host[256] = {};
    if (gethostname(host, sizeof host - 1) == 0) o.host = host;
    if (const passwd* pw = getpwuid(geteuid()); pw && pw->pw_name) o.user = pw->pw_name;
    else if (const char* u = std::getenv("USER")) o.user = u;
    else o.user = std::to_string(geteuid());
    return o;
}

std::string timestamp_now() {
    using namespace std::chrono;
    auto now = system_clock::now();
    auto ms = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
    std::time_t t = system_clock::to_time_t(now);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[40];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    char out[48];
    std::snprintf(out, sizeof out, "%s.%03dZ", buf, static_cast<int>(ms));
    return out;
}

struct History::Impl {
    explicit Impl(Db database) : db(std::move(database)) {}
    Db db;
    Origin origin = current_origin();
    std::vector<long long> abandoned;

    base::Error refuse(const std::string& message) const { return base::error(message + " (" + db.path().string() + ")"); }

    base::Status migrate() {
        auto tx = Transaction::begin(db, Transaction::Kind::immediate);
        if (!tx) return tx.error();
        auto version = db.user_version();
        if (!version) return version.error();
        auto app_query = db.prepare("PRAGMA application_id");
        if (!app_query) return app_query.error();
        auto app_row = app_query->step();
        if (!app_row) return app_row.error();
        long long app = *app_row ? app_query->integer(0) : 0;
        if (app == 0) {
            auto tables = db.prepare("SELECT count(*) FROM sqlite_master");
            if (!tables) return tables.error();
            auto row = tables->step();
            if (!row) return row.error();
            if (*version != 0 || tables->integer(0) != 0)
                return refuse("this file is an SQLite database but not a deja run history");
        } else if (app != application_id) {
            return refuse("this file is an SQLite database but not a deja run history");
        }
        auto latest = static_cast<long long>(migrations.size());
        if (*version > latest)
            return refuse("the run history was written by a newer deja (schema " + std::to_string(*version) +
                          ", this deja knows up to " + std::to_string(latest) +
                          "); upgrade deja or point DEJA_STATE_DIR elsewhere");
        if (*version == latest) return base::Ok{};
        for (auto v = *version; v < latest; ++v) {
            if (auto st = db.exec(migrations[static_cast<std::size_t>(v)]); !st)
                return refuse("cannot migrate the run history to schema " + std::to_string(v + 1) + ": " +
                              st.error().message);
        }
        if (auto st = db.set_user_version(latest); !st) return st;
        if (auto st = db.exec("PRAGMA application_id = " + std::to_string(application_id)); !st) return st;
        return tx->commit();
    }

    base::Status mark_abandoned() {
        std::vector<std::pair<long long, Origin>> running;
        {
            auto q = db.prepare("SELECT id, host, boot_id, pid, process_start FROM runs WHERE status = 'running'");
            if (!q) return q.error();
            while (true) {
                auto row = q->step();
                if (!row) return row.error();
                if (!*row) break;
                Origin o;
                o.host = q->text(1);
                o.boot_id = q->text(2);
                o.pid = q->integer(3);
                o.process_start = q->integer(4);
                running.emplace_back(q->integer(0), o);
            }
        }
        for (const auto& [id, recorded] : running) {
            if (recorded.pid == origin.pid && recorded.host == origin.host && recorded.boot_id == origin.boot_id &&
                recorded.process_start == origin.process_start)
                continue;  // a run of this very process
            if (process_still_runs(recorded, origin)) continue;
            auto tx = Transaction::begin(db, Transaction::Kind::immediate);
            if (!tx) return tx.error();
            auto steps = db.prepare("UPDATE steps SET status = 'abandoned', note = 'deja stopped while this step ran' "
                                    "WHERE run_id = ?1 AND status = 'running'");
            if (!steps) return steps.error();
            if (auto st = steps->bind(1, id).run(); !st) return st;
            auto run = db.prepare(
                "UPDATE runs SET status = 'abandoned', message = ?2 WHERE id = ?1 AND status = 'running'");
            if (!run) return run.error();
            std::string message = "deja (pid " + std::to_string(recorded.pid) + " on " + recorded.host +
                                  ") stopped before the run finished";
            if (auto st = run->bind(1, id).bind(2, message).run(); !st) return st;
            if (auto st = tx->commit(); !st) return st;
            abandoned.push_back(id);
        }
        return base::Ok{};
    }

    base::Result<long long> insert_run(const NewRun& run, RunStatus status, const std::string& message) {
        auto q = db.prepare(R"sql(INSERT INTO runs(runbook, runbook_title, runbook_hash, mode, params, user, host, cwd,
                     pid, boot_id, process_start, started_at, ended_at, status, exit_code, message, evidence)
                     VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17))sql");
        if (!q) return q.error();
        std::string now = timestamp_now();
        q->bind(1, run.runbook).bind(2, run.runbook_title).bind(3, run.runbook_hash).bind(4, run.mode);
        q->bind(5, params_json(run.params)).bind(6, origin.user).bind(7, origin.host).bind(8, run.cwd);
        q->bind(9, origin.pid).bind(10, origin.boot_id).bind(11, origin.process_start).bind(12, now);
        if (status == RunStatus::running) q->bind_null(13).bind_null(15);
        else q->bind(13, now).bind(15, 2);
        q->bind(14, to_string(status)).bind(16, message);
        if (run.evidence.is_null()) q->bind_null(17);
        else q->bind(17, run.evidence.dump());
        if (auto st = q->run(); !st) return st.error();
        return db.last_insert_rowid();
    }
};

History::History(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
History::History(History&&) noexcept = default;
History& History::operator=(History&&) noexcept = default;
History::~History() = default;

fs::path History::default_path() { return kb::state_dir() / "history.sqlite"; }

int History::schema_version() { return static_cast<int>(migrations.size()); }

base::Result<History> History::open(const fs::path& db_path) {
    std::error_code ec;
    if (db_path.has_parent_path()) fs::create_directories(db_path.parent_path(), ec);
    if (ec)
        return base::error("cannot create the state directory: " + ec.message() + " (" +
                         db_path.parent_path().string() + ")");
    auto db = Db::open(db_path, sqlite::OpenMode::create);
    if (!db) return db.error();
    db->busy_timeout(std::chrono::seconds(5));
    // WAL: readers (deja runs) never block the run being written. FULL: a
    // committed step survives a power cut too, at a few fsyncs per run.
    for (const char* pragma : {"PRAGMA journal_mode = WAL", "PRAGMA synchronous = FULL", "PRAGMA foreign_keys = ON"}) {
        if (auto st = db->exec(pragma); !st) return st.error();
    }
    auto impl = std::make_unique<Impl>(std::move(*db));
    if (auto st = impl->migrate(); !st) return st.error();
    if (auto st = impl->mark_abandoned(); !st) return st.error();
    return History(std::move(impl));
}

const std::vector<long long>& History::abandoned() const { return impl_->abandoned; }
const fs::path& History::path() const { return impl_->db.path(); }

base::Result<long long> History::begin_run(const NewRun& run) {
    return impl_->insert_run(run, RunStatus::running, "");
}

base::Status History::begin_step(long long run_id, const StepRecord& step) {
    auto q = impl_->db.prepare(R"sql(INSERT OR REPLACE INTO steps(run_id, position, name, kind, language, status,
                           exit_code, signal, started_at, duration_ms, output, output_truncated, note)
                           VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13))sql");
    if (!q) return q.error();
    q->bind(1, run_id).bind(2, step.position).bind(3, step.name);
    q->bind(4, kb::to_string(step.kind)).bind(5, step.language).bind(6, to_string(step.status));
    bind_optional(*q, 7, step.exit_code);
    bind_optional(*q, 8, step.signal);
    if (step.started_at.empty()) q->bind_null(9);
    else q->bind(9, step.started_at);
    q->bind(10, step.duration_ms).bind(11, step.output).bind(12, step.output_truncated ? 1 : 0);
    q->bind(13, step.note);
    return q->run();
}

base::Status History::end_step(long long run_id, const StepRecord& step) { return begin_step(run_id, step); }

base::Status History::end_run(long long run_id, RunStatus status, int exit_code, const std::string& message) {
    auto q = impl_->db.prepare(
        "UPDATE runs SET status = ?2, exit_code = ?3, message = ?4, ended_at = ?5 WHERE id = ?1");
    if (!q) return q.error();
    q->bind(1, run_id).bind(2, to_string(status)).bind(3, exit_code).bind(4, message).bind(5, timestamp_now());
    return q->run();
}

namespace {

constexpr const char* run_columns = R"sql(r.id, r.runbook, r.runbook_title, r.runbook_hash, r.mode, r.params, r.user,
    r.host, r.cwd, r.pid, r.started_at, r.ended_at, r.status, r.exit_code, r.message, r.evidence,
    (SELECT count(*) FROM steps s WHERE s.run_id = r.id),
    (SELECT count(*) FROM steps s WHERE s.run_id = r.id AND s.status IN ('ok', 'skipped')),
    (SELECT count(*) FROM steps s WHERE s.run_id = r.id AND s.kind = 'diagnose' AND s.status = 'failed'
        AND coalesce(s.exit_code, 0) <> 127))sql";

RunRecord read_run(const Statement& q) {
    RunRecord r;
    r.id = q.integer(0);
    r.runbook = q.text(1);
    r.runbook_title = q.text(2);
    r.runbook_hash = q.text(3);
    r.mode = q.text(4);
    r.params = parse_params(q.text(5));
    r.user = q.text(6);
    r.host = q.text(7);
    r.cwd = q.text(8);
    r.pid = q.integer(9);
    r.started_at = q.text(10);
    r.ended_at = q.text(11);
    r.status = run_status_from_string(q.text(12)).value_or(RunStatus::failed);
    r.exit_code = optional_int(q, 13);
    r.message = q.text(14);
    if (!q.is_null(15)) r.evidence = nlohmann::json::parse(q.text(15), nullptr, false);
    if (r.evidence.is_discarded()) r.evidence = nullptr;
    r.step_count = static_cast<int>(q.integer(16));
    r.steps_ok = static_cast<int>(q.integer(17));
    r.steps_found = static_cast<int>(q.integer(18));
    return r;
}

}  // namespace

base::Result<std::vector<RunRecord>> History::runs(const RunFilter& filter) const {
    std::string sql = std::string("SELECT ") + run_columns + " FROM runs r WHERE (?1 = '' OR r.runbook = ?1) " +
                      "ORDER BY r.id DESC LIMIT ?2";
    auto q = impl_->db.prepare(sql);
    if (!q) return q.error();
    q->bind(1, filter.runbook).bind(2, static_cast<long long>(filter.limit > 0 ? filter.limit : -1));
    std::vector<RunRecord> out;
    while (true) {
        auto row = q->step();
        if (!row) return row.error();
        if (!*row) break;
        out.push_back(read_run(*q));
    }
    return out;
}

base::Result<std::optional<RunRecord>> History::run(long long id) const {
    auto q = impl_->db.prepare(std::string("SELECT ") + run_columns + " FROM runs r WHERE r.id = ?1");
    if (!q) return q.error();
    q->bind(1, id);
    auto row = q->step();
    if (!row) return row.error();
    if (!*row) return std::optional<RunRecord>();
    RunRecord r = read_run(*q);
    auto s = impl_->db.prepare(R"sql(SELECT position, name, kind, language, status, exit_code, signal, started_at,
                           duration_ms, output, output_truncated, note FROM steps WHERE run_id = ?1
                           ORDER BY position)sql");
    if (!s) return s.error();
    s->bind(1, id);
    while (true) {
        auto step_row = s->step();
        if (!step_row) return step_row.error();
        if (!*step_row) break;
        StepRecord step;
        step.position = static_cast<int>(s->integer(0));
        step.name = s->text(1);
        step.kind = kb::step_kind_from_string(s->text(2)).value_or(kb::StepKind::apply);
        step.language = s->text(3);
        step.status = step_status_from_string(s->text(4)).value_or(StepStatus::failed);
        step.exit_code = optional_int(*s, 5);
        step.signal = optional_int(*s, 6);
        step.started_at = s->text(7);
        step.duration_ms = s->integer(8);
        step.output = s->text(9);
        step.output_truncated = s->integer(10) != 0;
        step.note = s->text(11);
        r.steps.push_back(std::move(step));
    }
    return std::optional<RunRecord>(std::move(r));
}

nlohmann::json to_json(const StepRecord& step) {
    nlohmann::json j = {{"position", step.position}, {"name", step.name}, {"kind", kb::to_string(step.kind)},
                        {"language", step.language}, {"status", to_string(step.status)},
                        {"duration_ms", step.duration_ms}, {"output", step.output},
                        {"output_truncated", step.output_truncated}, {"note", step.note}};
    j["exit_code"] = step.exit_code ? nlohmann::json(*step.exit_code) : nlohmann::json(nullptr);
    j["signal"] = step.signal ? nlohmann::json(*step.signal) : nlohmann::json(nullptr);
    j["started_at"] = step.started_at.empty() ? nlohmann::json(nullptr) : nlohmann::json(step.started_at);
    return j;
}

nlohmann::json to_json(const RunRecord& run, WithSteps with_steps) {
    nlohmann::json j = {{"id", run.id}, {"runbook", run.runbook}, {"title", run.runbook_title},
                        {"runbook_hash", run.runbook_hash}, {"mode", run.mode}, {"params", run.params},
                        {"user", run.user}, {"host", run.host}, {"cwd", run.cwd}, {"pid", run.pid},
                        {"started_at", run.started_at}, {"status", to_string(run.status)},
                        {"message", run.message}, {"evidence", run.evidence}, {"step_count", run.step_count},
                        {"steps_ok", run.steps_ok}, {"steps_found", run.steps_found}};
    j["ended_at"] = run.ended_at.empty() ? nlohmann::json(nullptr) : nlohmann::json(run.ended_at);
    j["exit_code"] = run.exit_code ? nlohmann::json(*run.exit_code) : nlohmann::json(nullptr);
    if (with_steps == WithSteps::yes) {
        j["steps"] = nlohmann::json::array();
        for (const auto& s : run.steps) j["steps"].push_back(to_json(s));
    }
    return j;
}

}  // namespace store
