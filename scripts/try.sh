#!/usr/bin/env bash
# Sets up, builds, and runs deja's main job on its bundled knowledge base:
# recognise the known failure in a bundled CI log and name the runbook that fixes it.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
"$here/scripts/setup.sh"
"$here/scripts/build.sh"
deja="$here/build/engine/deja"
log="$here/examples/ci-migration-failure.log"
echo
echo "\$ deja match examples/ci-migration-failure.log"
status=0
"$deja" match "$log" || status=$?
# 0: a known failure was found, 1: none; anything else is an error.
if ((status > 1)); then exit "$status"; fi
echo
echo "\$ deja search gin_trgm_ops"
"$deja" search gin_trgm_ops --limit 3
