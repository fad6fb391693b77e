"""The five attacks on the governance log, on both stores, made the way an attacker with write access to the
storage would make them: SQL on the SQLite file, raw Cypher through the Neo4j driver. Each attack is made
(and seen to have taken) first, then ``steward log verify`` must fail and name the first bad entry.

The log is a realistic one: two ingest runs of a recipe, ownership changes with claims, a batch of three
token entries, an analyst query; a checkpoint is exported (and kept outside the store) before the last change.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Protocol

import neo4j
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from typer.testing import CliRunner

from steward.cli import app
from steward.governance.log import (
    HEAD_ID,
    HEAD_KIND,
    Checkpoint,
    Frontier,
    export_checkpoint,
    generate_key,
    key_id,
    verify_log,
)
from steward.graph import OwnershipClaim
from steward.recipe import load_recipe, run_recipe
from steward.settings import Settings
from steward.store import GraphStore, open_store
from steward.store.base import Record, leaf_hash, utc_now
from steward.store.neo4j import Neo4jStore
from tests.conftest import wipe_neo4j

EXAMPLES = Path(__file__).resolve().parents[2] / "ingest" / "examples"
#: The log the tests write: seq -> what it is (batches: [0], [1], [2], [3], [4], [5, 6, 7], [8], [9], [10], [11]).
EXPORTED_SIZE = 11
FINAL_SIZE = 12


class Raw(Protocol):
    """Direct access to the stored log, below Steward: what an attacker with the storage's credentials has."""

    def rows(self) -> list[tuple[int, str, str]]: ...
    def set_entry(self, seq: int, entry: str, leaf: str | None = None) -> None: ...
    def delete(self, seq: int) -> None: ...
    def swap(self, a: int, b: int) -> None: ...
    def delete_from(self, seq: int) -> None: ...
    def set_head(self, doc: dict[str, Any]) -> None: ...


class SqliteRaw:
    def __init__(self, path: Path) -> None:
        self.path = path

    def _run(self, *statements: tuple[str, tuple[Any, ...]]) -> None:
        db = sqlite3.connect(self.path)
        try:
            with db:
                for sql, args in statements:
                    db.execute(sql, args)
        finally:
            db.close()

    def rows(self) -> list[tuple[int, str, str]]:
        db = sqlite3.connect(self.path)
        try:
            rows = db.execute("SELECT seq, entry, leaf_hash FROM log ORDER BY seq")
            return [(int(s), str(e), str(h)) for s, e, h in rows]
        finally:
            db.close()

    def set_entry(self, seq: int, entry: str, leaf: str | None = None) -> None:
        if leaf is None:
            self._run(("UPDATE log SET entry=? WHERE seq=?", (entry, seq)))
        else:
            self._run(("UPDATE log SET entry=?, leaf_hash=? WHERE seq=?", (entry, leaf, seq)))

    def delete(self, seq: int) -> None:
        self._run(("DELETE FROM log WHERE seq=?", (seq,)))

    def swap(self, a: int, b: int) -> None:
        self._run(("UPDATE log SET seq=-1 WHERE seq=?", (a,)), ("UPDATE log SET seq=? WHERE seq=?", (a, b)),
                  ("UPDATE log SET seq=? WHERE seq=-1", (b,)))

    def delete_from(self, seq: int) -> None:
        self._run(("DELETE FROM log WHERE seq>=?", (seq,)))

    def set_head(self, doc: dict[str, Any]) -> None:
        self._run(("UPDATE records SET doc=? WHERE kind=? AND id=?", (json.dumps(doc), HEAD_KIND, HEAD_ID)))


