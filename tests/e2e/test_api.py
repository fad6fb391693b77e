"""The HTTP API on a real uvicorn server: health, the analyses, errors, and the OpenLineage receiver
fed by the official client's own HTTP transport."""

from __future__ import annotations

import gzip
import json
import re
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from openlineage.client import OpenLineageClient
from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunEvent, RunState
from openlineage.client.facet_v2 import ownership_job, source_code_location_job
from openlineage.client.transport.http import ApiKeyTokenProvider, HttpCompression, HttpConfig, HttpTransport
from pydantic import SecretStr

from steward.api import create_app
from steward.graph import EdgeKind
from steward.settings import Settings
from steward.store import open_store
from tests.auth_helpers import bearer, mint_at
from tests.contract.test_analyses import API, BOB, RAW, build

PRODUCER = "https://github.com/acme/pipelines"
TOKEN = "s3cret-token"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LiveServer:
    """A real uvicorn server on a free port. ``token``: sent as a bearer token by :meth:`get`,
    :meth:`post` and :meth:`request` (unless the call gives its own Authorization header)."""

    def __init__(self, settings: Settings, token: str | None = None) -> None:
        self.token = token
        self.headers = bearer(token) if token else {}
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)

    def request(self, method: str, url: str, **kw: Any) -> httpx.Response:
        kw["headers"] = {**self.headers, **(kw.get("headers") or {})}
        return httpx.request(method, url, **kw)

    def get(self, url: str, **kw: Any) -> httpx.Response:
        return self.request("GET", url, **kw)

    def post(self, url: str, **kw: Any) -> httpx.Response:
        return self.request("POST", url, **kw)


@pytest.fixture
def db_uri(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'graph.db'}"


@pytest.fixture
def api(db_uri: str) -> Iterator[LiveServer]:
    with open_store(db_uri, create=True) as store:
        build(store)
    with LiveServer(Settings(store=db_uri, api_token=SecretStr(TOKEN)), token=mint_at(db_uri, "viewer")) as server:
        yield server


def test_health_and_docs(api: LiveServer) -> None:
    assert api.get(f"{api.url}/livez").json() == {"status": "ok"}
    ready = api.get(f"{api.url}/readyz")
    assert ready.status_code == 200
    assert ready.json()["status"] == "ready"
    docs = api.get(f"{api.url}/docs")
    assert docs.status_code == 200
    assert "/_assets/swagger-ui-bundle.js" in docs.text
    assert "cdn" not in docs.text.lower()
    assert api.get(f"{api.url}/_assets/swagger-ui-bundle.js").status_code == 200
    spec = api.get(f"{api.url}/openapi.json").json()
    for path in ("/api/v1/blast-radius/{node_id}", "/api/v1/lineage", "/api/v1/spof", "/api/v1/audit",
                 "/api/v1/upstream/{node_id}", "/api/v1/handoff/{person_id}", "/api/v1/cypher", "/api/v1/search"):
        assert path in spec["paths"], path


def test_readyz_is_503_when_neo4j_is_down() -> None:
    port = free_port()  # nothing listens there
    settings = Settings(store=f"bolt://127.0.0.1:{port}", neo4j_password=SecretStr("x"), auth=False)
    with LiveServer(settings) as server:
        assert httpx.get(f"{server.url}/livez").status_code == 200
        ready = httpx.get(f"{server.url}/readyz")
        assert ready.status_code == 503
        assert f"bolt://127.0.0.1:{port}" in ready.json()["error"]["message"]
        down = httpx.get(f"{server.url}/api/v1/spof")
        assert down.status_code == 503
        assert down.json()["error"]["code"] == "store_unavailable"
        for body in (ready.json(), down.json()):  # the diagnosis, not the command-line advice
            assert f"cannot reach Neo4j at bolt://127.0.0.1:{port}" in body["error"]["message"]
            assert not re.search(r"--store|docker|python -m|`", body["error"]["message"]), body


