"""OpenLineage events, produced by the real openlineage-python client, become lineage and ownership."""

from __future__ import annotations

import gzip
import json
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from openlineage.client.event_v2 import (
    DatasetEvent,
    InputDataset,
    Job,
    JobEvent,
    OutputDataset,
    Run,
    RunEvent,
    RunState,
    StaticDataset,
)
from openlineage.client.facet_v2 import (
    dataset_version_dataset,
    job_type_job,
    lifecycle_state_change_dataset,
    ownership_dataset,
    ownership_job,
    parent_run,
    source_code_location_job,
)
from openlineage.client.serde import Serde
from openlineage.client.transport.file import FileConfig, FileTransport

from steward.errors import InvalidInputError
from steward.graph import Edge, Node, NodeKind, OwnershipClaim
from steward.sources.base import Record, SourceContext
from steward.sources.openlineage import (
    MAX_EVENT_BYTES,
    OpenLineageSource,
    OpenLineageSourceConfig,
    _parse_raw,
    check_event_size,
    gunzip_limited,
    loads_event,
    parse_event,
)
from steward.store import open_store

SHA = "3f2a9c0d1e4b5a6978877665544332211ffeedcc"
REPO_URL = "git@github.com:Acme/churn.git"
SEEN = "2026-11-02T10:00:00.000Z"


class Pipeline:
    """A scheduler DAG run with one training task that reads features and writes a model table."""

    def __init__(self) -> None:
        self.dag_run = str(uuid.uuid4())
        self.task_run = str(uuid.uuid4())

    def job(self, *, with_code: bool = True, repo_url: str | None = REPO_URL, app_owner: bool = False) -> Job:
        owners = [ownership_job.Owner(name="user:jdoe", type="MAINTAINER"),
                  ownership_job.Owner(name="team:ml-platform", type="DATA_STEWARD")]
        if app_owner:
            owners.append(ownership_job.Owner(name="application:airflow"))
        facets: dict[str, Any] = {
            "ownership": ownership_job.OwnershipJobFacet(owners=owners),
            "jobType": job_type_job.JobTypeJobFacet(processingType="BATCH", integration="AIRFLOW", jobType="TASK"),
        }
        if with_code:
            facets["sourceCodeLocation"] = source_code_location_job.SourceCodeLocationJobFacet(
                type="git", url=f"https://github.com/acme/churn/blob/{SHA}/dags/train.py",
                repoUrl=repo_url, path="dags/train.py", version=SHA, branch="main",
            )
        return Job(namespace="airflow", name="churn.train", facets=facets)

    def event(self, state: RunState, time: str, **job_kw: Any) -> RunEvent:
        parent = parent_run.ParentRunFacet(run=parent_run.Run(runId=self.dag_run),
                                           job=parent_run.Job(namespace="airflow", name="churn"))
        features = InputDataset(namespace="s3://lake", name="curated/sessions", facets={
            "version": dataset_version_dataset.DatasetVersionDatasetFacet(datasetVersion="v42"),
            "ownership": ownership_dataset.OwnershipDatasetFacet(owners=[
                ownership_dataset.Owner(name="Data.Eng@Acme.com", type="OWNER"),
            ]),
        })
        labels = InputDataset(namespace="postgres://db:5432", name="crm.public.labels")
        out = OutputDataset(namespace="s3://lake", name="models/churn_scores", facets={
            "lifecycleStateChange": lifecycle_state_change_dataset.LifecycleStateChangeDatasetFacet(
                lifecycleStateChange=lifecycle_state_change_dataset.LifecycleStateChange.OVERWRITE),
        })
        return RunEvent(eventType=state, eventTime=time, run=Run(runId=self.task_run, facets={"parent": parent}),
                        job=self.job(**job_kw), inputs=[features, labels], outputs=[out])


def parse(event: Any, notes: list[str] | None = None) -> list[Record]:
    """Through the wire format: serialise with the client, decode as the receiver does, parse."""
    return parse_event(loads_event(Serde.to_json(event)), source="ol", seen_at=SEEN, notes=notes)


