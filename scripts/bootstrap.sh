#!/usr/bin/env bash
# Create a virtualenv (default .venv) and install Steward into it; sourced by demo.sh and test.sh.
# Usage: source scripts/bootstrap.sh [EXTRAS]   e.g. "test" or "openlineage"
# Python 3.11, 3.12 or 3.13: $STEWARD_PYTHON if set, else the oldest of python3.11, python3.12,
# python3.13 that runs (on PATH or in pyenv's versions), else python3 if it is one of those.
# The oldest comes first because ruff and mypy check the code as 3.11 and the benchmarks were
# measured there; test.sh runs the unit and contract suites on the newest as well.
# An existing venv on a supported Python is kept, unless $STEWARD_PYTHON asks for another version.
# $STEWARD_VENV names another venv (test-other-python.sh uses .venv-py3.N).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/pythons.sh"
VENV="${STEWARD_VENV:-$ROOT/.venv}"
have=""
if [ -x "$VENV/bin/python" ]; then have="$(steward_python_minor "$VENV/bin/python" || true)"; fi
PY=""
if [ -n "${STEWARD_PYTHON:-}" ]; then
  PY="$STEWARD_PYTHON"
  if ! want="$(steward_python_minor "$PY")"; then
    echo "STEWARD_PYTHON=$PY is $(steward_describe_python "$PY"): Steward needs Python $(steward_pythons_text)" >&2
    exit 3
  fi
  if [ -n "$have" ] && [ "$have" != "$want" ]; then
    echo "==> $VENV is Python $have, STEWARD_PYTHON is $want: recreating it" >&2
    have=""
  fi
elif [ -z "$have" ]; then
  for v in "${STEWARD_PYTHONS[@]}"; do
    if PY="$(steward_find_python "$v")"; then break; fi
  done
  if [ -z "$PY" ] && command -v python3 >/dev/null && steward_python_minor python3 >/dev/null; then
    PY="$(command -v python3)"
  fi
  if [ -z "$PY" ]; then
    echo "Steward needs Python $(steward_pythons_text) and found none: looked for" \
         "$(printf 'python%s ' "${STEWARD_PYTHONS[@]}")on PATH and in ${PYENV_ROOT:-$HOME/.pyenv}/versions," \
         "and at python3 ($(steward_describe_python python3))." \
         "Install one (e.g. your distribution's python3, or pyenv install 3.13) or set STEWARD_PYTHON." >&2
    exit 3
  fi
fi
if [ -z "$have" ]; then
  rm -rf "$VENV"
  echo "==> creating $VENV with $("$PY" --version 2>&1) ($PY)" >&2
  "$PY" -m venv "$VENV"
  "$VENV/bin/python" -m pip install -q --upgrade pip
fi
extras="${1:-}"
spec="$ROOT"; [ -n "$extras" ] && spec="$ROOT[$extras]"
stamp="$VENV/.steward-installed-$(echo "$extras" | tr -c 'a-z0-9' '_')"
# Reinstall when pyproject.toml changed since the last install.
if [ ! -f "$stamp" ] || [ "$ROOT/pyproject.toml" -nt "$stamp" ]; then
  echo "==> installing steward-graph${extras:+[$extras]} into $VENV" >&2
  "$VENV/bin/python" -m pip install -q -e "$spec"
  touch "$stamp"
fi
export PATH="$VENV/bin:$PATH"
