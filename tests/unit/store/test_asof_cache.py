"""The as-of view cache never closes a view another thread is still answering from."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from steward.errors import BackendUnavailableError
from steward.graph import Node, NodeKind
from steward.store import asof, open_store
from steward.store.base import utc_now


def test_an_evicted_view_in_use_stays_open_until_its_last_user_leaves(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(asof, "SETTLED", asof.timedelta(0))  # cache even fresh moments
    monkeypatch.setattr(asof, "CACHE_VIEWS", 2)
    store = open_store(f"sqlite:///{tmp_path / 'g.db'}", create=True)
    moments = []
    for i in range(4):
        store.upsert(nodes=[Node(f"dataset:d{i}", NodeKind.DATASET, source="t")])
        time.sleep(0.01)
        moments.append(utc_now())
    try:
        with asof.viewing(store, moments[0]) as first:
            assert isinstance(first, asof.AsOfStore) and first.cached
            for m in moments[1:]:  # pushes the first view out of a cache of two
                with asof.viewing(store, m):
                    pass
            assert first._evicted
            # still answering: the eviction did not close it under our feet
            assert sorted(n.id for n in first.find_nodes()) == ["dataset:d0"]
        with pytest.raises(BackendUnavailableError):  # the last user left: now it is closed
            first.find_nodes()
    finally:
        store.close()
