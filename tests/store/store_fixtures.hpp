// Hand-made knowledge bases for the index tests: documents written so that
// each ranking rule has a document that should win and one that should lose.
#pragma once

#include <string>
#include <vector>

#include "kb/model.hpp"

namespace store_test {

inline kb::Runbook runbook(const std::string& id, const std::string& title, const std::string& summary,
                           const std::vector<std::string>& examples, const std::string& body) {
    kb::Runbook r;
    r.id = id;
    r.title = title;
    r.summary = summary;
    for (const auto& e : examples) r.examples.push_back({e, {}, 0});
    r.body_text = body;
    r.body_markdown = body;
    r.path = "runbooks/" + id + ".md";
    return r;
}

inline kb::Incident incident(const std::string& id, const std::string& title, const std::vector<std::string>& errors,
                             const std::string& body) {
    kb::Incident i;
    i.id = id;
    i.title = title;
    i.date = id.substr(0, 10);
    i.status = "resolved";
    for (const auto& e : errors) i.error_lines.push_back({e, 0});
    i.body_text = body;
    i.body_markdown = body;
    i.path = "incidents/" + id + ".md";
    return i;
}

inline std::string filler(int sentences) {
    std::string out;
    for (int i = 0; i < sentences; ++i)
        out += "The team looked at dashboards, compared deploy times and wrote down what they saw. ";
    return out;
}

// The ranking corpus.
inline kb::KnowledgeBase ranking_kb() {
    kb::KnowledgeBase k;
    k.runbooks.push_back(runbook(
        "pg-extension-missing", "Enable a missing PostgreSQL extension",
        "A migration uses an operator class or function from an extension that is not enabled.",
        {"ERROR:  operator class \"gin_trgm_ops\" does not exist for access method \"gin\"",
         "ERROR:  function uuid_generate_v4() does not exist"},
        "Enable pg_trgm or uuid-ossp in the target database, then rerun the migration. " + filler(3)));
    k.runbooks.push_back(runbook(
        "sqlalchemy-async-from-sync", "Call the async driver from async code",
        "SQLAlchemy was asked to run an async driver from synchronous code.",
        {"sqlalchemy.exc.MissingGreenlet: greenlet_spawn has not been called; can't call await_only() here."},
        "Alembic's env.py runs synchronously; use run_sync or a sync driver. " + filler(2)));
    k.runbooks.push_back(runbook("k8s-metrics-api-unavailable", "Metrics API unavailable to the autoscaler",
                                 "The HPA cannot read metrics.",
                                 {"unable to handle the request (get pods.metrics.k8s.io)"},
                                 "Install or repair metrics-server. " + filler(2)));
    // Mentions gin_trgm_ops many times, but only in passing, in the body.
    k.incidents.push_back(incident(
        "2025-05-05-search-tuning-notes", "Notes from tuning text search", {},
        filler(4) + "We compared gin_trgm_ops with gist_trgm_ops; gin_trgm_ops was faster to query, "
                    "gin_trgm_ops indexes were larger, and gin_trgm_ops needs the extension. " + filler(4)));
    k.incidents.push_back(incident(
        "2025-10-29-tables-never-created", "Integration tests blocked: tables never created",
        {"psycopg.errors.UndefinedObject: operator class \"gin_trgm_ops\" does not exist for access method \"gin\""},
        filler(6)));
    // "greenlet" as a plain word in the body only.
    k.incidents.push_back(incident("2025-03-02-dependency-audit", "Dependency audit",
                                   {}, filler(2) + "The greenlet package was pinned during the audit. " + filler(2)));
    // "greenlet" exactly, in an error line.
    k.incidents.push_back(incident("2025-04-04-worker-import", "Worker crashed at start",
                                   {"ModuleNotFoundError: No module named greenlet"}, filler(3)));
    // greenlet_spawn in the body only.
    k.incidents.push_back(incident("2025-02-02-retro-notes", "Retrospective notes", {},
                                   filler(2) + "Someone asked what greenlet_spawn means. " + filler(2)));
    // Unrelated: must never show up for the queries above.
    k.incidents.push_back(incident("2025-01-15-disk-full", "Disk full on the build runner",
                                   {"No space left on device"}, filler(5)));
    k.incidents.back().tags = {"ci", "disk"};
    return k;
}

}  // namespace store_test
