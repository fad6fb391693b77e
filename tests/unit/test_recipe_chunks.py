"""A streamed source is written in chunks sized by what the store says it takes cheaply
(``GraphStore.big_transactions``), not by the scheme of its URI."""

from __future__ import annotations

from pathlib import Path

import pytest

from steward import recipe as recipe_mod
from steward.store import open_store
from steward.store.neo4j import Neo4jStore


def test_the_embedded_store_takes_stream_chunks_and_neo4j_spill_chunks(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    with open_store(f"sqlite:///{tmp_path / 'g.db'}", create=True) as store:
        assert store.big_transactions
        assert recipe_mod._chunk_size(store) == recipe_mod.STREAM_CHUNK
        store.uri = "custom://somewhere"  # the URI plays no part
        assert recipe_mod._chunk_size(store) == recipe_mod.STREAM_CHUNK
        monkeypatch.setattr(type(store), "big_transactions", False)
        assert recipe_mod._chunk_size(store) == recipe_mod.SPILL_CHUNK
    assert not Neo4jStore.big_transactions
    assert recipe_mod.SPILL_CHUNK < recipe_mod.STREAM_CHUNK
