"""A catalog document checked against its model, a problem located by its path inside the document."""

from __future__ import annotations

from typing import TypeVar

from pydantic import BaseModel, ValidationError

from steward.validation import describe, dotted


class _DocError(Exception):
    """A document cannot be used: ``path`` locates the problem inside it."""

    def __init__(self, message: str, path: tuple[str | int, ...] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.path = path


M = TypeVar("M", bound=BaseModel)


def _validate(model: type[M], data: object, prefix: tuple[str | int, ...]) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        loc = prefix + tuple(err["loc"])
        allowed = sorted(model.model_fields) if len(err["loc"]) == 1 else []
        more = len(exc.errors()) - 1
        text = f"{dotted(loc) or 'document'}: {describe(err, allowed=allowed)}"
        if more:
            text += f" (and {more} more problem{'s' if more > 1 else ''})"
        raise _DocError(text, loc) from exc
