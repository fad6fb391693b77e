"""Attacks on the HTTP API, each reproduced first and then shown refused (issue 10).

The analyst-Cypher attacks run on a real Neo4j: each one is first shown to pass the old gate (the
server's EXPLAIN calls it read-only) and, where it matters, to work when sent to Neo4j directly;
then Steward refuses it. The input attacks (bad numbers, deep or foreign bodies, no token) run on
both stores.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from neo4j import GraphDatabase
from neo4j import exceptions as neo4j_exc
from pydantic import SecretStr

from steward.settings import Settings
from steward.store import open_store
from steward.store.neo4j import Neo4jStore
from tests.auth_helpers import mint
from tests.conftest import wipe_neo4j
from tests.contract.test_analyses import API, RAW, build
from tests.e2e.test_api import LiveServer

TOKEN = "t0ken-for-tests"
#: Slow but stoppable: the server checks its timeout between rows.
SLOW = "UNWIND range(1, 100000) AS a UNWIND range(1, 100000) AS b WITH a, b WHERE a * b = -1 RETURN a"
#: One row the server never stops (it held a worker for 1 422 s in the issue): never sent to Neo4j to run.
RUNAWAY = "RETURN size(reduce(s = '', x IN range(1, 100000000) | s + 'aaaaaaaaaa')) AS n"


def _explain_type(store: Neo4jStore, query: str) -> str | None:
    """What the old gate looked at: the server's classification of the query."""
    with store._driver.session() as s:
        return s.run("EXPLAIN " + query).consume().query_type  # type: ignore[arg-type]


@pytest.fixture
def neo4j_api(neo4j_store: Neo4jStore, neo4j_settings: Settings) -> Iterator[LiveServer]:
    build(neo4j_store)
    settings = neo4j_settings.model_copy(update={"api_token": SecretStr(TOKEN), "cypher_timeout_s": 2.0})
    with LiveServer(settings, token=mint(neo4j_store, "viewer")) as server:
        yield server


def _cypher(server: LiveServer, query: str, **extra: Any) -> httpx.Response:
    return server.post(f"{server.url}/api/v1/cypher", json={"query": query, **extra}, timeout=30)


# ---- the analyst gate ---------------------------------------------------------------------------------------
REFUSED = {
    "file read": "LOAD CSV FROM 'file:///etc/passwd' AS r RETURN r LIMIT 3",
    "ssrf": "LOAD CSV FROM 'http://127.0.0.1:9/x' AS r RETURN r",
    "read others' queries": "SHOW TRANSACTIONS",
    "kill others' work": "TERMINATE TRANSACTIONS 'neo4j-transaction-1'",
    "server settings": "SHOW SETTINGS",
    "procedure listing": "SHOW PROCEDURES",
    "stats collection": "CALL db.stats.collect('QUERIES')",
    "index resampling": "CALL db.resampleOutdatedIndexes()",
    "batched writes": "MATCH (n) CALL (n) { RETURN 1 AS x } IN TRANSACTIONS RETURN x",
    "another database": "USE neo4j MATCH (n) RETURN n",
    "comment-hidden load": "/* hi */ LOAD CSV FROM 'file:///etc/hosts' AS r RETURN r",
    "runaway expression": RUNAWAY,
    "huge list": "RETURN size([x IN range(1, 1000000000) | toString(x)]) AS n",
    "quoted function": "RETURN `range`(1, 1000000000) AS r",
}


@pytest.mark.parametrize("attack", sorted(REFUSED))
def test_the_old_gate_let_these_through_and_the_plan_gate_refuses_them(
    attack: str, neo4j_api: LiveServer, neo4j_store: Neo4jStore
) -> None:
    query = REFUSED[attack]
    assert _explain_type(neo4j_store, query) == "r", "reproduced: the server calls it a read"
    resp = _cypher(neo4j_api, query)
    assert resp.status_code == 403, resp.text
    assert resp.json()["error"]["code"] == "query_refused"


