"""The `steward` command as a user runs it: a real process, real files, exit codes and formats."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import pytest
from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunEvent, RunState
from openlineage.client.serde import Serde

DATA = Path(__file__).resolve().parents[1] / "data"
STEWARD = shutil.which("steward", path=str(Path(sys.executable).parent)) or "steward"


def steward(*args: str, env: dict[str, str] | None = None, check: int | None = 0) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200", **(env or {})}
    proc = subprocess.run([STEWARD, *args], capture_output=True, text=True, env=full_env, timeout=120)
    if check is not None:
        assert proc.returncode == check, f"exit {proc.returncode}\nstdout: {proc.stdout}\nstderr: {proc.stderr}"
    return proc


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A recipe over a catalog (the unit-test catalog) and OpenLineage events made by the real client."""
    shutil.copy(DATA / "catalog" / "people.yaml", tmp_path / "catalog.yaml")
    events = []
    for job, ins, outs in [
        ("etl.sessions", ["raw/events"], ["curated/sessions"]),
        ("features.build", ["curated/sessions"], ["features/churn"]),
    ]:
        run_id = str(uuid.uuid4())
        for state in (RunState.START, RunState.COMPLETE):
            events.append(Serde.to_json(RunEvent(
                eventType=state, eventTime="2026-11-20T10:00:00+00:00", producer="https://example.com/airflow",
                run=Run(runId=run_id), job=Job(namespace="airflow", name=job),
                inputs=[InputDataset(namespace="s3://lake", name=n) for n in ins],
                outputs=[OutputDataset(namespace="s3://lake", name=n) for n in outs],
            )))
    (tmp_path / "lineage.jsonl").write_text("\n".join(events) + "\n")
    (tmp_path / "recipe.yaml").write_text(textwrap.dedent("""\
        sources:
          - type: catalog
            paths: [catalog.yaml]
          - type: openlineage
            name: airflow
            paths: [lineage.jsonl]
    """))
    return tmp_path


def test_help_lists_every_command() -> None:
    out = steward("--help").stdout
    for cmd in ("ingest", "blast-radius", "upstream", "spof", "audit", "handoff", "search", "show", "cypher",
                "serve", "stats", "demo"):
        assert cmd in out, cmd
    assert "Exit codes" in out
    assert "--store" in steward("blast-radius", "--help").stdout


def test_ingest_query_round_trip(workspace: Path) -> None:
    store = f"sqlite:///{workspace / 'graph.db'}"
    report = json.loads(steward("ingest", str(workspace / "recipe.yaml"), "--store", store, "--format", "json").stdout)
    assert report["ok"] is True
    assert [s["source"] for s in report["sources"]][:2] == ["catalog", "airflow"]
    stats1 = json.loads(steward("stats", "--store", store, "--format", "json").stdout)
    # idempotent: replaying the recipe changes nothing
    for _ in range(2):
        steward("ingest", str(workspace / "recipe.yaml"), "--store", store)
    assert json.loads(steward("stats", "--store", store, "--format", "json").stdout) == stats1
    # an unambiguous search term stands for an id
    blast = json.loads(steward("blast-radius", "raw/events", "--store", store, "-f", "json").stdout)
    assert blast["root"]["id"] == "dataset:s3://lake/raw/events"
    assert "dataset:s3://lake/features/churn" in [i["id"] for i in blast["impacted"]]
    table = steward("blast-radius", "dataset:s3://lake/raw/events", "--store", store).stdout
    assert "features/churn" in table
    md = steward("spof", "--store", store, "--format", "markdown").stdout
    assert md.startswith("## Sole owner")
    audit_csv = steward("audit", "--store", store, "--format", "csv").stdout
    rows = list(csv.reader(io.StringIO(audit_csv)))
    assert rows[0] == ["severity", "rule", "artifact", "message"]
    assert any(r[1] == "inactive-owner" for r in rows[1:]) or any(r[1] == "no-owner" for r in rows[1:])
    gate = steward("audit", "--store", store, "--fail-on", "error", check=None)
    assert gate.returncode == 8
    hand = steward("handoff", "carol@acme.com", "--store", store, "--format", "markdown").stdout
    assert hand.startswith("# Handoff: carol")


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), "-c", "user.name=Ada", "-c", "user.email=ada@acme.com", *args],
                   check=True, capture_output=True)


