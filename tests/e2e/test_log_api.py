"""The log over HTTP: the checkpoint for verifiers, the entries, and analyst queries logged as they run."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from steward.governance.log import Checkpoint, generate_key, load_private_key, verify_log
from steward.settings import Settings
from steward.store import open_store
from steward.store.neo4j import Neo4jStore
from tests.auth_helpers import mint, mint_at
from tests.e2e.test_api import LiveServer


@pytest.fixture
def signed_api(tmp_path: Path) -> Iterator[tuple[LiveServer, Settings]]:
    key = tmp_path / "log.key"
    generate_key(key)
    settings = Settings(store=f"sqlite:///{tmp_path / 'graph.db'}", log_key=key)
    with open_store(settings.store, settings=settings, create=True) as store:
        store.upsert(log=[{"type": "ownership.set", "actor": "person:ann", "subject": "dataset:d", "after": ["x"]}])
        token = mint(store, "admin", person="person:ann")  # the log's second entry: token.create
    with LiveServer(settings, token=token) as server:
        yield server, settings


def test_the_checkpoint_and_entries_are_served_and_queries_are_logged(
    signed_api: tuple[LiveServer, Settings],
) -> None:
    server, settings = signed_api
    assert settings.log_key is not None
    public = load_private_key(settings.log_key).public_key()
    resp = server.post(f"{server.url}/api/v1/cypher", json={"query": "MATCH (n) RETURN n", "params": {"a": 1}})
    assert resp.status_code == 400  # the embedded store has no Cypher: refused, and logged as refused
    got = server.get(f"{server.url}/api/v1/log/checkpoint")
    assert got.status_code == 200 and got.headers["content-type"].startswith("text/plain")
    assert got.headers["x-steward-log-signed"] == "yes"
    cp = Checkpoint.parse(got.text)
    assert cp.size == 3 and cp.signed_by(public)
    log = server.get(f"{server.url}/api/v1/log", params={"since": 2}).json()
    assert log["size"] == 3 and [e["seq"] for e in log["entries"]] == [2]
    query = log["entries"][0]["entry"]
    assert query["type"] == "cypher.query" and query["actor"] == "person:ann" and query["refused"] is True
    assert query["query"] == "MATCH (n) RETURN n" and query["params"] == {"a": 1}
    assert query["error"]["code"] == "unsupported"
    with open_store(settings.store, settings=settings) as store:
        report = verify_log(store, public_key=public, checkpoints=[cp])
    assert report.ok and report.proven_size == 3
    bad = server.get(f"{server.url}/api/v1/log", params={"limit": 0})
    assert bad.status_code == 422


def test_an_empty_log_has_no_checkpoint_yet(tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path / 'graph.db'}"
    open_store(uri, create=True).close()
    with LiveServer(Settings(store=uri, auth=False)) as server:  # a token would be the log's first entry
        resp = httpx.get(f"{server.url}/api/v1/log/checkpoint")
        assert resp.status_code == 404 and "empty" in resp.json()["error"]["message"]


def test_neo4j_queries_are_logged_with_rows_truncation_and_refusals(
    neo4j_store: Neo4jStore, neo4j_settings: Settings,
) -> None:
    settings = neo4j_settings.model_copy(update={"cypher_row_cap": 2})
    token = mint(neo4j_store, "viewer", person="person:vic")
    with LiveServer(settings, token=token) as server:
        ok = server.post(f"{server.url}/api/v1/cypher", json={"query": "UNWIND range(1, 5) AS x RETURN x"}, timeout=30)
        assert ok.status_code == 200 and ok.json()["truncated"] == "rows"
        refused = server.post(f"{server.url}/api/v1/cypher", json={"query": "CREATE (n:Evil) RETURN n"}, timeout=30)
        assert refused.status_code == 403
    minted, first, second = (ln.data() for ln in neo4j_store.log_lines())
    assert minted["type"] == "token.create"
    assert (first["rows"], first["truncated"], first["refused"]) == (2, "rows", False)
    assert first["query"] == "UNWIND range(1, 5) AS x RETURN x" and first["actor"] == "person:vic"
    assert second["refused"] is True and second["error"]["code"] == "query_refused" and second["rows"] == 0


def test_an_accepted_lineage_post_is_logged_with_its_write_and_a_refused_one_is_not(tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path / 'graph.db'}"
    open_store(uri, create=True).close()
    event = {"eventType": "COMPLETE", "eventTime": "2026-01-01T00:00:00Z", "producer": "https://airflow.example",
             "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
             "run": {"runId": "3f5e9a3c-1f5d-4c3b-9a51-6f0d1c1b2a10"}, "job": {"namespace": "a", "name": "b"},
             "inputs": [{"namespace": "s3://lake", "name": "raw"}],
             "outputs": [{"namespace": "s3://lake", "name": "x"}]}
    token = mint_at(uri, "producer", person="person:airflow")
    with LiveServer(Settings(store=uri), token=token) as server:
        bad = server.post(f"{server.url}/api/v1/lineage", json={**event, "run": {}})
        assert bad.status_code == 422
        ok = server.post(f"{server.url}/api/v1/lineage", json=[event, event])
        assert ok.status_code == 201, ok.text
    with open_store(uri) as store:
        minted, line = store.log_lines()
    entry = line.data()
    assert minted.data()["type"] == "token.create"
    assert entry["type"] == "ingest.lineage" and entry["events"] == 2 and entry["actor"] == "person:airflow"
    assert entry["written"] == {"nodes": ok.json()["nodes"], "edges": ok.json()["edges"]}
    assert entry["written"]["edges"] > 0
