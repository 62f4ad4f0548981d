#!/usr/bin/env bash
# `deja site build` beside `hugo` on the same Markdown, then the search index
# size and the time a search takes in the browser at that size. The corpora:
# 1,000 and 10,000 incident reports made by gen_kb.py (about 6 KB each), and
# "reports": the real reports of ../shared/reports copied to 10,000 files,
# each copy's title numbered (the size and shape of pages the issue's hugo
# figure was taken with). See bench/README.md.
#
#   bench/site.sh                       # every corpus
#   SIZES=1000 bench/site.sh            # one corpus ("1000", "10000" or "reports")
#   REPORTS=dir REPORT_COPIES=10000     # where the real reports are, how many files
#   DEJA=build/engine/deja bench/site.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
deja=${DEJA:-$repo/build/engine/deja}
out=${OUT:-$here/out/site}
sizes=${SIZES:-"1000 10000 reports"}
reports=${REPORTS:-$repo/../shared/reports}
report_copies=${REPORT_COPIES:-10000}
command -v hugo >/dev/null || { echo "bench/site.sh: hugo is missing (scripts/setup.sh --bench)" >&2; exit 2; }
[[ -x /usr/bin/time ]] || { echo "bench/site.sh: /usr/bin/time is missing (scripts/setup.sh --bench)" >&2; exit 2; }
[[ -x $deja ]] || { echo "bench/site.sh: build deja first ($deja)" >&2; exit 2; }
mkdir -p "$out"

# Wall seconds and max RSS (MiB) from a `/usr/bin/time -v` report.
wall() { awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, t, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + t[i]; printf "%.2f", s }' "$1"; }
rss() { awk -F': ' '/Maximum resident set size/ { printf "%.0f", $2 / 1024 }' "$1"; }
cpu() { awk -F': ' '/User time|System time/ { s += $2 } END { printf "%.2f", s }' "$1"; }
row() { printf '%-8s %-22s %9s %9s %11s\n' "$1" "$2" "$(wall "$3")" "$(cpu "$3")" "$(rss "$3")"; }
# A timed run writes into a folder that is not there. An earlier output is
# moved aside, not deleted, and everything moved aside is deleted at the end:
# ext4 passes over inodes freed in the last minute when it allocates new ones,
# which made a build right after `rm -rf` of 10,000 files spend more time in
# the kernel than in either tool (perf: find_inode_bit, recently_deleted).
# A build in a fresh CI checkout, what this stands for, meets none of that.
aside=$out/.aside
if [[ -d $aside ]]; then rm -rf "$aside"; sync; sleep 61; fi
mkdir -p "$aside"
trap 'rm -rf "$aside"' EXIT
fresh() { if [[ -e $1 ]]; then mv "$1" "$aside/$(basename "$1").$RANDOM$RANDOM"; fi; }

