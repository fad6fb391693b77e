"""Reading a YAML settings file (a recipe, an audit policy) with errors that name the file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from steward.errors import ConfigError

__all__ = ["read_mapping"]


def read_mapping(path: Path, *, what: str, shape: str) -> dict[str, Any]:
    """The YAML mapping in ``path``; ConfigError if it is missing, not YAML, or not a mapping.

    ``what`` names the file's role ("recipe"); ``shape`` says what a valid one holds.
    """
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"{what} not found: {path}") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from exc
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: a {what} is {shape}")
    return raw
