"""Ownership changes over HTTP on a real server with real tokens: a requester, an owner, an admin, a
viewer. Every refusal first tries the attack, then checks that nothing changed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from steward.analysis.ownership import OwnershipView
from steward.settings import Settings
from steward.store import open_store
from tests.auth_helpers import bearer, mint
from tests.contract.test_ownership_changes import (
    ANN,
    BOB,
    ED,
    EVE,
    FEATURES,
    LEO,
    ML,
    MODEL,
    SUE,
    VIC,
    build,
)
from tests.e2e.test_api import LiveServer


class Org:
    def __init__(self, server: LiveServer, db_uri: str, tokens: dict[str, str]) -> None:
        self.server = server
        self.db_uri = db_uri
        self.tokens = tokens

    def call(self, who: str, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = bearer(self.tokens[who]) if who in self.tokens else {}
        return httpx.request(method, f"{self.server.url}/api/v1{path}", headers=headers, timeout=30, **kwargs)

    def owners(self, artifact: str, role: str = "owner") -> list[str]:
        with open_store(self.db_uri) as store:
            view = OwnershipView.load(store, scope=[artifact])
            return sorted({c.owner for c in view.effective(artifact, role)})

    def log_size(self) -> int:
        with open_store(self.db_uri) as store:
            return store.log_size()


@pytest.fixture
def org(tmp_path: Path) -> Iterator[Org]:
    db_uri = f"sqlite:///{tmp_path / 'graph.db'}"
    with open_store(db_uri, create=True) as store:
        build(store)
        tokens = {"admin": mint(store, "admin", person=ANN), "ed": mint(store, "editor", person=ED),
                  "eve": mint(store, "editor", person=EVE), "bob": mint(store, "editor", person=BOB),
                  "ed-admin": mint(store, "admin", person=ED), "vic": mint(store, "viewer", person=VIC),
                  "producer": mint(store, "producer", person=SUE), "bob-viewer": mint(store, "viewer", person=BOB)}
    with LiveServer(Settings(store=db_uri)) as server:
        yield Org(server, db_uri, tokens)


def test_put_ownership_applies_for_an_owner_and_files_a_request_otherwise(org: Org) -> None:
    r = org.call("eve", "PUT", f"/ownership/{MODEL}", json={"stewards": ["@sue"], "reason": "backup"})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "applied" and org.owners(MODEL, "steward") == [SUE]

    r = org.call("ed", "PUT", f"/ownership/{MODEL}", json={"owners": ["ed@corp.com"], "reason": "mine now"})
    assert r.status_code == 202, r.text
    cid = r.json()["change_id"]
    assert r.json()["change"]["status"] == "open" and org.owners(MODEL) == [ML]

    listed = org.call("vic", "GET", "/changes", params={"status": "open"}).json()["changes"]
    assert [c["id"] for c in listed] == [cid]
    assert org.call("vic", "GET", "/changes", params={"artifact": FEATURES}).json()["changes"] == []
    shown = org.call("vic", "GET", f"/changes/{cid}")
    assert shown.status_code == 200 and shown.json()["requested_by"] == ED

    # the attack: the requester approves their own request, with an editor token and with an admin one
    size = org.log_size()
    for who in ("ed", "ed-admin"):
        r = org.call(who, "POST", f"/changes/{cid}/approve", json={"reason": "lgtm"})
        assert r.status_code == 403, r.text
        assert "own request" in r.json()["error"]["message"]
    # a viewer who owns the model (bob's read-only token) and a viewer who does not
    for who in ("bob-viewer", "vic", "producer"):
        assert org.call(who, "POST", f"/changes/{cid}/approve", json={"reason": "lgtm"}).status_code == 403
    assert org.call("nobody", "POST", f"/changes/{cid}/approve", json={"reason": "lgtm"}).status_code == 401
    assert org.log_size() == size and org.owners(MODEL) == [ML]

    r = org.call("bob", "POST", f"/changes/{cid}/approve", json={"reason": "agreed"})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "applied" and org.owners(MODEL) == [ED]
    again = org.call("admin", "POST", f"/changes/{cid}/reject", json={"reason": "too late"})
    assert again.status_code == 409 and again.json()["error"]["code"] == "conflict"


def test_refusals_and_invalid_input(org: Org) -> None:
    size = org.log_size()
    for who in ("vic", "producer"):
        r = org.call(who, "PUT", f"/ownership/{FEATURES}", json={"owners": [SUE], "reason": "let me"})
        assert r.status_code == 403, r.text
    assert org.call("nobody", "PUT", f"/ownership/{FEATURES}", json={"owners": [SUE], "reason": "x"}).status_code == 401
    r = org.call("admin", "PUT", f"/ownership/{FEATURES}", json={"owners": ["nobody@corp.com"], "reason": "x"})
    assert r.status_code == 422 and "nobody@corp.com" in r.json()["error"]["message"]
    r = org.call("admin", "PUT", f"/ownership/{FEATURES}", json={"owners": [SUE], "reason": ""})
    assert r.status_code == 422
    r = org.call("admin", "PUT", f"/ownership/{FEATURES}", json={"owners": [SUE]})
    assert r.status_code == 422
    r = org.call("admin", "PUT", "/ownership/dataset:nope", json={"owners": [SUE], "reason": "x"})
    assert r.status_code == 404
    assert org.call("admin", "GET", "/changes/chg-nope").status_code == 404
    assert org.call("admin", "POST", "/changes/chg-nope/approve", json={"reason": "x"}).status_code == 404
    assert org.call("admin", "GET", "/changes", params={"status": "maybe"}).status_code == 422
    assert org.log_size() == size and org.owners(FEATURES) == [LEO]

    r = org.call("admin", "PUT", f"/ownership/{FEATURES}", json={"owners": ["@sue"], "reason": "leo moves"})
    assert r.status_code == 200 and org.owners(FEATURES) == [SUE]
    blast = org.call("vic", "GET", f"/blast-radius/{FEATURES}").json()
    assert any(p["id"] == SUE and p["root"] for p in blast["page"])


def test_handoff_apply_over_http(org: Org) -> None:
    r = org.call("vic", "POST", f"/handoff/{LEO}/apply", json={"to": "@sue", "reason": "leaving"})
    assert r.status_code == 403
    r = org.call("admin", "POST", f"/handoff/{LEO}/apply", json={"to": "@sue", "reason": "leaving"})
    assert r.status_code == 202, r.text
    filed = {c["artifact"]: c["id"] for c in r.json()["requests"]}
    assert set(filed) == {FEATURES, MODEL}
    audit = org.call("vic", "GET", "/audit").json()
    assert {f["artifact"] for f in audit["findings"] if f["rule"] == "handoff-pending"} == {FEATURES, MODEL}
    assert org.call("admin", "POST", f"/changes/{filed[MODEL]}/approve", json={"reason": "x"}).status_code == 403
    assert org.call("eve", "POST", f"/changes/{filed[MODEL]}/approve", json={"reason": "ok"}).status_code == 200
    assert org.call("eve", "POST", f"/changes/{filed[FEATURES]}/reject", json={"reason": "no"}).status_code == 403
    assert org.call("ed-admin", "POST", f"/changes/{filed[FEATURES]}/reject",
                    json={"reason": "sue is not ready"}).status_code == 200
    audit = org.call("vic", "GET", "/audit").json()
    assert not [f for f in audit["findings"] if f["rule"] == "handoff-pending"]
    assert org.owners(MODEL, "steward") == [SUE] and org.owners(FEATURES) == [LEO]
