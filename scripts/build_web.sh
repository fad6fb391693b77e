#!/usr/bin/env bash
# Build the web explorer into src/steward/web_dist (package data of the wheel, served at /).
# Needs Node 20+ and an installed Steward (for the OpenAPI schema the TypeScript types come from).
# Usage: bash scripts/build_web.sh [--check]   (--check also runs eslint, tsc --noEmit and vitest)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY="${STEWARD_VENV_PYTHON:-$ROOT/.venv/bin/python}"
cd "$ROOT/web"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "==> npm ci (web/)" >&2
  npm ci --no-audit --no-fund --loglevel=error
fi
echo "==> OpenAPI schema -> TypeScript types" >&2
"$PY" scripts/dump_openapi.py build/openapi.json
npx openapi-typescript build/openapi.json -o src/api/schema.d.ts >/dev/null
if [ "${1:-}" = "--check" ]; then
  echo "==> web: eslint, tsc --noEmit, vitest" >&2
  npm run --silent lint
  npm run --silent typecheck
  npx vitest run --reporter=dot
fi
echo "==> vite build -> src/steward/web_dist" >&2
npx vite build --logLevel warn
