#!/usr/bin/env bash
# `deja match` side by side with `rg -f` and `grep -E -f` over the same
# signatures and the same log.
#
#   bench/match.sh [SIZE_MB]        (default: 1024)
#
# Generates (bench/match_gen.py, kept between runs) a SIZE_MB CI log with
# planted failures and a knowledge base of 1,000 signatures (the bundled ones
# plus generated ones), then reports for each tool: best wall time of
# DEJA_BENCH_RUNS runs (default 3), MB/s, CPU time, max RSS; deja's ratio to
# ripgrep; deja with one scanning thread as well; and the latency of
# `deja match` on a 200-line log with a warm cache (hyperfine when installed).
# grep gets one run, cut off after DEJA_BENCH_GREP_TIMEOUT seconds (default
# 900): with 1,000 patterns it is the slowest by far.
# Wall time and CPU time are both printed: on a shared machine wall time also
# measures everyone else.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
size=${1:-1024}
runs=${DEJA_BENCH_RUNS:-3}
build=${DEJA_BENCH_BUILD:-$here/build-bench}
work=${DEJA_BENCH_DIR:-${TMPDIR:-/tmp}/deja-bench}/match-$size
grep_timeout=${DEJA_BENCH_GREP_TIMEOUT:-900}

if [[ -n "${DEJA_BIN:-}" ]]; then
    deja=$DEJA_BIN
else
    cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=Release -DDEJA_BUILD_TESTS=OFF >/dev/null
    cmake --build "$build" -j "$(nproc)" --target deja >/dev/null
    deja=$build/engine/deja
fi
for tool in rg /usr/bin/time; do
    command -v "$tool" >/dev/null || { echo "match.sh: $tool is missing (scripts/setup.sh --bench)" >&2; exit 2; }
done

if [[ ! -f "$work/small.log" ]]; then
    rm -rf "$work"
    mkdir -p "$work"
    python3 "$here/bench/match_gen.py" --out "$work" --size-mb "$size"
fi
# The ripgrep translation is redone on every run, so that inputs kept from an
# older match_gen.py get its fixes (ASCII \b: see to_rg).
python3 -c 'import sys; sys.path.insert(0, sys.argv[1]); import match_gen
pats = open(sys.argv[2] + "/patterns.txt", encoding="utf-8").read().split("\n")
open(sys.argv[2] + "/patterns.rg", "w", encoding="utf-8").write("\n".join(match_gen.to_rg(p) for p in pats if p) + "\n")' "$here/bench" "$work"
log=$work/ci.log
bytes=$(stat -c %s "$log")
export DEJA_CACHE_DIR=$work/cache NO_COLOR=1 LC_ALL=C
unset DEJA_KB

# Builds the index and the signature database once; every timed run below
# starts warm, as a user's second run would.
"$deja" --kb "$work/kb" match --quiet "$work/small.log" || true
found=$("$deja" --kb "$work/kb" match --json "$log" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["matches"]))')

# best_of NAME CMD...: best wall time of $runs runs, with that run's CPU time
# and the largest max RSS seen. Prints "NAME wall cpu rss_kb".
best_of() {
    local name=$1
    shift
    local best="" cpu="" rss=0
    for ((i = 0; i < runs; i++)); do
        local t
        # Output to a file, not /dev/null: GNU grep stops at the first match
        # when it sees its output is /dev/null.
        /usr/bin/time -o "$work/time.txt" -f "%e %U %S %M" "$@" >"$work/out.txt" 2>&1 || true
        t=$(tail -n 1 "$work/time.txt")
        read -r wall user sys kb <<<"$t"
        if [[ -z "$best" ]] || awk -v a="$wall" -v b="$best" 'BEGIN { exit !(a < b) }'; then
            best=$wall
            cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')
        fi
        ((kb > rss)) && rss=$kb
    done
    echo "$name $best $cpu $rss"
}