def test_show_transactions_reproduced_then_refused(neo4j_api: LiveServer, neo4j_settings: Settings) -> None:
    """A running ingest's query text is visible to SHOW TRANSACTIONS: Steward never runs it for callers."""
    pw = neo4j_settings.neo4j_password.get_secret_value() if neo4j_settings.neo4j_password else ""
    with GraphDatabase.driver(neo4j_settings.store, auth=(neo4j_settings.neo4j_user, pw)) as driver, \
            driver.session() as other, other.begin_transaction(metadata={"ticket": "secret-marker"}) as tx:
        tx.run("MATCH (n) RETURN count(n)").consume()
        with driver.session() as s:
            seen = [str(r["m"]) for r in s.run("SHOW TRANSACTIONS YIELD metaData AS m")]
        assert any("secret-marker" in m for m in seen), "reproduced: another session's transaction is readable"
        resp = _cypher(neo4j_api, "SHOW TRANSACTIONS YIELD metaData RETURN metaData")
        assert resp.status_code == 403
        assert "secret-marker" not in resp.text


def test_ssrf_listener_is_contacted_directly_but_never_through_steward(
    neo4j_api: LiveServer, neo4j_settings: Settings
) -> None:
    hits: list[str] = []
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.settimeout(0.2)
    port = listener.getsockname()[1]
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            hits.append("connect")
            conn.close()  # answer nothing useful

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    query = f"LOAD CSV FROM 'http://127.0.0.1:{port}/x' AS r RETURN r"
    try:
        pw = neo4j_settings.neo4j_password.get_secret_value() if neo4j_settings.neo4j_password else ""
        with GraphDatabase.driver(neo4j_settings.store, auth=(neo4j_settings.neo4j_user, pw)) as driver, \
                driver.session() as s, pytest.raises(neo4j_exc.Neo4jError):
            s.run(query).consume()
        deadline = time.monotonic() + 5
        while not hits and time.monotonic() < deadline:
            time.sleep(0.05)
        assert hits, "reproduced: sent to Neo4j directly, the server connects out"
        hits.clear()
        resp = _cypher(neo4j_api, query)
        assert resp.status_code == 403
        time.sleep(0.5)
        assert hits == [], "through Steward the server never connected"
    finally:
        stop.set()
        thread.join(2)
        listener.close()


def test_server_configured_safe_a_load_csv_that_slips_past_steward_still_reads_no_file(
    neo4j_store: Neo4jStore,
) -> None:
    """Defence in depth: sent straight to the (Maven-assembled) server, LOAD CSV of a file URL fails."""
    with neo4j_store._driver.session() as s, pytest.raises(neo4j_exc.ClientError) as info:
        s.run("LOAD CSV FROM 'file:///etc/passwd' AS r RETURN r LIMIT 1").consume()
    assert "allow_csv_import_from_file_urls" in str(info.value)
    with neo4j_store._driver.session() as s:
        settings = {r["name"]: r["value"] for r in s.run(
            "SHOW SETTINGS YIELD name, value WHERE name IN ['db.transaction.timeout', 'db.memory.transaction.max', "
            "'dbms.security.procedures.allowlist', 'server.directories.import'] RETURN name, value")}
    assert settings["db.transaction.timeout"] != "0s"
    assert settings["db.memory.transaction.max"] != "0B"
    assert settings["dbms.security.procedures.allowlist"] != "*"
    assert settings["server.directories.import"].endswith("import")


