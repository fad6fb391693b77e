"""Pydantic validation errors in the words of the files people write.

One translation for every loader that checks a user's document against a model (the catalog's
documents, OpenLineage events): a location such as ``spec.owners[1]`` and a short description
(``missing``, ``expected a string, got int``, ``unknown key (allowed: ...)``) instead of
pydantic's ``Input should be a valid string [type=string_type, ...]``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

__all__ = ["describe", "dotted"]


def dotted(loc: Sequence[str | int]) -> str:
    """``("spec", "owners", 1)`` -> ``spec.owners[1]``; an empty location -> ``""``."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def describe(err: Any, *, allowed: Sequence[str] = (), container: Literal["mapping", "object"] = "mapping") -> str:
    """One pydantic error (an item of ``ValidationError.errors()``) in plain words.

    ``allowed`` lists the keys accepted where an unknown key was found; ``container`` is what a
    nested mapping is called in the user's format (a YAML ``mapping``, a JSON ``object``).
    """
    kind = err["type"]
    got = type(err.get("input")).__name__
    if kind == "missing":
        return "missing"
    if kind == "extra_forbidden":
        return f"unknown key (allowed: {', '.join(allowed)})"
    if kind == "string_type":
        return f"expected a string, got {got}"
    if kind == "string_too_short":
        return "expected a non-empty string"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return f"expected {'a mapping' if container == 'mapping' else 'an object'}, got {got}"
    if kind == "list_type":
        return f"expected a list, got {got}"
    if kind == "bool_type":
        return f"expected true or false, got {err['input']!r}"
    msg = str(err["msg"]).removeprefix("Value error, ")
    return msg.replace("Input should be ", "expected ", 1)
