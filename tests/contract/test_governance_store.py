"""The store's governance records and log, on both stores: written in the graph change's transaction."""

from __future__ import annotations

import json

import pytest

from steward.errors import InvalidInputError
from steward.graph import EdgeKey, EdgeKind, Node, NodeKind, OwnershipClaim
from steward.store.base import GraphStore, Record, leaf_hash


def test_records_replace_by_kind_and_id(store: GraphStore) -> None:
    store.upsert(records=[Record("token", "b", {"role": "viewer"}), Record("token", "a", {"role": "admin"}),
                          Record("incident", "a", {"title": "x"})])
    assert [r.id for r in store.get_records("token")] == ["a", "b"]
    store.upsert(records=[Record("token", "a", {"role": "editor", "n": [1, 2]})])
    assert store.get_record("token", "a") == Record("token", "a", {"role": "editor", "n": [1, 2]})
    assert store.get_records("token", ["b", "zz"]) == [Record("token", "b", {"role": "viewer"})]
    assert store.get_record("incident", "a") == Record("incident", "a", {"title": "x"})
    assert store.get_record("token", "zz") is None
    assert store.counts().total_nodes == 0  # records are not graph nodes


def test_log_appends_in_order_with_the_change(store: GraphStore) -> None:
    assert store.log_size() == 0 and store.log_lines() == []
    lines = store.upsert(nodes=[Node("dataset:d", NodeKind.DATASET, source="t")],
                         log=[{"action": "a", "at": "2026-01-01T00:00:00Z"}, {"action": "b"}])
    assert [ln.seq for ln in lines] == [0, 1]
    claim = OwnershipClaim(owner="person:ann", artifact="dataset:d", role="owner", source="steward")
    more = store.upsert(claims=[claim], log=[{"action": "c", "why": "é ünïcode"}])
    assert [ln.seq for ln in more] == [2]
    stored = store.log_lines()
    assert stored == [*lines, *more]
    assert store.log_size() == 3 and store.log_lines(1, 2) == [lines[1]]
    first = stored[0]
    assert first.entry == '{"action":"a","at":"2026-01-01T00:00:00Z","seq":0}'  # RFC 8785: sorted, compact
    assert first.leaf_hash == leaf_hash(first.entry.encode())
    assert json.loads(stored[2].entry)["why"] == "é ünïcode" and "at" in stored[2].data()
    store.retract("steward", nodes=(), edges=[EdgeKey("person:ann", EdgeKind.OWNS, "dataset:d", "steward|owner")],
                  log=[{"action": "d"}])
    assert store.log_size() == 4 and store.log_lines(3)[0].data()["action"] == "d"


def test_a_failed_batch_writes_no_log_and_no_record(store: GraphStore) -> None:
    with pytest.raises(InvalidInputError):
        store.upsert(records=[Record("token", "", {})], log=[{"action": "x"}])
    with pytest.raises(InvalidInputError):
        store.upsert(log=[{"seq": 3}])
    assert store.log_size() == 0 and store.get_records("token") == []
