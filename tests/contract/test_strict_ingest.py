"""A catalog document that becomes invalid: by default it keeps all of its previous records (never half
of them) and the report says so; with strict mode the run fails and nothing of that source is written or
removed. Real catalog files, a real recipe, on both stores."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

from steward.graph import EdgeKind
from steward.recipe import load_recipe, run_recipe
from steward.store import GraphStore

ADA = """\
apiVersion: steward/v1
kind: Person
metadata: {name: ada}
spec: {email: ada@acme.com, teams: [risk]}
"""
ADA_WITHOUT_EMAIL = """\
apiVersion: steward/v1
kind: Person
metadata: {name: ada}
spec: {displayName: Ada, teams: [risk]}
"""
RISK = """\
apiVersion: steward/v1
kind: Team
metadata: {name: risk}
spec: {members: [bob@acme.com]}
"""
BOB = """\
apiVersion: steward/v1
kind: Person
metadata: {name: bob}
spec: {email: bob@acme.com}
"""
OWNERSHIP = """\
apiVersion: steward/v1
kind: Ownership
metadata: {name: orders}
spec: {artifact: "dataset:s3://lake/orders", owners: [ada@acme.com], stewards: [team:risk]}
"""
OLD_DOC = """\
apiVersion: steward/v1
kind: Ownership
metadata: {name: old}
spec: {artifact: "dataset:s3://lake/old", owners: [bob@acme.com]}
"""


def write(tmp_path: Path, *docs: str, strict: bool = False) -> Path:
    (tmp_path / "catalog.yaml").write_text("---\n".join(docs), encoding="utf-8")
    recipe = tmp_path / "recipe.yaml"
    recipe.write_text(textwrap.dedent(f"""\
        max_removal_share: 1.0
        strict: {str(strict).lower()}
        sources:
          - type: catalog
            paths: [catalog.yaml]
        """), encoding="utf-8")
    return recipe


def snapshot(store: GraphStore) -> tuple[set[str], set[tuple[str, str, str, str]]]:
    nodes = {n.id for n in store.find_nodes()}
    edges = {(e.src, e.kind.value, e.dst, e.source) for e in store.edges()}
    return nodes, edges


def ada_edges(store: GraphStore) -> set[tuple[str, str]]:
    return {(e.kind.value, e.dst) for e in store.edges(src=["person:ada@acme.com"])}


def test_default_keeps_all_previous_records_of_a_document_that_became_invalid(store: GraphStore,
                                                                               tmp_path: Path) -> None:
    first = run_recipe(load_recipe(write(tmp_path, ADA, RISK, BOB, OWNERSHIP, OLD_DOC)), store)
    assert first.ok
    assert ada_edges(store) == {("MEMBER_OF", "team:risk"), ("OWNS", "dataset:s3://lake/orders")}
    before = snapshot(store)

    # Ada's document loses its e-mail (skipped), and the `old` ownership is deleted from the file
    second = run_recipe(load_recipe(write(tmp_path, ADA_WITHOUT_EMAIL, RISK, BOB, OWNERSHIP)), store)
    assert second.ok  # a warning, not a failure
    out = second.to_json()["sources"][0]
    assert out["skipped"] == 1
    assert out["retract_skipped"] is True
    assert "keeps all its previous records" in out["retract_skipped_reason"]
    assert out["removed"] == {"nodes": 0, "edges": 0}
    assert any("document 1 skipped" in w["message"] and w["context"]["kind"] == "Person"
               and w["context"]["name"] == "ada" for w in out["warnings"])
    # the Person node AND its MEMBER_OF edge are still there: all of it, not half
    assert store.get_node("person:ada@acme.com") is not None
    assert ada_edges(store) == {("MEMBER_OF", "team:risk"), ("OWNS", "dataset:s3://lake/orders")}
    assert snapshot(store) == before  # nothing removed in this run, not even the deleted `old` document

    # fixed: the next clean run removes what the catalog no longer says, and only that
    third = run_recipe(load_recipe(write(tmp_path, ADA, RISK, BOB, OWNERSHIP)), store)
    assert third.ok
    assert third.to_json()["sources"][0]["retract_skipped"] is False
    assert not store.edges(kinds=[EdgeKind.OWNS], dst=["dataset:s3://lake/old"])
    assert ada_edges(store) == {("MEMBER_OF", "team:risk"), ("OWNS", "dataset:s3://lake/orders")}


def test_strict_fails_and_writes_nothing_of_the_source(store: GraphStore, tmp_path: Path) -> None:
    assert run_recipe(load_recipe(write(tmp_path, ADA, RISK, BOB, OWNERSHIP, OLD_DOC)), store).ok
    before = snapshot(store)
    new_team = """\
