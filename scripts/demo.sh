#!/usr/bin/env bash
# The main job on the embedded store: installs Steward, builds a small organisation with real tools,
# ingests it, shows the blast radius and single points of failure, and serves the API.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
source scripts/bootstrap.sh openlineage
# The web explorer (served at / by `steward serve`), built from source when Node is here.
if command -v npm >/dev/null 2>&1; then bash scripts/build_web.sh; else echo "warning: no Node: the explorer at / is not built" >&2; fi
exec steward demo "$@"
