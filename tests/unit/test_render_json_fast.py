"""``render_json_fast`` (orjson, for the blast radius over HTTP) writes the very bytes ``render_json`` (the
standard library, what the CLI prints) writes, for the values such answers are made of."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from steward.api.deps import render_json, render_json_fast


class _Kind(StrEnum):
    A = "Dataset"
    B = "Run"


_LEAVES = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**63), 2**64 - 1), st.text(), st.sampled_from(list(_Kind)),
    st.datetimes(timezones=st.just(UTC)),
)
_VALUES = st.recursive(_LEAVES, lambda inner: st.one_of(
    st.lists(inner, max_size=5), st.dictionaries(st.text(max_size=8), inner, max_size=5)), max_leaves=30)


@given(_VALUES)
def test_the_same_bytes_as_render_json(value: Any) -> None:
    assert render_json_fast(value) == render_json(value)


def test_what_orjson_cannot_write_falls_back_to_render_json() -> None:
    for value in ({1: "an integer key"}, [2**70]):
        assert render_json_fast(value) == render_json(value)
    with pytest.raises(UnicodeEncodeError):  # as render_json refuses it
        render_json_fast({"lone": "\ud800"})
    assert json.loads(render_json_fast({"at": datetime(2026, 1, 2, 3, 4, tzinfo=UTC)})) == {
        "at": "2026-01-02 03:04:00+00:00"}