def nodes(records: list[Record]) -> dict[str, Node]:
    return {r.id: r for r in records if isinstance(r, Node)}


def edges(records: list[Record]) -> set[tuple[str, str, str]]:
    return {(r.src, r.kind.value, r.dst) for r in records if isinstance(r, Edge)}


def claims(records: list[Record]) -> set[tuple[str, str, str]]:
    return {(c.owner, c.role, c.artifact) for c in records if isinstance(c, OwnershipClaim)}


# ---- what a run event becomes -------------------------------------------------------------------

def test_run_event_gives_lineage_code_and_parent() -> None:
    p = Pipeline()
    recs = parse(p.event(RunState.START, "2026-11-01T08:00:00.123456+00:00"))
    run, job = f"run:{p.task_run}", "job:airflow/churn.train"
    features, labels = "dataset:s3://lake/curated/sessions", "dataset:postgres://db:5432/crm.public.labels"
    scores = "dataset:s3://lake/models/churn_scores"
    commit = f"commit:{SHA}"
    assert edges(recs) == {
        (run, "RUN_OF", job),
        (features, "CONSUMED_BY", run),
        (labels, "CONSUMED_BY", run),
        (run, "PRODUCED", scores),
        (run, "CHILD_OF", f"run:{p.dag_run}"),
        (f"run:{p.dag_run}", "RUN_OF", "job:airflow/churn"),
        (commit, "BUILT", run),
    }
    n = nodes(recs)
    assert n[job].props["code_repo"] == "github.com/acme/churn"
    assert n[job].props["code_version"] == SHA
    assert n[job].props["code_path"] == "dags/train.py"
    assert n[job].props["integration"] == "AIRFLOW"
    assert n[run].props["started_at"] == "2026-11-01T08:00:00.123Z"
    assert n[run].props["source_system"] == "openlineage"
    assert "ended_at" not in n[run].props
    assert "state" not in n[run].props
    assert n[features].props == {"namespace": "s3://lake", "version": "v42"}
    assert n[scores].props["lifecycle_state"] == "OVERWRITE"
    assert n[commit].kind is NodeKind.COMMIT
    assert n[commit].props["repo"] == "github.com/acme/churn"
    assert all(r.source == "ol" and r.seen_at == SEEN for r in recs)


def test_ownership_facets_become_claims_and_unknown_owners_are_noted() -> None:
    notes: list[str] = []
    recs = parse(Pipeline().event(RunState.START, "2026-11-01T08:00:00Z", app_owner=True), notes)
    assert claims(recs) == {
        ("person:jdoe", "owner", "job:airflow/churn.train"),
        ("team:ml-platform", "steward", "job:airflow/churn.train"),
        ("person:data.eng@acme.com", "owner", "dataset:s3://lake/curated/sessions"),
    }
    assert all(c.origin == "openlineage" for c in recs if isinstance(c, OwnershipClaim))
    assert len(notes) == 1
    assert "job.facets.ownership.owners[2].name" in notes[0]
    assert "application:airflow" in notes[0]


def test_commit_without_repo_url_is_the_same_commit() -> None:
    # a sha names one commit whatever source saw it: no repository needed, nothing left to resolve
    recs = parse(Pipeline().event(RunState.START, "2026-11-01T08:00:00Z", repo_url=None))
    assert any(e[0] == f"commit:{SHA}" and e[1] == "BUILT" for e in edges(recs))
    assert "repo" not in nodes(recs)[f"commit:{SHA}"].props


def test_non_git_code_location_names_no_commit() -> None:
    ev = json.loads(Serde.to_json(Pipeline().event(RunState.START, "2026-11-01T08:00:00Z")))
    ev["job"]["facets"]["sourceCodeLocation"].update(type="svn", version="r1234")
    recs = parse_event(ev, source="ol", seen_at=SEEN)
    assert not any(e[1] == "BUILT" for e in edges(recs))
    assert nodes(recs)["job:airflow/churn.train"].props["code_version"] == "r1234"


