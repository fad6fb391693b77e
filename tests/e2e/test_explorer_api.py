"""The explorer's read-model endpoints (``/api/v1/explorer/*``) on both stores, checked against what
the store itself says (counts, edges, claims) and against the analyses they sit beside."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from steward.api.app import create_app
from steward.api.deps import StoreHolder, get_holder
from steward.graph import LINEAGE_EDGES, EdgeKind
from steward.settings import Settings
from steward.store import GraphStore
from tests.auth_helpers import bearer, mint
from tests.e2e.test_explorer import synthetic_org


@pytest.fixture
def client(store: GraphStore, tmp_path: Any) -> Iterator[tuple[TestClient, GraphStore, str]]:
    root = synthetic_org(store, fanout=2)
    settings = Settings(store=f"sqlite:///{tmp_path / 'unused.db'}")
    app = create_app(settings)
    holder = StoreHolder(settings, store=store)
    app.dependency_overrides[get_holder] = lambda: holder
    app.state.store_holder = holder  # the auth gate checks tokens in this store too
    with TestClient(app, headers=bearer(mint(store, "viewer"))) as c:
        yield c, store, root


def get(c: TestClient, path: str, **params: Any) -> Any:
    r = c.get(f"/api/v1{path}", params=params)
    assert r.status_code == 200, r.text
    return r.json()


def test_overview_counts_and_freshness(client: tuple[TestClient, GraphStore, str]) -> None:
    c, store, _ = client
    body = get(c, "/explorer/overview")
    assert body["counts"] == store.counts().to_json()
    [synthetic] = body["sources"]
    assert synthetic["source"] == "synthetic"
    assert synthetic["nodes"] == store.counts().total_nodes
    assert synthetic["edges"] == store.counts().total_edges
    assert synthetic["last_seen"] == max(e.seen_at for e in store.edges())


def test_neighbours_page_through_every_lineage_neighbour_once(client: tuple[TestClient, GraphStore, str]) -> None:
    c, store, root = client
    run = sorted(e.dst for e in store.edges(kinds=LINEAGE_EDGES, src=[root]))[3]
    for direction, expected in (
        ("down", sorted({e.dst for e in store.edges(kinds=LINEAGE_EDGES, src=[run])})),
        ("up", sorted({e.src for e in store.edges(kinds=LINEAGE_EDGES, dst=[run])})),
    ):
        seen: list[str] = []
        offset = 0
        while True:
            page = get(c, f"/explorer/neighbours/{run}", direction=direction, offset=offset, limit=2)
            assert page["total"] == len(expected)
            if not page["items"]:
                break
            seen += [i["id"] for i in page["items"]]
            offset += 2
        assert seen == expected, direction
    # Each neighbour carries its active owners (leavers are not among them).
    items = get(c, f"/explorer/neighbours/{root}", direction="down", limit=500)["items"]
    leavers = {f"person:p{i:02d}@synth.example" for i in range(5)}
    owners = {o for i in items for o in i["active_owners"]}
    assert owners and not owners & leavers
    bad = c.get(f"/api/v1/explorer/neighbours/{root}", params={"direction": "sideways"})
    assert bad.status_code == 422


def test_owned_by_a_person_and_a_team(client: tuple[TestClient, GraphStore, str]) -> None:
    c, store, _ = client
    person = "person:p06@synth.example"
    owned = get(c, f"/explorer/owned/{person}")
    handoff = get(c, f"/handoff/{person}")
    assert [a["id"] for a in owned["owns"]] == [i["artifact"]["id"] for i in handoff["items"]]
    assert [t["id"] for t in owned["teams"]] == sorted(e.dst for e in store.edges(kinds=[EdgeKind.MEMBER_OF],
                                                                                   src=[person]))
    team = get(c, "/explorer/owned/team:t3")
    claimed = sorted({e.dst for e in store.edges(kinds=[EdgeKind.OWNS], src=["team:t3"])})
    assert [a["id"] for a in team["owns"]] == claimed and claimed
    members = {m["id"]: m["active"] for m in team["members"]}
    assert set(members) == {e.src for e in store.edges(kinds=[EdgeKind.MEMBER_OF], dst=["team:t3"])}
    assert members["person:p03@synth.example"] is False  # a leaver
    job = c.get("/api/v1/explorer/owned/job:synth/j1")
    assert job.status_code == 422 and job.json()["error"]["code"]
    assert c.get("/api/v1/explorer/owned/person:nobody@x.example").status_code == 404


def test_audit_table_is_the_audit_with_owners(client: tuple[TestClient, GraphStore, str]) -> None:
    c, _, _ = client
    table = get(c, "/explorer/audit")
    plain = get(c, "/audit")
    assert [(f["rule"], f["artifact"], f["message"]) for f in table["findings"]] == \
        [(f["rule"], f["artifact"], f["message"]) for f in plain["findings"]]
    no_owner = [f for f in table["findings"] if f["rule"] == "no-owner"]
    assert no_owner and all(f["owners"] == [] for f in no_owner)
    owned = [f for f in table["findings"] if f["owners"]]
    assert owned and all(f["kind"] for f in owned)
    assert all(t.startswith("team:") for f in owned for t in f["teams"])
    assert set(table["policy"]["rules"]) == set(plain["summary"]) | {
        r for r, v in table["policy"]["rules"].items() if not v["enabled"]}


def test_owners_are_the_entries_the_blast_radius_lists(client: tuple[TestClient, GraphStore, str]) -> None:
    c, _, root = client
    blast = get(c, f"/blast-radius/{root}", max_depth=2)
    for item in blast["impacted"]:
        if item["id"] == root:
            continue
        body = get(c, f"/explorer/owners/{item['id']}")
        assert body["owners"] == item["owners"], item["id"]
        assert (body["active_owners"] == []) == (item["id"] in blast["unowned"])
