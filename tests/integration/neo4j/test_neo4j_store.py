"""Neo4j-only behaviour on a real server: plans, schema, labels, credentials, analyst Cypher."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pydantic import SecretStr

from steward.analysis.cypher import run_cypher
from steward.errors import BackendUnavailableError, ConfigError, InvalidInputError
from steward.graph import LINEAGE_EDGES, Edge, EdgeKind
from steward.settings import Settings
from steward.store import open_store
from steward.store.neo4j import Neo4jStore
from tests.auth_helpers import mint
from tests.contract.test_analyses import API, BATCH, C1, DEE, RAW, build
from tests.e2e.test_api import LiveServer

pytestmark = pytest.mark.neo4j
EXAMPLES = Path(__file__).resolve().parents[3] / "cypher" / "examples"


def test_closure_plans_a_pruning_breadth_first_expand(neo4j_store: Neo4jStore) -> None:
    for way in ("down", "up"):
        ops = neo4j_store.explain(f"closure_{way}", types=LINEAGE_EDGES, ids=["dataset:x"])
        assert any(op.startswith("VarLengthExpand(Pruning,BFS") for op in ops), ops
        assert not any("ShortestPath" in op for op in ops)


def test_twenty_diamonds_answer_at_once(neo4j_store: Neo4jStore) -> None:
    edges = []
    for i in range(20):
        for side in ("l", "r"):
            edges += [Edge(src=f"dataset:d{i}", kind=EdgeKind.CONSUMED_BY, dst=f"run:{side}{i}", source="t"),
                      Edge(src=f"run:{side}{i}", kind=EdgeKind.PRODUCED, dst=f"dataset:d{i + 1}", source="t")]
    neo4j_store.upsert(edges=edges)
    start = time.perf_counter()
    reached = neo4j_store.reach(["dataset:d0"], way="down")
    elapsed = time.perf_counter() - start
    assert len(reached) == 60
    assert reached["dataset:d20"].distance == 40
    # 2**20 paths exist; a path-enumerating walk would not come back in seconds (reported, not a timing test)
    print(f"20 chained diamonds: {elapsed * 1000:.1f} ms")


def test_reach_stops_at_max_depth_on_the_server(neo4j_store: Neo4jStore) -> None:
    n = 1500
    edges = [Edge(src=f"dataset:c{i}", kind=EdgeKind.CONSUMED_BY, dst=f"dataset:c{i + 1}", source="t")
             for i in range(n)]
    neo4j_store.upsert(edges=edges)
    assert set(neo4j_store.reach(["dataset:c0"], way="down", max_depth=3)) == {"dataset:c1", "dataset:c2",
                                                                            "dataset:c3"}
    assert neo4j_store.last_reach_rows == 3  # three levels walked, one id each: not the whole chain
    assert len(neo4j_store.reach(["dataset:c0"], way="down")) == n
    assert neo4j_store.last_reach_rows == n
    assert neo4j_store.reach(["dataset:c0"], way="down", max_depth=0) == {}


def test_schema_and_labels(neo4j_store: Neo4jStore) -> None:
    neo4j_store.apply_schema()  # idempotent
    build(neo4j_store)
    with neo4j_store._driver.session() as s:
        names = {r["name"] for r in s.run("SHOW CONSTRAINTS YIELD name")}
        assert {"steward_node_id", "steward_state_key"} <= names
        assert s.run("MATCH (n:Deployment) RETURN count(n) AS n").single(strict=True)["n"] == 3
        assert s.run("MATCH (n:ModelVersion:Node) RETURN count(n) AS n").single(strict=True)["n"] == 3
        assert s.run("MATCH ()-[r:OWNS]->() RETURN count(r) AS n").single(strict=True)["n"] == 12


def test_wrong_password_and_unreachable_server(neo4j_settings: Settings) -> None:
    bad = neo4j_settings.model_copy(update={"neo4j_password": SecretStr("wrong-password")})
    with pytest.raises(ConfigError, match="refused the credentials"):
        open_store(neo4j_settings.store, settings=bad)
    with pytest.raises(BackendUnavailableError, match=r"(?s)bolt://127\.0\.0\.1:9.*docker compose"):
        open_store("bolt://127.0.0.1:9", settings=neo4j_settings)


def test_analyst_cypher_is_read_only_capped_and_timed(neo4j_store: Neo4jStore) -> None:
    build(neo4j_store)
    ok = run_cypher(neo4j_store, "MATCH (d:Deployment) RETURN d.id AS id ORDER BY id")
    assert ok["columns"] == ["id"]
    assert [r["id"] for r in ok["rows"]] == [API, BATCH, "deployment:staging/churn-api"]
    assert ok["truncated"] is False
    capped = run_cypher(neo4j_store, "MATCH (n:Node) RETURN n.id AS id", max_rows=2)
    assert len(capped["rows"]) == 2
    assert capped["truncated"] == "rows"
    for write in ("CREATE (:Node {id: 'dataset:evil'})", "MATCH (n) DETACH DELETE n",
                  "MATCH (n:Node) SET n.x = 1 RETURN n", "CREATE INDEX evil FOR (n:Node) ON (n.x)"):
        with pytest.raises(InvalidInputError, match="only read-only queries"):
            run_cypher(neo4j_store, write)
    assert neo4j_store.get_node("dataset:evil") is None
    with pytest.raises(InvalidInputError, match="timeout"):
        run_cypher(neo4j_store, "UNWIND range(1, 100000) AS x UNWIND range(1, 100000) AS y "
                   "WITH x, y WHERE x * y = -1 RETURN x", timeout_s=0.5)
    with pytest.raises(InvalidInputError, match="refused the query"):
        run_cypher(neo4j_store, "MATCH (n RETURN n")


def test_cypher_examples_run(neo4j_store: Neo4jStore) -> None:
    build(neo4j_store)
    params = {"id": RAW}
    results = {}
    for path in sorted(EXAMPLES.glob("*.cypher")):
        query = path.read_text()
        p = {"id": API} if "recent_commits" in path.name else params
        results[path.stem] = run_cypher(neo4j_store, query, params=p)["rows"]
    assert {r["artifact"] for r in results["downstream_owners"]} >= {API, BATCH}
    assert results["deployments_without_active_owner"] == []
    assert results["recent_commits_upstream"][0]["commit"] == C1
    assert results["recent_commits_upstream"][0]["authors"] == [DEE]
    top = results["people_by_claims"][0]
    assert set(top) == {"person", "active", "artifacts", "roles"}


def test_cypher_over_http_and_cli(neo4j_store: Neo4jStore, neo4j_settings: Settings) -> None:
    build(neo4j_store)
    capped = neo4j_settings.model_copy(update={"cypher_row_cap": 2})
    with LiveServer(capped, token=mint(neo4j_store, "viewer")) as server:
        ok = server.post(f"{server.url}/api/v1/cypher", json={"query": "MATCH (d:Deployment) RETURN d.id AS id"})
        assert ok.status_code == 200
        assert len(ok.json()["rows"]) == 2
        assert ok.json()["truncated"] == "rows"  # the server's cap of 2 rows applies
        write = server.post(f"{server.url}/api/v1/cypher", json={"query": "CREATE (n:Node {id: 'dataset:x'})"})
        assert write.status_code == 403
        assert write.json()["error"]["code"] == "query_refused"
        blast = server.get(f"{server.url}/api/v1/blast-radius/{RAW}").json()
        assert blast["root"]["id"] == RAW
    password = neo4j_settings.neo4j_password.get_secret_value() if neo4j_settings.neo4j_password else ""
    env = {**os.environ, "STEWARD_STORE": neo4j_settings.store, "STEWARD_NEO4J_USER": neo4j_settings.neo4j_user,
           "STEWARD_NEO4J_PASSWORD": password}
    steward = [sys.executable, "-m", "steward.cli"]
    out = subprocess.run([*steward, "cypher", "MATCH (n:Deployment) WHERE n.id = $id RETURN n.runbook AS runbook",
                          "-P", f'id="{API}"', "--format", "json"], env=env, capture_output=True, text=True,
                         check=True)
    assert json.loads(out.stdout)["rows"] == [{"runbook": "https://wiki/churn-api"}]
    refused = subprocess.run([*steward, "cypher", "MATCH (n) DETACH DELETE n"], env=env, capture_output=True,
                             text=True, check=False)
    assert refused.returncode == 5
    assert "only read-only queries" in refused.stderr
    assert neo4j_store.counts().total_nodes > 0