class Neo4jRaw:
    def __init__(self, settings: Settings) -> None:
        password = settings.neo4j_password.get_secret_value() if settings.neo4j_password else ""
        self.driver = neo4j.GraphDatabase.driver(settings.store, auth=(settings.neo4j_user, password))

    def _run(self, query: str, **params: Any) -> list[dict[str, Any]]:
        with self.driver.session() as s:
            return [r.data() for r in s.run(query, params)]

    def rows(self) -> list[tuple[int, str, str]]:
        found = self._run("MATCH (e:StewardLog) RETURN e.seq AS s, e.entry AS e, e.leaf_hash AS h ORDER BY s")
        return [(int(r["s"]), str(r["e"]), str(r["h"])) for r in found]

    def set_entry(self, seq: int, entry: str, leaf: str | None = None) -> None:
        self._run("MATCH (e:StewardLog {seq: $seq}) SET e.entry = $entry, e.leaf_hash = coalesce($leaf, e.leaf_hash)",
                  seq=seq, entry=entry, leaf=leaf)

    def delete(self, seq: int) -> None:
        self._run("MATCH (e:StewardLog {seq: $seq}) DELETE e", seq=seq)

    def swap(self, a: int, b: int) -> None:
        for old, new in ((a, -1), (b, a), (-1, b)):  # the uniqueness constraint is checked at every SET
            self._run("MATCH (e:StewardLog {seq: $old}) SET e.seq = $new", old=old, new=new)

    def delete_from(self, seq: int) -> None:
        self._run("MATCH (e:StewardLog) WHERE e.seq >= $seq DELETE e", seq=seq)

    def set_head(self, doc: dict[str, Any]) -> None:
        self._run("MATCH (r:StewardRecord {key: $key}) SET r.doc = $doc", key=f"{HEAD_KIND}/{HEAD_ID}",
                  doc=json.dumps(doc))

    def close(self) -> None:
        self.driver.close()


class Setup:
    """A keyed store under test, raw access to it, and the checkpoint exported before the last change."""

    def __init__(self, open_: Callable[[], GraphStore], raw: Raw, key: Ed25519PrivateKey, key_path: Path) -> None:
        self.open = open_
        self.raw = raw
        self.key = key
        self.key_path = key_path
        self.public: Ed25519PublicKey = key.public_key()
        self.exported: Checkpoint | None = None
        #: The environment the CLI needs to reach the store (without the key: verifiers do not hold it).
        self.env: dict[str, str] = {}

    def verify(self, *, exported: bool = True) -> Any:
        with self.open() as store:
            return verify_log(store, public_key=self.public, checkpoints=[self.exported] if exported and self.exported
                              else [])


@pytest.fixture
def setup(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Setup]:
    key_path = tmp_path / "log.key"
    generate_key(key_path)
    from steward.governance.log import load_private_key

    key = load_private_key(key_path)
    if backend == "embedded":
        uri = f"sqlite:///{tmp_path / 'graph.db'}"
        settings = Settings(store=uri, log_key=key_path)
        raw: Raw = SqliteRaw(tmp_path / "graph.db")
        first = open_store(uri, settings=settings, create=True)
    else:
        base: Settings = request.getfixturevalue("neo4j_settings")
        settings = base.model_copy(update={"log_key": key_path})
        first = open_store(settings.store, settings=settings)
        assert isinstance(first, Neo4jStore)
        wipe_neo4j(first)
        raw = Neo4jRaw(settings)
    first.close()
    s = Setup(lambda: open_store(settings.store, settings=settings), raw, key, key_path)
    s.env = {"STEWARD_STORE": settings.store, "STEWARD_NEO4J_USER": settings.neo4j_user,
             "STEWARD_NEO4J_PASSWORD": settings.neo4j_password.get_secret_value() if settings.neo4j_password else ""}
    with s.open() as store:
        s.exported = write_log(store, tmp_path, key)
    yield s
    if isinstance(raw, Neo4jRaw):
        raw.close()


def write_log(store: GraphStore, tmp: Path, key: Ed25519PrivateKey) -> Checkpoint:
    """Twelve entries in ten batches; returns the checkpoint exported at size 11 (kept outside the store)."""
    for name in ("recipe.yaml", "catalog.yaml", "lineage.jsonl"):
        shutil.copy(EXAMPLES / name, tmp / name)
    recipe = load_recipe(tmp / "recipe.yaml")
    run_recipe(recipe, store, actor="local:ops")  # 0
    changes = [("dataset:raw-orders", "person:ada@acme.com"), ("model:order-risk", "person:bob@acme.com"),
               ("dataset:order-features", "team:risk"), ("deployment:prod/order-risk-api", "person:dan@acme.com")]
    for artifact, owner in changes:  # 1..4
        store.upsert(claims=[OwnershipClaim(owner=owner, artifact=artifact, role="owner", source="steward")],
                     log=[{"type": "ownership.set", "actor": "person:admin@acme.com", "subject": artifact,
                           "before": [], "after": [owner], "reason": "quarterly re-attestation"}])
    store.upsert(records=[Record("token", f"st_{i}", {"person": f"person:p{i}", "role": "viewer"}) for i in range(3)],
                 log=[{"type": "token.create", "actor": "person:admin@acme.com", "token": f"st_{i}",
                       "role": "viewer"} for i in range(3)])  # 5, 6, 7
    run_recipe(recipe, store, actor="local:ops")  # 8
    store.upsert(log=[{"type": "cypher.query", "actor": "person:ada@acme.com", "query": "MATCH (n) RETURN count(n)",
                       "rows": 1, "truncated": False, "refused": False}])  # 9
    store.upsert(claims=[OwnershipClaim(owner="person:bob@acme.com", artifact="dataset:raw-orders", role="steward",
                                        source="steward")],
                 log=[{"type": "ownership.set", "actor": "person:ada@acme.com", "subject": "dataset:raw-orders",
                       "before": [], "after": ["person:bob@acme.com"], "role": "steward", "reason": "backup"}])  # 10
    exported = Checkpoint.parse(export_checkpoint(store, key).text())
    store.upsert(log=[{"type": "ownership.set", "actor": "person:ada@acme.com", "subject": "model:order-risk",
                       "before": ["person:bob@acme.com"], "after": ["team:risk"], "reason": "handoff"}])  # 11
    assert exported.size == EXPORTED_SIZE and store.log_size() == FINAL_SIZE
    return exported


