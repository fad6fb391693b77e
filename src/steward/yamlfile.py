"""Reading a YAML settings file (a recipe, an audit policy) with errors that name the file and line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from steward.errors import ConfigError

__all__ = ["line_of", "read_mapping", "yaml_error"]


def read_mapping(path: Path, *, what: str, shape: str) -> dict[str, Any]:
    """The YAML mapping in ``path``; ConfigError if it is missing, not YAML, or not a mapping.

    ``what`` names the file's role ("recipe"); ``shape`` says what a valid one holds.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ConfigError(f"{what} not found: {path}") from exc
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(yaml_error(path, exc)) from exc
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: a {what} is {shape}")
    return raw


def yaml_error(path: Path, exc: yaml.YAMLError) -> str:
    """``PATH:LINE:COLUMN: not valid YAML: ...``, at the mistake rather than where PyYAML noticed it.

    PyYAML marks where it gave up (``problem_mark``): for something left open (a quote, a bracket)
    that is where the file or the enclosing block ends, often lines later. The mistake is then the
    opening (``context_mark``), which is where this points, saying where it was noticed too. For a
    block that breaks (a bad indentation) the problem mark is the mistake itself.
    """
    if not isinstance(exc, yaml.MarkedYAMLError) or exc.problem_mark is None:
        return f"{path}: not valid YAML: {exc}"
    problem, context = exc.problem_mark, exc.context_mark
    what = (exc.problem or "").strip()
    while_ = (exc.context or "").strip()
    opened = while_.startswith(("while scanning", "while parsing a flow"))
    if opened and context is not None and (context.line, context.column) != (problem.line, problem.column):
        return (f"{path}:{context.line + 1}:{context.column + 1}: not valid YAML: {what} at line "
                f"{problem.line + 1}, column {problem.column + 1}, {while_} that starts here")
    hint = ""
    if "'\\t'" in what:
        hint = " (a tab: YAML indents with spaces only)"
    elif "expected <block end>" in what:
        hint = " (is this line indented as the lines of its block above?)"
    return f"{path}:{problem.line + 1}:{problem.column + 1}: not valid YAML: {what}{hint}"


def line_of(path: Path, *keys: str | int) -> int | None:
    """The 1-based line of the value at ``keys`` (mapping keys and list indexes) in the YAML file ``path``.

    None when the file cannot be read or parsed or has no such value: a location is a help, never an error.
    """
    try:
        node: yaml.Node | None = yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    except (OSError, yaml.YAMLError):
        return None
    for key in keys:
        if isinstance(node, yaml.MappingNode) and isinstance(key, str):
            node = next((v for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == key), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and 0 <= key < len(node.value):
            node = node.value[key]
        else:
            return None
    return node.start_mark.line + 1 if node is not None else None
