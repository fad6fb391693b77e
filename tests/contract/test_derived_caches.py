"""What analyses keep between answers (people, teams, memberships, identities, the precedence, the suspect
marks; :meth:`GraphStore.derived`) never outlives a write: on both stores, a blast radius asked before a
change and again after it shows the change, whether this store object or another one wrote it."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from steward.analysis import blast_radius
from steward.analysis.ownership import PRECEDENCE_STATE_KEY
from steward.governance.principal import Principal
from steward.graph import Edge, EdgeKind, Node, NodeKind, OwnershipClaim
from steward.incidents import open_incident, transition
from steward.store import GraphStore
from tests.contract.test_analyses import (
    ADA,
    API,
    BATCH,
    BOB,
    CHURN_TEAM,
    CURATED,
    DEE,
    MV2,
    NOW,
    RAW,
    _random_org,
    build,
)

OPS = Principal(actor="local:ops", role="admin")


def _blast(store: GraphStore) -> dict[str, Any]:
    """The blast radius of RAW, asked twice: the embedded store answers the first ask at a version from
    the scope's own claims and later ones from every claim (kept until the store changes): both agree."""
    first = blast_radius(store, RAW, now=NOW)
    again = blast_radius(store, RAW, now=NOW)
    assert again == first
    return again


def _page(result: dict[str, Any]) -> list[str]:
    return [p["id"] for p in result["page"]]


def _owners(result: dict[str, Any], artifact: str) -> list[tuple[str, str, bool]]:
    item = next(i for i in result["impacted"] if i["id"] == artifact)
    return [(o["id"], o["role"], o["effective"]) for o in item["owners"]]


def test_a_person_leaving_changes_the_next_answer(store: GraphStore) -> None:
    build(store)
    assert BOB in _page(_blast(store))
    store.upsert(nodes=[Node(id=BOB, kind=NodeKind.PERSON, source="catalog", name="Bob", props={"active": False})])
    after = _blast(store)
    assert BOB not in _page(after)
    assert API in after["unowned"]  # bob was its only owner


def test_a_new_member_and_a_new_claim_change_the_next_answer(store: GraphStore) -> None:
    build(store)
    first = _blast(store)
    dee = next(p for p in first["page"] if p["id"] == DEE)
    assert CHURN_TEAM not in dee["teams"]
    store.upsert(edges=[Edge(DEE, EdgeKind.MEMBER_OF, CHURN_TEAM, source="catalog")])
    second = _blast(store)
    dee = next(p for p in second["page"] if p["id"] == DEE)
    assert CHURN_TEAM in dee["teams"] and MV2 in dee["artifacts"]  # the team owns the model MV2 belongs to
    store.upsert(claims=[OwnershipClaim(owner=ADA, artifact=RAW, role="owner", source="steward", origin="steward")])
    third = _blast(store)
    assert (ADA, "owner", True) in _owners(third, RAW) and RAW not in third["unowned"]


def test_a_precedence_change_changes_the_next_answer(store: GraphStore) -> None:
    build(store)
    assert _owners(_blast(store), CURATED)[:2] == [
        (ADA, "owner", True), (DEE, "owner", False)]
    store.set_state(PRECEDENCE_STATE_KEY, json.dumps(["codeowners", "catalog"]))
    assert _owners(_blast(store), CURATED)[:2] == [
        (DEE, "owner", True), (ADA, "owner", False)]


def test_suspect_marks_follow_incidents_opened_and_resolved(store: GraphStore) -> None:
    build(store)
    assert not [i for i in _blast(store)["impacted"] if i.get("suspect")]
    doc = open_incident(store, MV2, title="drift", severity="sev2", actor=OPS)
    marked = {i["id"] for i in _blast(store)["impacted"] if i.get("suspect")}
    assert MV2 in marked and API in marked and BATCH not in marked
    transition(store, doc["id"], "ack", actor=OPS)
    transition(store, doc["id"], "resolve", actor=OPS, reason="false alarm")
    assert not [i for i in _blast(store)["impacted"] if i.get("suspect")]


def test_a_write_by_another_store_object_changes_the_next_answer(
    store: GraphStore, store_factory: Callable[[], GraphStore],
) -> None:
    build(store)
    assert BOB in _page(_blast(store))  # people and identities derived now
    other = store_factory()  # another connection to the same data (another process, as far as it knows)
    other.upsert(nodes=[Node(id=BOB, kind=NodeKind.PERSON, source="catalog", name="Bob", props={"active": False})])
    other.set_state(PRECEDENCE_STATE_KEY, json.dumps(["codeowners", "catalog"]))
    after = _blast(store)
    assert BOB not in _page(after)
    assert _owners(after, CURATED)[0] == (DEE, "owner", True)
    open_incident(other, CURATED, title="nulls", severity="sev1", actor=OPS)
    assert any(i.get("suspect") for i in _blast(store)["impacted"])


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_kept_and_fresh_answers_agree_with_the_other_store(
    embedded_store: GraphStore, neo4j_store: GraphStore, data: Any,
) -> None:
    """On random organisations: the embedded store's fresh answer (its scope's claims), its kept answer
    (every claim, derived once per version) and Neo4j's (nothing kept) are the same, for a random
    root, depth cap and size cap."""
    nodes, edges, claims, _ = _random_org(data)
    start = data.draw(st.sampled_from([n.id for n in nodes if not n.id.startswith("person:")]), label="start")
    depth = data.draw(st.one_of(st.none(), st.integers(1, 4)), label="max_depth")
    limit = data.draw(st.integers(1, 30), label="limit")
    answers = []
    for store in (embedded_store, neo4j_store):
        said = store.source_records("t")
        store.retract("t", nodes=said.nodes, edges=said.edges)
        store.upsert(nodes=nodes, edges=edges, claims=claims)
        answers += [blast_radius(store, start, max_depth=depth, limit=limit, now=NOW) for _ in range(2)]
    assert all(a == answers[0] for a in answers[1:])