def _counts(report: dict[str, object], *, dry: bool) -> dict[str, tuple[int, int, int]]:
    """source -> (nodes written, edges written, removed); a dry run's removals are its would_remove."""
    out = {}
    for s in report["sources"]:  # type: ignore[attr-defined]
        removed = s["would_remove"] if dry else s["removed"]["nodes"] + s["removed"]["edges"]
        out[s["source"]] = (s["written"]["nodes"], s["written"]["edges"], removed)
    return out


def test_dry_run_creates_nothing_and_reports_what_the_real_run_does(workspace: Path) -> None:
    # A git repository with CODEOWNERS, and jobs whose code lives in it: the run links their owners.
    repo = workspace / "repo"
    (repo / "pipelines").mkdir(parents=True)
    (repo / "CODEOWNERS").write_text("* @carol\npipelines/ ada@acme.com\n")
    (repo / "pipelines" / "etl.py").write_text("print('etl')\n")
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "first")
    lines = []
    for line in (workspace / "lineage.jsonl").read_text().splitlines():
        ev = json.loads(line)
        ev["job"]["facets"] = {"sourceCodeLocation": {
            "_producer": "https://example.com", "_schemaURL": "https://openlineage.io/spec/facets/1-0-0/"
            "SourceCodeLocationJobFacet.json", "type": "git", "url": "https://example.com/repo",
            "path": f"pipelines/{ev['job']['name']}.py"}}
        lines.append(json.dumps(ev))
    (workspace / "lineage.jsonl").write_text("\n".join(lines) + "\n")
    with (workspace / "recipe.yaml").open("a") as f:
        f.write("  - type: git\n    path: repo\n")
    recipe = str(workspace / "recipe.yaml")

    fresh = workspace / "fresh" / "graph.db"
    dry = json.loads(steward("ingest", recipe, "--store", f"sqlite:///{fresh}", "--dry-run", "-f", "json").stdout)
    assert dry["dry_run"] is True and dry["store"] == f"sqlite:///{fresh}"
    assert not (workspace / "fresh").exists(), "a dry run created the store's folder"
    real = json.loads(steward("ingest", recipe, "--store", f"sqlite:///{fresh}", "-f", "json").stdout)
    assert _counts(dry, dry=True) == _counts(real, dry=False)
    assert _counts(real, dry=False)["codeowners"][1] == 2, "both jobs linked to their CODEOWNERS owner"

    # On a store with earlier data: CODEOWNERS changes hands, so the real run removes the old claims.
    stats = json.loads(steward("stats", "--store", f"sqlite:///{fresh}", "-f", "json").stdout)
    before = sorted(p.name for p in fresh.parent.iterdir())
    (repo / "CODEOWNERS").write_text("* @carol\npipelines/ carol@acme.com\n")
    _git(repo, "commit", "-q", "-am", "hand over")
    dry = json.loads(steward("ingest", recipe, "--store", f"sqlite:///{fresh}", "--dry-run", "-f", "json").stdout)
    assert json.loads(steward("stats", "--store", f"sqlite:///{fresh}", "-f", "json").stdout) == stats
    assert sorted(p.name for p in fresh.parent.iterdir()) == before
    real = json.loads(steward("ingest", recipe, "--store", f"sqlite:///{fresh}", "-f", "json").stdout)
    assert _counts(dry, dry=True) == _counts(real, dry=False)
    assert _counts(real, dry=False)["codeowners"][2] > 0, "the old CODEOWNERS claims were removed"


@pytest.mark.parametrize(
    ("args", "code", "needle"),
    [
        (["stats", "--store", "postgres://db/x"], 3, "unknown store URI"),
        (["blast-radius", "dataset:nope", "--store", "sqlite:///{tmp}/g.db"], 6, "steward init --store"),
        (["ingest", "{tmp}/missing.yaml", "--store", "sqlite:///{tmp}/g.db"], 3, "recipe not found"),
        (["audit", "--fail-on", "fatal", "--store", "sqlite:///{tmp}/g.db"], 2, "--fail-on"),
        (["cypher", "MATCH (n) RETURN n", "--store", "sqlite:///{tmp}/g.db"], 6, "no embedded store"),
    ],
)
def test_errors_are_one_line_with_their_exit_code(tmp_path: Path, args: list[str], code: int, needle: str) -> None:
    proc = steward(*[a.format(tmp=tmp_path) for a in args], check=code)
    assert needle in proc.stderr
    assert "Traceback" not in proc.stderr