results=()
results+=("$(best_of deja "$deja" --kb "$work/kb" match --quiet "$log")")
results+=("$(best_of deja-1-thread "$deja" --kb "$work/kb" match --quiet --threads 1 "$log")")
results+=("$(best_of rg rg -c -f "$work/patterns.rg" "$log")")
/usr/bin/time -o "$work/time.txt" -f "%e %U %S %M" timeout "$grep_timeout" grep -c -E -f "$work/patterns.ere" "$log" >"$work/out.txt" 2>&1 || true
grep_line=$(tail -n 1 "$work/time.txt")
read -r gwall guser gsys gkb <<<"$grep_line"
results+=("grep $gwall $(awk -v u="$guser" -v s="$gsys" 'BEGIN { printf "%.2f", u + s }') $gkb")

echo "log: $log ($((bytes >> 20)) MiB, $(wc -l <"$log") lines); signatures: $(wc -l <"$work/patterns.txt"); deja found $found known failures"
printf '%-14s %10s %10s %10s %12s\n' tool "wall s" "MB/s" "cpu s" "max RSS MiB"
rg_rate=""
deja_rate=""
for r in "${results[@]}"; do
    read -r name wall cpu kb <<<"$r"
    rate=$(awk -v b="$bytes" -v w="$wall" 'BEGIN { printf "%.0f", (b / 1e6) / w }')
    [[ $name == rg ]] && rg_rate=$rate
    [[ $name == deja ]] && deja_rate=$rate
    if [[ $name == grep ]] && awk -v w="$wall" -v t="$grep_timeout" 'BEGIN { exit !(w >= t) }'; then
        printf '%-14s %10s %10s %10s %12s\n' "$name" ">$grep_timeout" "<$rate" "$cpu" "$((kb / 1024))"
    else
        printf '%-14s %10s %10s %10s %12s\n' "$name" "$wall" "$rate" "$cpu" "$((kb / 1024))"
    fi
done
awk -v d="$deja_rate" -v r="$rg_rate" 'BEGIN { printf "deja / rg throughput: %.1fx\n", d / r }'

# Small log, warm cache: the whole process (start, index check, cached
# database, scan, print), against three knowledge bases: the bundled one
# alone, the 1,000 signatures, and a team's large one of 10,000 documents
# (bench/gen_kb.py: 9,000 incident reports and 1,000 runbooks).
small_log() {  # NAME DEJA-ARGS...
    local name=$1
    shift
    local cmd=("$deja" "$@" match --quiet "$work/small.log")
    "${cmd[@]}" >/dev/null 2>&1 || true  # builds the index and the cached database
    if command -v hyperfine >/dev/null; then
        hyperfine -N --warmup 3 --runs 30 -i --export-json "$work/small.json" "${cmd[*]}" >/dev/null 2>&1
        python3 - "$work/small.json" "$name" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
print(f"small log, warm cache, {sys.argv[2]}: mean {r['mean'] * 1000:.1f} ms, median {r['median'] * 1000:.1f} ms, "
      f"min {r['min'] * 1000:.1f} ms ({len(r['times'])} runs, hyperfine)")
PY
    else
        for ((i = 0; i < 30; i++)); do
            start=$(date +%s%N)
            "${cmd[@]}" >/dev/null 2>&1 || true
            end=$(date +%s%N)
            echo $(((end - start) / 1000))
        done | sort -n | awk -v name="$name" '{ v[NR] = $1 } END { printf "small log, warm cache, %s: median %.1f ms, min %.1f ms (%d runs)\n", name, v[int(NR / 2) + 1] / 1000, v[1] / 1000, NR }'
    fi
}
large=${DEJA_BENCH_DIR:-${TMPDIR:-/tmp}/deja-bench}/kb-10000
[[ -f "$large/queries.txt" ]] || { rm -rf "$large"; python3 "$here/bench/gen_kb.py" --documents 10000 --out "$large"; }
small_log "bundled knowledge base"
small_log "1,000 signatures" --kb "$work/kb"
small_log "10,000 documents" --kb "$large"
