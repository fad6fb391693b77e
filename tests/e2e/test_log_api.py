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
from tests.e2e.test_api import LiveServer


@pytest.fixture
def signed_api(tmp_path: Path) -> Iterator[tuple[LiveServer, Settings]]:
    key = tmp_path / "log.key"
    generate_key(key)
    settings = Settings(store=f"sqlite:///{tmp_path / 'graph.db'}", log_key=key)
    with open_store(settings.store, settings=settings, create=True) as store:
        store.upsert(log=[{"type": "ownership.set", "actor": "person:ann", "subject": "dataset:d", "after": ["x"]}])
    with LiveServer(settings) as server:
        yield server, settings


def test_the_checkpoint_and_entries_are_served_and_queries_are_logged(
    signed_api: tuple[LiveServer, Settings],
) -> None:
    server, settings = signed_api
    assert settings.log_key is not None
    public = load_private_key(settings.log_key).public_key()
    resp = httpx.post(f"{server.url}/api/v1/cypher", json={"query": "MATCH (n) RETURN n", "params": {"a": 1}})
    assert resp.status_code == 400  # the embedded store has no Cypher: refused, and logged as refused
    got = httpx.get(f"{server.url}/api/v1/log/checkpoint")
    assert got.status_code == 200 and got.headers["content-type"].startswith("text/plain")
    assert got.headers["x-steward-log-signed"] == "yes"
    cp = Checkpoint.parse(got.text)
    assert cp.size == 2 and cp.signed_by(public)
    log = httpx.get(f"{server.url}/api/v1/log", params={"since": 1}).json()
    assert log["size"] == 2 and [e["seq"] for e in log["entries"]] == [1]
    query = log["entries"][0]["entry"]
    assert query["type"] == "cypher.query" and query["actor"] == "anonymous" and query["refused"] is True
    assert query["query"] == "MATCH (n) RETURN n" and query["params"] == {"a": 1}
    assert query["error"]["code"] == "unsupported"
    with open_store(settings.store, settings=settings) as store:
        report = verify_log(store, public_key=public, checkpoints=[cp])
    assert report.ok and report.proven_size == 2
    bad = httpx.get(f"{server.url}/api/v1/log", params={"limit": 0})
    assert bad.status_code == 422


def test_an_empty_log_has_no_checkpoint_yet(tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path / 'graph.db'}"
    open_store(uri, create=True).close()
    with LiveServer(Settings(store=uri)) as server:
        resp = httpx.get(f"{server.url}/api/v1/log/checkpoint")
        assert resp.status_code == 404 and "empty" in resp.json()["error"]["message"]


def test_neo4j_queries_are_logged_with_rows_truncation_and_refusals(
    neo4j_store: Neo4jStore, neo4j_settings: Settings,
) -> None:
    settings = neo4j_settings.model_copy(update={"cypher_row_cap": 2})
    with LiveServer(settings) as server:
        ok = httpx.post(f"{server.url}/api/v1/cypher", json={"query": "UNWIND range(1, 5) AS x RETURN x"}, timeout=30)
        assert ok.status_code == 200 and ok.json()["truncated"] == "rows"
        refused = httpx.post(f"{server.url}/api/v1/cypher", json={"query": "CREATE (n:Evil) RETURN n"}, timeout=30)
        assert refused.status_code == 403
    first, second = (ln.data() for ln in neo4j_store.log_lines())
    assert (first["rows"], first["truncated"], first["refused"]) == (2, "rows", False)
    assert first["query"] == "UNWIND range(1, 5) AS x RETURN x" and first["actor"] == "anonymous"
    assert second["refused"] is True and second["error"]["code"] == "query_refused" and second["rows"] == 0


def test_an_accepted_lineage_post_is_logged_with_its_write_and_a_refused_one_is_not(tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path / 'graph.db'}"
    open_store(uri, create=True).close()
    event = {"eventType": "COMPLETE", "eventTime": "2026-01-01T00:00:00Z", "producer": "https://airflow.example",
             "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
             "run": {"runId": "3f5e9a3c-1f5d-4c3b-9a51-6f0d1c1b2a10"}, "job": {"namespace": "a", "name": "b"},
             "inputs": [{"namespace": "s3://lake", "name": "raw"}],
             "outputs": [{"namespace": "s3://lake", "name": "x"}]}
    with LiveServer(Settings(store=uri)) as server:
        bad = httpx.post(f"{server.url}/api/v1/lineage", json={**event, "run": {}})
        assert bad.status_code == 422
        ok = httpx.post(f"{server.url}/api/v1/lineage", json=[event, event])
        assert ok.status_code == 201, ok.text
    with open_store(uri) as store:
        (line,) = store.log_lines()
    entry = line.data()
    assert entry["type"] == "ingest.lineage" and entry["events"] == 2 and entry["actor"] == "anonymous"
    assert entry["written"] == {"nodes": ok.json()["nodes"], "edges": ok.json()["edges"]}
    assert entry["written"]["edges"] > 0
