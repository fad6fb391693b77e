"""The MLflow source against a real MLflow server seeded with the real MLflow client."""

from __future__ import annotations

import socket
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from pydantic import ValidationError

from steward.errors import BackendUnavailableError, ConfigError, StewardError
from steward.graph import Edge, EdgeKind, Node, NodeKind, OwnershipClaim, dataset_id, make_id
from steward.sources.base import Record, SourceReport, repo_key
from steward.sources.mlflow import MlflowSource, MlflowSourceConfig

pytestmark = pytest.mark.mlflow

#: Smaller than the bulk experiment's run count, so reading it takes several pages.
PAGE_SIZE = 2


@dataclass
class Ingested:
    """What one run of the source emitted, split by record type."""

    records: list[Record]
    report: SourceReport
    nodes: dict[str, Node] = field(default_factory=dict)
    node_counts: Counter[str] = field(default_factory=Counter)
    edges: list[Edge] = field(default_factory=list)
    claims: list[OwnershipClaim] = field(default_factory=list)

    def __post_init__(self) -> None:
        for r in self.records:
            if isinstance(r, Node):
                self.nodes[r.id] = r
                self.node_counts[r.id] += 1
            elif isinstance(r, Edge):
                self.edges.append(r)
            else:
                self.claims.append(r)

    def pairs(self, kind: EdgeKind) -> set[tuple[str, str]]:
        return {(e.src, e.dst) for e in self.edges if e.kind is kind}


def ingest(uri: str, seeded: dict[str, Any], **overrides: Any) -> Ingested:
    settings: dict[str, Any] = {
        "tracking_uri": uri, "page_size": PAGE_SIZE,
        "experiments": [seeded["experiment"]["name"], seeded["bulk_experiment"]["name"]],
    }
    settings.update(overrides)
    source = MlflowSource(MlflowSourceConfig(**settings))
    return Ingested(records=list(source.records()), report=source.report)


@pytest.fixture(scope="module")
def ingested(mlflow_uri: str, mlflow_seed: dict[str, Any]) -> Ingested:
    return ingest(mlflow_uri, mlflow_seed)


def run(run_id: str) -> str:
    return make_id(NodeKind.RUN, run_id)


def test_every_active_run_is_read_once_across_pages(ingested: Ingested, mlflow_seed: dict[str, Any]) -> None:
    expected = {run(r) for runs in mlflow_seed["active_runs"].values() for r in runs}
    assert len(mlflow_seed["bulk_runs"]) > PAGE_SIZE  # the bulk experiment needs several pages
    emitted = [r for r in ingested.records if isinstance(r, Node) and r.kind is NodeKind.RUN]
    assert sorted(n.id for n in emitted) == sorted(expected)  # each exactly once
    assert run(mlflow_seed["deleted_run"]) not in ingested.nodes
    assert ingested.report.info["runs"] == len(expected)
    assert ingested.report.failures == []
    # Every node is emitted once per ingestion, however many runs mention it.
    assert max(ingested.node_counts.values()) == 1


def test_runs_logged_while_paging_are_not_read_twice(mlflow_uri: str, mlflow_seed: dict[str, Any]) -> None:
    """MLflow page tokens are offsets: a run started mid-read shifts the next page by one."""
    api = f"{mlflow_uri}/api/2.0/mlflow"
    name = f"{mlflow_seed['prefix']}race"

    def post(path: str, body: dict[str, Any]) -> dict[str, Any]:
        resp = httpx.post(f"{api}/{path}", json=body, timeout=10)
        resp.raise_for_status()
        result: dict[str, Any] = resp.json()
        return result

    exp_id = post("experiments/create", {"name": name})["experiment_id"]
    base = int(time.time() * 1000)
    before = [post("runs/create", {"experiment_id": exp_id, "start_time": base + i, "run_name": f"r{i}"})
              ["run"]["info"]["run_id"] for i in range(2 * PAGE_SIZE + 1)]
    source = MlflowSource(MlflowSourceConfig(tracking_uri=mlflow_uri, page_size=PAGE_SIZE, experiments=[name],
                                             include_registry=False))
    seen: list[str] = []
    late: list[str] = []
    for record in source.records():
        if isinstance(record, Node) and record.kind is NodeKind.RUN:
            seen.append(record.id)
            if len(seen) == 1:  # newest first: a newer run pushes every offset back by one
                late.append(post("runs/create", {"experiment_id": exp_id, "start_time": base + 1000,
                                                 "run_name": "late"})["run"]["info"]["run_id"])
    assert len(seen) == len(set(seen))
    assert set(seen) >= {run(r) for r in before}
    assert set(seen) <= {run(r) for r in before + late}


