"""Ownership changed through Steward, on both stores: direct sets, change requests, approvals,
refusals (each reproduced as the attack first), handoffs applied, and the log written with the change.

The organisation::

    dataset:raw -> run:train -> model_version:churn/1 -> deployment:prod/api
    dataset:features -/               \\-VERSION_OF-> model:churn

People: ann (admin), eve and bob (team:ml), ed (an editor who owns nothing), leo (leaving), sue (successor),
vic (viewer), old (has left). Catalog claims: team:ml owns model:churn, leo stewards it; leo owns
dataset:features; eve owns deployment:prod/api; bob owns dataset:raw.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from steward.analysis import audit, blast_radius, handoff, spof
from steward.analysis.audit import gate, load_policy
from steward.analysis.ownership import OwnershipView
from steward.errors import ConflictError, ForbiddenError, InvalidInputError, NotFoundError, StewardError
from steward.governance.changes import (
    _apply,
    approve,
    get_change,
    handoff_apply,
    list_changes,
    reject,
    set_ownership,
)
from steward.governance.principal import Principal
from steward.graph import Edge, EdgeKind, Node, NodeKind, OwnershipClaim
from steward.recipe import set_precedence
from steward.store import GraphStore

ANN, EVE, BOB, ED = "person:ann@corp.com", "person:eve@corp.com", "person:bob@corp.com", "person:ed@corp.com"
LEO, SUE, VIC, OLD = "person:leo@corp.com", "person:sue@corp.com", "person:vic@corp.com", "person:old@corp.com"
ML = "team:ml"
RAW, FEATURES, TRAIN = "dataset:raw", "dataset:features", "run:train"
MV, MODEL, API = "model_version:churn/1", "model:churn", "deployment:prod/api"

ADMIN = Principal(ANN, "admin", person=ANN)
OTHER_ADMIN = Principal("local:root", "admin")
EVE_P = Principal(EVE, "editor", person=EVE)
BOB_P = Principal(BOB, "editor", person=BOB)
ED_P = Principal(ED, "editor", person=ED)
VIEWER = Principal(VIC, "viewer", person=VIC)
PRODUCER = Principal("producer:airflow", "producer")


def build(store: GraphStore) -> None:
    def person(pid: str, name: str, **props: Any) -> Node:
        return Node(pid, NodeKind.PERSON, source="catalog", name=name, props=props)

    nodes = [
        person(ANN, "Ann"), person(EVE, "Eve", aliases=["@eve"]), person(BOB, "Bob"), person(ED, "Ed"),
        person(LEO, "Leo", aliases=["leo.h"]), person(SUE, "Sue", aliases=["@sue"]), person(VIC, "Vic"),
        person(OLD, "Old", active=False),
        Node(ML, NodeKind.TEAM, source="catalog", name="ML", props={"handle": "@corp/ml"}),
        Node(RAW, NodeKind.DATASET, source="lineage"), Node(FEATURES, NodeKind.DATASET, source="lineage"),
        Node(TRAIN, NodeKind.RUN, source="lineage"), Node(MV, NodeKind.MODEL_VERSION, source="lineage"),
        Node(MODEL, NodeKind.MODEL, source="lineage"), Node(API, NodeKind.DEPLOYMENT, source="catalog"),
    ]
    edges = [
        Edge(RAW, EdgeKind.CONSUMED_BY, TRAIN, source="lineage"),
        Edge(FEATURES, EdgeKind.CONSUMED_BY, TRAIN, source="lineage"),
        Edge(TRAIN, EdgeKind.PRODUCED, MV, source="lineage"), Edge(MV, EdgeKind.VERSION_OF, MODEL, source="lineage"),
        Edge(MV, EdgeKind.DEPLOYED_TO, API, source="lineage"),
        Edge(EVE, EdgeKind.MEMBER_OF, ML, source="catalog"), Edge(BOB, EdgeKind.MEMBER_OF, ML, source="catalog"),
    ]
    claims = [
        OwnershipClaim(ML, MODEL, "owner", source="catalog"), OwnershipClaim(LEO, MODEL, "steward", source="catalog"),
        OwnershipClaim(LEO, FEATURES, "owner", source="catalog"), OwnershipClaim(EVE, API, "owner", source="catalog"),
        OwnershipClaim(BOB, RAW, "owner", source="catalog"),
    ]
    store.upsert(nodes=nodes, edges=edges, claims=claims)


@pytest.fixture
def org(store: GraphStore) -> GraphStore:
    build(store)
    return store


def owners(store: GraphStore, artifact: str, role: str = "owner") -> list[str]:
    view = OwnershipView.load(store, scope=[artifact])
    return sorted({c.owner for c in view.effective(artifact, role)})


def log(store: GraphStore) -> list[dict[str, Any]]:
    return [ln.data() for ln in store.log_lines()]


def steward_edges(store: GraphStore, artifact: str) -> list[tuple[str, str]]:
    return sorted((e.src, str(e.props["role"])) for e in store.edges(kinds=[EdgeKind.OWNS], dst=[artifact])
                  if e.source == "steward")


# ---- direct changes -------------------------------------------------------------------------------
def test_an_admin_sets_owners_directly_and_every_answer_sees_it(org: GraphStore) -> None:
    before = {o["id"] for o in _owners_of(org, FEATURES)}
    assert before == {LEO}
    out = set_ownership(org, ADMIN, FEATURES, owners=["@sue"], stewards=["eve@corp.com"], reason="leo moves team")
    assert out["status"] == "applied" and out["change"]["status"] == "applied"
    change_id = out["change"]["id"]
    assert owners(org, FEATURES) == [SUE] and owners(org, FEATURES, "steward") == [EVE]
    entries = [o for o in _owners_of(org, FEATURES) if o["origin"] == "steward"]
    assert {(o["id"], o["role"]) for o in entries} == {(SUE, "owner"), (EVE, "steward")}
    assert all(o["by"] == ANN and o["reason"] == "leo moves team" and o["change"] == change_id and o["effective"]
               for o in entries)
    # the catalog's claim is still there, outranked
    assert any(o["id"] == LEO and o["origin"] == "catalog" and not o["effective"] for o in _owners_of(org, FEATURES))
    (entry,) = [e for e in log(org) if e["type"] == "ownership.set"]
    assert entry["actor"] == ANN and entry["subject"] == FEATURES and entry["change"] == change_id
    assert entry["before"] == {"owners": [LEO], "stewards": []}
    assert entry["after"] == {"owners": [SUE], "stewards": [EVE]}
    assert entry["reason"] == "leo moves team"
    assert get_change(org, change_id)["status"] == "applied"
    # blast radius pages sue (not leo) for the features dataset, at once
    page = {p["id"]: p for p in blast_radius(org, FEATURES)["page"]}
    assert page[SUE]["root"] is True and page[SUE]["roles"] == ["owner"]
    assert FEATURES not in page[LEO]["artifacts"]  # leo still stewards the model downstream, not the dataset
    assert not [f for f in audit(org)["findings"] if f["artifact"] == FEATURES and f["rule"] == "no-steward"]


def test_a_second_set_replaces_the_first_and_leaves_no_edge_behind(org: GraphStore) -> None:
    set_ownership(org, ADMIN, FEATURES, owners=[SUE], reason="first")
    set_ownership(org, ADMIN, FEATURES, owners=[BOB, "team:ml"], reason="second")
    assert owners(org, FEATURES) == [BOB, ML]
    assert steward_edges(org, FEATURES) == [(BOB, "owner"), (ML, "owner")]  # sue's claim is gone, not hidden
    assert "steward" not in org.get_nodes([SUE])[SUE].sources  # steward no longer attests sue
    out = set_ownership(org, ADMIN, FEATURES, owners=[], reason="back to the catalog")
    assert owners(org, FEATURES) == [LEO] and steward_edges(org, FEATURES) == []
    assert out["log"]["after"]["owners"] == [LEO]
    assert "steward" not in org.get_nodes([FEATURES])[FEATURES].sources


def test_an_owning_editor_sets_directly_through_a_team_and_by_inheritance(org: GraphStore) -> None:
    # eve owns model:churn through team:ml; model versions inherit the model's owners
    out = set_ownership(org, EVE_P, MODEL, stewards=["@sue"], reason="sue is our backup now")
    assert out["status"] == "applied" and owners(org, MODEL, "steward") == [SUE]
    out = set_ownership(org, EVE_P, MV, owners=[EVE], reason="I run this version")
    assert out["status"] == "applied" and owners(org, MV) == [EVE]
    # eve owns the deployment directly
    assert set_ownership(org, EVE_P, API, stewards=[BOB], reason="backup")["status"] == "applied"
    assert [e["actor"] for e in log(org) if e["type"] == "ownership.set"] == [EVE, EVE, EVE]


def test_precedence_decides_whether_the_steward_origin_wins(org: GraphStore) -> None:
    set_precedence(org, ["catalog", "steward"])
    out = set_ownership(org, ADMIN, FEATURES, owners=[SUE], reason="try")
    assert owners(org, FEATURES) == [LEO]  # the catalog now outranks steward
    assert out["log"]["after"]["owners"] == [LEO]  # and the log says what the answer became
    set_precedence(org, ["steward", "catalog"])
    assert owners(org, FEATURES) == [SUE]


# ---- change requests ------------------------------------------------------------------------------
def test_a_non_owner_editor_files_a_request_that_an_owner_approves(org: GraphStore) -> None:
    out = set_ownership(org, ED_P, MODEL, owners=["ed@corp.com"], reason="I maintain it now")
    assert out["status"] == "open"
    cid = out["change"]["id"]
    assert owners(org, MODEL) == [ML]  # nothing changed yet
    assert [c["id"] for c in list_changes(org, status="open")] == [cid]
    assert list_changes(org, artifact=FEATURES) == []
    req = get_change(org, cid)
    assert req["requested_by"] == ED and req["owners"] == [ED] and req["stewards"] is None
    assert req["before"] == {"owners": [ML], "stewards": [LEO]}
    size = org.log_size()
    out = approve(org, BOB_P, cid, reason="agreed in standup")  # bob owns the model through team:ml
    assert out["status"] == "applied" and owners(org, MODEL) == [ED]
    approve_entry, set_entry = log(org)[size:]
    assert approve_entry["type"] == "change.approve" and approve_entry["actor"] == BOB
    assert approve_entry["subject"] == MODEL and approve_entry["change"] == cid
    assert set_entry["type"] == "ownership.set" and set_entry["requested_by"] == ED
    assert set_entry["before"]["owners"] == [ML] and set_entry["after"]["owners"] == [ED]
    doc = get_change(org, cid)
    assert doc["status"] == "applied" and doc["decided_by"] == BOB and doc["decision_reason"] == "agreed in standup"
    assert not doc.get("stale")
    # and the edge carries the requester's change with the approver as `by`
    (claim,) = [o for o in _owners_of(org, MODEL) if o["origin"] == "steward"]
    assert claim["change"] == cid and claim["by"] == BOB


def test_an_admin_approves_and_a_stale_request_still_applies_what_it_asked(org: GraphStore) -> None:
    cid = set_ownership(org, ED_P, FEATURES, owners=[ED], reason="mine")["change"]["id"]
    set_ownership(org, ADMIN, FEATURES, owners=[BOB], reason="meanwhile")
    out = approve(org, OTHER_ADMIN, cid, reason="fine")
    assert owners(org, FEATURES) == [ED]
    assert out["change"]["stale"] is True and out["log"]["stale"] is True
    assert out["log"]["before"]["owners"] == [BOB]


def test_the_requester_cannot_approve_their_own_request(org: GraphStore) -> None:
    cid = set_ownership(org, ED_P, MODEL, owners=[ED], reason="mine")["change"]["id"]
    size = org.log_size()
    with pytest.raises(ForbiddenError, match="cannot approve their own"):
        approve(org, ED_P, cid, reason="looks good to me")
    # the same person through another token (say, an admin one) is still the requester
    with pytest.raises(ForbiddenError, match="cannot approve their own"):
        approve(org, Principal(ED, "admin", person=ED, token_id="stw_other"), cid, reason="sneaky")
    assert org.log_size() == size and get_change(org, cid)["status"] == "open" and owners(org, MODEL) == [ML]


def test_an_admin_requester_cannot_approve_their_own_handoff_requests(org: GraphStore) -> None:
    filed = handoff_apply(org, ADMIN, LEO, to="@sue", reason="leo leaves")["requests"]
    assert filed
    for req in filed:
        with pytest.raises(ForbiddenError, match="cannot approve their own"):
            approve(org, ADMIN, req["id"], reason="self-service")
    assert all(d["status"] == "open" for d in list_changes(org))


def test_reject_and_withdraw_and_no_second_decision(org: GraphStore) -> None:
    cid = set_ownership(org, ED_P, MODEL, owners=[ED], reason="mine")["change"]["id"]
    with pytest.raises(InvalidInputError, match="reason"):
        reject(org, EVE_P, cid, reason="  ")
    out = reject(org, EVE_P, cid, reason="ed does not work on churn")
    assert out["status"] == "rejected" and owners(org, MODEL) == [ML]
    assert log(org)[-1]["type"] == "change.reject" and log(org)[-1]["actor"] == EVE
    with pytest.raises(ConflictError):
        approve(org, ADMIN, cid, reason="overrule")
    assert owners(org, MODEL) == [ML]
    other = set_ownership(org, ED_P, MODEL, owners=[ED], reason="again")["change"]["id"]
    withdrawn = reject(org, ED_P, other, reason="filed by mistake")
    assert withdrawn["status"] == "rejected" and withdrawn["log"]["withdrawn"] is True
    with pytest.raises(NotFoundError):
        approve(org, ADMIN, "chg-nope", reason="x")


def test_viewers_producers_and_non_owners_are_refused(org: GraphStore) -> None:
    size = org.log_size()
    for who in (VIEWER, PRODUCER):
        with pytest.raises(ForbiddenError):
            set_ownership(org, who, MODEL, owners=[ED], reason="let me")
    cid = set_ownership(org, ED_P, MODEL, owners=[ED], reason="mine")["change"]["id"]
    size = org.log_size()
    # a viewer who owns the model (bob's read-only token) and an editor who does not own it
    for who in (Principal(BOB, "viewer", person=BOB), Principal(SUE, "editor", person=SUE), VIEWER, PRODUCER):
        with pytest.raises(ForbiddenError):
            approve(org, who, cid, reason="yes")
        with pytest.raises(ForbiddenError):
            reject(org, who, cid, reason="no")
    assert org.log_size() == size and get_change(org, cid)["status"] == "open"


def test_unknown_or_departed_names_are_refused_and_nothing_is_written(org: GraphStore) -> None:
    size = org.log_size()
    for bad in (["nobody@corp.com"], ["@nobody"], [RAW], ["Old"], [OLD], [""]):
        with pytest.raises(InvalidInputError):
            set_ownership(org, ADMIN, FEATURES, owners=bad, reason="x")
    with pytest.raises(InvalidInputError, match="reason"):
        set_ownership(org, ADMIN, FEATURES, owners=[SUE], reason="")
    with pytest.raises(InvalidInputError, match="only artifacts"):
        set_ownership(org, ADMIN, ANN, owners=[SUE], reason="x")
    with pytest.raises(InvalidInputError):
        set_ownership(org, ADMIN, FEATURES, reason="nothing to set")
    assert org.log_size() == size and list_changes(org) == [] and owners(org, FEATURES) == [LEO]


def test_a_failure_inside_the_transaction_leaves_neither_change_nor_log(org: GraphStore) -> None:
    """The attack first: a reason with a lone surrogate is refused up front (422). Then the same value is
    pushed past that check into the write itself: it cannot be serialised canonically (RFC 8785 wants
    UTF-8), so the log entry fails inside the transaction that also holds the claims, the superseded
    marks and the record (on Neo4j they are already written by then); all of it must roll back."""
    set_ownership(org, ADMIN, FEATURES, owners=[BOB], reason="first")
    size = org.log_size()
    with pytest.raises(InvalidInputError, match="Unicode"):
        set_ownership(org, ADMIN, FEATURES, owners=[SUE], reason="broken \ud800 reason")
    view = OwnershipView.load(org, scope=[FEATURES])
    doc = {"id": "chg-broken", "artifact": FEATURES, "owners": [SUE], "stewards": None, "reason": "broken \ud800",
           "requested_by": ANN, "status": "open"}
    with pytest.raises((StewardError, ValueError)):
        _apply(org, view, doc, ADMIN)
    assert org.log_size() == size
    assert owners(org, FEATURES) == [BOB] and steward_edges(org, FEATURES) == [(BOB, "owner")]
    assert not any(e.props.get("superseded_by") for e in org.edges(kinds=[EdgeKind.OWNS], dst=[FEATURES]))
    assert [d["id"] for d in list_changes(org)] != [] and org.get_record("change", "chg-broken") is None


# ---- handoff applied ------------------------------------------------------------------------------
def test_a_handoff_goes_from_checklist_to_applied_transfers(org: GraphStore) -> None:
    org.upsert(nodes=[Node(LEO, NodeKind.PERSON, source="catalog", name="Leo", props={"active": False})])
    findings = audit(org)["findings"]
    assert any(f["rule"] == "inactive-owner" and f["artifact"] == FEATURES for f in findings)
    assert {i["artifact"]["id"] for i in handoff(org, LEO)["items"]} == {FEATURES, MODEL}
    assert [s["id"] for s in spof(org)["sole_owner"] if s["id"] == FEATURES] == []  # leo has left: nobody active

    out = handoff_apply(org, ADMIN, "leo.h", to="sue@corp.com", reason="leo left on friday")
    by_artifact = {r["artifact"]: r for r in out["requests"]}
    assert out["person"] == LEO and out["successor"] == SUE
    assert set(by_artifact) == {FEATURES, MODEL}  # the model's versions inherit from it
    assert by_artifact[FEATURES]["owners"] == [SUE] and by_artifact[FEATURES]["stewards"] is None
    assert by_artifact[MODEL]["stewards"] == [SUE] and by_artifact[MODEL]["owners"] is None
    assert owners(org, FEATURES) == [LEO]  # requests only
    pending = [f for f in audit(org)["findings"] if f["rule"] == "handoff-pending"]
    assert {f["artifact"] for f in pending} == {FEATURES, MODEL}
    assert all(f["severity"] == "warning" and "sue@corp.com" in f["message"] for f in pending)
    # filing again does not duplicate open requests
    again = handoff_apply(org, ADMIN, LEO, to=SUE, reason="twice")
    assert again["requests"] == [] and len(again["skipped"]) == 2

    approve(org, OTHER_ADMIN, by_artifact[FEATURES]["id"], reason="confirmed with sue")
    pending = [f for f in audit(org)["findings"] if f["rule"] == "handoff-pending"]
    assert [f["artifact"] for f in pending] == [MODEL]  # what is left undone stays visible
    approve(org, EVE_P, by_artifact[MODEL]["id"], reason="ok")  # eve owns the model through team:ml

    report = audit(org)
    assert not [f for f in report["findings"] if f["rule"] == "handoff-pending"]
    assert not [f for f in report["findings"] if f["artifact"] == FEATURES and f["rule"] == "inactive-owner"]
    assert report["summary"]["handoff-pending"] == 0
    assert owners(org, FEATURES) == [SUE] and owners(org, MODEL, "steward") == [SUE]
    assert handoff(org, LEO)["items"] == []
    assert {i["artifact"]["id"] for i in handoff(org, SUE)["items"]} == {FEATURES, MODEL}
    assert owners(org, MV, "steward") == [SUE]  # inherited from the model
    radius = blast_radius(org, FEATURES)
    assert FEATURES not in radius["unowned"]
    assert {p["id"] for p in radius["page"] if p["root"]} == {SUE}
    # sue is now the sole owner of the features dataset, which the deployment depends on: SPOF names her
    sole = {s["id"]: s for s in spof(org)["sole_owner"]}
    assert sole[FEATURES]["owner"] == SUE and sole[FEATURES]["deployments"] == [API]
    assert any(b["person"] == SUE and FEATURES in b["orphaned"] for b in spof(org)["bus_factor"])
    types = [e["type"] for e in log(org)]
    assert types.count("change.request") == 2 and types.count("change.approve") == 2
    assert types.count("ownership.set") == 2


def test_handoff_only_and_team_held_roles(org: GraphStore) -> None:
    out = handoff_apply(org, ADMIN, LEO, to=SUE, only=[FEATURES], reason="one at a time")
    assert [r["artifact"] for r in out["requests"]] == [FEATURES]
    with pytest.raises(InvalidInputError, match="successor"):
        handoff_apply(org, ADMIN, LEO, to="nobody@corp.com", reason="x")
    with pytest.raises(InvalidInputError, match="leaving"):
        handoff_apply(org, ADMIN, LEO, to=LEO, reason="x")
    with pytest.raises(ForbiddenError):
        handoff_apply(org, VIEWER, LEO, to=SUE, reason="x")
    # eve holds model:churn only through team:ml: a membership change, not an ownership one
    eve = handoff_apply(org, ADMIN, EVE, to=SUE, reason="eve leaves")
    assert [r["artifact"] for r in eve["requests"]] == [API]
    assert {s["artifact"] for s in eve["skipped"]} == {MODEL}


def _owners_of(store: GraphStore, artifact: str) -> list[dict[str, Any]]:
    return OwnershipView.load(store, scope=[artifact]).owner_entries(artifact)


def test_handoff_pending_is_set_in_the_policy_file(org: GraphStore, tmp_path: Path) -> None:
    handoff_apply(org, ADMIN, LEO, to=SUE, only=[FEATURES], reason="leaving")
    strict = tmp_path / "strict.yaml"
    strict.write_text("rules:\n  handoff-pending: {severity: error}\n", encoding="utf-8")
    result = audit(org, policy=load_policy(strict))
    (found,) = [f for f in result["findings"] if f["rule"] == "handoff-pending"]
    assert found["severity"] == "error" and found["artifact"] == FEATURES and not gate(result, "error")
    off = tmp_path / "off.yaml"
    off.write_text("rules:\n  handoff-pending: {enabled: false}\n", encoding="utf-8")
    result = audit(org, policy=load_policy(off))
    assert "handoff-pending" not in result["summary"]
    assert not [f for f in result["findings"] if f["rule"] == "handoff-pending"]
