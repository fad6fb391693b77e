"""What a blast radius keeps across commits (issue 12, cold HTTP answers): the names it listed, the claims
and containers it read, what it made of them, the people and teams (``GraphStore.kept``), and every
``OWNS`` edge read once (``prepare``). A commit that changes none of it keeps it; one that changes
ownership, a name, a container, a person or a membership inside a cached closure changes the next
answer -- whether this store object or another one (another process, as far as it knows) wrote it, on
both stores. And on random organisations and random writes, the kept answer is the answer of a store
object that keeps nothing yet."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from steward.analysis import blast_radius
from steward.analysis.blast import _carry_summaries, prepare
from steward.graph import Edge, EdgeKey, EdgeKind, Node, NodeKind, OwnershipClaim
from steward.store import GraphStore, open_store
from steward.store.embedded import EmbeddedStore
from tests.contract.test_analyses import NOW

ROOT = "dataset:raw"
MID = "dataset:mid"
OUT = "dataset:out"
FAR = "dataset:elsewhere"
JOB = "job:etl"
JOB2 = "job:etl2"
R1 = "run:r1"
R2 = "run:r2"
ANN = "person:ann@x.com"
BEN = "person:ben@x.com"
CAT = "person:cat@x.com"
TEAM = "team:data"


def _build(store: GraphStore) -> None:
    nodes = [Node(id=p, kind=NodeKind.PERSON, source="catalog", name=p.split(":")[1].split("@")[0],
                  props={"active": True, "email": p.split(":")[1]}) for p in (ANN, BEN, CAT)]
    nodes += [Node(id=TEAM, kind=NodeKind.TEAM, source="catalog", name="Data")]
    nodes += [Node(id=d, kind=NodeKind.DATASET, source="t", name=d.split(":")[1]) for d in (ROOT, MID, OUT, FAR)]
    nodes += [Node(id=j, kind=NodeKind.JOB, source="t", name=j) for j in (JOB, JOB2)]
    nodes += [Node(id=r, kind=NodeKind.RUN, source="t", name=r) for r in (R1, R2)]
    edges = [Edge(ROOT, EdgeKind.CONSUMED_BY, R1, source="t"), Edge(R1, EdgeKind.PRODUCED, MID, source="t"),
             Edge(MID, EdgeKind.CONSUMED_BY, R2, source="t"), Edge(R2, EdgeKind.PRODUCED, OUT, source="t"),
             Edge(R1, EdgeKind.RUN_OF, JOB, source="t"), Edge(R2, EdgeKind.RUN_OF, JOB, source="t"),
             Edge(ANN, EdgeKind.MEMBER_OF, TEAM, source="catalog")]
    claims = [OwnershipClaim(owner=TEAM, artifact=JOB, role="owner", source="openlineage"),
              OwnershipClaim(owner=BEN, artifact=MID, role="owner", source="catalog")]
    store.upsert(nodes=nodes, edges=edges, claims=claims)


def _answer(store: GraphStore) -> dict[str, Any]:
    first = blast_radius(store, ROOT, now=NOW)
    assert blast_radius(store, ROOT, now=NOW) == first  # the second from what the first kept
    return first


def _item(result: dict[str, Any], node: str) -> dict[str, Any]:
    return next(i for i in result["impacted"] if i["id"] == node)


def _owner_ids(result: dict[str, Any], node: str) -> list[str]:
    return [o["id"] for o in _item(result, node)["owners"] if o["effective"]]


def _page(result: dict[str, Any]) -> set[str]:
    return {p["id"] for p in result["page"]}


def test_ownership_inside_a_kept_closure_changes_the_next_answer(store: GraphStore) -> None:
    _build(store)
    prepare(store)
    before = _answer(store)
    assert _owner_ids(before, R1) == [TEAM] and ANN in _page(before) and CAT not in _page(before)
    # a claim on the container its runs inherit from
    store.upsert(claims=[OwnershipClaim(owner=CAT, artifact=JOB, role="owner", source="steward", origin="steward")])
    after = _answer(store)
    assert _owner_ids(after, R1) == [CAT] and _owner_ids(after, R2) == [CAT] and CAT in _page(after)
    # a claim of a run's own
    store.upsert(claims=[OwnershipClaim(owner=BEN, artifact=R2, role="owner", source="steward", origin="steward")])
    assert _owner_ids(_answer(store), R2) == [BEN]  # at equal precedence its own claim wins
    # withdrawn again
    store.retract("steward", nodes=[], edges=[EdgeKey(BEN, EdgeKind.OWNS, R2, "steward|owner")])
    assert _owner_ids(_answer(store), R2) == [CAT]
    # a run moved to another container
    store.upsert(edges=[Edge(R1, EdgeKind.RUN_OF, JOB2, source="t2")])
    store.retract("t", nodes=[], edges=[EdgeKey(R1, EdgeKind.RUN_OF, JOB, "t")])
    moved = _answer(store)
    assert _owner_ids(moved, R1) == [] and R1 in moved["unowned"]


def test_a_write_by_another_store_object_inside_a_kept_closure_changes_the_next_answer(
    store: GraphStore, store_factory: Callable[[], GraphStore],
) -> None:
    _build(store)
    prepare(store)
    before = _answer(store)
    assert _owner_ids(before, MID) == [BEN] and _item(before, OUT)["name"] == "out"
    other = store_factory()
    other.upsert(claims=[OwnershipClaim(owner=CAT, artifact=MID, role="owner", source="steward", origin="steward")])
    assert _owner_ids(_answer(store), MID) == [CAT]
    other.upsert(claims=[OwnershipClaim(owner=BEN, artifact=JOB, role="owner", source="steward", origin="steward")])
    assert _owner_ids(_answer(store), R1) == [BEN]
    other.upsert(nodes=[Node(id=OUT, kind=NodeKind.DATASET, source="t", name="renamed")])
    assert _item(_answer(store), OUT)["name"] == "renamed"
    # a membership and a person leaving: the people are read again
    other.retract("steward", nodes=[], edges=[EdgeKey(BEN, EdgeKind.OWNS, JOB, "steward|owner")])
    assert _owner_ids(_answer(store), R1) == [TEAM] and ANN in _page(_answer(store))
    other.upsert(edges=[Edge(CAT, EdgeKind.MEMBER_OF, TEAM, source="catalog")])
    assert CAT in {p["id"] for p in _answer(store)["page"] if R1 in p["artifacts"]}
    other.upsert(nodes=[Node(id=ANN, kind=NodeKind.PERSON, source="catalog", name="ann", props={"active": False})])
    assert ANN not in {p["id"] for p in _answer(store)["page"] if R1 in p["artifacts"]}


def test_an_unrelated_commit_keeps_what_was_read(embedded_store: GraphStore) -> None:
    """White-box, embedded: the memo, the names and the people outlive a commit elsewhere in the graph (the
    point of carrying them), and the next answer is still right."""
    store = embedded_store
    assert isinstance(store, EmbeddedStore)
    _build(store)
    prepare(store)
    before = _answer(store)
    held = dict(store._kept or {})
    for key in ("ownership.memo", "ownership.people", "ownership.owns", "blast.summaries"):
        assert key in held, key
    store.upsert(nodes=[Node(id="dataset:new", kind=NodeKind.DATASET, source="t")],
                 edges=[Edge(FAR, EdgeKind.CONSUMED_BY, "run:far", source="t")],
                 claims=[OwnershipClaim(owner=CAT, artifact=FAR, role="owner", source="catalog")])
    # carried over the commit (a dict built anew would be empty), less the nodes the commit made
    names = store.kept("blast.summaries", dict, _carry_summaries)
    assert names is not held["blast.summaries"][2] and names.get(OUT) == (NodeKind.DATASET, "out")
    assert _answer(store) == before
    kept = store._kept or {}
    for key in ("ownership.people", "ownership.owns"):
        assert kept[key][2] is held[key][2], key  # the same object: carried, not built anew
    assert kept["ownership.memo"][2].owns.get(R1) is held["ownership.memo"][2].owns.get(R1)
    # and a commit inside the closure is not kept over
    store.upsert(claims=[OwnershipClaim(owner=CAT, artifact=OUT, role="owner", source="catalog")])
    assert _owner_ids(_answer(store), OUT) == [CAT]


_ARTIFACTS = [f"dataset:d{i}" for i in range(5)] + ["run:r0", "run:r1", "run:r2", "job:j0", "job:j1"]
_PEOPLE = ["person:a@x.com", "person:b@x.com", "team:t0", "team:t1"]


def _write(data: Any) -> dict[str, Any]:
    """One random write: a claim, a withdrawn claim, a rename, a person coming or going, a membership, a
    lineage edge, a run's container."""
    what = data.draw(st.sampled_from(["claim", "unclaim", "rename", "active", "member", "edge", "move"]))
    return {"what": what, "owner": data.draw(st.sampled_from(_PEOPLE)),
            "artifact": data.draw(st.sampled_from(_ARTIFACTS)),
            "origin": data.draw(st.sampled_from(["catalog", "openlineage", "steward"])),
            "role": data.draw(st.sampled_from(["owner", "steward"])),
            "flag": data.draw(st.booleans()), "n": data.draw(st.integers(0, 2))}


