"""Right answers wherever an incident starts (issue: models, jobs, repos, deployments; identities at
read time; the root in the answer; team hierarchy), on both stores.

The organisation (lineage left to right)::

    legacy -> etl-old ---\\
    raw ----> etl-new ---> curated -> train-old -> churn/7 -> prod/churn-api -FEEDS-> prod/revenue-dashboard
                                                     \\-> staging/churn-api      gold/rev -DEPLOYED_TO-/
    etl-old, etl-new are runs of job:etl; train-old of job:train; churn/7 a version of model:churn.

People: Sam (aliases sroe, @sroe), Ada, Leo (left). team:ml has no member of its own; its sub-team
team:ml-churn has Ada.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from steward.analysis import audit, blast_radius, handoff, spof, upstream
from steward.graph import Edge, EdgeKind, Node, NodeKind, OwnershipClaim
from steward.lookup import resolve_node, search
from steward.store import GraphStore, open_store

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
SAM, ADA, LEO = "person:sam@acme.com", "person:ada@acme.com", "person:leo@acme.com"
ML, ML_CHURN = "team:ml", "team:ml-churn"
RAW, LEGACY, CURATED, GOLD, LONELY = ("dataset:raw", "dataset:legacy", "dataset:curated", "dataset:gold/rev",
                                      "dataset:lonely")
ETL_NEW, ETL_OLD, TRAIN = "run:etl-new", "run:etl-old", "run:train-old"
JOB_ETL, JOB_TRAIN, MODEL, MV7 = "job:etl", "job:train", "model:churn", "model_version:churn/7"
API, STAGING, DASH = "deployment:prod/churn-api", "deployment:staging/churn-api", "deployment:prod/revenue-dashboard"


def _node(nid: str, source: str, name: str = "", **props: object) -> Node:
    kind = {"person": NodeKind.PERSON, "team": NodeKind.TEAM, "dataset": NodeKind.DATASET, "run": NodeKind.RUN,
            "job": NodeKind.JOB, "model": NodeKind.MODEL, "model_version": NodeKind.MODEL_VERSION,
            "deployment": NodeKind.DEPLOYMENT}[nid.split(":")[0]]
    return Node(id=nid, kind=kind, source=source, name=name, props=props)  # type: ignore[arg-type]


def _claim(owner: str, artifact: str, role: str, source: str) -> OwnershipClaim:
    return OwnershipClaim(owner=owner, artifact=artifact, role=role, source=source, origin=source)  # type: ignore[arg-type]


def lineage_batch() -> dict[str, list]:  # type: ignore[type-arg]
    def e(a: str, kind: EdgeKind, b: str, src: str = "openlineage") -> Edge:
        return Edge(src=a, kind=kind, dst=b, source=src)

    return {
        "nodes": [
            _node(RAW, "openlineage"), _node(LEGACY, "openlineage"), _node(CURATED, "openlineage"),
            _node(GOLD, "openlineage"), _node(LONELY, "openlineage"),
            _node(ETL_NEW, "openlineage", started_at="2026-11-25T00:00:00.000Z"),
            _node(ETL_OLD, "openlineage", started_at="2025-01-01T00:00:00.000Z"),
            _node(TRAIN, "mlflow", started_at="2025-10-22T00:00:00.000Z"),
            _node(JOB_ETL, "openlineage"), _node(JOB_TRAIN, "mlflow"), _node(MODEL, "mlflow"), _node(MV7, "mlflow"),
        ],
        "edges": [
            e(LEGACY, EdgeKind.CONSUMED_BY, ETL_OLD), e(ETL_OLD, EdgeKind.PRODUCED, CURATED),
            e(RAW, EdgeKind.CONSUMED_BY, ETL_NEW), e(ETL_NEW, EdgeKind.PRODUCED, CURATED),
            e(ETL_NEW, EdgeKind.RUN_OF, JOB_ETL), e(ETL_OLD, EdgeKind.RUN_OF, JOB_ETL),
            e(CURATED, EdgeKind.CONSUMED_BY, TRAIN, "mlflow"), e(TRAIN, EdgeKind.RUN_OF, JOB_TRAIN, "mlflow"),
            e(TRAIN, EdgeKind.PRODUCED, MV7, "mlflow"), e(MV7, EdgeKind.VERSION_OF, MODEL, "mlflow"),
        ],
        "claims": [
            _claim("person:sroe", JOB_ETL, "owner", "openlineage"),  # a handle the catalog explains
            _claim("person:nobody-knows", RAW, "owner", "openlineage"),  # a name nobody explains
            _claim(LEO, MV7, "steward", "mlflow"),  # a low-precedence claim of the version's own
        ],
    }


def catalog_batch() -> dict[str, list]:  # type: ignore[type-arg]
    def e(a: str, kind: EdgeKind, b: str) -> Edge:
        return Edge(src=a, kind=kind, dst=b, source="catalog")

    return {
        "nodes": [
            _node(SAM, "catalog", "Sam Roe", email="sam@acme.com", aliases=["sroe", "@sroe"]),
            _node(ADA, "catalog", "Ada", email="ada@acme.com"),
            _node(LEO, "catalog", "Leo", email="leo@acme.com", active=False),
            _node(ML, "catalog"), _node(ML_CHURN, "catalog"),
            _node(API, "catalog", runbook="https://wiki/churn-api"), _node(STAGING, "catalog"), _node(DASH, "catalog"),
        ],
        "edges": [
            e(ML_CHURN, EdgeKind.MEMBER_OF, ML), e(ADA, EdgeKind.MEMBER_OF, ML_CHURN),
            e(MV7, EdgeKind.DEPLOYED_TO, API), e(MV7, EdgeKind.DEPLOYED_TO, STAGING),
            e(GOLD, EdgeKind.DEPLOYED_TO, DASH), e(API, EdgeKind.FEEDS, DASH),
            e("dataset:nowhere", EdgeKind.FEEDS, STAGING),
        ],
        "claims": [
            _claim(ML, CURATED, "owner", "catalog"),
            _claim(ADA, MODEL, "owner", "catalog"), _claim(SAM, MODEL, "steward", "catalog"),
            _claim(SAM, API, "owner", "catalog"), _claim(ADA, LONELY, "owner", "catalog"),
        ],
    }


@pytest.fixture
def org(store: GraphStore) -> GraphStore:
    store.upsert(**lineage_batch())
    store.upsert(**catalog_batch())
    return store


def _ids(items: list[dict]) -> list[str]:  # type: ignore[type-arg]
    return [i["id"] for i in items]


def test_blast_radius_of_a_model_is_the_union_over_its_versions_and_pages_its_owners_first(org: GraphStore) -> None:
    result = blast_radius(org, MODEL)
    assert result["members"] == [MV7]
    got = [(i["id"], i["distance"]) for i in result["impacted"]]
    assert got == [(MODEL, 0), (MV7, 1), (API, 2), (STAGING, 2), (DASH, 3)]
    by_id = {i["id"]: i for i in result["impacted"]}
    assert by_id[DASH]["path"] == [MODEL, MV7, API, DASH]  # a deployment that depends on another is hit
    page = result["page"]
    assert [(p["id"], p["root"], p["roles"]) for p in page] == [
        (SAM, True, ["owner", "steward"]), (ADA, True, ["owner"]),
    ]
    assert page[0]["deployments"] == [API] and page[0]["contact"] == "sam@acme.com"
    assert page[0]["runbooks"] == ["https://wiki/churn-api"]


def test_blast_radius_of_a_job_covers_every_run(org: GraphStore) -> None:
    result = blast_radius(org, JOB_ETL)
    assert result["members"] == [ETL_NEW, ETL_OLD]
    ids = _ids(result["impacted"])
    assert ids[:3] == [JOB_ETL, ETL_NEW, ETL_OLD]
    assert {CURATED, TRAIN, MV7, API, STAGING, DASH, JOB_TRAIN, MODEL} <= set(ids)
    assert result["page"][0]["id"] == SAM and result["page"][0]["root"]  # named as sroe by OpenLineage


def test_upstream_names_pipelines_and_models_and_never_walks_through_a_container(org: GraphStore) -> None:
    result = upstream(org, API, now=NOW)
    listed = {u["id"]: u for u in result["upstream"]}
    assert listed[MODEL]["container_of"] == [MV7]
    assert listed[JOB_TRAIN]["container_of"] == [TRAIN]
    assert listed[JOB_ETL]["container_of"] == [ETL_NEW, ETL_OLD]
    new_run = upstream(org, ETL_NEW, now=NOW)
    assert _ids(new_run["upstream"]) == [RAW]  # the job's old run and its input do not leak in
    of_job = upstream(org, JOB_ETL, now=NOW)
    assert set(_ids(of_job["upstream"])) == {ETL_NEW, ETL_OLD, RAW, LEGACY}


def test_spof_and_audit_count_a_containers_deployments(org: GraphStore) -> None:
    result = spof(org)
    sole = {e["id"]: e for e in result["sole_owner"]}
    assert sole[JOB_ETL]["owner"] == SAM
    assert sole[JOB_ETL]["deployments"] == [API, DASH, STAGING]
    findings = audit(org, now=NOW)["findings"]
    steward_gaps = {f["artifact"] for f in findings if f["rule"] == "no-steward"}
    assert JOB_ETL in steward_gaps  # its runs feed deployments, so a missing backup matters


def test_stale_runs_is_about_the_deployed_versions_training_run(org: GraphStore) -> None:
    stale = [f for f in audit(org, now=NOW)["findings"] if f["rule"] == "stale-runs"]
    assert [f["artifact"] for f in stale] == [MV7]  # yesterday's ETL run upstream does not hide it
    assert TRAIN in stale[0]["message"] and "400 days" in stale[0]["message"]


def test_unresolved_names_are_reported_never_paged(org: GraphStore) -> None:
    result = blast_radius(org, RAW)
    assert "person:nobody-knows" not in _ids(result["page"])
    assert RAW in result["unowned"]
    assert {"artifact": RAW, "owner": "person:nobody-knows", "role": "owner", "source": "openlineage"} in \
        result["unresolved"]
    entry = next(o for o in result["impacted"][0]["owners"] if o["id"] == "person:nobody-knows")
    assert entry["unresolved"] is True and entry["active"] is False
    findings = audit(org, now=NOW)["findings"]
    assert ("unresolved-owner", RAW) in {(f["rule"], f["artifact"]) for f in findings}
    assert ("unresolved-identity", "person:nobody-knows") in {(f["rule"], f["artifact"]) for f in findings}
    assert "person:sroe" not in {f["artifact"] for f in findings if f["rule"] == "unresolved-identity"}


def test_aliases_handles_and_emails_name_a_person_everywhere(org: GraphStore) -> None:
    for text in ("@sroe", "user:sroe", "sroe", "person:sroe", "sam@acme.com", SAM):
        assert resolve_node(org, text).id == SAM, text
    assert _ids([h.to_json() for h in search(org, "@sroe")])[0] == SAM
    result = handoff(org, "person:sroe")
    assert result["person"]["id"] == SAM
    assert {i["artifact"]["id"] for i in result["items"]} == {JOB_ETL, MODEL, MV7, API}  # MV7: inherited steward


def test_the_root_is_part_of_the_answer_even_with_nothing_downstream(org: GraphStore) -> None:
    result = blast_radius(org, LONELY)
    assert [(i["id"], i["distance"]) for i in result["impacted"]] == [(LONELY, 0)]
    assert [(p["id"], p["root"], p["artifacts"]) for p in result["page"]] == [(ADA, True, [LONELY])]


def test_a_parent_team_with_no_members_of_its_own_pages_through_its_sub_teams(org: GraphStore) -> None:
    result = blast_radius(org, CURATED)
    ada = next(p for p in result["page"] if p["id"] == ADA)
    assert ada["root"] and ada["teams"] == [ML] and ada["through"] == [ML_CHURN]
    assert CURATED not in result["unowned"]
    findings = audit(org, now=NOW)["findings"]
    assert ML not in {f["artifact"] for f in findings if f["rule"] == "empty-team"}


def test_inheritance_is_per_role_and_follows_precedence(org: GraphStore) -> None:
    result = blast_radius(org, MV7)
    owners = result["impacted"][0]["owners"]
    effective = sorted((o["id"], o["role"], o.get("inherited_from")) for o in owners if o["effective"])
    # the version's own mlflow steward loses to the model's catalog steward; the owner is inherited
    assert effective == [(ADA, "owner", MODEL), (SAM, "steward", MODEL)]
    assert (LEO, "steward", None) in {(o["id"], o["role"], o.get("inherited_from")) for o in owners}


def test_deployments_depend_on_any_artifact_and_unknown_references_are_findings(org: GraphStore) -> None:
    assert DASH in _ids(blast_radius(org, GOLD)["impacted"])
    findings = audit(org, now=NOW)["findings"]
    unknown = [f for f in findings if f["rule"] == "unknown-reference"]
    assert [(f["artifact"], f["severity"]) for f in unknown] == [(STAGING, "error")]
    assert "dataset:nowhere" in unknown[0]["message"]


def test_answers_do_not_depend_on_the_order_of_ingestion(store: GraphStore, tmp_path: Path) -> None:
    """The store under test gets lineage first (an event POSTed before the catalog explained its
    names); an embedded store gets the catalog first. Same inputs, same answers."""
    store.upsert(**lineage_batch())
    store.upsert(**catalog_batch())
    other_store = open_store(f"sqlite:///{tmp_path / 'other.db'}", create=True)
    other_store.upsert(**catalog_batch())
    other_store.upsert(**lineage_batch())
    for start in (JOB_ETL, RAW, MODEL, CURATED):
        assert blast_radius(store, start) == blast_radius(other_store, start), start
    assert spof(store) == spof(other_store)
    assert audit(store, now=NOW)["findings"] == audit(other_store, now=NOW)["findings"]
    other_store.close()


def test_the_handoff_checklist_says_how_each_claim_is_held(org: GraphStore) -> None:
    result = handoff(org, SAM)
    held = {i["artifact"]["id"]: i["held"] for i in result["items"]}
    assert held[MODEL] == [{"role": "steward", "via": "catalog"}]
    assert held[JOB_ETL] == [{"role": "owner", "via": "openlineage"}]
    assert "Change the declared steward (said by `catalog`)" in result["checklist"]
    ada = handoff(org, ADA)
    curated = next(i for i in ada["items"] if i["artifact"]["id"] == CURATED)
    assert curated["held"] == [{"role": "owner", "via": ML}]
    assert f"Held through team `{ML}` (owner)" in ada["checklist"]


def test_upstream_entries_carry_a_path_from_the_root(org: GraphStore) -> None:
    listed = {u["id"]: u for u in upstream(org, DASH, now=NOW)["upstream"]}
    assert listed[RAW]["path"] == [DASH, API, MV7, TRAIN, CURATED, ETL_NEW, RAW]
    assert listed[MODEL]["path"] == [DASH, API, MV7, MODEL]  # a container: beside its nearest member
    for entry in listed.values():
        assert entry["path"][0] == DASH and len(entry["path"]) == entry["distance"] + 1 + ("container_of" in entry)