def test_unreachable_neo4j_names_the_uri(tmp_path: Path) -> None:
    proc = steward("stats", "--store", "bolt://127.0.0.1:9", env={"STEWARD_NEO4J_PASSWORD": "x"}, check=6)
    assert "bolt://127.0.0.1:9" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_corrupt_store_file(tmp_path: Path) -> None:
    bad = tmp_path / "graph.db"
    bad.write_bytes(b"garbage" * 1000)
    proc = steward("stats", "--store", f"sqlite:///{bad}", check=6)
    assert "not a Steward SQLite store" in proc.stderr


def test_recipe_errors(tmp_path: Path) -> None:
    (tmp_path / "r.yaml").write_text("sources:\n  - type: mlflow\n    tracking_uri: ${NOT_SET_ANYWHERE}\n")
    proc = steward("ingest", str(tmp_path / "r.yaml"), "--store", f"sqlite:///{tmp_path}/g.db", check=3)
    assert "NOT_SET_ANYWHERE is not set" in proc.stderr
    (tmp_path / "r.yaml").write_text("sources:\n  - type: catalog\n    paths: [x.yaml]\n    colour: blue\n")
    proc = steward("ingest", str(tmp_path / "r.yaml"), "--store", f"sqlite:///{tmp_path}/g.db", check=3)
    assert "colour" in proc.stderr
    (tmp_path / "r.yaml").write_text("sources:\n  - type: svn\n")
    proc = steward("ingest", str(tmp_path / "r.yaml"), "--store", f"sqlite:///{tmp_path}/g.db", check=3)
    assert f"{tmp_path / 'r.yaml'}:2: sources[0]: unknown source type 'svn'" in proc.stderr
    (tmp_path / "r.yaml").write_text("sources:\n  - type: catalog\n    paths: ['x.yaml]\n\n\n\n")
    proc = steward("ingest", str(tmp_path / "r.yaml"), "--store", f"sqlite:///{tmp_path}/g.db", check=3)
    assert f"{tmp_path / 'r.yaml'}:3:13: not valid YAML" in proc.stderr
    assert not (tmp_path / "g.db").exists()


def test_a_failing_source_makes_ingest_exit_nonzero(tmp_path: Path) -> None:
    (tmp_path / "r.yaml").write_text("sources:\n  - type: git\n    path: not-a-repo\n")
    (tmp_path / "not-a-repo").mkdir()
    proc = steward("ingest", str(tmp_path / "r.yaml"), "--store", f"sqlite:///{tmp_path}/g.db", "-f", "json",
                   check=1)
    report = json.loads(proc.stdout)
    assert report["ok"] is False
    assert report["sources"][0]["failures"]


