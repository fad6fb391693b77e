"""The access matrix: every credential (none, a bad token, an expired one, a revoked one, and each role)
against every operation of the app's own OpenAPI document, as real requests.

Routes come from ``/openapi.json``, so a route added later cannot escape: an operation without a row
in ``EXPECTED`` fails :func:`test_every_operation_has_a_declared_expectation`, and the role the route
declares (``require(...)``, stated as ``x-steward-role``) must be the one expected here. Each refusal is
the attack itself (a producer reading, a viewer posting lineage, a revoked token...), answered 401 or
403, with the graph, the log and the tokens unchanged afterwards.

To add a route: add ``"METHOD /path": "role"`` to ``EXPECTED`` (and, if its request needs a body or
particular parameters to get past validation, an entry in ``EXAMPLES``).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from steward.api import create_app
from steward.api.explorer_static import PAGES
from steward.governance.principal import Principal, Role
from steward.governance.tokens import KIND, create_token
from steward.incidents import open_incident
from steward.settings import Settings
from steward.store import GraphStore, open_store
from tests.auth_helpers import ADMIN, bearer, mint, revoke
from tests.contract.test_analyses import ADA, API, BOB, RAW, build

#: What each operation needs: a role, or "public". Every operation of the document must be here.
EXPECTED: dict[str, str] = {
    "GET /livez": "public",
    "GET /readyz": "public",
    "GET /api/v1/nodes/{node_id}": "viewer",
    "GET /api/v1/search": "viewer",
    "GET /api/v1/blast-radius/{node_id}": "viewer",
    "GET /api/v1/upstream/{node_id}": "viewer",
    "GET /api/v1/spof": "viewer",
    "GET /api/v1/audit": "viewer",
    "GET /api/v1/handoff/{person_id}": "viewer",
    "POST /api/v1/cypher": "viewer",
    "POST /api/v1/lineage": "producer",
    "GET /api/v1/explorer/overview": "viewer",
    "GET /api/v1/explorer/neighbours/{node_id}": "viewer",
    "GET /api/v1/explorer/owned/{owner_id}": "viewer",
    "GET /api/v1/explorer/audit": "viewer",
    "GET /api/v1/explorer/owners/{node_id}": "viewer",
    "GET /api/v1/session": "viewer",
    "POST /api/v1/session": "public",
    "DELETE /api/v1/session": "viewer",
    "PUT /api/v1/ownership/{node_id}": "editor",
    "GET /api/v1/changes": "viewer",
    "GET /api/v1/changes/{change_id}": "viewer",
    "POST /api/v1/changes/{change_id}/approve": "editor",
    "POST /api/v1/changes/{change_id}/reject": "editor",
    "POST /api/v1/handoff/{person_id}/apply": "editor",
    "GET /api/v1/incidents": "viewer",
    "GET /api/v1/incidents/{incident_id}": "viewer",
    "GET /api/v1/suspects": "viewer",
    "GET /api/v1/playbooks": "viewer",
    "POST /api/v1/incidents": "editor",
    "POST /api/v1/incidents/{incident_id}/ack": "editor",
    "POST /api/v1/incidents/{incident_id}/mitigate": "editor",
    "POST /api/v1/incidents/{incident_id}/resolve": "editor",
    "POST /api/v1/incidents/{incident_id}/notes": "editor",
    "POST /api/v1/incidents/{incident_id}/links": "editor",
    "POST /api/v1/incidents/{incident_id}/assignees": "editor",
    "POST /api/v1/incidents/{incident_id}/page": "editor",
    "POST /api/v1/reviews": "editor",
    "GET /api/v1/reviews": "viewer",
    "GET /api/v1/reviews/due": "viewer",
    "GET /api/v1/oncall/{team_id}": "viewer",
    "GET /api/v1/log/checkpoint": "viewer",
    "GET /api/v1/log": "admin",
    "GET /api/v1/nodes/{node_id}/history": "viewer",
}

CREDENTIALS = ("none", "bad", "expired", "revoked", "producer", "viewer", "editor", "admin")
ROLES: dict[str, Role] = {"producer": "producer", "viewer": "viewer", "editor": "editor", "admin": "admin"}


def _event() -> dict[str, Any]:
    return {"eventType": "COMPLETE", "eventTime": "2026-01-01T00:00:00Z", "producer": "https://x",
            "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
            "run": {"runId": str(uuid.uuid4())}, "job": {"namespace": "matrix", "name": "job"},
            "outputs": [{"namespace": "s3://lake", "name": f"matrix-{uuid.uuid4()}"}]}


@dataclass
class Rig:
    client: TestClient
    store: GraphStore
    tokens: dict[str, str]


#: Request details an operation needs to get past validation: ``(query params, JSON body)`` from the rig.
EXAMPLES: dict[str, Callable[[Rig], tuple[dict[str, Any], Any]]] = {
    "GET /api/v1/search": lambda rig: ({"q": "churn"}, None),
    "POST /api/v1/cypher": lambda rig: ({}, {"query": "MATCH (n:Node) RETURN count(n) AS n"}),
    "POST /api/v1/lineage": lambda rig: ({}, _event()),
    "POST /api/v1/session": lambda rig: ({}, {"token": rig.tokens["viewer"]}),
    "PUT /api/v1/ownership/{node_id}": lambda rig: ({}, {"owners": [BOB], "reason": "matrix"}),
    "POST /api/v1/changes/{change_id}/approve": lambda rig: ({}, {"reason": "matrix"}),
    "POST /api/v1/changes/{change_id}/reject": lambda rig: ({}, {"reason": "matrix"}),
    "POST /api/v1/handoff/{person_id}/apply": lambda rig: ({}, {"to": BOB, "reason": "matrix"}),
    "GET /api/v1/playbooks": lambda rig: ({"artifact": RAW}, None),
    "POST /api/v1/incidents": lambda rig: ({}, {"artifact": RAW, "title": "matrix", "severity": "sev3"}),
    "POST /api/v1/incidents/{incident_id}/resolve": lambda rig: ({}, {"reason": "matrix"}),
    "POST /api/v1/incidents/{incident_id}/notes": lambda rig: ({}, {"text": "matrix"}),
    "POST /api/v1/incidents/{incident_id}/links": lambda rig: ({}, {"url": "https://wiki.example/matrix"}),
    "POST /api/v1/incidents/{incident_id}/assignees": lambda rig: ({}, {"people": [ADA]}),
    "POST /api/v1/reviews": lambda rig: ({}, {"artifact": API, "type": "drift", "by": ADA}),
}
#: Values for path parameters, by name (anything else gets an id that exists).
PATH_VALUES = {"person_id": ADA, "owner_id": ADA, "node_id": RAW, "change_id": "chg-matrix",
               "team_id": "team:churn-team"}


def _app_document() -> dict[str, Any]:
    with TestClient(create_app(Settings(store="sqlite:///unused-matrix.db"))) as client:
        doc: dict[str, Any] = client.get("/openapi.json").json()
    return doc


DOCUMENT = _app_document()
OPERATIONS = sorted(f"{method.upper()} {path}" for path, ops in DOCUMENT["paths"].items() for method in ops)


def _op(key: str) -> dict[str, Any]:
    method, path = key.split(" ", 1)
    op: dict[str, Any] = DOCUMENT["paths"][path][method.lower()]
    return op


def test_every_operation_has_a_declared_expectation() -> None:
    undeclared = [op for op in OPERATIONS if op not in EXPECTED]
    assert undeclared == [], f"add these to EXPECTED in {__file__} with the role each needs: {undeclared}"
    assert sorted(EXPECTED) == OPERATIONS, "EXPECTED names operations the app does not have"
    declared = {op: _op(op).get("x-steward-role") for op in OPERATIONS}
    assert declared == EXPECTED, "the routes declare other roles than this matrix expects"


@pytest.fixture(scope="module")
def rig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    uri = f"sqlite:///{tmp_path_factory.mktemp('matrix') / 'graph.db'}"
    store = open_store(uri, create=True)
    build(store)
    tokens = {name: mint(store, role, person=ADA) for name, role in ROLES.items()}
    tokens["bad"] = f"stw_{'0' * 12}_{'x' * 43}"
    expired = create_token(store, person=ADA, role="admin", actor=ADMIN, expires_days=1 / 86400)
    tokens["expired"] = expired.plaintext
    tokens["revoked"] = mint(store, "admin", person=ADA)
    revoke(store, tokens["revoked"])
    PATH_VALUES["incident_id"] = open_incident(store, RAW, title="matrix", severity="sev3", actor=ADMIN)["id"]
    time.sleep(1.1)  # the expired admin token is now past its second
    with TestClient(create_app(Settings(store=uri))) as client:
        yield Rig(client, store, tokens)
    store.close()


def _state(store: GraphStore) -> tuple[Any, ...]:
    return (store.counts(), store.log_size(), [(r.id, r.doc) for r in store.get_records(KIND)])


def _request(rig: Rig, key: str, credential: str) -> Any:
    method, path = key.split(" ", 1)
    url = path
    for name in [p["name"] for p in _op(key).get("parameters", []) if p["in"] == "path"]:
        url = url.replace("{" + name + "}", PATH_VALUES.get(name, API))
    query, body = EXAMPLES.get(key, lambda _: ({}, {} if "requestBody" in _op(key) else None))(rig)
    headers = bearer(rig.tokens[credential]) if credential != "none" else {}
    rig.client.cookies.clear()
    return rig.client.request(method, url, params=query, json=body, headers=headers)


def _allowed(credential: str, need: str) -> bool:
    if need == "public":
        return True
    if credential not in ROLES:
        return False
    return Principal(actor=ADA, role=ROLES[credential]).may(need)  # type: ignore[arg-type]


@pytest.mark.parametrize("key", OPERATIONS)
def test_access_matrix(rig: Rig, key: str) -> None:
    need = EXPECTED.get(key)
    assert need is not None, f"{key} has no declared expectation (see test_every_operation_has_a_declared_expectation)"
    outcomes: dict[str, int] = {}
    for credential in CREDENTIALS:
        before = _state(rig.store)
        resp = _request(rig, key, credential)
        outcomes[credential] = resp.status_code
        code = resp.json().get("error", {}).get("code") if resp.headers.get("content-type", "").startswith(
            "application/json") and resp.status_code >= 400 else None
        if _allowed(credential, need):
            # past the gate: whatever the route answers, it is not a refusal of who is asking
            assert resp.status_code != 401 and code != "forbidden", (key, credential, resp.status_code, resp.text)
            if key in ("POST /api/v1/lineage", "POST /api/v1/reviews"):  # the refusals stop a real write
                assert resp.status_code == 201 and _state(rig.store) != before, (credential, resp.text)
        else:
            if credential in ROLES:
                assert (resp.status_code, code) == (403, "forbidden"), (key, credential, resp.status_code, resp.text)
            else:
                assert resp.status_code == 401, (key, credential, resp.status_code, resp.text)
                assert resp.headers["www-authenticate"] == "Bearer"
            assert _state(rig.store) == before, f"{credential} was refused {key} but something changed"
    print(f"{key}: {outcomes}")


@pytest.mark.parametrize("page", ["/", *(f"/{p}" for p in PAGES), f"/blast-radius/{RAW}"])
def test_every_explorer_page_needs_a_reader(rig: Rig, page: str) -> None:
    for credential in CREDENTIALS:
        headers = bearer(rig.tokens[credential]) if credential != "none" else {}
        rig.client.cookies.clear()
        resp = rig.client.get(page, headers=headers, follow_redirects=False)
        if credential in ("none", "bad", "expired", "revoked"):
            assert resp.status_code == 303 and resp.headers["location"].startswith("/login?next="), (page, credential)
        elif credential == "producer":
            assert resp.status_code == 403, (page, resp.status_code)
        else:
            assert resp.status_code == 200, (page, credential, resp.status_code)


def test_a_route_added_later_that_declares_nothing_is_still_protected(rig: Rig, tmp_path: Path) -> None:
    """A helper's new router, registered with one line and no role: reads need a viewer, changes an editor,
    and the matrix's own check names it until its expectation is written down."""
    from fastapi import APIRouter

    router = APIRouter()

    @router.get("/forgotten")
    async def read_forgotten() -> dict[str, str]:
        return {"ok": "read"}

    @router.post("/forgotten")
    async def change_forgotten() -> dict[str, str]:
        return {"ok": "changed"}

    app = create_app(rig.client.app.state.settings)  # type: ignore[attr-defined]
    app.include_router(router, prefix="/api/v1")
    with TestClient(app) as client:
        assert client.get("/api/v1/forgotten").status_code == 401
        assert client.post("/api/v1/forgotten").status_code == 401
        assert client.get("/api/v1/forgotten", headers=bearer(rig.tokens["producer"])).status_code == 403
        assert client.get("/api/v1/forgotten", headers=bearer(rig.tokens["viewer"])).status_code == 200
        assert client.post("/api/v1/forgotten", headers=bearer(rig.tokens["viewer"])).status_code == 403
        assert client.post("/api/v1/forgotten", headers=bearer(rig.tokens["editor"])).status_code == 200
        ops = client.get("/openapi.json").json()["paths"]["/api/v1/forgotten"]
    assert (ops["get"]["x-steward-role"], ops["post"]["x-steward-role"]) == ("viewer", "editor")
    assert {"GET /api/v1/forgotten", "POST /api/v1/forgotten"}.isdisjoint(EXPECTED), "the matrix would name them"