printf '%-8s %-22s %9s %9s %11s\n' docs tool wall_s cpu_s max_rss_MiB
for n in $sizes; do
  kb=$out/kb-$n
  if [[ $n == reports && ! -d $kb ]]; then
    # Copies of the real reports, in turn, until there are $report_copies;
    # a number after each copy's first heading keeps their titles apart.
    ls "$reports"/* >/dev/null 2>&1 || { echo "bench/site.sh: no reports in $reports (set REPORTS)" >&2; exit 2; }
    mkdir -p "$kb/incidents.tmp"
    mapfile -t originals < <(ls "$reports"/*)
    for ((i = 0; i < report_copies; i++)); do
      src=${originals[i % ${#originals[@]}]}
      sed "0,/^#/s/^\(#.*\)\r\?$/\1 (copy $i)/" "$src" >"$kb/incidents.tmp/$(basename "${src%.*}")-$i.md"
    done
    mv "$kb/incidents.tmp" "$kb/incidents"
  elif [[ ! -d $kb ]]; then
    # Incidents only: both tools get exactly the same folder of reports.
    python3 "$here/gen_kb.py" --documents $((n + 1)) --runbook-share 0 --out "$kb" --queries 10 --seed 7 >/dev/null
    rm -rf "$kb/runbooks" "$kb/queries.txt"
  fi
  env=(env DEJA_CACHE_DIR="$out/cache-$n" DEJA_STATE_DIR="$out/state-$n" DEJA_KB=)

  rm -rf "$out/cache-$n"; fresh "$out/deja-$n"
  /usr/bin/time -v -o "$out/deja-cold-$n.time" "${env[@]}" "$deja" --kb "$kb" site build -o "$out/deja-$n" >"$out/deja-$n.log" 2>&1
  row "$n" "deja (index + site)" "$out/deja-cold-$n.time"

  fresh "$out/deja-$n"
  /usr/bin/time -v -o "$out/deja-warm-$n.time" "${env[@]}" "$deja" --kb "$kb" site build -o "$out/deja-$n" >>"$out/deja-$n.log" 2>&1
  row "$n" "deja (site)" "$out/deja-warm-$n.time"

  # Again into the folder the last build wrote: a site rebuilt after an edit.
  # deja leaves files whose content is unchanged alone; hugo rewrites them.
  /usr/bin/time -v -o "$out/deja-again-$n.time" "${env[@]}" "$deja" --kb "$kb" site build -o "$out/deja-$n" >>"$out/deja-$n.log" 2>&1
  row "$n" "deja (site, again)" "$out/deja-again-$n.time"

  fresh "$out/hugo-$n"
  /usr/bin/time -v -o "$out/hugo-$n.time" hugo --quiet --source "$here/hugo-site" --contentDir "$kb" \
    --destination "$out/hugo-$n" >"$out/hugo-$n.log" 2>&1 || { echo "hugo failed, see $out/hugo-$n.log" >&2; exit 1; }
  row "$n" "hugo" "$out/hugo-$n.time"
  /usr/bin/time -v -o "$out/hugo-again-$n.time" hugo --quiet --source "$here/hugo-site" --contentDir "$kb" \
    --destination "$out/hugo-$n" >>"$out/hugo-$n.log" 2>&1 || { echo "hugo failed, see $out/hugo-$n.log" >&2; exit 1; }
  row "$n" "hugo (again)" "$out/hugo-again-$n.time"

  python3 - "$out" "$n" <<'PY'
import sys
out, n = sys.argv[1], sys.argv[2]
def wall(path):
    for line in open(path):
        if 'Elapsed (wall clock)' in line:
            s = 0.0
            for part in line.rsplit(': ', 1)[1].strip().split(':'):
                s = s * 60 + float(part)
            return s
def cpu(path):
    return sum(float(line.rsplit(': ', 1)[1]) for line in open(path) if 'User time' in line or 'System time' in line)
def rss(path):
    for line in open(path):
        if 'Maximum resident set size' in line:
            return int(line.rsplit(': ', 1)[1]) / 1024
for kind in ('cold', 'warm', 'again'):
    h = f'{out}/hugo-again-{n}.time' if kind == 'again' else f'{out}/hugo-{n}.time'
    d = f'{out}/deja-{kind}-{n}.time'
    print(f'{n:<8} hugo/deja ({kind}): {wall(h) / max(wall(d), 0.01):5.1f}x wall, {cpu(h) / max(cpu(d), 0.01):5.1f}x cpu, '
          f'{rss(h) / rss(d):5.1f}x memory')
PY
  search_bytes=$(find "$out/deja-$n/search" -name '[tdm]*.js' -printf '%s\n' | awk '{ s += $1 } END { print s }')
  printf '%-8s search index: %.1f MiB in %d files (signatures.js not counted)\n' "$n" \
    "$(echo "$search_bytes / 1048576" | bc -l)" "$(find "$out/deja-$n/search" -name '[tdm]*.js' | wc -l)"
  node "$here/site_search.mjs" "$out/deja-$n"
done
