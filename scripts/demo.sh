#!/usr/bin/env bash
# The main job on the embedded store: installs Steward, builds a small organisation with real tools,
# ingests it, shows the blast radius and single points of failure, and serves the API.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
source scripts/bootstrap.sh openlineage
exec steward demo "$@"
