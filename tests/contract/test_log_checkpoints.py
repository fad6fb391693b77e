"""The log's head and signed checkpoints, written by the log hook in the change's own transaction, and what
the log records of ingest runs, on both stores."""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from steward.errors import ConfigError, InvalidInputError, NotFoundError
from steward.governance.log import (
    HEAD_ID,
    HEAD_KIND,
    Checkpoint,
    Checkpointer,
    export_checkpoint,
    merkle_root,
    verify_log,
)
from steward.graph import Node, NodeKind
from steward.recipe import load_recipe, run_recipe
from steward.store import GraphStore
from steward.store.base import Record

EXAMPLES = Path(__file__).resolve().parents[2] / "ingest" / "examples"


def root_of(store: GraphStore) -> bytes:
    return merkle_root([bytes.fromhex(ln.leaf_hash) for ln in store.log_lines()])


def test_every_logged_batch_moves_the_head_in_its_own_transaction(store: GraphStore) -> None:
    with pytest.raises(NotFoundError):
        export_checkpoint(store)  # nothing logged yet: no checkpoint
    store.upsert(nodes=[Node("dataset:d", NodeKind.DATASET, source="t")])  # no entry: the head does not move
    assert store.get_record(HEAD_KIND, HEAD_ID) is None
    store.upsert(log=[{"type": "a"}, {"type": "b"}])
    head = store.get_record(HEAD_KIND, HEAD_ID)
    assert head is not None and head.doc["size"] == 2 and head.doc["signed"] is False
    cp = Checkpoint.parse(head.doc["note"])
    assert cp.size == 2 and cp.root == root_of(store) and cp.signatures == ()
    assert "checkpoint" not in store.log_lines()[0].data(), "without a key, entries carry no signature"
    with pytest.raises(InvalidInputError):  # a failed batch moves nothing: not the log, not the head
        store.upsert(records=[Record("token", "", {})], log=[{"type": "c"}])
    with pytest.raises(InvalidInputError):
        store.upsert(log=[{"type": "c", "checkpoint": "forged"}])  # the store sets that key, never the caller
    with pytest.raises(InvalidInputError, match="written by the log itself"):
        store.upsert(records=[Record(HEAD_KIND, HEAD_ID, {"size": 0})])
    assert store.get_record(HEAD_KIND, HEAD_ID) == head
    store.retract("t", nodes=["dataset:d"], edges=[], log=[{"type": "d"}])
    assert Checkpoint.parse(store.get_record(HEAD_KIND, HEAD_ID).doc["note"]).size == 3  # type: ignore[union-attr]
    report = verify_log(store)
    assert report.ok and report.size == 3
    assert any("NOT TAMPER-EVIDENT" in w for w in report.warnings)
    assert export_checkpoint(store).root == root_of(store)


def test_a_signed_log_signs_every_entry_and_refuses_writers_without_its_key(
    store_factory: Callable[[], GraphStore],
) -> None:
    key = Ed25519PrivateKey.generate()
    store = store_factory()
    store.log_hook = Checkpointer(key)
    store.upsert(log=[{"type": "a"}])
    store.upsert(log=[{"type": "b"}, {"type": "c"}])
    lines = store.log_lines()
    for ln in lines:  # each entry carries the signed checkpoint of the entries before it
        cp = Checkpoint.parse(ln.data()["checkpoint"])
        assert cp.size == ln.seq and cp.signed_by(key.public_key())
        assert cp.root == merkle_root([bytes.fromhex(x.leaf_hash) for x in lines[: ln.seq]])
    exported = export_checkpoint(store, key)
    assert exported.size == 3 and exported.signed_by(key.public_key()) and exported.root == root_of(store)
    report = verify_log(store, public_key=key.public_key(), checkpoints=[exported])
    assert report.ok and report.proven_size == 3 and report.warnings == []
    other = Ed25519PrivateKey.generate()
    assert not verify_log(store, public_key=other.public_key()).ok

    keyless = store_factory()  # a writer that was not given STEWARD_LOG_KEY
    with pytest.raises(ConfigError, match="STEWARD_LOG_KEY"):
        keyless.upsert(nodes=[Node("dataset:x", NodeKind.DATASET, source="t")], log=[{"type": "d"}])
    keyless.log_hook = Checkpointer(other)
    with pytest.raises(ConfigError, match="another key"):
        keyless.upsert(log=[{"type": "d"}])
    assert keyless.log_size() == 3 and keyless.get_node("dataset:x") is None, "the refused batch wrote nothing"


def test_an_ingest_run_is_logged_with_its_counts_and_recipe_digest(store: GraphStore, tmp_path: Path) -> None:
    for name in ("recipe.yaml", "catalog.yaml", "lineage.jsonl"):
        shutil.copy(EXAMPLES / name, tmp_path / name)
    recipe = load_recipe(tmp_path / "recipe.yaml")
    run_recipe(recipe, store, dry_run=True)
    assert store.log_size() == 0, "a dry run logs nothing"
    report = run_recipe(recipe, store, actor="person:ops@acme.com")
    (line,) = store.log_lines()
    entry = line.data()
    assert entry["type"] == "ingest.run" and entry["actor"] == "person:ops@acme.com" and entry["ok"] is True
    assert entry["recipe_sha256"] == hashlib.sha256((tmp_path / "recipe.yaml").read_bytes()).hexdigest()
    by_source = {s["source"]: s for s in entry["sources"]}
    for o in report.outcomes:
        logged = by_source[o.report.source]
        assert logged["written"] == {"nodes": o.written_nodes, "edges": o.written_edges}
        assert logged["removed"] == {"nodes": o.removed_nodes, "edges": o.removed_edges}
    assert by_source["catalog"]["written"]["nodes"] > 0

    # The source stops saying something: the next run's entry records what was removed.
    events = (tmp_path / "lineage.jsonl").read_text().splitlines(keepends=True)
    (tmp_path / "lineage.jsonl").write_text("".join(events[:2]))  # the second job's run is gone
    again = run_recipe(recipe, store, force=True)
    second = store.log_lines()[1].data()
    removed = {s["source"]: s["removed"] for s in second["sources"]}
    assert removed == {o.report.source: {"nodes": o.removed_nodes, "edges": o.removed_edges} for o in again.outcomes}
    assert removed["openlineage"]["nodes"] + removed["openlineage"]["edges"] > 0
    assert second["actor"].startswith("local:") and second["force"] is True
    assert json.loads(store.log_lines()[1].entry)["seq"] == 1
