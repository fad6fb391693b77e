"""The one translation of pydantic errors, on real validation errors of a small model."""

from __future__ import annotations

from typing import Annotated, Any

import pytest
from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationError

from steward.validation import describe, dotted


class _Inner(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")
    name: Annotated[str, StringConstraints(min_length=1)]
    flag: bool = False


class _Doc(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")
    inner: _Inner
    tags: list[str] = []
    level: int = 0


def _first(data: object) -> Any:
    with pytest.raises(ValidationError) as info:
        _Doc.model_validate(data)
    return info.value.errors(include_url=False)[0]


@pytest.mark.parametrize(("data", "loc", "container", "expected"), [
    ({}, "inner", "mapping", "missing"),
    ({"inner": 3}, "inner", "mapping", "expected a mapping, got int"),
    ({"inner": 3}, "inner", "object", "expected an object, got int"),
    ({"inner": {"name": 7}}, "inner.name", "mapping", "expected a string, got int"),
    ({"inner": {"name": ""}}, "inner.name", "mapping", "expected a non-empty string"),
    ({"inner": {"name": "x", "flag": "yes"}}, "inner.flag", "mapping", "expected true or false, got 'yes'"),
    ({"inner": {"name": "x"}, "tags": "a"}, "tags", "mapping", "expected a list, got str"),
    ({"inner": {"name": "x"}, "tags": ["a", 2]}, "tags[1]", "mapping", "expected a string, got int"),
    ({"inner": {"name": "x"}, "level": "high"}, "level", "mapping", "expected a valid integer"),
])
def test_describe(data: object, loc: str, container: str, expected: str) -> None:
    err = _first(data)
    assert dotted(err["loc"]) == loc
    assert describe(err, container=container) == expected


def test_unknown_key_names_the_allowed_ones() -> None:
    err = _first({"inner": {"name": "x"}, "tgas": []})
    assert dotted(err["loc"]) == "tgas"
    assert describe(err, allowed=sorted(_Doc.model_fields)) == "unknown key (allowed: inner, level, tags)"


def test_empty_location() -> None:
    assert dotted(()) == ""
