"""Every source into both stores: the same recipe gives identical graphs, and replays change nothing.

The recipe is the demo's (real git repository, OpenLineage events from the official client, a
catalog, and a real MLflow server seeded with the MLflow client), so all four ingesters run.
"""

from __future__ import annotations

from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from steward.demo import run_demo
from steward.recipe import load_recipe, run_recipe
from steward.settings import Settings
from steward.store import GraphStore, open_store
from steward.store.neo4j import Neo4jStore
from tests.conftest import wipe_neo4j

pytestmark = [pytest.mark.neo4j, pytest.mark.mlflow]


def dump(store: GraphStore) -> tuple[list[Any], list[Any]]:
    """The whole graph, minus the ingest timestamps."""
    nodes = [(n.id, n.kind, n.name, n.props, n.sources) for n in store.find_nodes()]
    edges = [(e.src, e.kind, e.dst, e.key, e.source, e.props) for e in store.edges()]
    return nodes, edges


def test_recipe_gives_identical_graphs_in_both_stores(
    tmp_path: Path, mlflow_uri: str, neo4j_settings: Settings
) -> None:
    embedded_uri = f"sqlite:///{tmp_path / 'graph.db'}"
    demo = run_demo(workspace=tmp_path / "ws", store_uri=embedded_uri, mlflow=mlflow_uri,
                    console=Console(file=StringIO()))
    assert demo.report.ok, demo.report.to_json()
    recipe = load_recipe(demo.recipe, env={"MLFLOW_TRACKING_URI": mlflow_uri})
    assert {s.type for s in recipe.sources} == {"catalog", "git", "openlineage", "mlflow"}

    neo = Neo4jStore.connect(neo4j_settings.store, settings=neo4j_settings)
    wipe_neo4j(neo)
    try:
        with open_store(embedded_uri) as emb:
            # Both stores get the same recipe from the same state (the embedded one was filled by the demo).
            for store in (emb, neo):
                report = run_recipe(recipe, store)
                assert report.ok, report.to_json()
            assert set(emb.counts().nodes) == {"Commit", "Dataset", "Deployment", "Job", "Model", "ModelVersion",
                                               "Person", "Playbook", "Repo", "Run", "Team"}
            assert dump(neo) == dump(emb)
            counts = (emb.counts(), neo.counts())
            for _ in range(3):
                for store in (emb, neo):
                    run_recipe(recipe, store)
            assert (emb.counts(), neo.counts()) == counts
            assert dump(neo) == dump(emb)
    finally:
        neo.close()