def test_runs_belong_to_their_experiment_job(ingested: Ingested, mlflow_seed: dict[str, Any]) -> None:
    expected = {
        (run(r), make_id(NodeKind.JOB, f"mlflow/{experiment}"))
        for experiment, runs in mlflow_seed["active_runs"].items() for r in runs
    }
    assert ingested.pairs(EdgeKind.RUN_OF) == expected
    parent = ingested.nodes[run(mlflow_seed["parent_run"])]
    assert parent.name == "tune"
    assert parent.props["experiment"] == mlflow_seed["experiment"]["name"]
    assert parent.props["status"] == "FINISHED"
    assert parent.props["source_system"] == "mlflow"
    started, ended = str(parent.props["started_at"]), str(parent.props["ended_at"])
    assert started.endswith("Z")
    assert started <= ended


def test_datasets_are_keyed_by_source_uri_and_join_openlineage(ingested: Ingested,
                                                                 mlflow_seed: dict[str, Any]) -> None:
    train = dataset_id(mlflow_seed["train_uri"], "")
    evald = dataset_id(mlflow_seed["eval_uri"], "")
    # The same data named the OpenLineage way (namespace + name) is the same node.
    assert train == dataset_id("s3://lake", "curated/sessions") == "dataset:s3://lake/curated/sessions"
    assert evald == "dataset:s3://lake/curated/sessions_eval"  # trailing "/" dropped
    parent, children = mlflow_seed["parent_run"], mlflow_seed["child_runs"]
    consumed = {(e.src, e.dst, e.props.get("context")) for e in ingested.edges if e.kind is EdgeKind.CONSUMED_BY}
    assert {(train, run(r), "training") for r in [parent, *children]} <= consumed
    assert (evald, run(parent), "eval") in consumed
    node = ingested.nodes[train]
    assert node.kind is NodeKind.DATASET
    assert node.props["digest"] == mlflow_seed["train_digest"]
    assert node.props["mlflow_name"] == "sessions"
    assert "minutes" in str(node.props["schema"])


def test_dataset_without_uri_falls_back_with_a_warning(ingested: Ingested, mlflow_seed: dict[str, Any]) -> None:
    local = run(mlflow_seed["local_commit_run"])
    sources = [src for src, dst in ingested.pairs(EdgeKind.CONSUMED_BY) if dst == local]
    assert len(sources) == 1
    assert sources[0].startswith("dataset:mlflow-dataset:in-memory@")
    warned = [w for w in ingested.report.warnings if w.context.get("run_id") == mlflow_seed["local_commit_run"]]
    assert len(warned) == 1
    assert "no source URI" in warned[0].message


def test_git_tags_give_commits_that_built_runs(ingested: Ingested, mlflow_seed: dict[str, Any]) -> None:
    git = mlflow_seed["git"]
    repo = repo_key(mlflow_seed["repo_url"])
    sha = git["mlflow.source.git.commit"]
    built = ingested.pairs(EdgeKind.BUILT)
    assert (make_id(NodeKind.COMMIT, sha), run(mlflow_seed["parent_run"])) in built
    # a run whose repository has no remote still names its commit by sha: the same node git writes
    local = [src for src, dst in built if dst == run(mlflow_seed["local_commit_run"])]
    assert local == [make_id(NodeKind.COMMIT, "b" * 40)]
    assert ingested.nodes[make_id(NodeKind.COMMIT, sha)].props["repo"] == repo
    parent = ingested.nodes[run(mlflow_seed["parent_run"])]
    assert parent.props["code_repo"] == repo == "github.com/acme/churn"
    assert parent.props["git_commit"] == sha
    assert parent.props["git_branch"] == git["mlflow.source.git.branch"]
    assert parent.props["code_path"] == git["mlflow.source.name"]


