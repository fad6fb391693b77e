"""`steward demo`'s engine, end to end: real git, the real OpenLineage client, a real MLflow server.

Expectations come from the story the demo is built from (:mod:`steward.demo.story`) and from what
the builder reports it made (commit shas, run ids, registered versions), never from a previous
run's output.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
import yaml
from rich.console import Console

from steward.analysis import audit, blast_radius, handoff, spof, upstream
from steward.demo import DemoResult, run_demo, story
from steward.demo.build import recipe_text
from steward.errors import ConfigError
from steward.graph import EdgeKind, Node, NodeKind
from steward.identity import Identities
from steward.local.mlflow_server import start_mlflow_server
from steward.recipe import load_recipe
from steward.settings import Settings
from steward.store import GraphStore, open_store

REPO_ROOT = Path(__file__).resolve().parents[2]
PERSON_IDS = {p.id for p in story.PEOPLE.values()}
ACTIVE_IDS = {p.id for p in story.PEOPLE.values() if p.active}
CURATED = story.dataset(*story.CURATED_SESSIONS)
FEATURES = story.dataset(*story.FEATURES)


def _console() -> Console:
    return Console(file=StringIO(), width=200)


def _leaver_owns() -> set[str]:
    """Artifacts the catalog declares the leaver the (sole) owner of."""
    email = story.LEAVER.removeprefix("person:")
    return {a for a, (owners, _) in story.OWNERSHIP.items() if owners == (email,)}


def _findings(result: dict[str, Any], rule: str) -> set[str]:
    return {f["artifact"] for f in result["findings"] if f["rule"] == rule}


@dataclass
class Demo:
    result: DemoResult
    uri: str
    console: StringIO

    def store(self) -> GraphStore:
        return open_store(self.uri)


@pytest.fixture(scope="module")
def offline(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    """The demo without MLflow (fast): git + OpenLineage + catalog."""
    base = tmp_path_factory.mktemp("demo-off")
    uri = f"sqlite:///{base / 'demo.db'}"
    out = StringIO()
    result = run_demo(workspace=base / "ws", store_uri=uri, mlflow="off", console=Console(file=out, width=200))
    return Demo(result, uri, out)


@pytest.fixture
def store(offline: Demo) -> Iterator[GraphStore]:
    s = offline.store()
    yield s
    s.close()


# ---- without MLflow ---------------------------------------------------------------------------

def test_offline_demo_builds_the_workspace_and_ingests_every_source(offline: Demo, store: GraphStore) -> None:
    r = offline.result
    assert r.report.ok, r.report.to_json()
    assert r.report.unresolved == [], "every name in the demo maps to a catalog person"
    ran = {o.report.source for o in r.report.outcomes}
    assert {"catalog", "git", "openlineage", "codeowners"} <= ran
    assert "mlflow" not in ran and r.mlflow_uri is None and r.champion is None
    assert any("MLflow was off" in n for n in r.notes)
    assert f"Building the demo in {r.workspace}" in offline.console.getvalue()
    for name in ("repo", "lineage.jsonl", "catalog.yaml", "recipe.yaml"):
        assert (r.workspace / name).exists(), name
    # The repository is real: its commits, remote and .mailmap-merged authors are in the graph.
    repo = store.get_node("repo:github.com/acme/churn-models")
    assert repo is not None and repo.props["url"] == story.REPO_URL
    commits = {n.props["sha"] for n in store.find_nodes(kinds=[NodeKind.COMMIT])}
    assert commits == set(r.commits.values())
    authors = {e.src for e in store.edges(kinds=[EdgeKind.AUTHORED])}
    assert authors <= PERSON_IDS, "old e-mails are merged by .mailmap into catalog people"
    assert story.LEAVER in authors
    weights = f"commit:{r.commits['weights']}"
    co_authored = store.edges(kinds=[EdgeKind.AUTHORED], dst=[weights])
    assert {e.src for e in co_authored} == {story.PEOPLE["ada"].id, story.PEOPLE["margaret"].id}
    # OpenLineage runs link to the commits whose code they ran.
    for ol_run, run_id in zip(story.OL_RUNS, r.lineage_runs, strict=True):
        if ol_run.commit:
            built = store.edges(kinds=[EdgeKind.BUILT], dst=[f"run:{run_id}"])
            assert [e.src for e in built] == [f"commit:{r.commits[ol_run.commit]}"]


def test_blast_radius_reaches_the_pipeline_and_pages_real_people(offline: Demo, store: GraphStore) -> None:
    r = offline.result
    result = blast_radius(store, r.key_dataset)
    impacted = {i["id"] for i in result["impacted"]}
    task_runs = {f"run:{rid}" for o, rid in zip(story.OL_RUNS, r.lineage_runs, strict=True) if o.parent}
    assert task_runs <= impacted
    assert {CURATED, FEATURES, story.CONFLICT_JOB, f"job:{story.AIRFLOW}/train.churn"} <= impacted
    page = {p["id"] for p in result["page"]}
    assert page, "somebody is paged"
    assert page <= ACTIVE_IDS, "the paging list names real, active people"
    assert story.LEAVER not in page
    assert _leaver_owns() <= set(result["unowned"])
    # Without MLflow, nothing links training to the deployed model versions.
    assert not impacted & set(r.deployments)


def test_spof_names_sole_owners_and_the_bus_factor(offline: Demo, store: GraphStore) -> None:
    result = spof(store)
    sole = {e["id"]: e["owner"] for e in result["sole_owner"]}
    unbacked = [d for d in story.DEPLOYMENTS if not d.stewards]
    for d in unbacked:
        assert sole.get(d.id) == story.BUS_FACTOR
    top = result["bus_factor"][0]
    assert top["person"] == story.BUS_FACTOR
    assert set(top["orphaned"]) >= {d.id for d in story.DEPLOYMENTS}


def test_audit_finds_every_planted_gap(offline: Demo, store: GraphStore) -> None:
    result = audit(store)
    assert _leaver_owns() <= _findings(result, "inactive-owner")
    assert _findings(result, "empty-team") == {story.EMPTY_TEAM}
    assert _findings(result, "owner-conflict") == {story.CONFLICT_JOB}
    conflict = next(f for f in result["findings"] if f["rule"] == "owner-conflict")
    assert "codeowners" in conflict["message"] and story.PEOPLE["grace"].id in conflict["message"]
    assert story.NO_OWNER_DATASET in _findings(result, "no-owner")
    assert {d.id for d in story.DEPLOYMENTS if not d.stewards} <= _findings(result, "no-steward")
    served = {e.src for e in store.edges(kinds=[EdgeKind.DEPLOYED_TO])}
    assert served
    assert served <= _findings(result, "no-lineage"), "without MLflow no deployed version has lineage"
    assert not _findings(result, "dangling-owner") and not _findings(result, "unresolved-identity")


def test_handoff_of_the_leaver_suggests_active_successors(offline: Demo, store: GraphStore) -> None:
    result = handoff(store, story.LEAVER)
    assert result["person"]["active"] is False
    items = {i["artifact"]["id"]: i for i in result["items"]}
    assert _leaver_owns() <= set(items)
    leaver = story.PEOPLE["alan"]
    team_mates = {p.id for p in story.PEOPLE.values() if p.active and set(p.teams) & set(leaver.teams)}
    for artifact in _leaver_owns():
        successor = items[artifact]["successor"]
        assert successor is not None, items[artifact]
        assert successor["id"] in team_mates, items[artifact]
    for item in items.values():
        assert item["successor"] is None or item["successor"]["id"] in ACTIVE_IDS
    for artifact in _leaver_owns():
        assert f"`{artifact}`" in result["checklist"]


def test_upstream_shows_recent_commits_within_the_window(offline: Demo, store: GraphStore) -> None:
    r = offline.result
    days = 3
    result = upstream(store, FEATURES, window_days=days)
    changed = {c["id"] for c in result["changes"] if c["kind"] == "commit"}
    upstream_ids = {u["id"] for u in result["upstream"]}
    for ol_run in story.OL_RUNS:
        if ol_run.commit is None:
            continue
        cid = f"commit:{r.commits[ol_run.commit]}"
        if cid not in upstream_ids:
            continue
        commit = next(c for c in story.COMMITS if c.key == ol_run.commit)
        assert (cid in changed) == (commit.hours_ago < days * 24), commit.key
    assert changed, "the demo's history has commits within the window"


def test_running_twice_gives_the_same_graph(offline: Demo) -> None:
    with offline.store() as s:
        before = s.counts()
        old_runs = {f"run:{rid}" for rid in offline.result.lineage_runs}
    again = run_demo(workspace=offline.result.workspace, store_uri=offline.uri, mlflow="off", console=_console())
    assert again.report.ok
    with offline.store() as s:
        after = s.counts()
        assert not s.get_nodes(sorted(old_runs)), "the store was emptied before the second ingest"
    assert (after.nodes, after.edges) == (before.nodes, before.edges)
    offline.result = again


def test_demo_refuses_a_store_and_a_folder_it_did_not_make(tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path / 'real.db'}"
    with open_store(uri, create=True) as s:
        s.upsert(nodes=[Node(id="dataset:s3://prod/orders", kind=NodeKind.DATASET, source="catalog")])
    with pytest.raises(ConfigError, match="did not write"):
        run_demo(workspace=tmp_path / "ws", store_uri=uri, mlflow="off", console=_console())
    with open_store(uri) as s:
        assert s.get_node("dataset:s3://prod/orders") is not None, "a foreign store is left untouched"
    mine = tmp_path / "my-project"
    (mine / "repo").mkdir(parents=True)
    with pytest.raises(ConfigError, match="not made by `steward demo`"):
        run_demo(workspace=mine, store_uri=f"sqlite:///{tmp_path / 'demo.db'}", mlflow="off", console=_console())
    assert (mine / "repo").is_dir()
    with pytest.raises(ConfigError, match="--mlflow"):
        run_demo(workspace=tmp_path / "ws2", store_uri=f"sqlite:///{tmp_path / 'd.db'}", mlflow="maybe",
                 console=_console())


def test_example_recipe_is_the_demo_recipe_with_workspace_paths() -> None:
    env = {"MLFLOW_TRACKING_URI": "http://127.0.0.1:5000"}
    example = load_recipe(REPO_ROOT / "ingest" / "demo.yaml", env=env)
    assert example.base_dir == REPO_ROOT / "ingest"
    demo = yaml.safe_load(recipe_text(mlflow=True))

    def strip(value: Any) -> Any:
        if isinstance(value, str):
            return value.removeprefix("demo-workspace/")
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    got = [{k: strip(v) for k, v in s.model_dump(exclude_none=True).items()} for s in example.sources]
    want = [{**s, "tracking_uri": env["MLFLOW_TRACKING_URI"]} if s["type"] == "mlflow" else s for s in demo["sources"]]
    assert got == want
    assert example.precedence == demo["precedence"]


def test_demo_into_neo4j_gives_the_embedded_graph_and_clears_it_by_retracting(
    offline: Demo, neo4j_store: GraphStore, neo4j_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``neo4j_store`` empties the shared database; the demo then owns it."""
    monkeypatch.setenv("STEWARD_NEO4J_USER", neo4j_settings.neo4j_user)
    if neo4j_settings.neo4j_password is not None:
        monkeypatch.setenv("STEWARD_NEO4J_PASSWORD", neo4j_settings.neo4j_password.get_secret_value())
    uri = neo4j_settings.store
    first = run_demo(workspace=tmp_path / "ws", store_uri=uri, mlflow="off", console=_console())
    assert first.report.ok
    second = run_demo(workspace=tmp_path / "ws", store_uri=uri, mlflow="off", console=_console())
    assert second.report.ok
    counts = neo4j_store.counts()
    assert not neo4j_store.get_nodes([f"run:{rid}" for rid in first.lineage_runs]), "the first demo was retracted"
    assert neo4j_store.get_node(f"run:{second.lineage_runs[0]}") is not None
    with offline.store() as embedded:
        expected = embedded.counts()
    assert (counts.nodes, counts.edges) == (expected.nodes, expected.edges)