def clean(setup: Setup) -> None:
    """The untouched log verifies, so each attack's failure is the attack's doing."""
    report = setup.verify()
    assert report.ok, report.problems
    assert report.proven_size == FINAL_SIZE and report.signed_entries == FINAL_SIZE and report.first_bad is None
    assert report.warnings == []


def entry(setup: Setup, seq: int) -> dict[str, Any]:
    return {int(s): json.loads(e) for s, e, _ in setup.raw.rows()}[seq]


def canonical(doc: dict[str, Any]) -> str:
    import rfc8785

    return rfc8785.dumps(doc).decode()


def forged_head(setup: Setup, attacker: Ed25519PrivateKey | None) -> dict[str, Any]:
    """The head an attacker writes over the tampered rows: recomputed from them, signed with their own key."""
    rows = setup.raw.rows()
    f = Frontier.of(bytes.fromhex(leaf_hash(e.encode())) for _, e, _ in rows)
    origin = entry(setup, 0)["checkpoint"].split("\n")[0]
    cp = Checkpoint(origin, f.size, f.root(), utc_now())
    cp = cp.signed(attacker) if attacker is not None else cp
    return {"origin": origin, "size": cp.size, "root": cp.root.hex(), "time": cp.time, "signed": attacker is not None,
            "key_id": key_id(origin, attacker.public_key()).hex() if attacker else None, "note": cp.text(),
            "frontier": [h.hex() for h in f.hashes]}


def test_a_edited_entry(setup: Setup) -> None:
    clean(setup)
    e = entry(setup, 3)
    e["after"] = ["person:mallory@evil.com"]
    setup.raw.set_entry(3, canonical(e))  # the stored leaf hash is left as it was
    assert entry(setup, 3)["after"] == ["person:mallory@evil.com"], "the attack took"

    report = setup.verify()
    assert not report.ok
    assert (report.first_bad, report.bad_from) == (3, 3)
    assert any(p.seq == 3 and p.kind == "edited" for p in report.problems)
    assert report.proven_size == 3


def test_b_deleted_entry(setup: Setup) -> None:
    clean(setup)
    setup.raw.delete(5)
    assert [s for s, _, _ in setup.raw.rows()] == [0, 1, 2, 3, 4, 6, 7, 8, 9, 10, 11], "the attack took"

    report = setup.verify()
    assert not report.ok and (report.first_bad, report.bad_from) == (5, 5)
    assert report.problems[0].kind == "missing" and report.problems[0].seq == 5
    assert report.proven_size == 5, "the checkpoint after the gap names the deleted entry's hash"


def test_c_reordered_entries(setup: Setup) -> None:
    clean(setup)
    setup.raw.swap(2, 3)
    assert entry(setup, 2)["seq"] == 3 and entry(setup, 3)["seq"] == 2, "the attack took"

    report = setup.verify()
    assert not report.ok and (report.first_bad, report.bad_from) == (2, 2)
    assert any(p.seq == 2 and p.kind == "moved" for p in report.problems)