apiVersion: steward/v1
kind: Team
metadata: {name: newcomers}
spec: {members: [bob@acme.com]}
"""
    report = run_recipe(load_recipe(write(tmp_path, ADA_WITHOUT_EMAIL, RISK, BOB, OWNERSHIP, new_team,
                                          strict=True)), store)
    assert not report.ok
    out = report.to_json()["sources"][0]
    assert out["refused"] is True
    assert out["written"] == {"nodes": 0, "edges": 0}
    assert out["removed"] == {"nodes": 0, "edges": 0}
    assert any(f["message"].startswith("strict: 1 skipped") for f in out["failures"])
    assert snapshot(store) == before  # the new team was not written, `old` not removed
    assert store.get_node("team:newcomers") is None

    # the same files without strict: written, nothing removed, and the report says why
    relaxed = run_recipe(load_recipe(write(tmp_path, ADA_WITHOUT_EMAIL, RISK, BOB, OWNERSHIP, new_team)), store)
    assert relaxed.ok
    assert store.get_node("team:newcomers") is not None
    assert store.edges(kinds=[EdgeKind.OWNS], dst=["dataset:s3://lake/old"])


def test_strict_refuses_an_unresolved_person_and_passes_a_clean_catalog(store: GraphStore, tmp_path: Path) -> None:
    unknown_owner = OWNERSHIP.replace("owners: [ada@acme.com]", 'owners: ["@nobody"]')
    report = run_recipe(load_recipe(write(tmp_path, ADA, RISK, BOB, unknown_owner)), store, strict=True)
    assert not report.ok
    (failure,) = report.to_json()["sources"][0]["failures"]
    assert "1 unresolved person(s): person:@nobody" in failure["message"]
    assert store.find_nodes() == []

    clean = run_recipe(load_recipe(write(tmp_path, ADA, RISK, BOB, OWNERSHIP)), store, strict=True)
    assert clean.ok
    assert store.get_node("person:ada@acme.com") is not None


def test_cli_strict_exits_1(tmp_path: Path) -> None:
    recipe = write(tmp_path, ADA_WITHOUT_EMAIL, RISK, BOB)
    steward = shutil.which("steward", path=str(Path(sys.executable).parent)) or "steward"
    env = {**os.environ, "STEWARD_STORE": f"sqlite:///{tmp_path / 'g.db'}", "NO_COLOR": "1"}
    loose = subprocess.run([steward, "ingest", str(recipe), "--format", "json"], env=env, capture_output=True,
                           text=True, timeout=120)
    assert loose.returncode == 0, loose.stderr
    assert json.loads(loose.stdout)["sources"][0]["retract_skipped"] is True
    strict = subprocess.run([steward, "ingest", str(recipe), "--strict", "--format", "json"], env=env,
                            capture_output=True, text=True, timeout=120)
    assert strict.returncode == 1, strict.stderr
    assert json.loads(strict.stdout)["sources"][0]["refused"] is True


def test_an_openlineage_event_that_became_unreadable_keeps_its_records(store: GraphStore, tmp_path: Path) -> None:
    from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunEvent, RunState
    from openlineage.client.serde import Serde

    def event(i: int) -> str:
        return Serde.to_json(RunEvent(
            eventType=RunState.COMPLETE, eventTime="2026-11-25T10:00:00.000Z",
            run=Run(runId=f"00000000-0000-4000-8000-00000000000{i}"), job=Job(namespace="airflow", name=f"job{i}"),
            inputs=[InputDataset(namespace="s3://lake", name=f"in{i}")],
            outputs=[OutputDataset(namespace="s3://lake", name=f"out{i}")]))

    events = tmp_path / "events.jsonl"
    events.write_text(event(1) + "\n" + event(2) + "\n")
    (tmp_path / "r.yaml").write_text("sources: [{type: openlineage, paths: [events.jsonl]}]\n")
    assert run_recipe(load_recipe(tmp_path / "r.yaml"), store).ok
    events.write_text(event(1) + "\n" + event(2)[:40] + "\n")  # the second event is now cut short
    report = run_recipe(load_recipe(tmp_path / "r.yaml"), store)
    outcome = report.to_json()["sources"][0]
    assert outcome["retract_skipped"] is True
    assert store.get_node("dataset:s3://lake/out2") is not None, "the unreadable event's records stay"
    assert store.edges(kinds=[EdgeKind.PRODUCED], src=["run:00000000-0000-4000-8000-000000000002"])