def test_reads_introspection_and_neo4j_values_are_served_as_json(neo4j_api: LiveServer) -> None:
    ok = _cypher(neo4j_api, "MATCH (d:Deployment) RETURN d.id AS id ORDER BY id LIMIT 1")
    assert ok.status_code == 200, ok.text
    assert ok.json()["rows"] == [{"id": API}]
    labels = _cypher(neo4j_api, "CALL db.labels() YIELD label RETURN label ORDER BY label")
    assert labels.status_code == 200, labels.text
    assert {"label": "Deployment"} in labels.json()["rows"]
    assert _cypher(neo4j_api, "CALL db.schema.visualization()").status_code == 200
    values = _cypher(neo4j_api, "RETURN date('2026-01-02') AS d, datetime('2026-01-02T03:04:05Z') AS dt, "
                     "duration('P1D') AS dur, point({x: 1.5, y: 2}) AS p, 4611686018427387904 AS big, "
                     "0.0 / 0.0 AS nan, [date('2026-01-03')] AS ds")
    assert values.status_code == 200, values.text
    row = values.json()["rows"][0]
    assert row["d"] == "2026-01-02"
    assert row["dt"].startswith("2026-01-02T03:04:05")
    assert row["dur"] == "P1D"
    assert row["p"] == {"srid": 7203, "x": 1.5, "y": 2.0}
    assert row["big"] == 2**62
    assert row["nan"] == "nan"
    assert row["ds"] == ["2026-01-03"]


@pytest.mark.parametrize(("params", "needle"), [
    ({"n": 10**30}, "64-bit"),
    ({"n": json.loads("[" * 40 + "1" + "]" * 40)}, "nested"),
])
def test_unsendable_params_are_422(neo4j_api: LiveServer, params: dict[str, Any], needle: str) -> None:
    resp = _cypher(neo4j_api, "RETURN $n AS n", params=params)
    assert resp.status_code == 422, resp.text
    assert needle in resp.json()["error"]["message"]


def test_query_size_is_capped_before_planning(neo4j_api: LiveServer) -> None:
    huge = "RETURN 1 AS x // " + "a" * (64 * 1024)
    started = time.monotonic()
    resp = _cypher(neo4j_api, huge)
    assert resp.status_code == 413, resp.text
    assert time.monotonic() - started < 10


def test_results_are_capped_in_bytes_and_rows(neo4j_store: Neo4jStore, neo4j_settings: Settings) -> None:
    build(neo4j_store)
    settings = neo4j_settings.model_copy(update={"cypher_max_bytes": 10_000, "api_token": SecretStr(TOKEN)})
    with LiveServer(settings, token=mint(neo4j_store, "viewer")) as server:
        wide = _cypher(server, "UNWIND range(1, 1000) AS i RETURN i, $pad AS pad", params={"pad": "x" * 100})
        assert wide.status_code == 200, wide.text
        body = wide.json()
        assert body["truncated"] == "bytes"
        assert 0 < len(body["rows"]) < 1000
        assert len(json.dumps(body["rows"])) <= 10_000
        many = _cypher(server, "UNWIND range(1, 1000) AS i RETURN i", max_rows=5)
        assert many.json()["truncated"] == "rows"
        assert len(many.json()["rows"]) == 5


def test_a_slow_query_stops_on_time_and_leaves_no_transaction_behind(
    neo4j_api: LiveServer, neo4j_store: Neo4jStore
) -> None:
    started = time.monotonic()
    resp = _cypher(neo4j_api, SLOW)  # the API's timeout is 2 s
    took = time.monotonic() - started
    assert resp.status_code == 422, resp.text
    assert resp.json()["error"]["code"] == "query_timeout"
    assert took < 2 + 2 + 3, f"answered after {took:.1f}s"

    def analyst_transactions() -> list[str]:
        with neo4j_store._driver.session() as s:
            return [r["q"] for r in s.run("SHOW TRANSACTIONS YIELD currentQuery AS q, metaData AS m "
                                          "WHERE m.app = 'steward-analyst' RETURN q")]

    deadline = started + 2 + 2  # the timeout + 2 s
    while analyst_transactions() and time.monotonic() < deadline + 1:
        time.sleep(0.1)
    assert analyst_transactions() == [], "the timed-out query is still running on the server"


