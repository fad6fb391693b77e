# Which Pythons Steward supports and where to find them; sourced by bootstrap.sh and
# test-other-python.sh. Keep STEWARD_PYTHONS in step with requires-python in pyproject.toml.
STEWARD_PYTHONS=(3.11 3.12 3.13)

# steward_python_minor PY: print "3.N" when PY runs and is a supported version, else fail.
steward_python_minor() {
  local v s
  v="$("$1" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)" || return 1
  for s in "${STEWARD_PYTHONS[@]}"; do
    if [ "$v" = "$s" ]; then echo "$v"; return 0; fi
  done
  return 1
}

# steward_find_python 3.N: print the path of a python3.N that runs, from PATH, else from pyenv's
# versions folder (newest patch first). pyenv's shim of a version that is installed but not
# selected is on PATH yet refuses to run, hence the run check and the second place to look.
steward_find_python() {
  local want="$1" c
  while IFS= read -r c; do
    [ -n "$c" ] || continue
    if [ "$(steward_python_minor "$c" || true)" = "$want" ]; then echo "$c"; return 0; fi
  done < <(type -ap "python$want" 2>/dev/null
           ls -d "${PYENV_ROOT:-$HOME/.pyenv}"/versions/"$want".*/bin/"python$want" 2>/dev/null | sort -rV)
  return 1
}

# steward_pythons_text: "3.11, 3.12 or 3.13", for messages.
steward_pythons_text() {
  local a=("${STEWARD_PYTHONS[@]}") last s IFS=','
  last="${a[-1]}"; unset 'a[-1]'; s="${a[*]}"
  echo "${s//,/, } or $last"
}

# steward_describe_python PY: its version, or why it is none, for messages.
steward_describe_python() {
  if ! command -v "$1" >/dev/null 2>&1; then echo "not found"; return; fi
  "$1" --version 2>/dev/null || echo "$(command -v "$1"), which does not run"
}
