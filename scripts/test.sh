#!/usr/bin/env bash
# Sets up, builds (with gcc, and with clang to check the same sources build
# with both), runs every test through CTest, then each fuzz harness for a few
# seconds (the clang build has them; scripts/fuzz.sh runs them for longer).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
"$here/scripts/setup.sh"
"$here/scripts/build.sh"
"$here/scripts/build.sh" --clang
cd "$here/build"
ctest --output-on-failure --timeout 900 -j "$(nproc)"
DEJA_FUZZ_BUILD_DIR="$here/build-clang" DEJA_FUZZ_SEEDS=in-tree "$here/scripts/fuzz.sh" 5
