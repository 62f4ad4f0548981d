#!/usr/bin/env bash
# Installs every Debian package deja needs to build, test and benchmark.
# Idempotent: installs only what is missing. Runs as root or through sudo.
#   scripts/setup.sh           build + test dependencies
#   scripts/setup.sh --bench   also the tools the benchmarks compare against
set -euo pipefail

build_packages=(
  cmake g++ make pkg-config ccache git
  libcmark-gfm-dev libcmark-gfm-extensions-dev
  libsqlite3-dev nlohmann-json3-dev libcli11-dev catch2 libyaml-cpp-dev
  libre2-dev libvectorscan-dev libkainjow-mustache-dev zlib1g-dev libmimalloc-dev
  liblzma-dev libzstd-dev libarchive-dev
)
test_packages=(
  postgresql postgresql-contrib python3 python3-sqlalchemy python3-asyncpg python3-alembic
  python3-psycopg python3-psycopg2 chromium nodejs npm procps gzip clang
  # libFuzzer and the sanitizer runtimes of Debian 12's clang (tests/fuzz),
  # only recommended by the clang package.
  libclang-rt-14-dev
)
bench_packages=(ripgrep hugo hyperfine time sqlite3)

packages=("${build_packages[@]}" "${test_packages[@]}")
if [[ "${1:-}" == "--bench" ]]; then packages+=("${bench_packages[@]}"); fi

# A Node.js from elsewhere (e.g. NodeSource, which bundles npm) serves as well
# as Debian's, and Debian's npm cannot be installed beside it.
declare -A provided_by_command=([nodejs]=node [npm]=npm)

missing=()
for p in "${packages[@]}"; do
  if [[ -n "${provided_by_command[$p]:-}" ]] && command -v "${provided_by_command[$p]}" >/dev/null; then
    continue
  fi
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done

if ((${#missing[@]})); then
  if [[ $(id -u) -eq 0 ]]; then
    as_root=()
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    as_root=(sudo)
  else
    echo "deja setup: these packages are missing: ${missing[*]}" >&2
    echo "deja setup: installing them needs root; run this script as root or give this user sudo" >&2
    exit 1
  fi
  echo "deja setup: installing ${missing[*]}" >&2
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Browser tests drive Debian's chromium through playwright-core, pinned in the
# lockfile; nothing downloads a browser of its own.
here=$(cd "$(dirname "$0")/.." && pwd)
if [[ -f "$here/tests/browser/package-lock.json" ]]; then
  if [[ ! -d "$here/tests/browser/node_modules/playwright-core" ]]; then
    (cd "$here/tests/browser" && npm ci --no-audit --no-fund --loglevel=error)
  fi
fi
