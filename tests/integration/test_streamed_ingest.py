"""A streamed source (OpenLineage: written as it is read, repeats dropped, one transaction per chunk) stores
exactly what the two-pass runner (spill to disk, then write) stores: same nodes, edges, history and log,
and the same report, through re-ingests, changes and removals; and so does the real CLI."""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from steward import recipe as recipe_mod
from steward.recipe import load_recipe, run_recipe
from steward.sources import openlineage
from steward.sources.base import Record
from steward.sources.openlineage import OpenLineageSource
from steward.store import open_store

STEWARD = shutil.which("steward", path=str(Path(sys.executable).parent)) or "steward"
TIME = "2026-01-01T00:00:00Z"
#: columns holding the time of the transaction that wrote the row (they differ with the batching)
TX_COLUMNS = {"node_open": (1,), "edge_open": (4,), "node_closed": (1, 2), "edge_closed": (7, 8)}
STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d")


def events(n: int, *, seed: int, drop_every: int = 0) -> list[str]:
    """RunEvents over a small organisation: datasets read again and again (with a version facet that
    changes back and forth), owners that are teams, people and stewards, parents, code locations, and a few
    other events and bad lines."""
    rng = random.Random(seed)
    out: list[str] = []
    made = 3
    for i in range(n):
        job = f"j{rng.randrange(max(1, i // 3) + 1):03d}"
        owner = rng.choice(["team:data", "team:ml", "user:jdoe", "ada@acme.com", "application:x"])
        ins = [{"namespace": "s3://lake", "name": f"d{rng.randrange(made):04d}"} for _ in range(rng.randint(0, 4))]
        if ins and rng.random() < 0.3:
            ins[0]["facets"] = {"version": {"datasetVersion": rng.choice(["v1", "v2"])},
                                "ownership": {"owners": [{"name": "team:data", "type": "DATA_STEWARD"}]}}
        ev: dict[str, Any] = {
            "eventType": rng.choice(["START", "COMPLETE", "FAIL", "RUNNING"]), "eventTime": TIME, "producer": "p",
            "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/definitions/RunEvent",
            "run": {"runId": str(uuid.UUID(int=rng.getrandbits(128), version=4))},
            "job": {"namespace": "airflow", "name": job,
                    "facets": {"ownership": {"owners": [{"name": owner, "type": "OWNER"}]}}},
            "inputs": ins, "outputs": [{"namespace": "s3://lake", "name": f"d{made:04d}"}],
        }
        made += 1
        if rng.random() < 0.2:
            ev["run"]["facets"] = {"parent": {"run": {"runId": str(uuid.UUID(int=rng.getrandbits(128), version=4))},
                                              "job": {"namespace": "airflow", "name": "dag"}}}
        if rng.random() < 0.2:
            ev["job"]["facets"]["sourceCodeLocation"] = {"type": "git", "repoUrl": "git@github.com:acme/x.git",
                                                         "version": f"{rng.getrandbits(160):040x}", "path": "a.py"}
        if drop_every and i % drop_every == 0:
            continue
        out.append(json.dumps(ev))
    out.append(json.dumps({"eventTime": TIME, "producer": "p", "schemaURL": "s#/DatasetEvent",
                           "dataset": {"namespace": "s3://lake", "name": "d0001"}}))
    out.append(json.dumps({"eventTime": TIME, "producer": "p", "schemaURL": "s#/JobEvent",
                           "job": {"namespace": "airflow", "name": "j000"},
                           "inputs": [{"namespace": "a", "name": "b"}]}))
    return out


def dump(db: Path) -> dict[str, Any]:
    con = sqlite3.connect(db)
    try:
        tables: dict[str, list[tuple[Any, ...]]] = {}
        for t in ("nodes", "edges", "node_open", "edge_open", "node_closed", "edge_closed", "state"):
            rows = con.execute(f"SELECT * FROM {t}").fetchall()
            tables[t] = [tuple("TX" if i in TX_COLUMNS.get(t, ()) else v for i, v in enumerate(r)) for r in rows]
        # each run stamps its records with its own start time: compared by their order, not their value
        stamps = sorted({v for rows in tables.values() for r in rows for v in r
                         if isinstance(v, str) and STAMP.match(v)})
        rank = {v: f"run#{i}" for i, v in enumerate(stamps)}
        out: dict[str, Any] = {
            t: sorted(tuple(rank.get(v, v) if isinstance(v, str) else v for v in r) for r in rows)
            for t, rows in tables.items()
        }
        log = []
        for (entry,) in con.execute("SELECT entry FROM log ORDER BY seq"):
            doc = json.loads(entry)
            doc.pop("at", None)
            log.append(doc)
        out["log"] = log
        return out
    finally:
        con.close()