def test_terminal_event_sets_end_and_state_only() -> None:
    p = Pipeline()
    run = f"run:{p.task_run}"
    fail = nodes(parse(p.event(RunState.FAIL, "2026-11-01T09:30:00Z")))[run].props
    assert fail["ended_at"] == "2026-11-01T09:30:00.000Z"
    assert fail["state"] == "FAIL"
    assert "started_at" not in fail
    running = nodes(parse(p.event(RunState.RUNNING, "2026-11-01T09:00:00Z")))[run].props
    assert not {"started_at", "ended_at", "state"} & running.keys()


def test_events_in_any_order_and_replayed_give_the_same_graph(tmp_path: Path) -> None:
    p = Pipeline()
    evs = [p.event(RunState.START, "2026-11-01T08:00:00Z"), p.event(RunState.RUNNING, "2026-11-01T08:30:00Z"),
           p.event(RunState.COMPLETE, "2026-11-01T09:00:00Z")]
    first = [parse(e) for e in evs]
    assert [parse(e) for e in evs] == first  # replay: identical records

    def load(order: list[list[Record]], db: str) -> tuple[dict[str, Any], int]:
        store = open_store(f"sqlite:///{tmp_path / db}", create=True)
        for recs in order:
            store.upsert(nodes=[r for r in recs if isinstance(r, Node)],
                         edges=[r for r in recs if isinstance(r, Edge)],
                         claims=[r for r in recs if isinstance(r, OwnershipClaim)])
        run = store.get_nodes([f"run:{p.task_run}"])[f"run:{p.task_run}"]
        total = store.counts().total_edges
        store.close()
        return run.props, total

    forward = load(first, "a.db")
    backward_and_twice = load(first[::-1] + first[::-1], "b.db")
    assert forward == backward_and_twice
    assert forward[0]["started_at"] == "2026-11-01T08:00:00.000Z"
    assert forward[0]["state"] == "COMPLETE"


def test_run_id_is_canonical_whatever_its_case() -> None:
    p = Pipeline()
    ev = json.loads(Serde.to_json(p.event(RunState.START, "2026-11-01T08:00:00Z")))
    ev["run"]["runId"] = p.task_run.upper()
    assert f"run:{p.task_run}" in nodes(parse_event(ev, source="ol", seen_at=SEEN))


def test_dataset_and_job_events() -> None:
    ds = DatasetEvent(eventTime="2026-11-01T08:00:00Z", dataset=StaticDataset(
        namespace="s3://lake", name="curated/sessions",
        facets={"ownership": ownership_dataset.OwnershipDatasetFacet(
            owners=[ownership_dataset.Owner(name="team:data")])}))
    recs = parse(ds)
    assert set(nodes(recs)) == {"dataset:s3://lake/curated/sessions"}
    assert claims(recs) == {("team:data", "owner", "dataset:s3://lake/curated/sessions")}
    assert not edges(recs)

    job = JobEvent(eventTime="2026-11-01T08:00:00Z", job=Pipeline().job(with_code=False),
                   inputs=[InputDataset(namespace="s3://lake", name="a")],
                   outputs=[OutputDataset(namespace="s3://lake", name="b")])
    recs = parse(job)
    assert set(nodes(recs)) == {"job:airflow/churn.train", "dataset:s3://lake/a", "dataset:s3://lake/b"}
    assert not edges(recs)  # a JobEvent describes no run: no lineage edges


def test_deleted_and_unknown_facets_are_tolerated() -> None:
    ev = json.loads(Serde.to_json(Pipeline().event(RunState.START, "2026-11-01T08:00:00Z")))
    ev["job"]["facets"]["ownership"] = {"_deleted": True}
    ev["job"]["facets"]["acme_costCenter"] = {"code": 17}
    ev["someVendorField"] = [1, 2]
    recs = parse_event(ev, source="ol", seen_at=SEEN)
    assert not any(c.artifact.startswith("job:") for c in recs if isinstance(c, OwnershipClaim))


