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