def _serve(args: list[str], env: dict[str, str]) -> tuple[subprocess.Popen[str], str]:
    import socket
    import time

    import httpx

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    full_env = {k: v for k, v in os.environ.items() if k != "STEWARD_API_TOKEN"} | {"NO_COLOR": "1", **env}
    proc = subprocess.Popen([STEWARD, "serve", "--port", str(port), *args], env=full_env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if httpx.get(f"{url}/livez", timeout=1).status_code == 200:
                return proc, url
        except httpx.TransportError:
            time.sleep(0.1)
    proc.kill()
    raise AssertionError(f"serve did not start: {proc.communicate(timeout=10)}")


def test_serve_needs_a_token_unless_no_auth_on_loopback(workspace: Path) -> None:
    import httpx

    store = f"sqlite:///{workspace / 'g.db'}"
    steward("ingest", str(workspace / "recipe.yaml"), "--store", store)
    env = {k: v for k, v in os.environ.items() if k not in ("STEWARD_API_TOKEN", "STEWARD_TOKEN")}
    wide = subprocess.run([STEWARD, "serve", "--store", store, "--no-auth", "--host", "0.0.0.0"], env=env,
                          capture_output=True, text=True, timeout=60)
    assert wide.returncode == 3
    assert "loopback" in wide.stderr
    event = {"eventType": "COMPLETE", "eventTime": "2026-01-01T00:00:00Z", "producer": "https://x",
             "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
             "run": {"runId": "3f5e9a3c-1f5d-4c3b-9a51-6f0d1c1b2a10"}, "job": {"namespace": "a", "name": "b"}}
    # reproduced in issue 10: without a token anyone could write lineage. Auth is on by default now,
    # with no STEWARD_API_TOKEN needed: every route wants an API token.
    producer = steward("token", "create", "--person", "bob@acme.com", "--role", "producer", "--store", store,
                       env=env).stdout.strip()
    server, url = _serve(["--store", store], {"STEWARD_API_TOKEN": "tok"})
    try:
        assert httpx.post(f"{url}/api/v1/lineage", json=event).status_code == 401
        assert httpx.get(f"{url}/api/v1/spof").status_code == 401
        ok = httpx.post(f"{url}/api/v1/lineage", json=event, headers={"Authorization": f"Bearer {producer}"})
        assert ok.status_code == 201, ok.text
        legacy = httpx.post(f"{url}/api/v1/lineage", json=event, headers={"Authorization": "Bearer tok"})
        assert legacy.status_code == 201, "STEWARD_API_TOKEN still works as a producer credential"
        assert httpx.get(f"{url}/api/v1/spof", headers={"Authorization": "Bearer tok"}).status_code == 403
    finally:
        server.terminate()
        server.communicate(timeout=10)
    open_server, url = _serve(["--store", store, "--no-auth"], {})
    try:
        assert httpx.post(f"{url}/api/v1/lineage", json=event).status_code == 201
        assert httpx.get(f"{url}/api/v1/spof").status_code == 200
    finally:
        open_server.terminate()
        _, err = open_server.communicate(timeout=10)
    assert "WITHOUT AUTHENTICATION" in err


def test_a_mass_removal_is_refused_with_exit_7_until_forced(tmp_path: Path) -> None:
    def people(n: int) -> None:
        (tmp_path / "people.yaml").write_text("".join(
            f"---\napiVersion: steward/v1\nkind: Person\nmetadata: {{name: p{i}}}\nspec: {{email: p{i}@acme.com}}\n"
            for i in range(n)))

    (tmp_path / "r.yaml").write_text("sources: [{type: catalog, paths: [people.yaml]}]\n")
    store = f"sqlite:///{tmp_path / 'g.db'}"
    people(10)
    steward("ingest", str(tmp_path / "r.yaml"), "--store", store)
    people(2)  # 8 of 10 would go: over the default 50% limit
    refused = steward("ingest", str(tmp_path / "r.yaml"), "--store", store, check=7)
    assert "no longer says 8 of its 10 records" in refused.stdout
    assert "--force" in refused.stdout
    steward("ingest", str(tmp_path / "r.yaml"), "--store", store, "--force")


def test_piped_output_is_plain_and_never_wraps_an_id(workspace: Path) -> None:
    store = f"sqlite:///{workspace / 'graph.db'}"
    steward("ingest", str(workspace / "recipe.yaml"), "--store", store)
    out = steward("blast-radius", "raw/events", "--store", store, env={"COLUMNS": "60"}).stdout
    assert not any("\u2500" <= ch <= "\u257f" for ch in out), out  # no box drawing in a pipe
    assert "\x1b[" not in out
    lines = out.splitlines()
    # the id is whole on one line although the line is wider than COLUMNS
    assert any(line.startswith("dataset:s3://lake/features/churn ") or line == "dataset:s3://lake/features/churn"
               or "dataset:s3://lake/features/churn " in line for line in lines), out
    assert not any(line.strip().startswith(("churn", "res/churn")) for line in lines), out


def test_tables_name_runs_with_their_job_and_versions_with_their_model(tmp_path: Path) -> None:
    from steward.graph import Edge, EdgeKind, Node, NodeKind
    from steward.store import open_store

    uri = f"sqlite:///{tmp_path / 'g.db'}"
    run_id = "run:0193a1b2-7c3d-7e4f-8a5b-6c7d8e9f0a1b"
    with open_store(uri, create=True) as st:
        st.upsert(nodes=[
            Node(id="dataset:s3://lake/train", kind=NodeKind.DATASET, source="t", name="train"),
            Node(id="job:mlflow/churn", kind=NodeKind.JOB, source="t", name="churn training"),
            Node(id=run_id, kind=NodeKind.RUN, source="t", name="0193a1b2-7c3d-7e4f-8a5b-6c7d8e9f0a1b"),
            Node(id="model:churn", kind=NodeKind.MODEL, source="t", name="churn"),
            Node(id="model_version:churn/3", kind=NodeKind.MODEL_VERSION, source="t", name="3"),
        ], edges=[
            Edge(src="dataset:s3://lake/train", kind=EdgeKind.CONSUMED_BY, dst=run_id, source="t"),
            Edge(src=run_id, kind=EdgeKind.RUN_OF, dst="job:mlflow/churn", source="t"),
            Edge(src=run_id, kind=EdgeKind.PRODUCED, dst="model_version:churn/3", source="t"),
            Edge(src="model_version:churn/3", kind=EdgeKind.VERSION_OF, dst="model:churn", source="t"),
        ])
    blast = steward("blast-radius", "dataset:s3://lake/train", "--store", uri, "-f", "csv").stdout
    assert "run 0193a1b2-7c3d-7e4f-8a5b-6c7d8e9f0a1b of job churn training" in blast
    assert "version 3 of model churn" in blast
    up = steward("upstream", "model_version:churn/3", "--store", uri).stdout
    assert "run 0193a1b2-7c3d-7e4f-8a5b-6c7d8e9f0a1b of job churn training" in up


def _on_a_terminal(args: list[str], columns: int) -> str:
    """Run steward with its stdout on a pseudo-terminal of ``columns`` columns; the text it printed."""
    import pty

    leader, follower = pty.openpty()
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": str(columns), "LINES": "50", "TERM": "xterm"}
    proc = subprocess.Popen([STEWARD, *args], stdout=follower, stderr=subprocess.PIPE, env=env)
    os.close(follower)
    chunks = []
    while True:
        try:
            data = os.read(leader, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(leader)
    assert proc.wait(timeout=120) == 0
    text = b"".join(chunks).decode().replace("\r\n", "\n")
    return re.sub(r"\x1b\[[0-9;]*m", "", text)  # bold (NO_COLOR keeps styles): the text as seen


@pytest.mark.parametrize("terminal", [False, True], ids=["pipe", "terminal"])
def test_demo_hints_are_whole_lines_to_paste(tmp_path: Path, terminal: bool) -> None:
    store = f"sqlite:///{tmp_path / 'demo.db'}"
    args = ["demo", "--mlflow", "off", "--no-serve", "--store", store, "--workspace", str(tmp_path / "ws")]
    out = _on_a_terminal(args, 40) if terminal else steward(*args, env={"COLUMNS": "40"}).stdout
    lines = out.splitlines()
    assert f"  export STEWARD_STORE={store}" in lines, out
    assert f"  steward ingest {tmp_path / 'ws' / 'recipe.yaml'} --dry-run" in lines, out
    if terminal:  # tables fit the 40 columns: cut in the middle, or one record per block
        boxed = [line for line in lines if any("\u2500" <= ch <= "\u257f" for ch in line)]
        assert all(len(line) <= 40 for line in boxed), out
        assert any(line.strip().startswith("person: person:") for line in lines), out  # a block per record
    else:
        assert not any("\u2500" <= ch <= "\u257f" for ch in out), out


def test_demo_says_once_that_it_installs_mlflow(tmp_path: Path) -> None:
    # A missing MLflow venv, and pip without an index: the install is announced, then fails fast.
    env = {"STEWARD_MLFLOW_VENV": str(tmp_path / "venv"), "PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(tmp_path),
           "MLFLOW_TRACKING_URI": ""}
    proc = steward("demo", "--mlflow", "auto", "--no-serve", "--store", f"sqlite:///{tmp_path / 'd.db'}",
                   "--workspace", str(tmp_path / "ws"), env=env, check=None)
    assert proc.returncode != 0
    out = proc.stdout + proc.stderr
    assert out.lower().count("installing mlflow") == 1, out


def test_serve_on_a_busy_port_says_so_in_one_line_before_any_banner(tmp_path: Path) -> None:
    import socket

    store = f"sqlite:///{tmp_path / 'g.db'}"
    steward("init", "--store", store)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        proc = steward("serve", "--port", str(port), "--store", store, check=3)
    assert "Steward API on" not in proc.stdout, "the banner came before the bind"
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and f"port {port} on 127.0.0.1 is already in use" in lines[0], proc.stderr
