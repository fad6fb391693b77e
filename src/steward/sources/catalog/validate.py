"""A catalog document checked against its model, a problem located by its path inside the document."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError


class _DocError(Exception):
    """A document cannot be used: ``path`` locates the problem inside it."""

    def __init__(self, message: str, path: tuple[str | int, ...] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.path = path


def _dotted(loc: Sequence[str | int]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _describe(err: Any, allowed: Sequence[str]) -> str:
    kind = err["type"]
    if kind == "missing":
        return "missing"
    if kind == "extra_forbidden":
        return f"unknown key (allowed: {', '.join(allowed)})"
    if kind == "string_type":
        return f"expected a string, got {type(err['input']).__name__}"
    if kind == "string_too_short":
        return "expected a non-empty string"
    if kind in ("dict_type", "model_type"):
        return f"expected a mapping, got {type(err['input']).__name__}"
    if kind == "list_type":
        return f"expected a list, got {type(err['input']).__name__}"
    if kind == "bool_type":
        return f"expected true or false, got {err['input']!r}"
    msg = str(err["msg"])
    msg = msg.removeprefix("Value error, ")
    return msg.replace("Input should be ", "expected ", 1)


M = TypeVar("M", bound=BaseModel)


def _validate(model: type[M], data: object, prefix: tuple[str | int, ...]) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        loc = prefix + tuple(err["loc"])
        allowed = sorted(model.model_fields) if len(err["loc"]) == 1 else []
        more = len(exc.errors()) - 1
        text = f"{_dotted(loc) or 'document'}: {_describe(err, allowed)}"
        if more:
            text += f" (and {more} more problem{'s' if more > 1 else ''})"
        raise _DocError(text, loc) from exc