# ---- malformed events ---------------------------------------------------------------------------

def _valid() -> dict[str, Any]:
    out: dict[str, Any] = json.loads(Serde.to_json(Pipeline().event(RunState.COMPLETE, "2026-11-01T09:00:00Z")))
    return out


def _drop(*path: str | int) -> Callable[[dict[str, Any]], Any]:
    def f(ev: dict[str, Any]) -> Any:
        cur = ev
        for p in path[:-1]:
            cur = cur[p]
        del cur[path[-1]]
        return ev
    return f


def _set(value: Any, *path: str | int) -> Callable[[dict[str, Any]], Any]:
    def f(ev: dict[str, Any]) -> Any:
        cur = ev
        for p in path[:-1]:
            cur = cur[p]
        cur[path[-1]] = value
        return ev
    return f


MALFORMED: list[tuple[str, Callable[[dict[str, Any]], Any], str]] = [
    ("missing runId", _drop("run", "runId"), "run.runId: missing"),
    ("runId not a UUID", _set("run-42", "run", "runId"), "run.runId: expected a UUID"),
    ("parent runId not a UUID", _set("x", "run", "facets", "parent", "run", "runId"),
     "run.facets.parent.run.runId: expected a UUID"),
    ("missing eventTime", _drop("eventTime"), "eventTime: missing"),
    ("eventTime without time", _set("2026-11-01", "eventTime"), "eventTime: expected a date-time with a time part"),
    ("eventTime garbage", _set("yesterday", "eventTime"), "eventTime: expected an ISO-8601"),
    ("missing producer", _drop("producer"), "producer: missing"),
    ("missing schemaURL", _drop("schemaURL"), "schemaURL: missing"),
    ("dataset name a number", _set(7, "inputs", 1, "name"), "inputs[1].name: expected a string, got int"),
    ("inputs not a list", _set({"namespace": "a"}, "inputs"), "inputs: expected a list"),
    ("job name empty", _set("", "job", "name"), "job.name: expected a non-empty string"),
    ("job missing", _drop("job"), "job: missing"),
    ("eventType unknown", _set("DONE", "eventType"), "eventType: expected 'START'"),
    ("owners not a list", _set("user:jdoe", "job", "facets", "ownership", "owners"),
     "job.facets.ownership.owners: expected a list"),
    ("facet not an object", _set("x", "run", "facets", "nominalTime"), "run.facets.nominalTime: expected an object"),
    ("empty object", lambda ev: {}, "eventTime: missing"),
    ("not an object", lambda ev: [ev], "must be a JSON object, not list"),
]


@pytest.mark.parametrize(("mutate", "expected"), [(m, e) for _, m, e in MALFORMED],
                         ids=[name for name, _, _ in MALFORMED])
def test_malformed_event_is_refused_naming_the_field(mutate: Callable[[dict[str, Any]], Any], expected: str) -> None:
    with pytest.raises(InvalidInputError) as info:
        parse_event(mutate(_valid()), source="ol", seen_at=SEEN, where="request")
    assert expected in info.value.message
    assert info.value.message.startswith("request: ")


def test_empty_object_lists_every_missing_field() -> None:
    with pytest.raises(InvalidInputError) as info:
        parse_event({}, source="ol", seen_at=SEEN)
    for field in ("eventTime", "producer", "schemaURL", "run", "job"):
        assert f"{field}: missing" in info.value.message


def test_event_claiming_to_be_a_run_event_needs_a_run() -> None:
    ev = _valid()
    del ev["run"]  # eventType and schemaURL still say RunEvent: not silently a JobEvent
    with pytest.raises(InvalidInputError, match=r"run: missing"):
        parse_event(ev, source="ol", seen_at=SEEN)


