"""The analyses on a hand-built organisation, on both stores, against hand-derived answers.

The organisation (lineage flows left to right)::

    raw/events -> etl1 -> curated/sessions -> train1 -> churn/1 -> prod/churn-batch
                   |              |  \\-> feat -> features -\\
                 job:etl          \\-------------------> train2 -> churn/2 -> prod/churn-api
                                                 commit c1 -/            \\-> staging/churn-api
    churn/1, churn/2, churn/3 (no run) are versions of model:churn; train1/train2 are runs of job:train.

People: ada, bob, dee active; cy has left. team churn-team = ada + bob; ghost-team = cy only.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from steward.analysis import audit, blast_radius, handoff, spof, upstream
from steward.analysis.audit import gate
from steward.errors import InvalidInputError, NotFoundError
from steward.graph import Edge, EdgeKind, Node, NodeKind, OwnershipClaim
from steward.store import GraphStore

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
ADA, BOB, CY, DEE = "person:ada@corp.com", "person:bob@corp.com", "person:cy@corp.com", "person:dee@corp.com"
CHURN_TEAM, GHOST_TEAM = "team:churn-team", "team:ghost-team"
RAW, CURATED, FEATURES = "dataset:raw/events", "dataset:curated/sessions", "dataset:features"
ETL1, FEAT, TRAIN1, TRAIN2 = "run:etl1", "run:feat", "run:train1", "run:train2"
MV1, MV2, MV3, MODEL = "model_version:churn/1", "model_version:churn/2", "model_version:churn/3", "model:churn"
API, STAGING, BATCH = "deployment:prod/churn-api", "deployment:staging/churn-api", "deployment:prod/churn-batch"
C1 = "commit:repo@c1"


def build(store: GraphStore) -> None:
    kind_of = {"person": NodeKind.PERSON, "team": NodeKind.TEAM, "dataset": NodeKind.DATASET, "run": NodeKind.RUN,
               "job": NodeKind.JOB, "model_version": NodeKind.MODEL_VERSION, "model": NodeKind.MODEL,
               "deployment": NodeKind.DEPLOYMENT, "commit": NodeKind.COMMIT}

    def n(nid: str, src: str = "catalog", name: str = "", **props: object) -> Node:
        return Node(id=nid, kind=kind_of[nid.split(":")[0]], source=src, name=name, props=props)  # type: ignore[arg-type]

    def e(a: str, kind: EdgeKind, b: str, src: str = "lineage") -> Edge:
        return Edge(src=a, kind=kind, dst=b, source=src)

    def c(
        owner: str, artifact: str, role: str = "owner", src: str = "catalog", since: str | None = None
    ) -> OwnershipClaim:
        return OwnershipClaim(owner=owner, artifact=artifact, role=role, source=src, since=since,  # type: ignore[arg-type]
                              origin=src)

    nodes = [
        n(ADA, name="Ada"), n(BOB, name="Bob"), n(CY, name="Cy", active=False), n(DEE, name="Dee"),
        n("person:jdoe", src="mlflow", unresolved=True),
        n(CHURN_TEAM), n(GHOST_TEAM),
        n(RAW, "lineage"), n(CURATED, "lineage"), n(FEATURES, "lineage"),
        n(ETL1, "lineage", started_at="2026-02-01T00:00:00.000Z"), n(FEAT, "lineage"),
        n(TRAIN1, "lineage", started_at="2026-01-01T00:00:00.000Z"),
        n(TRAIN2, "lineage", started_at="2026-11-20T08:00:00.000Z", status="FINISHED"),
        n(MV1, "lineage"), n(MV2, "lineage", created_at="2026-11-21T00:00:00.000Z"), n(MV3, "lineage"),
        n(MODEL, "lineage"), n("job:etl", "lineage"), n("job:train", "lineage"),
        n(API, runbook="https://wiki/churn-api"), n(STAGING), n(BATCH),
        n(C1, "git", sha="c1", subject="tune features", committed_at="2026-11-22T00:00:00.000Z"),
    ]
    edges = [
        e(RAW, EdgeKind.CONSUMED_BY, ETL1), e(ETL1, EdgeKind.PRODUCED, CURATED), e(ETL1, EdgeKind.RUN_OF, "job:etl"),
        e(CURATED, EdgeKind.CONSUMED_BY, TRAIN1), e(CURATED, EdgeKind.CONSUMED_BY, TRAIN2),
        e(CURATED, EdgeKind.CONSUMED_BY, FEAT), e(FEAT, EdgeKind.PRODUCED, FEATURES),
        e(FEATURES, EdgeKind.CONSUMED_BY, TRAIN2),
        e(TRAIN1, EdgeKind.PRODUCED, MV1), e(TRAIN2, EdgeKind.PRODUCED, MV2),
        e(TRAIN1, EdgeKind.RUN_OF, "job:train"), e(TRAIN2, EdgeKind.RUN_OF, "job:train"),
        e(MV1, EdgeKind.VERSION_OF, MODEL), e(MV2, EdgeKind.VERSION_OF, MODEL), e(MV3, EdgeKind.VERSION_OF, MODEL),
        e(MV2, EdgeKind.DEPLOYED_TO, API), e(MV2, EdgeKind.DEPLOYED_TO, STAGING), e(MV1, EdgeKind.DEPLOYED_TO, BATCH),
        e(C1, EdgeKind.BUILT, TRAIN2, "git"), e(DEE, EdgeKind.AUTHORED, C1, "git"),
        e("person:jdoe", EdgeKind.LAUNCHED, TRAIN1, "mlflow"),
        e(ADA, EdgeKind.MEMBER_OF, CHURN_TEAM, "catalog"), e(BOB, EdgeKind.MEMBER_OF, CHURN_TEAM, "catalog"),
        e(CY, EdgeKind.MEMBER_OF, GHOST_TEAM, "catalog"),
    ]
    claims = [
        c(CY, RAW),
        c(ADA, CURATED), c(BOB, CURATED, "steward"), c(DEE, CURATED, src="codeowners"),
        c(GHOST_TEAM, "job:etl"),
        c("person:ghost@corp.com", "job:train"),
        c(CHURN_TEAM, MODEL), c(DEE, MODEL, "steward"),
        c(BOB, API, since="2026-11-24T09:00:00.000Z"), c(BOB, STAGING), c(DEE, BATCH), c(ADA, BATCH, "steward"),
    ]
    store.upsert(nodes=nodes, edges=edges, claims=claims)


@pytest.fixture
def org(store: GraphStore) -> GraphStore:
    build(store)
    return store


def test_blast_radius(org: GraphStore) -> None:
    result = blast_radius(org, RAW)
    assert result["root"] == {"id": RAW, "kind": "Dataset", "name": "raw/events"}
    got = [(i["id"], i["distance"]) for i in result["impacted"]]
    assert got == [
        (RAW, 0),  # the broken thing itself heads the answer
        (ETL1, 1),
        (CURATED, 2), ("job:etl", 2),
        (FEAT, 3), (TRAIN1, 3), (TRAIN2, 3),
        (FEATURES, 4), ("job:train", 4), (MV1, 4), (MV2, 4),
        (API, 5), (BATCH, 5), (STAGING, 5), (MODEL, 5),
    ]
    by_id = {i["id"]: i for i in result["impacted"]}
    assert by_id[API]["path"] == [RAW, ETL1, CURATED, TRAIN2, MV2, API]
    # claims are listed with their source, the losing CODEOWNERS one too
    assert [(o["id"], o["role"], o["source"], o["active"], o["effective"]) for o in by_id[CURATED]["owners"]] == [
        (ADA, "owner", "catalog", True, True), (DEE, "owner", "codeowners", True, False),
        (BOB, "steward", "catalog", True, True),
    ]
    # a model version takes its model's claims; a team owner shows as one entry
    assert [(o["id"], o.get("inherited_from")) for o in by_id[MV2]["owners"]] == [(CHURN_TEAM, MODEL), (DEE, MODEL)]
    assert [(p["id"], p["deployments"], len(p["artifacts"])) for p in result["page"]] == [
        (BOB, [API, STAGING], 6), (ADA, [BATCH], 5), (DEE, [BATCH], 4),
    ]
    assert result["unowned"] == [RAW, ETL1, "job:etl", FEAT, TRAIN1, TRAIN2, FEATURES, "job:train"]
    assert result["truncated"] is False
    assert by_id[RAW]["path"] == [RAW]
    assert result["counts"]["impacted"] == 14


def test_blast_radius_caps_are_reported(org: GraphStore) -> None:
    shallow = blast_radius(org, RAW, max_depth=2)
    assert [i["id"] for i in shallow["impacted"]] == [RAW, ETL1, CURATED, "job:etl"]
    assert shallow["truncated"] is True
    assert blast_radius(org, RAW, max_depth=5)["truncated"] is False
    capped = blast_radius(org, RAW, limit=3)
    assert len(capped["impacted"]) == 4  # the root and three downstream
    assert capped["truncated"] is True
    only_consumed = blast_radius(org, RAW, edge_kinds=["consumed_by"])
    assert [i["id"] for i in only_consumed["impacted"]] == [RAW, ETL1]
    with pytest.raises(InvalidInputError, match="not a lineage edge kind"):
        blast_radius(org, RAW, edge_kinds=["OWNS"])
    with pytest.raises(NotFoundError):
        blast_radius(org, "dataset:nope")


def test_upstream_with_recent_changes(org: GraphStore) -> None:
    result = upstream(org, API, now=NOW)
    # the containers of the members reached are listed beside them (pipelines and models, not just runs)
    assert [(u["id"], u["distance"], u.get("container_of")) for u in result["upstream"]] == [
        (MODEL, 1, [MV2]), (MV2, 1, None), ("job:train", 2, [TRAIN2]), (TRAIN2, 2, None),
        (C1, 3, None), (CURATED, 3, None), (FEATURES, 3, None),
        ("job:etl", 4, [ETL1]), (ETL1, 4, None), (FEAT, 4, None), (RAW, 5, None),
    ]
    assert [(c["kind"], c["id"], c["at"][:10]) for c in result["changes"]] == [
        ("ownership", API, "2026-11-24"),
        ("commit", C1, "2026-11-22"),
        ("model_version", MV2, "2026-11-21"),
        ("run", TRAIN2, "2026-11-20"),
    ]
    run_change = next(c for c in result["changes"] if c["kind"] == "run")
    assert run_change["container"] == "job:train" and "of job train" in run_change["summary"]
    wide = upstream(org, API, now=NOW, window_days=365)
    assert ("run", ETL1) in [(c["kind"], c["id"]) for c in wide["changes"]]
    assert ("dataset_version", CURATED) in [(c["kind"], c["id"]) for c in wide["changes"]]


def test_single_points_of_failure(org: GraphStore) -> None:
    result = spof(org)
    assert [(s["id"], s["owner"], s["deployments_at_risk"]) for s in result["sole_owner"]] == [
        (API, BOB, 1), (STAGING, BOB, 1),
    ]
    assert [(b["person"], b["orphaned"], b["deployments_at_risk"]) for b in result["bus_factor"]] == [
        (ADA, [CURATED], 3), (BOB, [API, STAGING], 2), (DEE, [BATCH], 1),
    ]
    # dominators over the data flow: code is its own axis, so a dataset can dominate every deployment;
    # entries that dominate nothing (features feeds train2, which curated reaches anyway) are left out
    assert [(c["id"], c["deployments"], c["dominates"]) for c in result["chokepoints"]] == [
        (CURATED, [API, BATCH, STAGING], [API, BATCH, STAGING]),
        (RAW, [API, BATCH, STAGING], [API, BATCH, STAGING]),
        (ETL1, [API, BATCH, STAGING], [API, BATCH, STAGING]),
        (MV2, [API, STAGING], [API, STAGING]),
        (TRAIN2, [API, STAGING], [API, STAGING]),
    ]
    assert [(c["id"], c["deployments"], c["dominates"]) for c in result["code_chokepoints"]] == [
        (C1, [API, STAGING], [API, STAGING]),
    ]


def test_audit_findings_and_gate(org: GraphStore) -> None:
    result = audit(org, now=NOW)
    got = [(f["severity"], f["rule"], f["artifact"]) for f in result["findings"]]
    assert got == [
        ("error", "dangling-owner", "job:train"),
        ("error", "inactive-owner", RAW),
        ("error", "inactive-owner", "job:etl"),
        ("error", "inactive-owner", "job:train"),
        ("error", "no-owner", FEATURES),
        ("warning", "empty-team", GHOST_TEAM),
        ("warning", "no-lineage", MV3),
        ("warning", "no-steward", FEATURES),
        ("warning", "no-steward", RAW),
        ("warning", "no-steward", API),
        ("warning", "no-steward", STAGING),
        # jobs count the deployments their runs feed
        ("warning", "no-steward", "job:etl"),
        ("warning", "no-steward", "job:train"),
        ("warning", "owner-conflict", CURATED),
        # the deployed version's training run is 329 days old (a daily ETL run would not hide it)
        ("warning", "stale-runs", MV1),
        ("warning", "unresolved-identity", "person:jdoe"),
    ]
    stale = next(f for f in result["findings"] if f["rule"] == "stale-runs")
    assert TRAIN1 in stale["message"] and "329 days" in stale["message"] and BATCH in stale["message"]
    assert result["summary"]["inactive-owner"] == 3
    assert result["summary"]["no-owner"] == 1
    assert not gate(result, "error")
    assert not gate(result, "warning")
    assert gate(result, None)


def test_handoff_suggests_successors(org: GraphStore) -> None:
    result = handoff(org, BOB, now=NOW)
    items = {i["artifact"]["id"]: i for i in result["items"]}
    assert sorted(items) == [CURATED, API, STAGING, MODEL]
    assert items[CURATED]["roles"] == ["steward"]
    assert items[CURATED]["successor"]["id"] == ADA
    assert [(c["id"], c["reason"].split(" (")[0]) for c in items[API]["candidates"]] == [
        (ADA, "member of churn-team"),
        (DEE, "1 recent commit(s) to the code upstream of it"),
    ]
    assert items[MODEL]["successor"] == {"id": DEE, "name": "Dee", "reason": "already the steward (named backup)"}
    assert items[API]["provenance"]["deployments"] == [{"id": API, "runbook": "https://wiki/churn-api"}]
    assert "runbook: https://wiki/churn-api" in result["checklist"]
    assert f"`{CURATED}`" in result["checklist"]
    with pytest.raises(InvalidInputError, match="not a person"):
        handoff(org, RAW)


# ---- random graphs: both stores against a brute-force reference ----------------------------------------
def _reference(edges: list[tuple[str, str]], start: str, *, up: bool) -> dict[str, int]:
    adj: dict[str, list[str]] = {}
    for a, b in edges:
        adj.setdefault(b if up else a, []).append(a if up else b)
    dist = {start: 0}
    frontier = [start]
    while frontier:
        nxt = []
        for n in frontier:
            for m in adj.get(n, []):
                if m not in dist:
                    dist[m] = dist[n] + 1
                    nxt.append(m)
        frontier = nxt
    del dist[start]
    return dist


def _random_org(data: Any) -> tuple[list[Node], list[Edge], list[OwnershipClaim], list[tuple[str, str]]]:
    n = data.draw(st.integers(2, 14), label="datasets")
    m = data.draw(st.integers(1, 10), label="runs")
    datasets = [f"dataset:d{i}" for i in range(n)]
    runs = [f"run:r{i}" for i in range(m)]
    pairs = data.draw(st.lists(st.tuples(st.sampled_from(datasets), st.sampled_from(runs), st.booleans()),
                               max_size=40), label="edges")
    edges, flat = [], []
    for d, r, consumed in pairs:
        a, b, kind = (d, r, EdgeKind.CONSUMED_BY) if consumed else (r, d, EdgeKind.PRODUCED)
        edges.append(Edge(src=a, kind=kind, dst=b, source="t"))
        flat.append((a, b))
    people = ["person:a@x.com", "person:b@x.com"]
    nodes = [Node(id=p, kind=NodeKind.PERSON, source="t", props={"active": i == 0}) for i, p in enumerate(people)]
    nodes += [Node(id=d, kind=NodeKind.DATASET, source="t") for d in datasets]
    nodes += [Node(id=r, kind=NodeKind.RUN, source="t") for r in runs]
    owned = data.draw(st.lists(st.tuples(st.sampled_from(datasets), st.sampled_from(people)), max_size=10),
                      label="claims")
    claims = [OwnershipClaim(owner=p, artifact=d, role="owner", source="t") for d, p in owned]
    return nodes, edges, claims, flat


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_blast_radius_and_upstream_match_reference_on_both_stores(
    embedded_store: GraphStore, neo4j_store: GraphStore, data: Any
) -> None:
    nodes, edges, claims, flat = _random_org(data)
    start = data.draw(st.sampled_from([n.id for n in nodes if not n.id.startswith("person:")]), label="start")
    answers = []
    for store in (embedded_store, neo4j_store):
        said = store.source_records("t")
        store.retract("t", nodes=said.nodes, edges=said.edges)
        store.upsert(nodes=nodes, edges=edges, claims=claims)
        blast = blast_radius(store, start)
        up = upstream(store, start, now=NOW)
        answers.append((blast, up))
        down_ref = _reference(flat, start, up=False)
        assert {i["id"]: i["distance"] for i in blast["impacted"]} == down_ref
        active = {c.artifact for c in claims if c.owner == "person:a@x.com"}
        assert blast["unowned"] == [i["id"] for i in blast["impacted"] if i["id"] not in active]
        for item in blast["impacted"]:
            path = item["path"]
            assert path[0] == start
            assert len(path) == item["distance"] + 1
            assert all(pair in flat for pair in itertools.pairwise(path))
        assert {u["id"]: u["distance"] for u in up["upstream"]} == _reference(flat, start, up=True)
    assert answers[0] == answers[1], "the two stores disagree"
