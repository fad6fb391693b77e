"""The incidents API on both stores: the lifecycle over HTTP, statuses (201, 404, 409, 422, 403), the
actor from the caller, suspects and history on node detail, and paging only to the configured webhook."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from steward.api.app import create_app
from steward.api.deps import StoreHolder, get_holder
from steward.settings import Settings
from steward.store import GraphStore
from tests.auth_helpers import bearer, mint
from tests.contract.test_analyses import API, BOB, CURATED, MV2, RAW, build
from tests.integration.test_paging_webhook import Receiver

ADA = "person:ada@corp.com"


class Caller:
    """Who the test client is: a real token (minted as `steward token create` does) per role."""

    def __init__(self, client: TestClient, store: GraphStore) -> None:
        self.client = client
        self.tokens = {"editor": mint(store, "editor", person=ADA), "viewer": mint(store, "viewer", person=BOB)}
        self.be("editor")

    def be(self, role: str) -> None:
        self.client.headers.update(bearer(self.tokens[role]))


def _client(store: GraphStore, tmp_path: Path, **settings: Any) -> tuple[TestClient, Caller]:
    app_settings = Settings(store=f"sqlite:///{tmp_path / 'unused.db'}", **settings)
    app = create_app(app_settings)
    holder = StoreHolder(app_settings, store=store)
    app.dependency_overrides[get_holder] = lambda: holder
    app.state.store_holder = holder  # the auth gate checks tokens in this store too
    client = TestClient(app)
    return client, Caller(client, store)


@pytest.fixture
def client(store: GraphStore, tmp_path: Path) -> Iterator[tuple[TestClient, Caller, GraphStore]]:
    build(store)
    c, caller = _client(store, tmp_path)
    with c:
        yield c, caller, store


def _open(c: TestClient, artifact: str = CURATED, **body: Any) -> dict[str, Any]:
    r = c.post("/api/v1/incidents", json={"artifact": artifact, "title": "nulls", "severity": "sev2", **body})
    assert r.status_code == 201, r.text
    out: dict[str, Any] = r.json()
    return out


def test_lifecycle_over_http(client: tuple[TestClient, Caller, GraphStore]) -> None:
    c, _, store = client
    doc = _open(c, summary="the 03:00 load wrote nulls")
    assert doc["opened_by"] == ADA and doc["status"] == "open" and doc["frozen"]["page"]
    iid = doc["id"]
    assert c.get(f"/api/v1/incidents/{iid}").json() == doc
    r = c.post(f"/api/v1/incidents/{iid}/mitigate", json={})
    assert r.status_code == 409 and r.json()["error"]["code"] == "conflict"
    assert "is open" in r.json()["error"]["message"]
    assert c.post(f"/api/v1/incidents/{iid}/ack", json={"reason": "on it"}).json()["status"] == "acknowledged"
    assert c.post(f"/api/v1/incidents/{iid}/mitigate", json={}).json()["status"] == "mitigated"
    r = c.post(f"/api/v1/incidents/{iid}/resolve", json={})
    assert r.status_code == 422 and "reason" in r.json()["error"]["message"]
    done = c.post(f"/api/v1/incidents/{iid}/resolve", json={"reason": "fixed"}).json()
    assert done["status"] == "resolved" and done["resolution"]["by"] == ADA
    assert c.post(f"/api/v1/incidents/{iid}/resolve", json={"reason": "again"}).status_code == 409
    entries = [ln.data() for ln in store.log_lines() if ln.data()["type"].startswith("incident.")]
    assert [e["type"] for e in entries] == ["incident.open", "incident.ack", "incident.mitigate", "incident.resolve"]
    assert {e["actor"] for e in entries} == {ADA}


def test_notes_links_assignees_and_errors(client: tuple[TestClient, Caller, GraphStore]) -> None:
    c, _, _ = client
    iid = _open(c)["id"]
    assert c.post(f"/api/v1/incidents/{iid}/notes", json={"text": "found it"}).json()["notes"][0]["text"] == "found it"
    r = c.post(f"/api/v1/incidents/{iid}/links", json={"url": "https://wiki.corp/pm/1", "kind": "postmortem"})
    assert r.json()["links"][0]["kind"] == "postmortem"
    for bad in ("javascript:alert(1)", "file:///etc/passwd"):
        r = c.post(f"/api/v1/incidents/{iid}/links", json={"url": bad})
        assert r.status_code == 422, r.text
    r = c.post(f"/api/v1/incidents/{iid}/assignees", json={"people": ["bob@corp.com"]})
    assert r.json()["assignees"] == ["person:bob@corp.com"]
    assert c.post(f"/api/v1/incidents/{iid}/assignees", json={"people": ["who@corp.com"]}).status_code == 404
    assert c.get("/api/v1/incidents/inc-nope").status_code == 404
    assert c.post("/api/v1/incidents/inc-nope/ack", json={}).status_code == 404
    assert c.post("/api/v1/incidents", json={"artifact": CURATED, "title": "x", "severity": "sev9"}).status_code == 422
    assert c.post("/api/v1/incidents", json={"artifact": "dataset:nope", "title": "x",
                                             "severity": "sev1"}).status_code == 404
    assert c.post("/api/v1/incidents", json={"artifact": CURATED, "title": "x", "severity": "sev1",
                                             "extra": 1}).status_code == 422


def test_a_viewer_cannot_change_an_incident(client: tuple[TestClient, Caller, GraphStore]) -> None:
    c, caller, store = client
    iid = _open(c)["id"]
    size = store.log_size()
    caller.be("viewer")
    assert c.get(f"/api/v1/incidents/{iid}").status_code == 200  # reading is fine
    for path, body in (("", {"artifact": CURATED, "title": "x", "severity": "sev1"}),
                       (f"/{iid}/ack", {}), (f"/{iid}/notes", {"text": "x"}),
                       (f"/{iid}/links", {"url": "https://x.corp"}), (f"/{iid}/assignees", {"people": ["x"]}),
                       (f"/{iid}/page", {})):
        r = c.post(f"/api/v1/incidents{path}", json=body)
        assert r.status_code == 403, (path, r.text)
    assert store.log_size() == size and c.get(f"/api/v1/incidents/{iid}").json()["status"] == "open"


def test_list_suspects_and_node_detail(client: tuple[TestClient, Caller, GraphStore]) -> None:
    c, _, _ = client
    up = _open(c, RAW, title="late events")
    c.post(f"/api/v1/incidents/{up['id']}/ack", json={})
    c.post(f"/api/v1/incidents/{up['id']}/resolve", json={"reason": "vendor fixed"})
    own = _open(c, MV2, title="bad scores")
    listed = c.get("/api/v1/incidents", params={"artifact": MV2}).json()["incidents"]
    assert [(i["id"], i["relation"]) for i in listed] == [(own["id"], "itself"), (up["id"], "upstream")]
    assert [i["id"] for i in c.get("/api/v1/incidents", params={"status": "active"}).json()["incidents"]] == \
        [own["id"]]
    assert c.get("/api/v1/incidents", params={"status": "closed"}).status_code == 422
    sus = c.get("/api/v1/suspects").json()["suspects"]
    assert {s["id"] for s in sus} == {i["id"] for i in own["frozen"]["impacted"]}
    node = c.get(f"/api/v1/nodes/{API}").json()
    assert [m["incident"] for m in node["suspect"]] == [own["id"]]
    assert [i["id"] for i in node["incidents"]] == [own["id"], up["id"]]  # its history: MV2 and RAW upstream
    assert node["playbooks"] == []
    blast = c.get(f"/api/v1/blast-radius/{RAW}").json()
    assert {i["id"] for i in blast["impacted"] if i.get("suspect")} == {s["id"] for s in sus}


def test_paging_goes_only_to_the_configured_webhook(store: GraphStore, tmp_path: Path) -> None:
    build(store)
    # Not configured: a clear refusal, and the caller cannot name a URL (the server would POST anywhere).
    c, _ = _client(store, tmp_path)
    with c:
        iid = _open(c)["id"]
        r = c.post(f"/api/v1/incidents/{iid}/page", json={})
        assert r.status_code == 409 and "STEWARD_PAGING_WEBHOOK" in r.json()["error"]["message"]
        r = c.post(f"/api/v1/incidents/{iid}/page", json={"webhook": "http://169.254.169.254/latest/meta-data"})
        assert r.status_code == 422
    receiver = Receiver()
    receiver.start()
    try:
        c, _ = _client(store, tmp_path, paging_webhook=SecretStr(receiver.url), paging_format="slack")
        with c:
            r = c.post(f"/api/v1/incidents/{iid}/page", json={})
            assert r.status_code == 200, r.text
            assert r.json()["ok"] and r.json()["format"] == "slack" and "s3cr3t" not in r.text
            assert receiver.requests[0]["body"]["blocks"][0]["type"] == "header"
            r = c.post(f"/api/v1/incidents/{iid}/page", json={"format": "steward"})
            assert receiver.requests[1]["body"]["type"] == "steward.incident.page"
            r = c.post(f"/api/v1/incidents/{iid}/page", json={"format": "pagerduty"})
            assert r.status_code == 422 and "routing key" in r.json()["error"]["message"]
    finally:
        receiver.stop()
