"""`steward export` / `steward import`: the shipped example platform (catalog, OpenLineage events, with a
leaver, Backstage documents, a team hierarchy and a deployment serving an alias) is exported from an
embedded store and imported into a fresh store of each kind: the answers are identical, and exporting
again gives the same records. GraphML loads in networkx; the OpenLineage export parses back through
Steward's own parser into the same lineage."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import networkx as nx
import pytest

from steward.analysis.audit import audit
from steward.analysis.blast import blast_radius
from steward.analysis.ownership import read_precedence
from steward.analysis.spof import spof
from steward.analysis.upstream import upstream
from steward.errors import InvalidInputError
from steward.export import import_jsonl, jsonl_lines, openlineage_events, select, write_export
from steward.graph import EdgeKind, NodeKind
from steward.recipe import load_recipe, run_recipe
from steward.sources.openlineage import parse_event
from steward.store import GraphStore, open_store

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 3, 2, tzinfo=UTC)
RAW = "dataset:s3://acme-lake/raw/orders"
DEPLOYMENT = "deployment:prod/order-risk-api"


@pytest.fixture
def source(tmp_path: Path) -> GraphStore:
    """The example platform, ingested into an embedded store with a non-default precedence."""
    st = open_store(f"sqlite:///{tmp_path / 'source.db'}", create=True)
    from steward.recipe import set_precedence

    set_precedence(st, ["catalog", "steward", "openlineage", "mlflow", "codeowners"])
    report = run_recipe(load_recipe(ROOT / "ingest/examples/recipe.yaml"), st)
    assert report.ok, report.to_json()
    yield st
    st.close()


def answers(st: GraphStore) -> dict[str, object]:
    return {
        "blast": blast_radius(st, RAW),
        "blast_features": blast_radius(st, "dataset:s3://acme-lake/features/orders_daily"),
        "upstream": upstream(st, DEPLOYMENT, now=NOW),
        "spof": spof(st),
        "audit": audit(st, now=NOW),
        "precedence": list(read_precedence(st)),
    }


def records(st: GraphStore) -> list[dict[str, object]]:
    """The exported records without the header (it names the store).

    A stub node's ``seen_at`` is left out: Neo4j's store gives a stub made by an edge an empty
    ``seen_at`` where the embedded store gives it the edge's (a difference of the stores, reported).
    """
    out = [json.loads(line) for line in list(jsonl_lines(st, select(st)))[1:]]
    for rec in out:
        if rec["type"] == "node" and rec["props"].get("stub"):
            rec.pop("seen_at")
    return out


def test_round_trip_gives_identical_answers(source: GraphStore, store: GraphStore) -> None:
    exported = list(jsonl_lines(source, select(source)))
    header = json.loads(exported[0])
    assert header["type"] == "steward-export"
    assert header["nodes"] == len(source.find_nodes())
    assert header["edges"] == len(source.edges())
    assert len(exported) == 1 + header["nodes"] + header["edges"]
    nodes, edges = import_jsonl(store, exported)
    assert nodes == len([n for n in source.find_nodes() if not n.props.get("stub")])
    assert edges == header["edges"]
    assert answers(store) == answers(source)
    assert records(store) == records(source)  # every prop, source and seen_at, on both stores
    # provenance survives: a source withdrawing its records on the copy affects only what it said
    said = source.source_records("openlineage")
    copied = store.source_records("openlineage")
    assert (said.nodes, said.edges) == (copied.nodes, copied.edges)


def test_import_refuses_what_is_not_an_export(store: GraphStore) -> None:
    event = (ROOT / "ingest/examples/lineage.jsonl").read_text(encoding="utf-8").splitlines()
    with pytest.raises(InvalidInputError, match=r"lineage\.jsonl:1: not a Steward export record"):
        import_jsonl(store, event, where="lineage.jsonl")
    forged = [json.dumps({"type": "steward-export", "version": 1, "state": {}}),
              json.dumps({"type": "edge", "src": "person:a@x.com", "kind": "OWNS", "dst": RAW, "source": "catalog",
                          "key": "catalog|owner", "props": {"role": "steward", "origin": "catalog"},
                          "seen_at": "2026-01-01T00:00:00Z"})]
    with pytest.raises(InvalidInputError, match="edge key"):
        import_jsonl(store, forged)
    assert store.find_nodes() == []  # nothing written from a refused file


def test_graphml_loads_in_networkx(source: GraphStore, tmp_path: Path) -> None:
    sel = select(source)
    out = io.StringIO()
    write_export(source, sel, "graphml", out)
    (tmp_path / "g.graphml").write_text(out.getvalue(), encoding="utf-8")
    g = nx.read_graphml(tmp_path / "g.graphml", force_multigraph=True)
    assert set(g.nodes) == {n.id for n in sel.nodes}
    assert g.number_of_edges() == len(sel.edges)
    dan = g.nodes["person:dan@acme.com"]
    assert (dan["kind"], dan["name"], dan["p_active"]) == ("Person", "Dan Old", False)
    assert json.loads(dan["sources"]) == ["catalog"]
    owns = [d for s, t, d in g.edges(data=True) if t == RAW and d["kind"] == "OWNS"]
    assert sorted(d["p_role"] for d in owns) == ["owner", "steward"]
    assert all(d["source"] == "catalog" for d in owns)


def test_graphml_with_a_property_of_several_types_loads(tmp_path: Path) -> None:
    from steward.export import graphml_text
    from steward.graph import Node

    st = open_store(f"sqlite:///{tmp_path / 'mixed.db'}", create=True)
    st.upsert(nodes=[Node(id="dataset:a", kind=NodeKind.DATASET, source="t", props={"version": 3}),
                     Node(id="dataset:b", kind=NodeKind.DATASET, source="t", props={"version": "v2"}),
                     Node(id="dataset:c", kind=NodeKind.DATASET, source="t", props={"version": True})])
    g = nx.parse_graphml(graphml_text(select(st)))
    assert {n: d["p_version"] for n, d in g.nodes(data=True)} == {"dataset:a": "3", "dataset:b": "v2",
                                                                   "dataset:c": "true"}
    st.close()


def test_openlineage_export_parses_back_into_the_same_lineage(source: GraphStore) -> None:
    events = openlineage_events(source, select(source))
    runs = {n.id for n in source.find_nodes(kinds=[NodeKind.RUN])}
    assert len(events) == len(runs) == 2
    parsed = set()
    for i, ev in enumerate(events):
        for rec in parse_event(json.loads(json.dumps(ev)), source="x", seen_at="2026-01-01T00:00:00Z",
                               where=f"event {i}"):
            if hasattr(rec, "src"):
                parsed.add((rec.src, rec.kind.value, rec.dst))
    kinds = [EdgeKind.RUN_OF, EdgeKind.CONSUMED_BY, EdgeKind.PRODUCED]
    stored = {(e.src, e.kind.value, e.dst) for e in source.edges(kinds=kinds)}
    assert parsed == stored
    assert {ev["eventType"] for ev in events} == {"COMPLETE"}


def test_subgraph_down_up_and_kinds(source: GraphStore) -> None:
    down = select(source, root=RAW, down=True)
    ids = {n.id for n in down.nodes}
    impacted = {row["id"] for row in blast_radius(source, RAW)["impacted"]}
    assert impacted <= ids
    assert "person:bob@acme.com" in ids  # the owners come along
    assert "dataset:postgres://crm:5432/public.customers" not in ids  # upstream of a run, not downstream
    assert all(e.src in ids and e.dst in ids for e in down.edges)

    up = {n.id for n in select(source, root=DEPLOYMENT, up=True).nodes}
    assert {RAW, "dataset:postgres://crm:5432/public.customers", "job:airflow/orders.score"} <= up

    only = select(source, kinds=[NodeKind.DATASET])
    assert {n.kind for n in only.nodes} == {NodeKind.DATASET}
    assert only.edges == []  # datasets are never linked to datasets directly


def test_cli_export_import_round_trip(source: GraphStore, tmp_path: Path) -> None:
    steward = shutil.which("steward", path=str(Path(sys.executable).parent)) or "steward"
    src_uri = source.uri
    source.close()
    env = {**os.environ, "NO_COLOR": "1"}

    def run(*args: str, uri: str) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run([steward, *args], env={**env, "STEWARD_STORE": uri}, capture_output=True, text=True,
                              timeout=120)
        assert proc.returncode == 0, proc.stderr
        return proc

    out = tmp_path / "graph.jsonl"
    run("export", "--output", str(out), uri=src_uri)
    copy = f"sqlite:///{tmp_path / 'copy.db'}"
    assert "imported" in run("import", str(out), uri=copy).stdout
    first = run("blast-radius", RAW, "--format", "json", uri=src_uri).stdout
    second = run("blast-radius", RAW, "--format", "json", uri=copy).stdout
    assert json.loads(first) == json.loads(second)
    ol = run("export", "--format", "openlineage", "--from", RAW, "--down", uri=src_uri).stdout.splitlines()
    assert len(ol) == 2
    gml = run("export", "--format", "graphml", "--kind", "dataset", uri=src_uri).stdout
    assert nx.parse_graphml(gml).number_of_nodes() == 4
