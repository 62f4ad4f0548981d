#include "store/schema.hpp"

namespace store::schema {

base::Status create(sqlite::Db& db) {
    // documents.json is the model as kb::to_json writes it, minus the large
    // texts, which are kept once in the columns after it, and minus what an
    // outline does not need, which is in documents.detail (markdown is the
    // body's Markdown; heading..body are the text of the search columns) and
    // put back when a document is read. The two full-text tables index those
    // columns without copying them (external content): `search` all six,
    // `search_head` only the first four, so that a common word can be looked
    // up in titles, error lines and summaries without reading every body.
    // documents_outline covers the listing of every incident by name, which
    // otherwise reads each row's first page with its large texts.
    // signatures holds a runbook's signatures (role 'evidence') and its
    // cleared_by patterns (role 'cleared'), so a matcher needs no document.
    return db.exec(R"sql(
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE sources (
    path TEXT PRIMARY KEY, size INTEGER NOT NULL, changed_ns INTEGER NOT NULL, hash TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE documents (
    rowid INTEGER PRIMARY KEY,
    kind TEXT NOT NULL, id TEXT NOT NULL, title TEXT NOT NULL, date TEXT NOT NULL,
    status TEXT NOT NULL, path TEXT NOT NULL, signatures INTEGER NOT NULL, steps INTEGER NOT NULL,
    json TEXT NOT NULL, detail TEXT NOT NULL, markdown TEXT NOT NULL,
    heading TEXT NOT NULL, errors TEXT NOT NULL, meta TEXT NOT NULL, summary TEXT NOT NULL,
    code TEXT NOT NULL, body TEXT NOT NULL,
    UNIQUE (kind, id)
);
CREATE VIRTUAL TABLE search USING fts5(heading, errors, meta, summary, code, body,
    content = 'documents', content_rowid = 'rowid', tokenize = 'deja');
CREATE VIRTUAL TABLE search_head USING fts5(heading, errors, meta, summary,
    content = 'documents', content_rowid = 'rowid', tokenize = 'deja');
CREATE TABLE signatures (
    runbook TEXT NOT NULL, role TEXT NOT NULL, idx INTEGER NOT NULL, pattern TEXT NOT NULL,
    params TEXT NOT NULL, description TEXT NOT NULL, after TEXT NOT NULL, line INTEGER NOT NULL,
    PRIMARY KEY (runbook, role, idx)
) WITHOUT ROWID;
CREATE TABLE links (
    incident TEXT NOT NULL, runbook TEXT NOT NULL,
    PRIMARY KEY (incident, runbook)
) WITHOUT ROWID;
CREATE INDEX links_by_runbook ON links (runbook, incident);
CREATE INDEX documents_outline ON documents (kind, date DESC, id, title, status, path);
CREATE TABLE diagnostics (
    file TEXT NOT NULL, line INTEGER NOT NULL, severity TEXT NOT NULL, message TEXT NOT NULL
);
CREATE TABLE blobs (key TEXT PRIMARY KEY, bytes BLOB NOT NULL) WITHOUT ROWID;
)sql");
}

}  // namespace store::schema