def _apply(store: GraphStore, w: dict[str, Any]) -> None:
    what, owner, artifact = w["what"], w["owner"], w["artifact"]
    if what == "claim":
        store.upsert(claims=[OwnershipClaim(owner=owner, artifact=artifact, role=w["role"], source=w["origin"])])
    elif what == "unclaim":
        store.retract(w["origin"], nodes=[], edges=[EdgeKey(owner, EdgeKind.OWNS, artifact,
                                                            f"{w['origin']}|{w['role']}")])
    elif what == "rename":
        store.upsert(nodes=[Node(id=artifact, kind=NodeKind(_kind(artifact)), source="t", name=f"n{w['n']}")])
    elif what == "active" and owner.startswith("person:"):
        store.upsert(nodes=[Node(id=owner, kind=NodeKind.PERSON, source="catalog", props={"active": w["flag"]})])
    elif what == "member" and owner.startswith("person:"):
        store.upsert(edges=[Edge(owner, EdgeKind.MEMBER_OF, f"team:t{w['n'] % 2}", source="catalog")])
    elif what == "edge":
        run = f"run:r{w['n']}"
        if artifact.startswith("dataset:"):
            kind, a, b = (EdgeKind.CONSUMED_BY, artifact, run) if w["flag"] else (EdgeKind.PRODUCED, run, artifact)
            store.upsert(edges=[Edge(a, kind, b, source="t")])
    elif what == "move":
        run = f"run:r{w['n']}"
        for j in ("job:j0", "job:j1"):
            store.retract("t", nodes=[], edges=[EdgeKey(run, EdgeKind.RUN_OF, j, "t")])
        store.upsert(edges=[Edge(run, EdgeKind.RUN_OF, f"job:j{int(w['flag'])}", source="t")])


