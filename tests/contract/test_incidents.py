"""Incidents on both stores: the freeze, every state transition (and the refused ones), suspect marks
and their clearing on resolve, notes/assignees/links, history upstream, playbooks, and the log."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from steward.analysis import audit, blast_radius, handoff
from steward.errors import InvalidInputError, NotFoundError
from steward.governance.principal import Principal
from steward.graph import Edge, EdgeKind, Node, NodeKind, OwnershipClaim
from steward.incidents import (
    IncidentStateError,
    add_link,
    add_note,
    assign,
    get_incident,
    list_incidents,
    matching_playbooks,
    open_incident,
    suspects,
    transition,
)
from steward.incidents.core import artifact_context
from steward.recipe import load_recipe, run_recipe
from steward.store import GraphStore
from tests.contract.test_analyses import (
    ADA,
    API,
    BATCH,
    BOB,
    CURATED,
    DEE,
    FEATURES,
    MV2,
    RAW,
    STAGING,
    TRAIN2,
    build,
)

ANN = Principal(actor="person:ada@corp.com", role="editor", person=ADA)
OPS = Principal(actor="local:ops", role="admin")


def _log(store: GraphStore) -> list[dict[str, Any]]:
    return [ln.data() for ln in store.log_lines()]


def _open(store: GraphStore, artifact: str = CURATED, **kw: Any) -> dict[str, Any]:
    return open_incident(store, artifact, title=kw.pop("title", "nulls in sessions"),
                         severity=kw.pop("severity", "sev2"), actor=kw.pop("actor", ANN), **kw)


def test_open_freezes_the_blast_radius_and_the_paging_list_and_logs_it(store: GraphStore) -> None:
    build(store)
    live = blast_radius(store, CURATED)
    doc = _open(store, summary_text="the 03:00 load wrote nulls")
    assert doc["status"] == "open" and doc["severity"] == "sev2" and doc["artifact"]["id"] == CURATED
    assert [i["id"] for i in doc["frozen"]["impacted"]] == [i["id"] for i in live["impacted"]]
    assert doc["frozen"]["page"] == live["page"] and doc["frozen"]["unowned"] == live["unowned"]
    assert get_incident(store, doc["id"]) == doc  # stored as returned
    (entry,) = _log(store)
    assert entry["type"] == "incident.open" and entry["subject"] == CURATED and entry["incident"] == doc["id"]
    assert entry["actor"] == ANN.actor and entry["paged"] == [p["id"] for p in live["page"]]
    assert store.counts().total_nodes == len(store.find_nodes())  # the incident is a record, not a node


def test_a_later_ingest_does_not_rewrite_what_was_known(store: GraphStore) -> None:
    build(store)
    doc = _open(store)
    frozen = json.loads(json.dumps(doc["frozen"]))
    # After the incident opened: a new consumer downstream, a new owner, and the old owner leaves.
    store.upsert(nodes=[Node("dataset:late", NodeKind.DATASET, source="lineage"),
                        Node(ADA, NodeKind.PERSON, source="catalog", name="Ada", props={"active": False})],
                 edges=[Edge(CURATED, EdgeKind.CONSUMED_BY, "run:late", source="lineage"),
                        Edge("run:late", EdgeKind.PRODUCED, "dataset:late", source="lineage")],
                 claims=[OwnershipClaim(owner=DEE, artifact=CURATED, role="owner", source="catalog2",
                                        origin="catalog")])
    live = blast_radius(store, CURATED)
    assert "dataset:late" in {i["id"] for i in live["impacted"]}
    assert live["page"] != frozen["page"]  # the graph moved on...
    again = get_incident(store, doc["id"])
    assert again["frozen"] == frozen  # ...the incident still says what was known when it broke
    assert "dataset:late" not in {i["id"] for i in again["frozen"]["impacted"]}
    assert ADA in {p["id"] for p in again["frozen"]["page"]}


def test_every_transition_in_order_each_logged(store: GraphStore) -> None:
    build(store)
    doc = _open(store)
    doc = transition(store, doc["id"], "ack", actor=OPS)
    assert doc["status"] == "acknowledged" and doc["acknowledged_at"]
    doc = transition(store, doc["id"], "mitigate", actor=OPS, reason="rolled back to yesterday's partition")
    assert doc["status"] == "mitigated" and doc["mitigated_at"]
    doc = transition(store, doc["id"], "resolve", actor=ANN, reason="loader fixed, partition re-run")
    assert doc["status"] == "resolved" and doc["resolution"]["reason"] == "loader fixed, partition re-run"
    assert doc["resolution"]["by"] == ANN.actor
    assert [h["status"] for h in doc["status_history"]] == ["open", "acknowledged", "mitigated", "resolved"]
    assert get_incident(store, doc["id"]) == doc
    log = _log(store)
    assert [e["type"] for e in log] == ["incident.open", "incident.ack", "incident.mitigate", "incident.resolve"]
    assert [(e.get("before"), e.get("after")) for e in log[1:]] == [
        ("open", "acknowledged"), ("acknowledged", "mitigated"), ("mitigated", "resolved")]
    assert {e["subject"] for e in log} == {CURATED} and log[2]["actor"] == "local:ops"
    assert log[3]["reason"] == "loader fixed, partition re-run"


def test_a_false_alarm_resolves_from_acknowledged(store: GraphStore) -> None:
    build(store)
    doc = _open(store)
    transition(store, doc["id"], "ack", actor=OPS)
    assert transition(store, doc["id"], "resolve", actor=OPS, reason="false alarm")["status"] == "resolved"


@pytest.mark.parametrize(("path", "action", "reason"), [
    ([], "mitigate", "x"),  # open -> mitigated skips the acknowledgement
    ([], "resolve", "x"),  # open -> resolved: nobody acknowledged it
    (["ack"], "ack", None),  # twice
    (["ack", "mitigate"], "mitigate", "x"),
    (["ack", "mitigate", "resolve"], "ack", None),  # a resolved incident stays resolved
    (["ack", "mitigate", "resolve"], "resolve", "again"),
])
def test_invalid_transitions_are_refused_and_change_nothing(
    store: GraphStore, path: list[str], action: str, reason: str | None,
) -> None:
    build(store)
    doc = _open(store)
    for step in path:
        doc = transition(store, doc["id"], step, actor=OPS, reason="done")
    size = store.log_size()
    with pytest.raises(IncidentStateError, match=f"is {doc['status']}") as err:
        transition(store, doc["id"], action, actor=OPS, reason=reason)
    assert err.value.http_status == 409 and err.value.exit_code != 0
    assert get_incident(store, doc["id"]) == doc and store.log_size() == size


def test_a_resolution_needs_a_reason(store: GraphStore) -> None:
    build(store)
    doc = transition(store, _open(store)["id"], "ack", actor=OPS)
    for reason in (None, "   "):
        with pytest.raises(InvalidInputError, match="reason"):
            transition(store, doc["id"], "resolve", actor=OPS, reason=reason)
    assert get_incident(store, doc["id"])["status"] == "acknowledged"


def test_bad_input_is_refused(store: GraphStore) -> None:
    build(store)
    with pytest.raises(InvalidInputError, match="severity"):
        _open(store, severity="sev9")
    with pytest.raises(InvalidInputError, match="title"):
        _open(store, title="  ")
    with pytest.raises(NotFoundError):
        _open(store, artifact="dataset:nope")
    with pytest.raises(InvalidInputError, match="artifacts"):
        _open(store, artifact=ADA)  # a person is not an artifact
    with pytest.raises(NotFoundError):
        get_incident(store, "inc-nope")
    with pytest.raises(InvalidInputError, match="unknown transition"):
        transition(store, _open(store)["id"], "reopen", actor=OPS)
    assert [e["type"] for e in _log(store)] == ["incident.open"]


def test_suspects_are_marked_while_open_and_cleared_on_resolve(store: GraphStore) -> None:
    build(store)
    before = audit(store)
    doc = _open(store, artifact=CURATED)
    frozen = {i["id"] for i in doc["frozen"]["impacted"]}
    assert {CURATED, TRAIN2, MV2, API, STAGING, BATCH, FEATURES} <= frozen and RAW not in frozen
    listed = suspects(store)["suspects"]
    assert {s["id"] for s in listed} == frozen
    by_id = {s["id"]: s["incidents"] for s in listed}
    assert by_id[CURATED][0]["distance"] == 0 and by_id[API][0]["incident"] == doc["id"]
    # the blast radius of something upstream shows the marks
    blast = blast_radius(store, RAW)
    marked = {i["id"] for i in blast["impacted"] if i.get("suspect")}
    assert marked == frozen and blast["counts"]["suspect"] == len(frozen)
    assert not next(i for i in blast["impacted"] if i["id"] == RAW).get("suspect")
    # the audit says it, per artifact
    found = {f["artifact"] for f in audit(store)["findings"] if f["rule"] == "suspect"}
    assert found == frozen and not [f for f in before["findings"] if f["rule"] == "suspect"]
    assert artifact_context(store, store.get_node(API))["suspect"][0]["incident"] == doc["id"]  # type: ignore[arg-type]
    # something made downstream after the incident opened is suspect as well (not frozen)
    store.upsert(edges=[Edge(FEATURES, EdgeKind.CONSUMED_BY, "run:late", source="lineage")])
    late = {s["id"]: s["incidents"][0] for s in suspects(store)["suspects"]}
    assert late["run:late"]["frozen"] is False and late[API]["frozen"] is True
    # resolve: nothing is suspect any more, anywhere
    transition(store, doc["id"], "ack", actor=OPS)
    transition(store, doc["id"], "resolve", actor=OPS, reason="false alarm")
    assert suspects(store) == {"suspects": []}
    assert not [i for i in blast_radius(store, RAW)["impacted"] if i.get("suspect")]
    assert not [f for f in audit(store)["findings"] if f["rule"] == "suspect"]
    assert artifact_context(store, store.get_node(API))["suspect"] == []  # type: ignore[arg-type]


def test_suspects_of_one_incident(store: GraphStore) -> None:
    build(store)
    one = _open(store, artifact=CURATED)
    two = _open(store, artifact=MV2, severity="sev1")
    only = suspects(store, incident=two["id"])["suspects"]
    assert {s["id"] for s in only} == {i["id"] for i in two["frozen"]["impacted"]}
    both = {s["id"]: [m["incident"] for m in s["incidents"]] for s in suspects(store)["suspects"]}
    assert both[API] == [two["id"], one["id"]]  # worst severity first


def test_notes_assignees_and_links(store: GraphStore) -> None:
    build(store)
    doc = _open(store)
    add_note(store, doc["id"], "looking at the loader", actor=ANN)
    doc = add_note(store, doc["id"], "found it", actor=OPS)
    assert [(n["by"], n["text"]) for n in doc["notes"]] == [(ANN.actor, "looking at the loader"),
                                                           (OPS.actor, "found it")]
    assert doc["notes"][0]["at"] <= doc["notes"][1]["at"]
    doc = assign(store, doc["id"], [BOB, "ada@corp.com"], actor=OPS)
    assert doc["assignees"] == [ADA, BOB]
    doc = assign(store, doc["id"], [BOB], actor=OPS, remove=True)
    assert doc["assignees"] == [ADA]
    with pytest.raises(NotFoundError):
        assign(store, doc["id"], ["nobody@corp.com"], actor=OPS)
    doc = add_link(store, doc["id"], "https://wiki.corp/pm/42", kind="postmortem", title="Postmortem", actor=ANN)
    assert doc["links"][0]["url"] == "https://wiki.corp/pm/42" and doc["links"][0]["kind"] == "postmortem"
    for bad in ("javascript:alert(1)", "file:///etc/passwd", "ftp://x/y", "https://", "not a url",
                "https://wiki.corp/a b"):
        with pytest.raises(InvalidInputError):
            add_link(store, doc["id"], bad, actor=ANN)
    with pytest.raises(InvalidInputError, match="link kind"):
        add_link(store, doc["id"], "https://x.corp", kind="meme", actor=ANN)
    types = [e["type"] for e in _log(store)]
    assert types == ["incident.open", "incident.note", "incident.note", "incident.assign", "incident.assign",
                     "incident.link"]
    assert get_incident(store, doc["id"]) == doc


def test_history_lists_incidents_of_the_artifact_and_upstream(store: GraphStore) -> None:
    build(store)
    up = _open(store, artifact=RAW, title="late events")
    transition(store, up["id"], "ack", actor=OPS)
    transition(store, up["id"], "resolve", actor=OPS, reason="upstream vendor fixed the feed")
    add_link(store, up["id"], "https://wiki.corp/pm/1", kind="postmortem", actor=OPS)
    own = _open(store, artifact=MV2, title="bad scores")
    down = _open(store, artifact=API, title="api down")  # downstream of MV2: not part of its history
    history = list_incidents(store, artifact=MV2)["incidents"]
    assert [i["id"] for i in history] == [own["id"], up["id"]]
    assert history[1]["relation"] == "upstream" and history[0]["relation"] == "itself"
    assert history[1]["resolution"]["reason"] == "upstream vendor fixed the feed"
    assert history[1]["postmortems"] == ["https://wiki.corp/pm/1"]
    assert down["id"] not in {i["id"] for i in history}
    assert {i["id"] for i in list_incidents(store, status="active")["incidents"]} == {own["id"], down["id"]}
    assert [i["id"] for i in list_incidents(store, status="resolved")["incidents"]] == [up["id"]]
    with pytest.raises(InvalidInputError):
        list_incidents(store, status="closed")
    # the handoff of someone who owns MV2's model shows them
    result = handoff(store, ADA)
    item = next(i for i in result["items"] if i["artifact"]["id"] == CURATED)
    assert [i["id"] for i in item["incidents"]] == [up["id"]]
    assert f"Read incident `{up['id']}`" in result["checklist"] and "https://wiki.corp/pm/1" in result["checklist"]


def _playbook(name: str, **props: Any) -> Node:
    sections = {"failure_modes": [{"text": "nulls", "owners": [ADA]}], "rollback_criteria": [],
                "data_integrity_checks": [], "communication": [{"text": "post in #data", "owners": []}]}
    return Node(f"playbook:{name}", NodeKind.PLAYBOOK, source="catalog", name=name,
                props={"sections": json.dumps(sections), "owners": [ADA], **props})


def test_playbooks_match_by_artifact_kind_and_tag_and_are_attached_at_open(store: GraphStore) -> None:
    build(store)
    store.upsert(nodes=[
        _playbook("datasets", applies_kinds=["Dataset"]),
        _playbook("named", applies_artifacts=[API]),
        _playbook("prod", applies_tags=["prod"]),
        _playbook("models", applies_kinds=["ModelVersion"]),
        Node(API, NodeKind.DEPLOYMENT, source="catalog", props={"environment": "prod"}),
    ])
    api = store.get_node(API)
    assert api is not None
    found = matching_playbooks(store, api)
    assert [(p["id"], p["matched_by"]) for p in found] == [("playbook:named", [f"names {API}"]),
                                                          ("playbook:prod", ["tag prod"])]
    assert found[0]["sections"]["failure_modes"] == [{"text": "nulls", "owners": [ADA]}]
    doc = _open(store, artifact=CURATED)
    assert [p["id"] for p in doc["playbooks"]] == ["playbook:datasets"]
    assert [p["id"] for p in artifact_context(store, api)["playbooks"]] == ["playbook:named", "playbook:prod"]
    # a playbook is knowledge about artifacts, not an artifact: no owner finding, not in a blast radius
    assert "playbook:datasets" not in {f["artifact"] for f in audit(store)["findings"]}
    assert not [i for i in blast_radius(store, RAW)["impacted"] if i["kind"] == "Playbook"]


PEOPLE_YAML = """
apiVersion: steward/v1
kind: Person
metadata: {name: eve}
spec: {email: eve@corp.com}
---
apiVersion: steward/v1
kind: Person
metadata: {name: fay}
spec: {email: fay@corp.com}
"""
PLAYBOOK_YAML = PEOPLE_YAML + """---
apiVersion: steward/v1
kind: Playbook
metadata: {name: features, title: Corrupted features}
spec:
  applies_to: {kinds: [Dataset], artifacts: ["deployment:prod/churn-api"]}
  owners: [ada@corp.com]
  failure_modes: ["nulls in a partition", {text: "schema drift", owners: [team:churn-team]}]
  rollback_criteria: ["more than 1% nulls: serve yesterday's features"]
  data_integrity_checks: [{text: "row counts within 5% of last week", owners: ["bob@corp.com"]}]
  communication: ["#churn-incidents, then the model's consumers"]
