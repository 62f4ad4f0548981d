#!/usr/bin/env bash
# Recognition on the real logs of tests/fixtures/realworld: top-1, params,
# wrong runbooks and false positives for the dev and held-out parts, each as
# posted and buried in a timestamped CI log. MISSES=1 lists every case that
# is missed, wrong or fires.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
binary="$here/build/tests/deja_tests"
[[ -x "$binary" ]] || { echo "build first: scripts/build.sh" >&2; exit 2; }
DEJA_REALWORLD_MISSES=${MISSES:-} "$binary" "[realworld]" | sed -n '/^real logs/,/^====/p' | grep -v '^====' | grep -v '^$'