def test_size_and_json_guards() -> None:
    huge = json.dumps(_valid() | {"padding": "x" * MAX_EVENT_BYTES}).encode()
    with pytest.raises(InvalidInputError, match=r"over the 5\.0 MiB limit"):
        loads_event(huge)
    with pytest.raises(InvalidInputError, match=r"over the"):
        check_event_size(MAX_EVENT_BYTES + 1)
    with pytest.raises(InvalidInputError, match=r"not valid JSON: .* line 1 column"):
        loads_event(Serde.to_json(Pipeline().event(RunState.START, "2026-11-01T08:00:00Z"))[:-20])
    body = Serde.to_json(Pipeline().event(RunState.START, "2026-11-01T08:00:00Z")).encode()
    assert gunzip_limited(gzip.compress(body)) == body
    with pytest.raises(InvalidInputError, match=r"decompresses to more than"):
        gunzip_limited(gzip.compress(b" " * (MAX_EVENT_BYTES + 10)))  # ~5 KiB inflating past the limit
    with pytest.raises(InvalidInputError, match=r"truncated gzip"):
        gunzip_limited(gzip.compress(body)[:-30])


# ---- the file source ----------------------------------------------------------------------------

def run_source(base: Path, *paths: str) -> tuple[OpenLineageSource, list[Record]]:
    src = OpenLineageSource(OpenLineageSourceConfig(paths=list(paths)), name="ol-files",
                            context=SourceContext(base_dir=base, seen_at=SEEN))
    return src, list(src.records())


def test_file_transport_output_is_ingested(tmp_path: Path) -> None:
    p = Pipeline()
    appended = FileTransport(FileConfig(log_file_path=str(tmp_path / "events.jsonl"), append=True))
    appended.emit(p.event(RunState.START, "2026-11-01T08:00:00Z"))
    appended.emit(p.event(RunState.COMPLETE, "2026-11-01T09:00:00Z"))
    # Without append the transport writes one timestamped .json file per event.
    other = Pipeline()
    (tmp_path / "single").mkdir()
    FileTransport(FileConfig(log_file_path=str(tmp_path / "single" / "ev"))).emit(
        other.event(RunState.START, "2026-11-01T08:00:00Z"))
    src, recs = run_source(tmp_path, "events.jsonl", "single/ev-*.json")
    assert not src.report.warnings
    assert not src.report.failures
    assert src.report.info["events"] == 3
    runs = {n.id: n for n in nodes(recs).values() if n.kind is NodeKind.RUN}
    assert runs[f"run:{p.task_run}"].props["state"] == "COMPLETE"
    assert f"run:{other.task_run}" in runs
    assert src.report.counts["CONSUMED_BY"] == 6
    assert all(r.source == "ol-files" for r in recs)


def test_json_array_file(tmp_path: Path) -> None:
    p = Pipeline()
    events = [json.loads(Serde.to_json(p.event(s, t))) for s, t in
              [(RunState.START, "2026-11-01T08:00:00Z"), (RunState.COMPLETE, "2026-11-01T09:00:00Z")]]
    events.insert(1, {"eventTime": "2026-11-01T08:10:00Z"})
    (tmp_path / "batch.json").write_text(json.dumps(events))
    src, _recs = run_source(tmp_path, "batch.json")
    assert src.report.info["events"] == 2
    [warning] = src.report.warnings
    assert warning.context == {"file": str(tmp_path / "batch.json"), "index": 1}
    assert "producer: missing" in warning.message