def test_nested_runs_are_children_of_their_parent(ingested: Ingested, mlflow_seed: dict[str, Any]) -> None:
    parent = run(mlflow_seed["parent_run"])
    assert ingested.pairs(EdgeKind.CHILD_OF) == {(run(c), parent) for c in mlflow_seed["child_runs"]}


def test_users_launched_their_runs(ingested: Ingested, mlflow_seed: dict[str, Any]) -> None:
    launched = ingested.pairs(EdgeKind.LAUNCHED)
    launcher = make_id(NodeKind.PERSON, mlflow_seed["launcher"].lower())
    assert (launcher, run(mlflow_seed["parent_run"])) in launched
    teammate = make_id(NodeKind.PERSON, mlflow_seed["teammate"])
    assert {(teammate, run(c)) for c in mlflow_seed["child_runs"]} <= launched
    assert ingested.nodes[launcher].kind is NodeKind.PERSON
    # Every run has exactly one launcher.
    assert Counter(dst for _, dst in launched) == Counter(n for n in ingested.nodes if n.startswith("run:"))


def test_registry_versions_aliases_and_training_runs(ingested: Ingested, mlflow_seed: dict[str, Any]) -> None:
    name = mlflow_seed["model"]
    model = ingested.nodes[make_id(NodeKind.MODEL, name)]
    assert sorted(model.props["aliases"]) == sorted(f"{a}={v}" for a, v in mlflow_seed["aliases"].items())
    versions = mlflow_seed["versions"]
    vid = {v: make_id(NodeKind.MODEL_VERSION, f"{name}/{v}") for v in versions}
    assert {(vid[v], model.id) for v in versions} <= ingested.pairs(EdgeKind.VERSION_OF)
    produced = ingested.pairs(EdgeKind.PRODUCED)
    for v, seen in versions.items():
        assert (run(seen["run_id"]), vid[v]) in produced
        assert ingested.nodes[vid[v]].props["source_uri"] == seen["source"]
    # MLflow 3: registered from a LoggedModel of the second trial -> that trial produced it.
    trial = mlflow_seed["trial_model"]
    assert (run(trial["source_run_id"]), vid[trial["version"]]) in produced
    champion = ingested.nodes[vid[mlflow_seed["aliases"]["champion"]]]
    assert champion.props["aliases"] == ["champion"]
    assert champion.props["status"] == "READY"
    # Older style: registered from runs:/<run_id>/model.
    old = mlflow_seed["runs_uri_model"]
    assert (run(old["run_id"]), make_id(NodeKind.MODEL_VERSION, f"{old['name']}/{old['version']}")) in produced


def test_versions_without_a_run_have_no_lineage_and_no_warning(ingested: Ingested,
                                                               mlflow_seed: dict[str, Any]) -> None:
    produced_versions = {dst for _, dst in ingested.pairs(EdgeKind.PRODUCED)}
    for key in ("no_run_model", "vendor_model"):
        seeded = mlflow_seed[key]
        assert seeded["reported_run_id"] == ""
        vid = make_id(NodeKind.MODEL_VERSION, f"{seeded['name']}/{seeded['version']}")
        assert vid in ingested.nodes
        assert vid not in produced_versions
        assert (vid, make_id(NodeKind.MODEL, seeded["name"])) in ingested.pairs(EdgeKind.VERSION_OF)
        assert not [w for w in ingested.report.warnings if w.context.get("model") == seeded["name"]]
    seeded = mlflow_seed["vendor_model"]
    vendor = ingested.nodes[make_id(NodeKind.MODEL_VERSION, f"{seeded['name']}/{seeded['version']}")]
    assert vendor.props["logged_model_id"] == seeded["logged_model_id"]
    assert make_id(NodeKind.MODEL, mlflow_seed["empty_model"]) in ingested.nodes


