#!/usr/bin/env bash
# Sets up, builds (with gcc, and with clang to check the same sources build
# with both), and runs every test through CTest.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
"$here/scripts/setup.sh"
"$here/scripts/build.sh"
"$here/scripts/build.sh" --clang
cd "$here/build"
ctest --output-on-failure --timeout 900 -j "$(nproc)"
