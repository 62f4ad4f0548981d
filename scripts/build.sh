#!/usr/bin/env bash
# Configures and builds deja into build/ (warnings are errors under CI=true).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
werror=OFF
[[ "${CI:-}" == "true" ]] && werror=ON
cmake -S "$here" -B "$here/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDEJA_WERROR=$werror >/dev/null
cmake --build "$here/build" -j "$(nproc)"