def test_owner_and_steward_tags_become_claims(ingested: Ingested, mlflow_seed: dict[str, Any]) -> None:
    model = make_id(NodeKind.MODEL, mlflow_seed["model"])
    claims = {(c.owner, c.role) for c in ingested.claims if c.artifact == model}
    assert claims == {
        (make_id(NodeKind.PERSON, mlflow_seed["launcher"].lower()), "owner"),  # e-mail, lower-cased
        (make_id(NodeKind.PERSON, "@jdoe"), "owner"),  # a handle stays a handle for the resolver
        (make_id(NodeKind.TEAM, "ml-platform"), "steward"),  # "team:ML Platform"
    }
    assert {c.origin for c in ingested.claims} == {"mlflow"}
    champion = make_id(NodeKind.MODEL_VERSION, f"{mlflow_seed['model']}/{mlflow_seed['aliases']['champion']}")
    assert {(c.owner, c.role) for c in ingested.claims if c.artifact == champion} == {
        (make_id(NodeKind.PERSON, mlflow_seed["version_steward_tag"]), "steward")
    }
    job = make_id(NodeKind.JOB, f"mlflow/{mlflow_seed['experiment']['name']}")
    assert {(c.owner, c.role) for c in ingested.claims if c.artifact == job} == {
        (mlflow_seed["experiment_owner_tag"], "owner")  # "team:churn" is already a team id
    }
    assert make_id(NodeKind.TEAM, "ml-platform") in ingested.nodes


def test_reingesting_gives_the_same_ids(mlflow_uri: str, mlflow_seed: dict[str, Any], ingested: Ingested) -> None:
    again = ingest(mlflow_uri, mlflow_seed, page_size=1000)
    assert set(again.nodes) == set(ingested.nodes)
    assert {e.identity for e in again.edges} == {e.identity for e in ingested.edges}


def test_restricting_experiments_and_filtering_runs(mlflow_uri: str, mlflow_seed: dict[str, Any]) -> None:
    bulk = mlflow_seed["bulk_experiment"]["name"]
    only_bulk = ingest(mlflow_uri, mlflow_seed, experiments=[bulk, "no-such-experiment"], include_registry=False)
    assert {n for n in only_bulk.nodes if n.startswith("run:")} == {run(r) for r in mlflow_seed["bulk_runs"]}
    assert not [n for n in only_bulk.nodes if n.startswith(("model:", "model_version:"))]
    assert [w.context for w in only_bulk.report.warnings] == [{"experiment": "no-such-experiment"}]
    filtered = ingest(mlflow_uri, mlflow_seed, run_filter="attributes.run_name = 'tune'", include_registry=False)
    assert {n for n in filtered.nodes if n.startswith("run:")} == {run(mlflow_seed["parent_run"])}
    assert filtered.report.complete is False  # skipped runs must not be retracted


def test_mlflow_error_code_is_reported(mlflow_uri: str, mlflow_seed: dict[str, Any]) -> None:
    with pytest.raises(StewardError, match="INVALID_PARAMETER_VALUE") as caught:
        ingest(mlflow_uri, mlflow_seed, run_filter="this is not a filter")
    assert mlflow_uri in caught.value.message
    with pytest.raises(StewardError, match="not an MLflow API answer"):
        ingest(f"{mlflow_uri}/not-mlflow", mlflow_seed)


def test_unreachable_server_names_the_uri() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    uri = f"http://127.0.0.1:{port}"  # a free port nobody listens on: connection refused
    source = MlflowSource(MlflowSourceConfig(tracking_uri=uri, timeout_s=5))
    with pytest.raises(BackendUnavailableError, match=f"cannot reach the MLflow server at {uri}"):
        list(source.records())


def test_missing_token_variable_is_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("STEWARD_TEST_MISSING_TOKEN", raising=False)
    source = MlflowSource(MlflowSourceConfig(tracking_uri="http://127.0.0.1:9", token_env="STEWARD_TEST_MISSING_TOKEN"))
    with pytest.raises(ConfigError, match="STEWARD_TEST_MISSING_TOKEN"):
        list(source.records())


@pytest.mark.parametrize(
    "settings",
    [
        {"tracking_uri": "mlflow:5000"},
        {"tracking_uri": "http://x", "token_env": "s3cr3t-token-value!"},
        {"tracking_uri": "http://x", "page_size": 5000},
        {"tracking_uri": "http://x", "password": "nope"},
    ],
)
def test_bad_settings_are_refused(settings: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        MlflowSourceConfig(**settings)