def test_http_errors_speak_http_not_the_command_line(tmp_path: Path) -> None:
    # A server on an embedded store that does not exist: the CLI says to run `steward init --store ...`;
    # an HTTP client gets the diagnosis alone.
    missing = tmp_path / "missing.db"
    with LiveServer(Settings(store=f"sqlite:///{missing}", auth=False)) as server:
        for route in ("/readyz", "/api/v1/spof", "/api/v1/nodes/dataset:x", "/api/v1/blast-radius/x"):
            resp = httpx.get(f"{server.url}{route}")
            assert resp.status_code == 503, (route, resp.text)
            message = resp.json()["error"]["message"]
            assert f"no embedded store at {missing}" in message
            assert not re.search(r"steward (ingest|init|search)|--store|`", message), (route, message)
    assert not missing.exists()


def test_analyses_json_contract(api: LiveServer) -> None:
    blast = api.get(f"{api.url}/api/v1/blast-radius/{RAW}").json()
    assert set(blast) >= {"root", "impacted", "page", "unowned", "truncated"}
    assert blast["page"][0]["id"] == BOB
    first = blast["impacted"][0]
    assert set(first) >= {"id", "kind", "name", "distance", "path", "owners"}
    by_term = api.get(f"{api.url}/api/v1/blast-radius/raw/events").json()  # an unambiguous search term
    assert by_term["impacted"] == blast["impacted"]
    spof = api.get(f"{api.url}/api/v1/spof").json()
    assert set(spof) == {"sole_owner", "covered_by_rotation", "bus_factor", "chokepoints", "code_chokepoints"}
    audit = api.get(f"{api.url}/api/v1/audit")
    assert audit.status_code == 200
    assert set(audit.json()["findings"][0]) >= {"rule", "severity", "artifact", "message"}
    gated = api.get(f"{api.url}/api/v1/audit", params={"fail_on": "error"})
    assert gated.status_code == 409
    up = api.get(f"{api.url}/api/v1/upstream/{API}", params={"days": 3650}).json()
    assert {"at", "kind", "id", "summary"} <= set(up["changes"][0])
    handoff = api.get(f"{api.url}/api/v1/handoff/{BOB}").json()
    assert handoff["person"]["id"] == BOB
    node = api.get(f"{api.url}/api/v1/nodes/{RAW}").json()
    assert node["id"] == RAW
    assert any(e["kind"] == "CONSUMED_BY" for e in node["edges"])
    hits = api.get(f"{api.url}/api/v1/search", params={"q": "churn", "kind": "Deployment"}).json()
    assert [h["id"] for h in hits["results"]] == [API, "deployment:prod/churn-batch", "deployment:staging/churn-api"]


def test_errors_are_json_with_the_right_status(api: LiveServer) -> None:
    missing = api.get(f"{api.url}/api/v1/nodes/dataset:nope")
    assert missing.status_code == 404
    assert missing.json() == {"error": {"code": "not_found", "message": "no node 'dataset:nope'"}}
    ambiguous = api.get(f"{api.url}/api/v1/blast-radius/churn-")
    assert ambiguous.status_code == 422
    assert "ambiguous" in ambiguous.json()["error"]["message"]
    bad = api.get(f"{api.url}/api/v1/blast-radius/{RAW}", params={"max_depth": 0})
    assert bad.status_code == 422
    assert bad.json()["error"]["code"] == "invalid_input"
    embedded_cypher = api.post(f"{api.url}/api/v1/cypher", json={"query": "MATCH (n) RETURN n"})
    assert embedded_cypher.status_code == 400
    assert embedded_cypher.json()["error"]["message"] == "Cypher queries need the Neo4j store; this one is embedded."


def _event(run_id: str, state: RunState, *, when: datetime) -> RunEvent:
    job_facets = {
        "ownership": ownership_job.OwnershipJobFacet(owners=[ownership_job.Owner(name="user:bob", type="MAINTAINER")]),
        "sourceCodeLocation": source_code_location_job.SourceCodeLocationJobFacet(
            type="git", url="https://github.com/acme/pipelines/blob/main/etl.py",
            repoUrl="git@github.com:acme/pipelines.git", path="etl.py", version="0123456789abcdef"),
    }
    return RunEvent(
        eventType=state, eventTime=when.isoformat(), producer=PRODUCER,
        run=Run(runId=run_id), job=Job(namespace="airflow", name="etl.sessions", facets=job_facets),
        inputs=[InputDataset(namespace="s3://lake", name="raw/events")],
        outputs=[OutputDataset(namespace="s3://lake", name="curated/sessions-v2")],
    )