def test_analyst_queries_cannot_starve_health_or_analyses(neo4j_api: LiveServer) -> None:
    """Eight slow queries at once: two run, two wait, the rest are 429; /livez and the analyses answer."""
    with ThreadPoolExecutor(max_workers=8) as pool:
        slow = [pool.submit(_cypher, neo4j_api, SLOW) for _ in range(8)]
        time.sleep(0.5)
        live = neo4j_api.get(f"{neo4j_api.url}/livez", timeout=5)
        assert live.status_code == 200
        spof = neo4j_api.get(f"{neo4j_api.url}/api/v1/spof", timeout=15)
        assert spof.status_code == 200
        codes = sorted(f.result().status_code for f in slow)
    assert 429 in codes, codes
    assert set(codes) <= {422, 429}, codes
    assert codes.count(422) >= 2


# ---- input attacks on both stores ----------------------------------------------------------------------------
@pytest.fixture
def served(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[tuple[LiveServer, str]]:
    if backend == "embedded":
        uri = f"sqlite:///{tmp_path / 'graph.db'}"
        settings = Settings(store=uri, api_token=SecretStr(TOKEN))
        with open_store(uri, create=True) as store:
            build(store)
            token = mint(store, "viewer")
    else:
        base: Settings = request.getfixturevalue("neo4j_settings")
        settings = base.model_copy(update={"api_token": SecretStr(TOKEN)})
        with Neo4jStore.connect(base.store, settings=base) as store:
            wipe_neo4j(store)
            build(store)
            token = mint(store, "viewer")
    with LiveServer(settings, token=token) as server:
        yield server, settings.store


@pytest.mark.parametrize("days", ["inf", "-inf", "nan", "1e308", "1e400", "0", "-1"])
def test_bad_numbers_are_422_not_500(served: tuple[LiveServer, str], days: str) -> None:
    server, _ = served
    resp = server.get(f"{server.url}/api/v1/upstream/{API}", params={"days": days})
    assert resp.status_code == 422, resp.text
    assert resp.json()["error"]["code"] == "invalid_input"


def test_huge_depths_and_limits_are_422(served: tuple[LiveServer, str]) -> None:
    server, _ = served
    for path, params in ((f"/api/v1/blast-radius/{RAW}", {"max_depth": 10**30}),
                         (f"/api/v1/blast-radius/{RAW}", {"limit": 10**9}),
                         (f"/api/v1/upstream/{API}", {"max_depth": -1}),
                         ("/api/v1/search", {"q": "x", "limit": 10**6})):
        resp = server.get(f"{server.url}{path}", params=params)
        assert resp.status_code == 422, (path, params, resp.text)


def _deep(n: int) -> bytes:
    return b"[" * n + b"]" * n


def test_deep_and_foreign_bodies_are_4xx_and_write_nothing(served: tuple[LiveServer, str]) -> None:
    server, uri = served
    url = f"{server.url}/api/v1/lineage"
    auth = {"Authorization": f"Bearer {TOKEN}"}
    with open_store(uri, settings=_settings_for(uri, server)) as store:
        before = store.counts()
    # reproduced: Python's own decoder cannot take a body nested 100 000 deep
    with pytest.raises(RecursionError):
        json.loads(_deep(100_000))
    deep = httpx.post(url, content=_deep(100_000), headers={**auth, "Content-Type": "application/json"})
    assert deep.status_code == 413, deep.text
    assert "nested" in deep.json()["error"]["message"]
    deep_cypher = server.post(f"{server.url}/api/v1/cypher", content=b'{"query": "RETURN 1", "params": {"a": '
                             + _deep(50_000) + b"}}", headers={"Content-Type": "application/json"})
    assert deep_cypher.status_code == 413
    event = {"eventType": "COMPLETE", "eventTime": "2026-01-01T00:00:00Z", "producer": "x",
             "run": {"runId": "3f5e9a3c-1f5d-4c3b-9a51-6f0d1c1b2a10"}, "job": {"namespace": "a", "name": "b"}}
    for content_type in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", ""):
        resp = httpx.post(url, content=json.dumps(event).encode(), headers={**auth, "Content-Type": content_type})
        assert resp.status_code == 415, (content_type, resp.text)
        assert resp.json()["error"]["code"] == "unsupported_media_type"
    big = server.post(f"{server.url}/api/v1/cypher", content=b'{"query": "' + b"a" * (2 * 1024 * 1024) + b'"}',
                     headers={"Content-Type": "application/json"})
    assert big.status_code == 413
    with open_store(uri, settings=_settings_for(uri, server)) as store:
        assert store.counts() == before


def _settings_for(uri: str, server: LiveServer) -> Settings:
    settings: Settings = server.server.config.app.state.settings
    return settings


def test_lineage_writes_need_the_token(served: tuple[LiveServer, str]) -> None:
    server, uri = served
    url = f"{server.url}/api/v1/lineage"
    job = "job:airflow/etl.sessions"
    event = {"eventType": "COMPLETE", "eventTime": "2026-01-01T00:00:00Z", "producer": "https://evil.example",
             "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
             "run": {"runId": "3f5e9a3c-1f5d-4c3b-9a51-6f0d1c1b2a10"},
             "job": {"namespace": "airflow", "name": "etl.sessions", "facets": {"ownership": {
                 "_producer": "x", "_schemaURL": "x", "owners": [{"name": "user:mallory@evil.example"}]}}}}
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {TOKEN}"},
                    {"Authorization": f"Bearer {TOKEN}x"}):
        resp = httpx.post(url, json=event, headers=headers)
        assert resp.status_code == 401, resp.text
        assert resp.headers["www-authenticate"] == "Bearer"
    with open_store(uri, settings=_settings_for(uri, server)) as store:
        assert store.get_node(job) is None or not any(
            e.src == "person:mallory@evil.example" for e in store.edges(dst=[job]))
    ok = httpx.post(url, json=event, headers={"Authorization": f"Bearer {TOKEN}"})
    assert ok.status_code == 201, ok.text