def test_d_truncated_tail(setup: Setup) -> None:
    clean(setup)
    setup.raw.delete_from(9)
    setup.raw.set_head(forged_head(setup, None))  # the attacker hides the cut: the head says 9 entries
    assert len(setup.raw.rows()) == 9, "the attack took"

    report = setup.verify()  # against the exported checkpoint (11 entries)
    assert not report.ok and report.first_bad == 9
    assert any(p.kind == "truncated" and p.seq == 9 for p in report.problems)
    # Entry 8's only signatures were in the entries cut off: verify says it is not proven (honestly).
    assert report.bad_from == 8 and report.proven_size == 8
    # Without the exported checkpoint, the rewritten head still gives it away: it is not signed by the key.
    alone = setup.verify(exported=False)
    assert not alone.ok and any(p.kind == "head" for p in alone.problems)


def test_e_fully_recomputed_chain(setup: Setup) -> None:
    """The attacker edits entry 3, recomputes its hash and the head (signed with a key of their own)."""
    clean(setup)
    attacker = Ed25519PrivateKey.generate()
    e = entry(setup, 3)
    e["after"] = ["person:mallory@evil.com"]
    text = canonical(e)
    setup.raw.set_entry(3, text, leaf_hash(text.encode()))
    setup.raw.set_head(forged_head(setup, attacker))
    rows = setup.raw.rows()
    assert all(h == leaf_hash(t.encode()) for _, t, h in rows), "every stored hash is consistent again"

    report = setup.verify(exported=False)  # the signatures in later entries alone name it
    assert not report.ok and (report.first_bad, report.bad_from) == (3, 3)
    assert report.proven_size == 3
    with_exported = setup.verify()
    assert (with_exported.first_bad, with_exported.bad_from) == (3, 3)
    assert any(p.kind == "root" and "exported" in p.message for p in with_exported.problems)


@pytest.mark.parametrize("how", ["resigned", "stripped"])
def test_e_fully_recomputed_chain_with_every_later_signature_replaced(setup: Setup, how: str) -> None:
    """The attacker goes further: every later entry's signed checkpoint is re-signed with their key (or
    removed) and every hash recomputed. No surviving signature covers entry 3, so verify names entry 4 (the
    first certainly changed) and says the change may begin at 3 (the first entry not proven)."""
    clean(setup)
    attacker = Ed25519PrivateKey.generate()
    rows = setup.raw.rows()
    f = Frontier.of(bytes.fromhex(h) for _, _, h in rows[:3])
    for seq, text, _ in rows[3:]:
        doc = json.loads(text)
        if seq == 3:
            doc["after"] = ["person:mallory@evil.com"]
        elif how == "resigned":
            old = Checkpoint.parse(doc["checkpoint"])
            doc["checkpoint"] = Checkpoint(old.origin, seq, f.root(), old.time).signed(attacker).text()
        else:
            del doc["checkpoint"]
        new = canonical(doc)
        setup.raw.set_entry(seq, new, leaf_hash(new.encode()))
        f.push(bytes.fromhex(leaf_hash(new.encode())))
    setup.raw.set_head(forged_head(setup, attacker))
    assert entry(setup, 3)["after"] == ["person:mallory@evil.com"], "the attack took"

    for report in (setup.verify(), setup.verify(exported=False)):
        assert not report.ok
        assert (report.first_bad, report.bad_from, report.bad_upto) == (4, 3, 4)
        assert report.proven_size == 3
        assert "may begin as early as seq 3" in " ".join(report.warnings)


def test_the_cli_names_the_first_bad_entry_and_exits_9(setup: Setup, tmp_path: Path) -> None:
    runner = CliRunner()
    pub = tmp_path / "log.pub"
    got = runner.invoke(app, ["log", "public-key"], env={"STEWARD_LOG_KEY": str(setup.key_path)})
    assert got.exit_code == 0, got.output
    pub.write_text(got.stdout)
    cp = tmp_path / "cp.txt"
    assert setup.exported is not None
    cp.write_text(setup.exported.text())
    args = ["log", "verify", "--public-key", str(pub), "--checkpoint", str(cp), "--format", "json"]
    ok = runner.invoke(app, args, env=setup.env)
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.stdout)["proven_size"] == FINAL_SIZE
    e = entry(setup, 7)
    e["role"] = "admin"
    setup.raw.set_entry(7, canonical(e))
    bad = runner.invoke(app, args, env=setup.env)
    assert bad.exit_code == 9
    body = json.loads(bad.stdout)
    assert body["first_bad"] == 7 and "first bad entry is seq 7" in body["summary"]
