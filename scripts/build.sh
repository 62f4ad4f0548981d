#!/usr/bin/env bash
# Configures and builds deja into build/ (warnings are errors under CI=true).
#   scripts/build.sh           gcc, RelWithDebInfo, into build/
#   scripts/build.sh --clang   clang, Debug, into build-clang/: the same code
#                              must build with both compilers. Built with
#                              DEJA_FUZZ=ON, so that this one clang build also
#                              gives the fuzz harnesses scripts/test.sh runs.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
# ccache keys on paths relative to the clone, so a fresh clone reuses what
# an earlier one compiled.
export CCACHE_BASEDIR="$here"
werror=OFF
[[ "${CI:-}" == "true" ]] && werror=ON
if [[ "${1:-}" == "--clang" ]]; then
  CC=clang CXX=clang++ cmake -S "$here" -B "$here/build-clang" -DCMAKE_BUILD_TYPE=Debug -DDEJA_WERROR=$werror -DDEJA_FUZZ=ON >/dev/null
  cmake --build "$here/build-clang" -j "$(nproc)"
  exit
fi
cmake -S "$here" -B "$here/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDEJA_WERROR=$werror >/dev/null
cmake --build "$here/build" -j "$(nproc)"
