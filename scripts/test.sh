#!/usr/bin/env bash
# The whole test suite on a fresh machine: installs what it needs, gets a real Neo4j (env, Docker, or
# Neo4j Community assembled from Maven Central), a real MLflow server and Debian's Chromium, then
# lint, types and pytest.
# Extra arguments go to pytest (e.g. scripts/test.sh -k blast).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
source scripts/bootstrap.sh test
echo "==> Neo4j jars (cached in \${STEWARD_CACHE_DIR:-~/.cache/steward})" >&2
python -m steward.local.neo4j_server fetch
echo "==> MLflow server virtualenv" >&2
python -m steward.local.mlflow_server install
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "==> installing Debian's chromium for the browser test" >&2
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "warning: no chromium and no root apt-get: the browser test will skip (and fail under CI=true)" >&2
  fi
fi
# The web explorer: npm ci, eslint, tsc --noEmit, vitest, then the build the browser tests serve.
bash scripts/build_web.sh --check
echo "==> ruff" >&2
ruff check src tests benchmarks
echo "==> mypy" >&2
mypy
echo "==> pytest" >&2
pytest "$@"
# The unit and contract suites again on the other end of the supported Python range (3.13 here).
bash scripts/test-other-python.sh "$@"
