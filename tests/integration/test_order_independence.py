"""The graph is a function of its inputs, not of their order: the same recipe runs and POSTed
OpenLineage events (made by the real client), applied in random orders, give the same graph and the
same answers, on both stores."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunEvent, RunState
from openlineage.client.facet_v2 import ownership_job
from openlineage.client.serde import Serde

from steward.analysis import audit, blast_radius, spof, upstream
from steward.graph import Edge, EdgeKind, Node, NodeKind, now_iso
from steward.recipe import ingest_records, load_recipe, run_recipe
from steward.sources.openlineage import loads_event, parse_event
from steward.store import GraphStore

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
CATALOG = """
    apiVersion: steward/v1
    kind: Person
    metadata: {name: sam}
    spec: {email: sam@acme.com, aliases: [sroe]}
    ---
    apiVersion: steward/v1
    kind: Person
    metadata: {name: ada}
    spec: {email: ada@acme.com, teams: [ml-churn]}
    ---
    apiVersion: steward/v1
    kind: Team
    metadata: {name: ml}
    spec: {children: [ml-churn]}
    ---
    apiVersion: steward/v1
    kind: Ownership
    metadata: {name: curated}
    spec: {artifact: "dataset:s3://lake/curated", owners: [ml], stewards: [sam@acme.com]}
    ---
    apiVersion: steward/v1
    kind: Deployment
    metadata: {name: churn-api}
    spec:
      environment: prod
      serves: "model:churn@champion"
      depends_on: ["dataset:s3://lake/curated"]
      owners: [ada@acme.com]
"""


def _event(job: str, run_id: str, inputs: list[str], outputs: list[str], owner: str) -> str:
    facets = {"ownership": ownership_job.OwnershipJobFacet(owners=[ownership_job.Owner(name=owner, type="OWNER")])}
    return Serde.to_json(RunEvent(
        eventType=RunState.COMPLETE, eventTime="2026-11-25T10:00:00.000Z", run=Run(runId=run_id),
        job=Job(namespace="airflow", name=job, facets=facets),
        inputs=[InputDataset(namespace="s3://lake", name=n) for n in inputs],
        outputs=[OutputDataset(namespace="s3://lake", name=n) for n in outputs],
    ))


ETL = _event("etl", "0b7c2c8e-8f0e-4c1e-9a51-000000000001", ["raw"], ["curated"], "user:sroe")
TRAIN = _event("train", "0b7c2c8e-8f0e-4c1e-9a51-000000000002", ["curated"], ["features"], "user:nobody-knows")
FILE_EVENT = _event("score", "0b7c2c8e-8f0e-4c1e-9a51-000000000003", ["features"], ["scores"], "team:ml")


def _registry() -> list[Any]:
    """What the MLflow source writes for a registered model whose alias 'champion' names version 7."""
    run = "run:0b7c2c8e-8f0e-4c1e-9a51-000000000002"
    return [
        Node(id="model:churn", kind=NodeKind.MODEL, source="registry", props={"aliases": ["champion=7"]}),
        Node(id="model_version:churn/7", kind=NodeKind.MODEL_VERSION, source="registry"),
        Edge(src="model_version:churn/7", kind=EdgeKind.VERSION_OF, dst="model:churn", source="registry"),
        Edge(src=run, kind=EdgeKind.PRODUCED, dst="model_version:churn/7", source="registry"),
    ]


def _actions(tmp: Path) -> dict[str, Callable[[GraphStore], None]]:
    (tmp / "catalog.yaml").write_text(textwrap.dedent(CATALOG))
    (tmp / "events.jsonl").write_text(FILE_EVENT + "\n")
    (tmp / "catalog-recipe.yaml").write_text("sources: [{type: catalog, paths: [catalog.yaml]}]\n")
    (tmp / "ol-recipe.yaml").write_text("sources: [{type: openlineage, name: files, paths: [events.jsonl]}]\n")

    def recipe(name: str) -> Callable[[GraphStore], None]:
        def run(store: GraphStore) -> None:
            assert run_recipe(load_recipe(tmp / name), store).ok

        return run

    def post(text: str) -> Callable[[GraphStore], None]:  # what POST /api/v1/lineage does with a body
        return lambda store: ingest_records(store, parse_event(loads_event(text), source="openlineage-http",
                                                               seen_at=now_iso()))

    return {
        "catalog recipe": recipe("catalog-recipe.yaml"),
        "event file recipe": recipe("ol-recipe.yaml"),
        "POST etl": post(ETL),
        "POST train": post(TRAIN),
        "registry": lambda store: ingest_records(store, _registry()),
    }


def _graph(store: GraphStore) -> tuple[list[tuple[str, bool]], list[tuple[str, str, str, str]]]:
    nodes = [(n.id, bool(n.props.get("stub"))) for n in store.find_nodes()]
    edges = [(e.src, e.kind.value, e.dst, e.key) for e in store.edges()]
    return nodes, edges


def _answers(store: GraphStore) -> dict[str, Any]:
    roots = ["dataset:s3://lake/raw", "job:airflow/etl", "model:churn", "dataset:s3://lake/curated",
             "deployment:prod/churn-api"]
    return {
        "graph": _graph(store),
        "blast": {r: blast_radius(store, r) for r in roots},
        "upstream": upstream(store, "deployment:prod/churn-api", now=NOW, window_days=30),
        "spof": spof(store),
        "audit": audit(store, now=NOW)["findings"],
    }


def _wipe(store: GraphStore) -> None:
    for source in ("catalog", "files", "openlineage-http", "registry", "codeowners"):
        said = store.source_records(source)
        store.retract(source, nodes=said.nodes, edges=said.edges)
    assert store.counts().total_nodes == 0


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(order=st.permutations(["catalog recipe", "event file recipe", "POST etl", "POST train", "registry"]))
def test_any_order_of_the_same_inputs_gives_the_same_graph_and_answers(
    embedded_store: GraphStore, neo4j_store: GraphStore, tmp_path_factory: Any, order: list[str]
) -> None:
    actions = _actions(tmp_path_factory.mktemp("inputs"))
    reference: dict[str, Any] | None = None
    for store in (embedded_store, neo4j_store):
        _wipe(store)
        for name in sorted(actions):  # one fixed order ...
            actions[name](store)
        fixed = _answers(store)
        _wipe(store)
        for name in order:  # ... and the drawn one
            actions[name](store)
        drawn = _answers(store)
        assert drawn == fixed, order
        reference = reference or drawn
        assert drawn == reference, "the two stores disagree"
    assert reference is not None
    blast = reference["blast"]["job:airflow/etl"]
    assert blast["page"][0]["id"] == "person:sam@acme.com"  # 'user:sroe' is Sam, whichever came first
    deployment = reference["blast"]["model:churn"]
    assert "deployment:prod/churn-api" in [i["id"] for i in deployment["impacted"]]  # the alias resolved
    assert "model_version:churn@champion" not in [n for n, _ in reference["graph"][0]]