def test_bad_lines_are_reported_with_file_and_line_and_skipped(tmp_path: Path) -> None:
    good = Pipeline()
    bad_run = Pipeline()
    lines = [
        Serde.to_json(good.event(RunState.START, "2026-11-01T08:00:00Z")),
        "",
        Serde.to_json(bad_run.event(RunState.START, "2026-11-01T08:00:00Z")).replace(bad_run.task_run, "not-a-uuid"),
        Serde.to_json(good.event(RunState.COMPLETE, "2026-11-01T09:00:00Z"))[:-15],  # truncated line
        "{}",
        json.dumps(_valid() | {"padding": "x" * (MAX_EVENT_BYTES + 1)}),
        Serde.to_json(good.event(RunState.COMPLETE, "2026-11-01T09:00:00Z", app_owner=True)),
    ]
    f = tmp_path / "events.ndjson"
    f.write_text("\n".join(lines) + "\n")
    src, recs = run_source(tmp_path, "*.ndjson")
    assert src.report.info["events"] == 2
    got = {w.context["line"]: w.message for w in src.report.warnings}
    assert sorted(got) == [3, 4, 5, 6, 7]
    assert "run.runId: expected a UUID" in got[3]
    assert "not valid JSON" in got[4]
    assert "eventTime: missing" in got[5]
    assert "limit" in got[6]
    assert "'application:airflow'" in got[7]
    assert "not recorded" in got[7]
    assert all(w.context["file"] == str(f) for w in src.report.warnings)
    assert all(f"{f}:{line}" in msg for line, msg in got.items())
    # nothing of the refused events was written
    assert not any("not-a-uuid" in r.id for r in recs if isinstance(r, Node))
    assert not any(n.id == f"job:{bad_run.job().namespace}" for n in nodes(recs).values())
    assert nodes(recs)[f"run:{good.task_run}"].props["state"] == "COMPLETE"


def test_missing_files_fail_the_report(tmp_path: Path) -> None:
    src, recs = run_source(tmp_path, "nowhere.jsonl", "logs/*.json")
    assert recs == []
    assert [f.message for f in src.report.failures] == ["nowhere.jsonl: no such file", "logs/*.json: matched no files"]
    assert src.report.complete is False


# ---- the file source's fast path (a RunEvent validated from its bytes) answers as the slow one ----

def _outcome(fn: Callable[[], list[Record]]) -> list[Record] | str:
    try:
        return fn()
    except InvalidInputError as exc:
        return exc.message


def _wire_events() -> list[bytes]:
    p = Pipeline()
    events: list[Any] = [p.event(state, "2026-11-01T08:00:00+00:00") for state in RunState]
    events += [p.event(RunState.COMPLETE, "2026-11-01T09:00:00Z", with_code=False, app_owner=True),
               p.event(RunState.FAIL, "2026-11-01T09:00:00Z", repo_url=None),
               DatasetEvent(eventTime="2026-11-01T08:00:00Z", dataset=StaticDataset(namespace="s3://lake", name="x")),
               JobEvent(eventTime="2026-11-01T08:00:00Z", job=p.job(), inputs=[InputDataset(namespace="a", name="b")])]
    raw = [Serde.to_json(e).encode() for e in events]
    raw += [json.dumps(mutate(_valid())).encode() for _, mutate, _ in MALFORMED]
    raw += [b"not json", b'{"run": 1', b"[]", b"\xff\xfe", b'{"eventTime": NaN}',
            json.dumps(_valid()).replace('"runId": "', '"runId": "\\ud800').encode(),  # a lone surrogate
            json.dumps(_valid() | {"inputs": [{"namespace": "a", "name": "  "}]}).encode()]
    return raw


@pytest.mark.parametrize("raw", _wire_events())
def test_the_fast_path_gives_the_slow_paths_records_and_errors(raw: bytes) -> None:
    slow_notes: list[str] = []
    fast_notes: list[str] = []
    slow = _outcome(lambda: parse_event(loads_event(raw, where="f:1"), source="ol", seen_at=SEEN, where="f:1",
                                        notes=slow_notes))
    fast = _outcome(lambda: _parse_raw(raw, source="ol", seen_at=SEEN, where="f:1", counts=None, notes=fast_notes,
                                       made={}))
    assert fast == slow
    assert fast_notes == slow_notes
    for r in fast if isinstance(fast, list) else []:
        if isinstance(r, Edge):  # made without the Edge's own check: exactly what the check would accept
            assert r == Edge(src=r.src, kind=r.kind, dst=r.dst, source=r.source, props=dict(r.props),
                             seen_at=r.seen_at)