def recipe_file(tmp: Path, lines: list[str], name: str) -> Path:
    (tmp / f"{name}.jsonl").write_text("\n".join(lines) + "\n")
    r = tmp / f"{name}.yaml"
    r.write_text(f"sources:\n  - type: openlineage\n    name: lineage\n    paths: [{name}.jsonl]\n")
    return r


def report_json(rep: Any) -> dict[str, Any]:
    doc: dict[str, Any] = rep.to_json()
    doc.pop("store")
    return doc


@pytest.mark.parametrize("memory", [40, 10**6], ids=["forgetting", "remembering"])
def test_streamed_ingest_stores_what_the_two_pass_runner_stores(tmp_path: Path, memory: int,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    # small chunks and small memories, so chunks, forgetting and re-making are all exercised; both runners
    # cut the same chunks (a chunk is a transaction: history keeps one version per node per transaction)
    monkeypatch.setattr(recipe_mod, "STREAM_CHUNK", 97)
    monkeypatch.setattr(recipe_mod, "SPILL_CHUNK", 97)
    monkeypatch.setattr(recipe_mod._Repeats, "MAX", memory)
    monkeypatch.setattr(openlineage, "_MADE_MAX", 25)
    first = events(400, seed=3)
    steps = [
        recipe_file(tmp_path, first, "first"),
        recipe_file(tmp_path, first, "again"),  # the same file again: nothing changes
        recipe_file(tmp_path, [*first[:60], "not json", '{"run": 5}', *first[60:]], "bad"),  # skips: no removal
        recipe_file(tmp_path, events(400, seed=3, drop_every=4), "fewer"),  # a quarter gone: removed
        recipe_file(tmp_path, events(300, seed=4), "other"),  # another organisation over the same names
    ]
    real_fresh = recipe_mod._Repeats.fresh

    def write_all(self: recipe_mod._Repeats, chunk: Sequence[Record]) -> list[Record]:
        self.nodes_dropped = self.edges_dropped = 0
        return list(chunk)

    streamed, spilled = tmp_path / "streamed.db", tmp_path / "spilled.db"
    removed: dict[str, int] = {}
    skipped: dict[str, bool] = {}
    for step in steps:
        recipe = load_recipe(step)
        reports = []
        for db, streams in ((streamed, True), (spilled, False)):
            monkeypatch.setattr(OpenLineageSource, "streams", streams)
            # the reference writes every record, repeats too, as the runner did before
            monkeypatch.setattr(recipe_mod._Repeats, "fresh", real_fresh if streams else write_all)
            with open_store(f"sqlite:///{db}", create=True) as store:
                reports.append(report_json(run_recipe(recipe, store, actor="t")))
        assert reports[0] == reports[1], step.name
        a, b = dump(streamed), dump(spilled)
        assert a == b, step.name
        assert a["nodes"] and a["edges"]
        removed[step.stem] = sum(o["removed"]["nodes"] + o["removed"]["edges"] for o in reports[0]["sources"])
        skipped[step.stem] = any(o["retract_skipped"] for o in reports[0]["sources"])
    assert removed["again"] == removed["bad"] == 0 and skipped["bad"]  # the cases the steps are meant to be
    assert removed["fewer"] > 0 and removed["other"] > 0
    assert dump(streamed)["node_closed"], "the removals and changes were recorded as history"


def test_the_cli_stores_what_the_in_process_two_pass_run_stores(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    step = recipe_file(tmp_path, events(300, seed=5), "lineage")
    cli_db, ref_db = tmp_path / "cli.db", tmp_path / "ref.db"
    env = {**os.environ, "NO_COLOR": "1", "STEWARD_ACTOR": "t"}
    proc = subprocess.run([STEWARD, "ingest", str(step), "--store", f"sqlite:///{cli_db}", "--format", "json"],
                          capture_output=True, text=True, env=env, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr
    monkeypatch.setattr(OpenLineageSource, "streams", False)

    def write_all(self: recipe_mod._Repeats, chunk: Sequence[Record]) -> list[Record]:
        self.nodes_dropped = self.edges_dropped = 0
        return list(chunk)

    monkeypatch.setattr(recipe_mod._Repeats, "fresh", write_all)  # every record written, as before
    with open_store(f"sqlite:///{ref_db}", create=True) as store:
        ref = report_json(run_recipe(load_recipe(step), store))
    cli = json.loads(proc.stdout)
    cli.pop("store")
    assert cli == ref
    a, b = dump(cli_db), dump(ref_db)
    for doc in (a, b):
        for entry in doc["log"]:
            entry.pop("actor", None)  # who ran it: the CLI's operator and this process's may differ
    assert a == b