def test_openlineage_client_http_transport(api: LiveServer, db_uri: str) -> None:
    transport = HttpTransport(HttpConfig(url=api.url, auth=ApiKeyTokenProvider({"apiKey": TOKEN}),
                                         compression=HttpCompression.GZIP))
    client = OpenLineageClient(transport=transport)
    run_id = str(uuid.uuid4())
    now = datetime.now(UTC)
    client.emit(_event(run_id, RunState.START, when=now))
    client.emit(_event(run_id, RunState.COMPLETE, when=now))
    with open_store(db_uri) as store:
        counts = store.counts()
        run = store.get_node(f"run:{run_id}")
        assert run is not None
        assert "openlineage-http" in run.sources
        # the new output is downstream of the raw events now, and the job is owned as the facet says
        down = store.reach(["dataset:s3://lake/raw/events"], way="down")
        assert "dataset:s3://lake/curated/sessions-v2" in down
        owns = store.edges(kinds=[EdgeKind.OWNS], dst=["job:airflow/etl.sessions"])
        assert [(e.src, e.props["origin"]) for e in owns] == [("person:bob", "openlineage")]
    # clients retry: a replayed event changes nothing
    client.emit(_event(run_id, RunState.COMPLETE, when=now))
    with open_store(db_uri) as store:
        assert store.counts() == counts


def test_receiver_auth_and_malformed_events(api: LiveServer, db_uri: str) -> None:
    url = f"{api.url}/api/v1/lineage"
    auth = {"Authorization": f"Bearer {TOKEN}"}
    good = json.loads(_serialise(_event(str(uuid.uuid4()), RunState.COMPLETE, when=datetime.now(UTC))))
    assert httpx.post(url, json=good).status_code == 401
    assert httpx.post(url, json=good, headers={"Authorization": "Bearer wrong"}).status_code == 401
    with open_store(db_uri) as store:
        before = store.counts()
    no_run_id = {**good, "run": {"facets": {}}}
    wrong_type = {**good, "inputs": [{"namespace": "s3://lake", "name": 42}]}
    cases: list[tuple[str, bytes, dict[str, str], int, str]] = [
        ("missing runId", json.dumps(no_run_id).encode(), {}, 422, "run.runId"),
        ("wrong types", json.dumps(wrong_type).encode(), {}, 422, "inputs[0].name"),
        ("truncated JSON", json.dumps(good).encode()[:-20], {}, 422, "not valid JSON"),
        ("empty object", b"{}", {}, 422, "eventTime"),
        ("not gzip", b"plain", {"Content-Encoding": "gzip"}, 422, "gzip"),
        ("huge payload", json.dumps({**good, "pad": "x" * (6 * 1024 * 1024)}).encode(), {}, 422, "MiB limit"),
        ("a bad event among good ones", json.dumps([good, no_run_id]).encode(), {}, 422, "events[1]"),
    ]
    for name, body, headers, status, needle in cases:
        resp = httpx.post(url, content=body, headers={**auth, "Content-Type": "application/json", **headers})
        assert resp.status_code == status, (name, resp.text[:300])
        assert needle in resp.json()["error"]["message"], (name, resp.text[:300])
    with open_store(db_uri) as store:
        assert store.counts() == before, "a refused request wrote something"
    zipped = httpx.post(url, content=gzip.compress(json.dumps(good).encode()),
                        headers={**auth, "Content-Encoding": "gzip", "Content-Type": "application/json"})
    assert zipped.status_code == 201
    assert zipped.json()["events"] == 1


def _serialise(event: RunEvent) -> str:
    from openlineage.client.serde import Serde

    return str(Serde.to_json(event))
