"""Access: API tokens (issued, listed, revoked, checked), the API's authentication and roles, the
explorer's session cookie and its CSRF defences, and analyst Cypher kept off the governance data.

Every refusal is a real request (or call) that first shows the attack, then the refusal, then that
nothing changed. Both stores where the store is involved.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from steward.api import create_app
from steward.api.deps import StoreHolder, get_holder
from steward.errors import ForbiddenError, InvalidInputError, UnauthorizedError
from steward.governance.principal import Principal, local_operator
from steward.governance.tokens import (
    KIND,
    authenticate,
    check_token,
    cli_principal,
    create_token,
    list_tokens,
    parse_token,
    revoke_token,
)
from steward.settings import Settings
from steward.store import GraphStore, open_store
from steward.store.neo4j import Neo4jStore
from tests.auth_helpers import ADMIN, bearer, mint, revoke
from tests.contract.test_analyses import ADA, RAW, build
from tests.e2e.test_cli import DATA, STEWARD

ORIGIN = "http://testserver"


def _state(store: GraphStore) -> tuple[Any, ...]:
    """Everything a refused request could have changed: the graph, the log, the tokens."""
    return (store.counts(), store.log_size(), [(r.id, r.doc) for r in store.get_records(KIND)])


# ---- tokens in the store (both stores) -------------------------------------------------------------------

def test_a_token_is_random_prefixed_and_kept_only_as_its_hash(store: GraphStore, tmp_path: Path) -> None:
    before = store.log_size()
    issued = create_token(store, person=ADA, role="editor", actor=ADMIN, expires_days=30, name="laptop")
    other = create_token(store, person=ADA, role="editor", actor=ADMIN)
    token_id, secret = parse_token(issued.plaintext) or ("", "")
    assert issued.plaintext == f"stw_{token_id}_{secret}" and token_id == issued.info.id
    assert len(secret) >= 43, "at least 256 bits (43 base64url characters) of randomness"
    assert other.plaintext != issued.plaintext and other.info.id != issued.info.id
    rec = store.get_record(KIND, token_id)
    assert rec is not None
    assert rec.doc["hash"] == "sha256:" + hashlib.sha256(issued.plaintext.encode()).hexdigest()
    assert secret not in json.dumps(rec.doc)
    # issuance is logged, in the same write as the record, and the log never holds the secret
    lines = store.log_lines(before)
    assert [line.data()["type"] for line in lines] == ["token.create", "token.create"]
    first = lines[0].data()
    assert (first["actor"], first["subject"], first["token"], first["role"]) == (ADMIN.actor, ADA, token_id, "editor")
    assert all(secret not in line.entry for line in lines)
    assert [t.id for t in list_tokens(store)] == [issued.info.id, other.info.id]
    assert all(set(t.to_json()) .isdisjoint({"hash", "secret", "token"}) for t in list_tokens(store))
    if store.uri.startswith("sqlite"):
        store.close()
        db = Path(store.uri.removeprefix("sqlite:///"))
        files = [f for f in db.parent.iterdir() if f.name.startswith(db.name)]  # with -wal, -shm
        assert files and all(secret.encode() not in f.read_bytes() for f in files), "the secret is in no store file"


def test_forged_expired_and_revoked_tokens_are_refused_at_once(store: GraphStore) -> None:
    good = mint(store, "viewer", person=ADA)
    token_id, secret = parse_token(good) or ("", "")
    assert authenticate(store, good) == Principal(actor=ADA, role="viewer", person=ADA, token_id=token_id)
    stored_hash = str((store.get_record(KIND, token_id) or pytest.fail("no record")).doc["hash"])
    forgeries = {
        "right id, wrong secret": f"stw_{token_id}_{secret[:-1]}{'A' if secret[-1] != 'A' else 'B'}",
        "made-up id": f"stw_{'0' * 12}_{secret}",
        "the stored hash itself": stored_hash,
        "the hash's hex as a secret": f"stw_{token_id}_{stored_hash.removeprefix('sha256:')}",
        "no prefix": f"{token_id}_{secret}",
        "empty": "",
        "very long": "stw_" + "a" * 10_000,
    }
    for what, forged in forgeries.items():
        assert authenticate(store, forged) is None, what
    # expiry counts at once: no cache outlives it
    short = create_token(store, person=ADA, role="admin", actor=ADMIN, expires_days=1 / 86400)  # one second
    assert authenticate(store, short.plaintext) is not None
    time.sleep(1.2)
    assert check_token(store, short.plaintext).reason == f"token {short.info.id} is expired"
    # revocation counts at once, is logged in the same write, and cannot be undone by revoking again
    size = store.log_size()
    revoke(store, good)
    assert authenticate(store, good) is None
    assert [line.data()["type"] for line in store.log_lines(size)] == ["token.revoke"]
    state = _state(store)
    revoke(store, good)
    assert _state(store) == state, "revoking a revoked token writes nothing"


def test_only_an_admin_issues_tokens_and_only_the_owner_or_an_admin_revokes(store: GraphStore) -> None:
    viewer = Principal(actor=ADA, role="viewer", person=ADA)
    target = create_token(store, person="person:bob@corp.com", role="admin", actor=ADMIN)
    state = _state(store)
    with pytest.raises(ForbiddenError):  # a viewer minting themselves an admin token
        create_token(store, person=ADA, role="admin", actor=viewer)
    with pytest.raises(ForbiddenError):  # a viewer revoking someone else's token
        revoke_token(store, target.info.id, actor=viewer)
    assert _state(store) == state
    with pytest.raises(InvalidInputError):
        create_token(store, person="team:churn", role="viewer", actor=ADMIN)
    own = create_token(store, person=ADA, role="viewer", actor=ADMIN)
    assert revoke_token(store, own.info.id, actor=viewer).revoked_by == ADA


def test_cli_principal_is_the_token_or_the_local_operator(store: GraphStore) -> None:
    token = mint(store, "editor", person=ADA)
    assert cli_principal(store, None) == local_operator()
    assert cli_principal(store, token).actor == ADA
    with pytest.raises(UnauthorizedError) as info:
        cli_principal(store, token + "x")
    assert info.value.exit_code == 5


# ---- the command line --------------------------------------------------------------------------------------

def _steward(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if k not in ("STEWARD_TOKEN", "STEWARD_STORE")}
    return subprocess.run([STEWARD, *args], capture_output=True, text=True, timeout=120,
                          env={**full, "NO_COLOR": "1", "COLUMNS": "200", **(env or {})})


def test_token_commands(tmp_path: Path) -> None:
    (tmp_path / "catalog.yaml").write_text((DATA / "catalog" / "people.yaml").read_text())
    (tmp_path / "recipe.yaml").write_text("sources: [{type: catalog, paths: [catalog.yaml]}]\n")
    store = f"sqlite:///{tmp_path / 'g.db'}"
    assert _steward("ingest", str(tmp_path / "recipe.yaml"), "--store", store).returncode == 0
    made = _steward("token", "create", "--person", "@ada", "--role", "editor", "--expires", "30", "--name", "laptop",
                    "--store", store)
    assert made.returncode == 0, made.stderr
    token = made.stdout.strip()
    assert parse_token(token) is not None and made.stdout.count("stw_") == 1, "printed once, alone on stdout"
    assert "shown only now" in made.stderr
    listed = _steward("token", "list", "--store", store, "--format", "json")
    assert listed.returncode == 0 and token not in listed.stdout and \
        (parse_token(token) or ("", token))[1] not in listed.stdout
    [row] = json.loads(listed.stdout)["tokens"]
    ada = "person:ada.lovelace@acme.com"
    assert (row["person"], row["role"], row["name"], row["status"]) == (ada, "editor", "laptop", "active")
    # an editor's token cannot mint an admin token; a bad token is refused; neither writes anything
    for env, code in (({"STEWARD_TOKEN": token}, 5), ({"STEWARD_TOKEN": token + "x"}, 5)):
        attempt = _steward("token", "create", "--person", "@bob", "--role", "admin", "--store", store, env=env)
        assert attempt.returncode == code, attempt.stderr
        assert "stw_" not in attempt.stdout
    assert len(json.loads(_steward("token", "list", "--store", store, "--format", "json").stdout)["tokens"]) == 1
    assert _steward("token", "create", "--person", "team:churn", "--role", "viewer", "--store", store).returncode == 5
    assert _steward("token", "create", "--person", "@ada", "--role", "root", "--store", store).returncode == 5
    assert _steward("token", "create", "--person", "nobody-at-all", "--role", "viewer",
                    "--store", store).returncode == 4
    revoked = _steward("token", "revoke", row["id"], "--reason", "laptop lost", "--store", store)
    assert revoked.returncode == 0 and "revoked" in revoked.stdout
    [row] = json.loads(_steward("token", "list", "--store", store, "--format", "json").stdout)["tokens"]
    assert row["status"] == "revoked"
    with open_store(store) as st:
        entries = [line.data() for line in st.log_lines()]
    assert [e["type"] for e in entries if e["type"].startswith("token.")] == ["token.create", "token.revoke"]
    assert entries[-1]["reason"] == "laptop lost" and entries[-1]["actor"].startswith("local:")


# ---- the API ---------------------------------------------------------------------------------------------

@pytest.fixture
def served(store: GraphStore, tmp_path: Path) -> Iterator[tuple[TestClient, GraphStore]]:
    """The app over the store under test (both stores), its token checks on the same store."""
    build(store)
    settings = Settings(store=f"sqlite:///{tmp_path / 'unused.db'}")
    app = create_app(settings)
    holder = StoreHolder(settings, store=store)
    app.dependency_overrides[get_holder] = lambda: holder
    app.state.store_holder = holder
    with TestClient(app, base_url=ORIGIN) as client:
        yield client, store


def _event(run: str | None = None) -> dict[str, Any]:
    return {"eventType": "COMPLETE", "eventTime": "2026-01-01T00:00:00Z", "producer": "https://x",
            "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
            "run": {"runId": run or str(uuid.uuid4())}, "job": {"namespace": "a", "name": "attack"},
            "outputs": [{"namespace": "s3://lake", "name": f"out-{uuid.uuid4()}"}]}


def test_revocation_and_expiry_end_api_access_at_once(served: tuple[TestClient, GraphStore]) -> None:
    client, store = served
    token = mint(store, "viewer", person=ADA)
    assert client.get("/api/v1/spof", headers=bearer(token)).status_code == 200
    revoke(store, token)
    refused = client.get("/api/v1/spof", headers=bearer(token))
    assert refused.status_code == 401 and refused.headers["www-authenticate"] == "Bearer"
    short = create_token(store, person=ADA, role="viewer", actor=ADMIN, expires_days=1 / 86400).plaintext
    assert client.get("/api/v1/spof", headers=bearer(short)).status_code == 200
    time.sleep(1.2)
    assert client.get("/api/v1/spof", headers=bearer(short)).status_code == 401


def test_session_cookie_csrf_and_origin(served: tuple[TestClient, GraphStore]) -> None:
    client, store = served
    admin = mint(store, "admin", person=ADA)
    # log-in CSRF: another site logging the victim in as the attacker (a cross-origin or form post)
    assert client.post("/api/v1/session", json={"token": admin}, headers={"Origin": "https://evil.example"}
                       ).status_code == 403
    assert client.post("/api/v1/session", content=json.dumps({"token": admin}),
                       headers={"Content-Type": "text/plain"}).status_code == 415
    assert "steward_session" not in client.cookies
    login = client.post("/api/v1/session", json={"token": admin}, headers={"Origin": ORIGIN})
    assert login.status_code == 200, login.text
    cookie = login.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "path=/" in cookie
    csrf = login.json()["csrf_token"]
    assert admin not in login.text and admin not in login.headers["set-cookie"], "the token never goes back"
    # the cookie alone is a credential for reads (what a browser sends with every request to this origin)...
    assert client.get("/api/v1/spof").status_code == 200
    who = client.get("/api/v1/session").json()
    assert (who["actor"], who["role"], who["csrf_token"]) == (ADA, "admin", csrf)
    # ...so a change made with it alone is the cross-site attack: refused, and nothing written
    state = _state(store)
    for headers in ({}, {"X-CSRF-Token": "guess"}, {"X-CSRF-Token": csrf, "Origin": "https://evil.example"},
                    {"X-CSRF-Token": csrf, "Sec-Fetch-Site": "cross-site"}):
        attack = client.post("/api/v1/lineage", json=_event(), headers=headers)
        assert attack.status_code == 403, (headers, attack.text)
        assert _state(store) == state
    # the explorer's own change: the CSRF header from the session, same origin
    ok = client.post("/api/v1/lineage", json=_event(), headers={"X-CSRF-Token": csrf, "Origin": ORIGIN})
    assert ok.status_code == 201, ok.text
    # log out: the session id is dead on the server
    session_id = client.cookies["steward_session"]
    assert client.delete("/api/v1/session", headers={"X-CSRF-Token": csrf}).status_code == 204
    client.cookies.clear()
    client.cookies.set("steward_session", session_id)  # replayed by whoever kept it
    assert client.get("/api/v1/spof").status_code == 401


def test_a_session_dies_with_its_token_and_producers_cannot_open_one(served: tuple[TestClient, GraphStore]) -> None:
    client, store = served
    viewer = mint(store, "viewer", person=ADA)
    assert client.post("/api/v1/session", json={"token": viewer}).status_code == 200
    assert client.get("/api/v1/spof").status_code == 200
    revoke(store, viewer)
    assert client.get("/api/v1/spof").status_code == 401
    client.cookies.clear()
    producer = mint(store, "producer", person=ADA)
    refused = client.post("/api/v1/session", json={"token": producer})
    assert refused.status_code == 403 and "steward_session" not in client.cookies
    assert client.post("/api/v1/session", json={"token": producer + "x"}).status_code == 401


def test_bearer_requests_need_no_csrf_token_and_a_bad_bearer_wins_over_a_cookie(
    served: tuple[TestClient, GraphStore],
) -> None:
    client, store = served
    producer = mint(store, "producer")
    assert client.post("/api/v1/lineage", json=_event(), headers=bearer(producer)).status_code == 201
    viewer = mint(store, "viewer")
    assert client.post("/api/v1/session", json={"token": viewer}).status_code == 200
    assert client.get("/api/v1/spof", headers={"Authorization": "Bearer nope"}).status_code == 401
    assert client.get("/api/v1/spof", headers={"Authorization": f"Basic {viewer}"}).status_code == 401


def test_a_token_against_a_store_that_is_down_is_503_not_401(tmp_path: Path) -> None:
    missing = tmp_path / "missing.db"
    with TestClient(create_app(Settings(store=f"sqlite:///{missing}"))) as client:
        assert client.get("/api/v1/spof").status_code == 401  # no credentials: no store needed to say so
        down = client.get("/api/v1/spof", headers=bearer(f"stw_{'a' * 12}_{'b' * 43}"))
        assert down.status_code == 503 and down.json()["error"]["code"] == "store_unavailable"
    assert not missing.exists()


def test_no_auth_is_the_anonymous_admin_and_openapi_states_each_routes_role(tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path / 'g.db'}"
    with open_store(uri, create=True) as store:
        build(store)
    with TestClient(create_app(Settings(store=uri, auth=False))) as client:
        assert client.get("/api/v1/session").json()["actor"] == "anonymous"
        assert client.get(f"/api/v1/nodes/{RAW}").status_code == 200
    with TestClient(create_app(Settings(store=uri))) as client:
        doc = client.get("/openapi.json").json()
    assert set(doc["components"]["securitySchemes"]) == {"bearer", "session"}
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            assert "x-steward-role" in op, (method, path)
            if path.startswith("/api/v1/") and op["x-steward-role"] != "public":
                assert op["security"] == [{"bearer": []}, {"session": []}], (method, path)
                assert {"401", "403"} <= set(op["responses"]), (method, path)


# ---- analyst Cypher and the governance data (Neo4j) ------------------------------------------------------

GOVERNANCE_READS = {
    "records by label": ("MATCH (r:StewardRecord) RETURN r.doc AS doc", {}),
    "records by quoted label": ("MATCH (r:`StewardRecord`) RETURN r.doc AS doc", {}),
    "records by key index": ("MATCH (r:StewardRecord {key: $k}) RETURN r.doc AS doc", {"k": "x"}),
    "log entries": ("MATCH (e:StewardLog) RETURN e.entry AS doc", {}),
    "log head": ("MATCH (h:StewardLogHead) RETURN h AS doc", {}),
    "any node with a doc": ("MATCH (n) WHERE n.doc IS NOT NULL RETURN n.doc AS doc", {}),
    "label by string": ("MATCH (n) WHERE 'Steward' + 'Record' IN labels(n) RETURN n.doc AS doc", {}),
    "node by internal id": ("MATCH (n) WHERE id(n) IN range(0, 1000) RETURN n.doc AS doc", {}),
    "node by element id": ("MATCH (n) WHERE elementId(n) = $e RETURN n.doc AS doc", {"e": "4:x:0"}),
    "optional match of anything": ("MATCH (d:Dataset) OPTIONAL MATCH (n) WHERE n.doc IS NOT NULL "
                                   "RETURN n.doc AS doc", {}),
    "union with a label-less read": ("MATCH (d:Dataset) RETURN d.id AS doc UNION MATCH (n) RETURN n.doc AS doc", {}),
    "dynamic label": ("MATCH (n:$($l)) RETURN n.doc AS doc", {"l": "StewardRecord"}),
}


@pytest.fixture
def neo4j_served(neo4j_store: Neo4jStore, neo4j_settings: Settings) -> Iterator[tuple[TestClient, str, str]]:
    build(neo4j_store)
    victim = create_token(neo4j_store, person=ADA, role="admin", actor=ADMIN)
    stored_hash = str((neo4j_store.get_record(KIND, victim.info.id) or pytest.fail("no record")).doc["hash"])
    app = create_app(neo4j_settings)
    with TestClient(app, headers=bearer(mint(neo4j_store, "viewer"))) as client:
        yield client, stored_hash, victim.plaintext


@pytest.mark.parametrize("attack", sorted(GOVERNANCE_READS))
def test_analyst_cypher_cannot_read_token_hashes_or_the_log(
    attack: str, neo4j_served: tuple[TestClient, str, str], neo4j_store: Neo4jStore,
) -> None:
    client, stored_hash, _ = neo4j_served
    query, params = GOVERNANCE_READS[attack]
    with neo4j_store._driver.session() as s:  # reproduced: on the database itself, the query reads them
        summary = s.run("EXPLAIN " + query, params).consume()
        assert summary.query_type == "r", "the server calls it a read"
    if attack in ("records by label", "any node with a doc", "label by string", "dynamic label"):
        with neo4j_store._driver.session() as s:
            docs = [str(r["doc"]) for r in s.run(query, params)]
        assert any(stored_hash in d for d in docs), "reproduced: the token hash is readable straight from Neo4j"
    resp = client.post("/api/v1/cypher", json={"query": query, "params": params})
    assert resp.status_code == 403, resp.text
    assert resp.json()["error"]["code"] == "query_refused"
    assert stored_hash.removeprefix("sha256:") not in resp.text


def test_analyst_cypher_still_reads_the_graph(neo4j_served: tuple[TestClient, str, str]) -> None:
    client, stored_hash, plaintext = neo4j_served
    for query in ("MATCH (n:Node) RETURN n.id AS id ORDER BY id LIMIT 3", "MATCH (n) RETURN count(n) AS n",
                  "MATCH (d:Dataset)-[r]->(m) RETURN d.id, type(r), m.id LIMIT 5",
                  "CALL db.labels() YIELD label RETURN label"):
        resp = client.post("/api/v1/cypher", json={"query": query})
        assert resp.status_code == 200, (query, resp.text)
        assert stored_hash.removeprefix("sha256:") not in resp.text and plaintext not in resp.text
    # and a viewer's own token is just as refused for a producer's job: the gate, not the query, decides
    lineage = client.post("/api/v1/lineage", json=_event())
    assert lineage.status_code == 403 and lineage.json()["error"]["code"] == "forbidden"


def test_the_plan_layer_alone_refuses_governance_labels_and_label_less_reads() -> None:
    """Were the text check fooled, the plan check still refuses (plans as the Neo4j driver gives them)."""
    from steward.analysis.cypher import check_plan
    from steward.errors import QueryRefusedError

    def plan(op: str, details: str) -> dict[str, Any]:
        return {"operatorType": "ProduceResults@neo4j", "args": {"Details": "doc"}, "children": [
            {"operatorType": f"{op}@neo4j", "args": {"Details": details}, "children": []}]}

    check_plan("r", plan("NodeByLabelScan", "n:Dataset"))  # a read of the graph passes
    for op, details in (("NodeByLabelScan", "r:StewardRecord"), ("NodeUniqueIndexSeek", "UNIQUE r:StewardLog(seq)"),
                        ("AllNodesScan", "n"), ("NodeByIdSeek", "n WHERE id(n) = 0"),
                        ("NodeByElementIdSeek", "n WHERE elementId(n) = $e"), ("PartitionedAllNodesScan", "n")):
        with pytest.raises(QueryRefusedError):
            check_plan("r", plan(op, details))


def test_every_refusal_over_http_is_the_live_server_too(tmp_path: Path) -> None:
    """The same gate on a real uvicorn server (the TestClient above shares the ASGI app)."""
    from tests.e2e.test_api import LiveServer

    uri = f"sqlite:///{tmp_path / 'g.db'}"
    with open_store(uri, create=True) as store:
        build(store)
        viewer, producer = mint(store, "viewer"), mint(store, "producer")
    with LiveServer(Settings(store=uri)) as server:
        assert httpx.get(f"{server.url}/api/v1/spof").status_code == 401
        assert httpx.get(f"{server.url}/api/v1/spof", headers=bearer(producer)).status_code == 403
        assert httpx.get(f"{server.url}/api/v1/spof", headers=bearer(viewer)).status_code == 200
        with open_store(uri) as store:
            state = _state(store)
        attack = httpx.post(f"{server.url}/api/v1/lineage", json=_event(), headers=bearer(viewer))
        assert attack.status_code == 403
        with open_store(uri) as store:
            assert _state(store) == state
        assert httpx.post(f"{server.url}/api/v1/lineage", json=_event(), headers=bearer(producer)).status_code == 201


def test_the_demo_serves_with_tokens_it_prints(tmp_path: Path) -> None:
    """`steward demo` serves with auth on: it issues an admin token (explorer) and a producer token (lineage)."""
    import re
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("STEWARD_")} | {"NO_COLOR": "1"}
    proc = subprocess.Popen([STEWARD, "demo", "--mlflow", "off", "--store", f"sqlite:///{tmp_path / 'd.db'}",
                             "--workspace", str(tmp_path / "ws"), "--port", str(port)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        seen: list[str] = []
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            assert line, f"the demo ended: {proc.stderr.read() if proc.stderr else ''}"
            seen.append(line)
            if line.startswith("Steward API on"):
                break
        text = "".join(seen)
        admin, producer = re.findall(r"^\s+(stw_\S+)$", text, re.M)
        url = f"http://127.0.0.1:{port}"
        assert httpx.get(f"{url}/api/v1/spof").status_code == 401
        assert httpx.get(f"{url}/api/v1/session", headers=bearer(admin)).json()["role"] == "admin"
        assert httpx.get(f"{url}/api/v1/spof", headers=bearer(producer)).status_code == 403
        assert httpx.post(f"{url}/api/v1/lineage", json=_event(), headers=bearer(producer)).status_code == 201
    finally:
        proc.terminate()
        proc.communicate(timeout=30)
