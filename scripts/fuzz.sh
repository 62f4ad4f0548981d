#!/usr/bin/env bash
# Builds the libFuzzer harnesses of tests/fuzz (clang, DEJA_FUZZ=ON: ASan and
# UBSan) and runs each for SECONDS (default 60), seeded from the in-tree
# corpora, the test fixtures, the bundled knowledge base and ../shared.
#   scripts/fuzz.sh [SECONDS] [HARNESS...]
# DEJA_FUZZ_BUILD_DIR picks the build folder (default build-fuzz/; one
# configured without DEJA_FUZZ=ON is reconfigured with it).
# DEJA_FUZZ_SEEDS=in-tree starts from tests/fuzz alone, for short runs (the
# full seeds take a harness tens of seconds just to read). A crash, a
# timeout or a broken property is kept in <build>/fuzz/findings/ and makes
# the script exit 1; once fixed, the input belongs in
# tests/fuzz/regressions/<harness>/, which the test suite replays.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-60}
shift || true
build=${DEJA_FUZZ_BUILD_DIR:-$here/build-fuzz}
export CCACHE_BASEDIR="$here"

if [[ ! -f "$build/CMakeCache.txt" ]]; then
  CC=clang CXX=clang++ cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=Debug -DDEJA_FUZZ=ON >/dev/null
elif ! grep -q '^DEJA_FUZZ:BOOL=ON' "$build/CMakeCache.txt"; then
  cmake "$build" -DDEJA_FUZZ=ON >/dev/null
fi
cmake --build "$build" -j "$(nproc)" --target fuzz_harnesses >/dev/null

fuzz="$here/tests/fuzz"
work="$build/fuzz"
mkdir -p "$work/findings"
if [[ $# -gt 0 ]]; then
  harnesses=("$@")
else
  harnesses=(runbook incident front_matter info_string encoding env_file clean input pattern prefilter match
             regex_js markdown)
fi

# copy_seeds DEST FILE...: regular files of at most 64 KiB (libFuzzer cuts
# longer inputs anyway), named by content so that one copied twice is kept once.
copy_seeds() {
  local dest=$1 sum file
  shift
  mkdir -p "$dest"
  [[ $# -gt 0 ]] || return 0
  find "$@" -maxdepth 0 -type f -size -65537c -print0 | xargs -0 -r sha1sum |
    while read -r sum file; do cp "$file" "$dest/${sum:0:16}"; done
}

# write_seeds DEST: one seed per line of standard input.
write_seeds() {
  local dest=$1 line
  mkdir -p "$dest"
  while IFS= read -r line; do
    [[ -n "$line" ]] && printf '%s' "$line" >"$dest/$(printf '%s' "$line" | sha1sum | cut -c1-16)"
  done
}

# Seeds outside tests/fuzz, by kind; each harness starts from some of them.
shopt -s nullglob globstar
seeds="$work/seeds"
rm -rf "$seeds"
mkdir -p "$seeds"/{documents,reports,logs,signatures,info_strings}
if [[ "${DEJA_FUZZ_SEEDS:-all}" != in-tree ]]; then
  shared="$here/../shared"
  runbooks=("$here"/runbooks/*.md "$here"/tests/fixtures/**/runbooks/*.md "$shared"/corpora/runbooks/**/*.md
            "$shared"/corpora/runme/**/*.md)
  copy_seeds "$seeds/documents" "${runbooks[@]}"
  copy_seeds "$seeds/reports" "$here"/incidents/*.md "$here"/tests/fixtures/**/incidents/*.md \
    "$here"/tests/fixtures/kb/reports/**/* "$shared"/reports/* "$shared"/corpora/postmortems/**/*.md
  copy_seeds "$seeds/logs" "$here"/tests/fixtures/passing/*.log "$here"/tests/fixtures/realworld/**/*.log \
    "$here"/tests/fixtures/match/logs/**/*
  # Signatures and info strings as the bundled runbooks write them.
  sed -n "s/^ *- pattern: '\(.*\)'$/\1/p; s/^ *pattern: '\(.*\)'$/\1/p" "$here"/runbooks/*.md |
    write_seeds "$seeds/signatures"
  sed -n 's/^```\([a-z].*\)$/\1/p' "${runbooks[@]}" | write_seeds "$seeds/info_strings"
fi

seeds_of() {
  case $1 in
    runbook) echo "$seeds/documents" ;;
    incident | encoding) echo "$seeds/reports" ;;
    front_matter | markdown) echo "$seeds/documents $seeds/reports" ;;
    clean | input | match) echo "$seeds/logs" ;;
    pattern | prefilter | regex_js) echo "$seeds/signatures" ;;
    info_string) echo "$seeds/info_strings" ;;
  esac
}

dictionary_of() {
  case $1 in
    pattern | prefilter | regex_js) echo "$fuzz/regex.dict" ;;
    runbook | incident | front_matter | markdown | encoding) echo "$fuzz/markdown.dict" ;;
    info_string) echo "$fuzz/info_string.dict" ;;
    clean | input | match) echo "$fuzz/log.dict" ;;
  esac
}

failed=0
for harness in "${harnesses[@]}"; do
  binary="$build/tests/fuzz/fuzz_$harness"
  [[ -x "$binary" ]] || { echo "fuzz: no harness named $harness" >&2; exit 2; }
  # New inputs go into the first folder; the others only seed it.
  folders=("$work/corpus/$harness")
  mkdir -p "${folders[0]}"
  for folder in "$fuzz/corpus/$harness" "$fuzz/regressions/$harness" $(seeds_of "$harness"); do
    [[ -d "$folder" ]] && folders+=("$folder")
  done
  options=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=4096 -print_final_stats=1
           -artifact_prefix="$work/findings/$harness-")
  dictionary=$(dictionary_of "$harness")
  [[ -n "$dictionary" ]] && options+=(-dict="$dictionary")
  log="$work/$harness.log"
  status=0
  "$binary" "${options[@]}" "${folders[@]}" >"$log" 2>&1 || status=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  coverage=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2 || true)
  if [[ $status -eq 0 ]]; then
    result=ok
  else
    failed=1
    finding=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1)
    result="FAILED (${finding:-see $log})"
  fi
  printf 'fuzz %-13s %5ss %10s execs  %6s edges  %s\n' "$harness" "$seconds" "${execs:-?}" "${coverage:-?}" "$result"
done
exit $failed