"""


def test_catalog_playbooks_ingest_and_are_removed_on_reingest(store: GraphStore, tmp_path: Path) -> None:
    (tmp_path / "catalog").mkdir()
    (tmp_path / "catalog" / "playbooks.yaml").write_text(PLAYBOOK_YAML)
    (tmp_path / "recipe.yaml").write_text("sources:\n  - type: catalog\n    name: runbooks\n    paths: [catalog]\n")
    recipe = load_recipe(tmp_path / "recipe.yaml")
    assert run_recipe(recipe, store).ok
    build(store)
    (pb,) = store.find_nodes(kinds=[NodeKind.PLAYBOOK])
    assert pb.id == "playbook:features" and pb.name == "Corrupted features"
    sections = matching_playbooks(store, store.get_node(CURATED))[0]["sections"]  # type: ignore[arg-type]
    assert sections["failure_modes"][1] == {"text": "schema drift", "owners": ["team:churn-team"]}
    assert sections["data_integrity_checks"][0]["owners"] == ["person:bob@corp.com"]
    (tmp_path / "catalog" / "playbooks.yaml").write_text(PEOPLE_YAML)
    assert run_recipe(recipe, store).ok
    assert store.find_nodes(kinds=[NodeKind.PLAYBOOK]) == []
    assert matching_playbooks(store, store.get_node(CURATED)) == []  # type: ignore[arg-type]
