#!/usr/bin/env bash
# The unit and contract suites (with the real Neo4j of the session fixture) on the other end of the
# supported Python range than the main venv's (.venv): the newest found, or the oldest when the main
# venv is the newest (so 3.13 when .venv is 3.11). It gets its own venv, .venv-py3.N, made by
# bootstrap.sh. test.sh runs this after the main pytest; with no other supported Python on the
# machine it warns and skips.
# Arguments: test.sh's pytest arguments. Any argument means a targeted run, which skips this unless
# STEWARD_OTHER_PYTHON=1 or CI=true; STEWARD_OTHER_PYTHON=0 always skips it.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
source scripts/pythons.sh
if [ "${STEWARD_OTHER_PYTHON:-}" = 0 ]; then
  echo "==> second Python: skipped (STEWARD_OTHER_PYTHON=0)" >&2
  exit 0
fi
if [ $# -gt 0 ] && [ "${STEWARD_OTHER_PYTHON:-}" != 1 ] && [ "${CI:-}" != true ]; then
  echo "==> second Python: skipped (pytest arguments given; STEWARD_OTHER_PYTHON=1 runs it)" >&2
  exit 0
fi
main_venv="${STEWARD_VENV:-$ROOT/.venv}"
if ! main="$(steward_python_minor "$main_venv/bin/python")"; then
  echo "no working venv at $main_venv: run scripts/test.sh (it makes one first)" >&2
  exit 3
fi
found=()
for v in "${STEWARD_PYTHONS[@]}"; do
  if steward_find_python "$v" >/dev/null; then found+=("$v"); fi
done
other="$main"
if [ ${#found[@]} -gt 0 ]; then
  other="${found[${#found[@]}-1]}"
  if [ "$other" = "$main" ]; then other="${found[0]}"; fi
fi
if [ "$other" = "$main" ]; then
  echo "warning: no Python $(steward_pythons_text) other than the main venv's $main found" \
       "(python3.N on PATH or in ${PYENV_ROOT:-$HOME/.pyenv}/versions): skipping the second-Python run" >&2
  exit 0
fi
start=$SECONDS
export STEWARD_VENV="$ROOT/.venv-py$other"
STEWARD_PYTHON="$(steward_find_python "$other")"
export STEWARD_PYTHON
source scripts/bootstrap.sh test
echo "==> pytest tests/unit tests/contract on $(python --version) ($STEWARD_VENV)" >&2
# No cache plugin: the main run's --lf/--ff state stays its own.
python -m pytest -q -p no:cacheprovider tests/unit tests/contract
echo "==> second Python ($other): $((SECONDS - start)) s, venv included" >&2