# ---- faults of the server's own making are 5xx, never the caller's 4xx -----------------------------------------
def test_neo4j_refusing_stewards_credentials_is_a_server_fault(neo4j_settings: Settings) -> None:
    """Issue 10: a credential refusal reached clients as 400 config_error, as if they had erred."""
    bad = neo4j_settings.model_copy(update={"neo4j_password": SecretStr("wrong-password"),
                                            "api_token": SecretStr(TOKEN), "auth": False})  # not about auth
    with LiveServer(bad) as server:
        ready = httpx.get(f"{server.url}/readyz", timeout=10)
        assert ready.status_code == 503
        assert "credentials" in ready.json()["error"]["message"]
        for route in ("/api/v1/spof", f"/api/v1/nodes/{RAW}"):
            data = httpx.get(f"{server.url}{route}", timeout=10)
            assert data.status_code in (500, 503), data.text  # the server's fault: 5xx, never 4xx
            assert data.json()["error"]["code"] in ("config_error", "store_unavailable")
            assert "credentials" in data.json()["error"]["message"]
    _wait_until_login_works(neo4j_settings)


def _wait_until_login_works(settings: Settings) -> None:
    """Failed logins lock the user for a few seconds (dbms.security.auth_lock_time): let later tests log in."""
    deadline = time.monotonic() + 30
    while True:
        try:
            Neo4jStore.connect(settings.store, settings=settings).close()
            return
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def test_stewards_own_statement_refused_by_neo4j_is_500_not_422(neo4j_store: Neo4jStore) -> None:
    """Issue 10: every ClientError on Steward's own statements became 422 invalid_input."""
    from steward.errors import ClientFault, StewardError

    with pytest.raises(StewardError) as info, neo4j_store._session() as s:
        s.run("RETURN nonsense(").consume()
    assert not isinstance(info.value, ClientFault)
    assert info.value.http_status == 500
