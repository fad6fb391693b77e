"""One consistent embedded store under concurrent writers: a recipe run in another process, events
POSTed to a live server, a retracting writer in a third process, and readers over HTTP, all at once.
Nothing is lost and no request answers 5xx."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import httpx
from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunEvent, RunState
from openlineage.client.serde import Serde
from pydantic import SecretStr

from steward.settings import Settings
from steward.store import open_store
from tests.auth_helpers import bearer, mint_at
from tests.e2e.test_api import TOKEN, LiveServer

N_FILE, N_POST, INGESTS = 600, 80, 4


def _run_id(i: int, prefix: str) -> str:
    return f"00000000-0000-4000-8000-{'aaaa' if prefix == 'file' else 'bbbb'}{i:08d}"


def _event(i: int, prefix: str) -> str:
    """Run ``i`` reads the shared dataset ``shared/<i % 10>`` and writes its own output."""
    return Serde.to_json(RunEvent(
        eventType=RunState.COMPLETE, eventTime="2026-11-25T10:00:00.000Z",
        run=Run(runId=_run_id(i, prefix)),
        job=Job(namespace="airflow", name=f"{prefix}-job-{i % 7}"),
        inputs=[InputDataset(namespace="s3://lake", name=f"shared/{i % 10}")],
        outputs=[OutputDataset(namespace="s3://lake", name=f"{prefix}/out-{i}")],
    ))


RETRACTOR = textwrap.dedent("""
    import sys
    from steward.graph import Edge, EdgeKind, Node, NodeKind
    from steward.store import open_store
    store = open_store(sys.argv[1])
    for round in range(40):
        nodes = [Node(id=f"dataset:s3://lake/scratch/{round % 3}", kind=NodeKind.DATASET, source="scratch"),
                 Node(id="dataset:s3://lake/shared/0", kind=NodeKind.DATASET, source="scratch")]
        store.upsert(nodes=nodes, edges=[Edge(src=nodes[1].id, kind=EdgeKind.CONSUMED_BY,
                                               dst=f"run:scratch-{round % 3}", source="scratch")])
        said = store.source_records("scratch")
        store.retract("scratch", nodes=said.nodes, edges=said.edges)
    store.upsert(nodes=[Node(id="dataset:s3://lake/scratch/final", kind=NodeKind.DATASET, source="scratch")])
    store.close()
""")


def test_concurrent_writers_and_http_readers_lose_nothing_and_never_fail(tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path / 'graph.db'}"
    events = tmp_path / "events"
    events.mkdir()
    for i in range(N_FILE):
        (events / f"e{i:04d}.json").write_text(_event(i, "file"))
    recipe = tmp_path / "recipe.yaml"
    recipe.write_text("sources: [{type: openlineage, name: files, paths: [events]}]\n")
    (tmp_path / "retract.py").write_text(RETRACTOR)
    steward = str(Path(sys.executable).with_name("steward"))
    seed = subprocess.run([steward, "ingest", str(recipe), "--store", uri], capture_output=True, text=True)
    assert seed.returncode == 0, seed.stderr
    statuses: list[int] = []
    errors: list[str] = []
    stop = threading.Event()

    # Tokens are checked against the store on every request, while ingests and POSTs write to it.
    reader, producer = mint_at(uri, "viewer"), mint_at(uri, "producer")
    with LiveServer(Settings(store=uri, api_token=SecretStr(TOKEN))) as server:
        def read() -> None:
            with httpx.Client(base_url=server.url, timeout=60, headers=bearer(reader)) as client:
                while not stop.is_set():
                    for path in ("/api/v1/blast-radius/dataset:s3://lake/shared/0", "/api/v1/search?q=out",
                                 "/api/v1/spof", "/readyz"):
                        r = client.get(path)
                        statuses.append(r.status_code)
                        if r.status_code >= 500:
                            errors.append(f"{path}: {r.status_code} {r.text[:300]}")

        def post() -> None:
            with httpx.Client(base_url=server.url, timeout=60, headers=bearer(producer)) as client:
                for i in range(N_POST):
                    r = client.post("/api/v1/lineage", content=_event(i, "post"),
                                    headers={"Content-Type": "application/json"})
                    statuses.append(r.status_code)
                    if r.status_code != 201:
                        errors.append(f"POST {i}: {r.status_code} {r.text[:300]}")

        readers = [threading.Thread(target=read) for _ in range(2)]
        poster = threading.Thread(target=post)
        for t in [*readers, poster]:
            t.start()
        one = f'"{steward}" ingest "{recipe}" --store "{uri}" --format json'
        loop = f"for i in $(seq {INGESTS}); do {one} || exit 1; done"
        ingest = subprocess.Popen(["bash", "-c", loop], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        retract = subprocess.Popen([sys.executable, str(tmp_path / "retract.py"), uri],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        out, err = ingest.communicate(timeout=300)
        _, r_err = retract.communicate(timeout=300)
        poster.join(300)
        stop.set()
        for t in readers:
            t.join(60)

    assert ingest.returncode == 0, err
    reports, text = [], out.strip()
    decoder = json.JSONDecoder()
    while text:  # one pretty-printed report per run
        report, end = decoder.raw_decode(text)
        reports.append(report)
        text = text[end:].strip()
    assert len(reports) == INGESTS and all(r["ok"] for r in reports)
    assert retract.returncode == 0, r_err
    assert not errors, errors[:5]
    assert statuses and all(s < 500 for s in statuses)
    with open_store(uri) as store:
        runs = {n.id for n in store.find_nodes()}
        for i in range(N_FILE):
            assert f"run:{_run_id(i, 'file')}" in runs
            assert f"dataset:s3://lake/file/out-{i}" in runs
        for i in range(N_POST):
            assert f"run:{_run_id(i, 'post')}" in runs
            assert f"dataset:s3://lake/post/out-{i}" in runs
        shared = store.get_node("dataset:s3://lake/shared/0")
        assert shared is not None
        assert set(shared.sources) == {"files", "openlineage-http"}, "a writer overwrote another's attestation"
        said = store.source_records("scratch")
        assert said.nodes == frozenset({"dataset:s3://lake/scratch/final"}), "the retracting writer's end state"
        consumed = store.edges(kinds=None, src=["dataset:s3://lake/shared/0"])
        assert {e.source for e in consumed} == {"files", "openlineage-http"}
