#!/usr/bin/env bash
# Index throughput and search latency at 10k and 100k documents.
#
#   bench/index_search.sh [DOCUMENTS...]        (default: 10000 100000)
#
# For each size: generates a knowledge base (bench/gen_kb.py, kept between
# runs), then
#   - in process (bench/search_bench.cpp): load (parse), build, reopen, and
#     every query of the generated query file, timed one by one;
#   - end to end: `deja index`, and `deja search` as separate processes;
#   - SQLite alone: the sqlite3 shell storing and indexing the text deja
#     extracted, the floor for any SQLite index of it on this machine;
#   - ripgrep (`rg -i -F -l`) over the same Markdown with the same queries.
# Prints "name: value" lines; wall time and CPU time are both reported,
# because on a shared machine wall time also measures everyone else.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${DEJA_BENCH_BUILD:-$here/build-bench}
work=${DEJA_BENCH_DIR:-${TMPDIR:-/tmp}/deja-bench}
mkdir -p "$work"

cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=Release -DDEJA_BUILD_BENCH=ON -DDEJA_BUILD_TESTS=OFF >/dev/null
cmake --build "$build" -j "$(nproc)" --target deja search_bench >/dev/null

percentiles() {  # milliseconds on stdin -> p50 p99 max
    sort -n | awk '{ v[NR] = $1 } END {
        p50 = v[int(0.50 * (NR - 1) + 1.5)]; p99 = v[int(0.99 * (NR - 1) + 1.5)];
        printf "p50 %.1f ms, p99 %.1f ms, max %.1f ms (%d runs)\n", p50, p99, v[NR], NR }'
}

sizes=("$@")
[[ ${#sizes[@]} -gt 0 ]] || sizes=(10000 100000)
for n in "${sizes[@]}"; do
    kb="$work/kb-$n"
    if [[ ! -f "$kb/queries.txt" ]]; then
        rm -rf "$kb"
        python3 "$here/bench/gen_kb.py" --documents "$n" --out "$kb"
    fi
    echo "== $n documents"
    rm -f "$work/index-$n.sqlite"
    "$build/bench/search_bench" --kb "$kb" --index "$work/index-$n.sqlite" --queries "$kb/queries.txt" --repeat 3

    export DEJA_CACHE_DIR="$work/cache-$n" NO_COLOR=1
    rm -rf "$DEJA_CACHE_DIR"
    start=$(date +%s%N)
    "$build/engine/deja" --kb "$kb" index >/dev/null 2>&1
    end=$(date +%s%N)
    awk -v n="$n" -v ns="$((end - start))" 'BEGIN { printf "deja_index_s: %.2f\ndeja_index_docs_per_s: %.0f\n", ns / 1e9, n / (ns / 1e9) }'

    # SQLite alone: the text deja extracted (the search columns and stored
    # texts of the index just built), written by the sqlite3 shell into a
    # fresh database with one FTS5 table over the six search columns
    # (unicode61 with deja's token characters, no identifier parts, no
    # second table) and merged into one segment, with the same settings as
    # deja's build. No Markdown is read: this is what SQLite itself needs to
    # store and index the same text on this machine, on one core.
    if command -v sqlite3 >/dev/null; then
        index=$(ls "$DEJA_CACHE_DIR"/index-*.sqlite | head -n 1)
        extracted="$work/extracted-$n.sqlite" alone="$work/sqlite-alone-$n.sqlite"
        rm -f "$extracted" "$alone"
        sqlite3 "$extracted" "ATTACH '$index' AS i; CREATE TABLE d AS SELECT rowid AS id, heading, errors, meta,
            summary, code, body, markdown, json, detail FROM i.documents ORDER BY rowid;"
        cat "$extracted" >/dev/null
        /usr/bin/env time -f "%e %U %S" -o "$work/sqlite-alone.time" sqlite3 "$alone" >/dev/null <<SQL
PRAGMA page_size = 8192; PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = -8192;
ATTACH '$extracted' AS e;
BEGIN;
CREATE TABLE documents (rowid INTEGER PRIMARY KEY, heading, errors, meta, summary, code, body, markdown, json, detail);
INSERT INTO documents SELECT * FROM e.d;
CREATE VIRTUAL TABLE search USING fts5(heading, errors, meta, summary, code, body, content = 'documents',
    content_rowid = 'rowid', tokenize = "unicode61 remove_diacritics 2 tokenchars '_.-'");
INSERT INTO search (search, rank) VALUES ('automerge', 0);
INSERT INTO search (rowid, heading, errors, meta, summary, code, body)
    SELECT rowid, heading, errors, meta, summary, code, body FROM documents;
INSERT INTO search (search) VALUES ('optimize');
COMMIT;
SQL
        awk -v n="$n" '{ printf "sqlite_alone_s: %.2f (cpu %.2f s)\nsqlite_alone_docs_per_s: %.0f\n", $1, $2 + $3, n / $1 }' \
            "$work/sqlite-alone.time"
        rm -f "$extracted" "$alone"
    fi

    # Whole processes: start, open the index (staleness check of every
    # source file), search, print.
    head -n 60 "$kb/queries.txt" | while IFS= read -r q; do
        start=$(date +%s%N)
        "$build/engine/deja" --kb "$kb" search -- "$q" >/dev/null 2>&1 || true
        end=$(date +%s%N)
        echo "$(( (end - start) / 1000 ))" | awk '{ print $1 / 1000 }'
    done | percentiles | sed 's/^/deja_search_process: /'

    # What a user would do instead: ripgrep over the same Markdown, the same
    # queries as fixed strings, case-insensitive, listing the files.
    if command -v rg >/dev/null; then
        head -n 60 "$kb/queries.txt" | while IFS= read -r q; do
            start=$(date +%s%N)
            rg -i -F -l -- "$q" "$kb" >/dev/null 2>&1 || true
            end=$(date +%s%N)
            echo "$(( (end - start) / 1000 ))" | awk '{ print $1 / 1000 }'
        done | percentiles | sed 's/^/rg_process: /'
    fi
done