# ---- with MLflow ------------------------------------------------------------------------------

@pytest.fixture
def mlflow_server_uri(tmp_path: Path) -> Iterator[str]:
    """``STEWARD_TEST_MLFLOW_URI``, else a real server started from the MLflow virtualenv."""
    external = os.environ.get("STEWARD_TEST_MLFLOW_URI")
    if external:
        yield external.rstrip("/")
        return
    server = start_mlflow_server(tmp_path / "mlflow-server")
    try:
        yield server.uri
    finally:
        server.stop()


@pytest.mark.mlflow
def test_demo_with_mlflow_links_training_to_deployments(
    mlflow_server_uri: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    # "auto" takes the server from MLFLOW_TRACKING_URI; seeding it twice replaces the demo's objects.
    monkeypatch.setenv("MLFLOW_TRACKING_URI", mlflow_server_uri)
    uri = f"sqlite:///{tmp_path / 'demo.db'}"
    r = run_demo(workspace=tmp_path / "ws", store_uri=uri, mlflow="auto", console=_console())
    assert r.report.ok, r.report.to_json()
    assert r.report.unresolved == []
    assert r.mlflow_uri and r.champion
    assert len(r.mlflow_runs) == len(story.MLFLOW_RUNS)
    champion_run = f"run:{r.mlflow_runs[story.MLFLOW_RUNS[story.CHAMPION_RUN].name]}"
    assert r.model_versions[r.champion] == champion_run
    with open_store(uri) as s:
        # model:churn-classifier@champion was resolved through the registry's alias.
        assert not [n for n in s.find_nodes(kinds=[NodeKind.MODEL_VERSION]) if "@" in n.id]
        by_deployment = {e.dst: e.src for e in s.edges(kinds=[EdgeKind.DEPLOYED_TO])}
        champion_deployments = {d.id for d in story.DEPLOYMENTS if d.serves in ("champion", story.CHAMPION_RUN)}
        for dep in champion_deployments:
            assert by_deployment[dep] == r.champion
        # MLflow's dataset input and OpenLineage's output are one node.
        features = s.get_node(FEATURES)
        assert features is not None and {"mlflow", "openlineage"} <= set(features.sources)
        # MLflow user names resolve to catalog people (when answers are computed: the edge keeps the name).
        launched = s.edges(kinds=[EdgeKind.LAUNCHED], dst=[champion_run])
        ids = Identities.load(s)
        assert [ids.canonical(e.src) for e in launched] == [story.PEOPLE["margaret"].id]

        blast = blast_radius(s, r.key_dataset)
        impacted = {i["id"]: i for i in blast["impacted"]}
        assert set(r.deployments) <= set(impacted)
        for dep in r.deployments:
            path = impacted[dep]["path"]
            version = by_deployment[dep]
            assert path[-2] == version, path
            assert path[-3] == r.model_versions[version], path
            assert FEATURES in path
        page = [p["id"] for p in blast["page"]]
        assert set(page) <= ACTIVE_IDS
        # the broken dataset's own owners head the list; then whoever owns the most impacted deployments
        assert [p["root"] for p in blast["page"]] == sorted((p["root"] for p in blast["page"]), reverse=True)
        assert next(p["id"] for p in blast["page"] if not p["root"]) == story.BUS_FACTOR

        chokepoints = {c["id"]: c for c in spof(s)["chokepoints"]}
        assert set(chokepoints[r.champion]["dominates"]) == champion_deployments
        assert spof(s)["bus_factor"][0]["person"] == story.BUS_FACTOR

        untracked = {v for v, run in r.model_versions.items() if run is None}
        assert _findings(audit(s), "no-lineage") == untracked
        before = s.counts()
    again = run_demo(workspace=tmp_path / "ws", store_uri=uri, mlflow="auto", console=_console())
    assert again.report.ok and again.champion == r.champion
    with open_store(uri) as s:
        after = s.counts()
    assert (after.nodes, after.edges) == (before.nodes, before.edges)