def _kind(node: str) -> str:
    return {"dataset": "Dataset", "run": "Run", "job": "Job"}[node.split(":")[0]]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_kept_answers_after_random_writes_are_a_fresh_store_objects(data: Any) -> None:
    """Embedded (the store that keeps answers across commits): after each random write, by this store
    object or another, the kept answer for every root equals the answer of a store object opened anew."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "graph.db"
        store = open_store(f"sqlite:///{path}", create=True)
        other = open_store(f"sqlite:///{path}")
        try:
            nodes = [Node(id=p, kind=NodeKind.PERSON, source="catalog", props={"active": True})
                     for p in _PEOPLE if p.startswith("person:")]
            nodes += [Node(id=t, kind=NodeKind.TEAM, source="catalog") for t in _PEOPLE if t.startswith("team:")]
            nodes += [Node(id=a, kind=NodeKind(_kind(a)), source="t") for a in _ARTIFACTS]
            edges = [Edge("dataset:d0", EdgeKind.CONSUMED_BY, "run:r0", source="t"),
                     Edge("run:r0", EdgeKind.PRODUCED, "dataset:d1", source="t"),
                     Edge("dataset:d1", EdgeKind.CONSUMED_BY, "run:r1", source="t"),
                     Edge("run:r1", EdgeKind.PRODUCED, "dataset:d2", source="t"),
                     Edge("run:r0", EdgeKind.RUN_OF, "job:j0", source="t"),
                     Edge("run:r1", EdgeKind.RUN_OF, "job:j0", source="t"),
                     Edge("person:a@x.com", EdgeKind.MEMBER_OF, "team:t0", source="catalog")]
            store.upsert(nodes=nodes, edges=edges, claims=[
                OwnershipClaim(owner="team:t0", artifact="job:j0", role="owner", source="openlineage")])
            prepare(store)
            roots = ["dataset:d0", "dataset:d1", "dataset:d3", "job:j0"]
            for r in roots:
                blast_radius(store, r, now=NOW)
            for _ in range(data.draw(st.integers(1, 6), label="writes")):
                w = _write(data)
                _apply(other if data.draw(st.booleans(), label="by another") else store, w)
                fresh = open_store(f"sqlite:///{path}")
                try:
                    for r in roots:
                        assert blast_radius(store, r, now=NOW) == blast_radius(fresh, r, now=NOW), (w, r)
                finally:
                    fresh.close()
        finally:
            other.close()
            store.close()
