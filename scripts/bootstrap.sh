#!/usr/bin/env bash
# Create .venv (Python 3.11) and install Steward into it; sourced by demo.sh and test.sh.
# Usage: source scripts/bootstrap.sh [EXTRAS]   e.g. "test" or "openlineage"
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY="${STEWARD_PYTHON:-$(command -v python3.11 || command -v python3)}"
if ! "$PY" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
  echo "Steward needs Python 3.11 (found $("$PY" --version 2>&1) at $PY); set STEWARD_PYTHON" >&2
  exit 3
fi
if [ ! -x "$ROOT/.venv/bin/python" ]; then
  echo "==> creating $ROOT/.venv" >&2
  "$PY" -m venv "$ROOT/.venv"
  "$ROOT/.venv/bin/python" -m pip install -q --upgrade pip
fi
extras="${1:-}"
spec="$ROOT"; [ -n "$extras" ] && spec="$ROOT[$extras]"
stamp="$ROOT/.venv/.steward-installed-$(echo "$extras" | tr -c 'a-z0-9' '_')"
# Reinstall when pyproject.toml changed since the last install.
if [ ! -f "$stamp" ] || [ "$ROOT/pyproject.toml" -nt "$stamp" ]; then
  echo "==> installing steward-graph${extras:+[$extras]} into .venv" >&2
  "$ROOT/.venv/bin/python" -m pip install -q -e "$spec"
  touch "$stamp"
fi
export PATH="$ROOT/.venv/bin:$PATH"
