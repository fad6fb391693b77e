"""History and as-of on both stores (issue 9): versions with validity intervals, the graph at a moment,
and the history of an artifact. Real catalog files through a real recipe where ownership moves."""

from __future__ import annotations

import textwrap
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from steward.analysis import blast_radius
from steward.analysis.audit import audit
from steward.errors import InvalidInputError, NotFoundError, UnsupportedError
from steward.governance.history import history
from steward.graph import Edge, EdgeKey, EdgeKind, Node, NodeKind, OwnershipClaim
from steward.recipe import load_recipe, run_recipe
from steward.store import GraphStore
from steward.store.asof import AsOfStore, parse_moment
from steward.store.base import utc_now

ORDERS = "dataset:s3://lake/orders"
FEATURES = "dataset:s3://lake/features"
RUN = "run:build-features-1"
JOB = "job:airflow://features"
PEOPLE = """\
apiVersion: steward/v1
kind: Person
metadata: {name: ada}
spec: {email: ada@acme.com, teams: [risk]}
---
apiVersion: steward/v1
kind: Person
metadata: {name: bob}
spec: {email: bob@acme.com}
---
apiVersion: steward/v1
kind: Team
metadata: {name: risk}
spec: {members: [bob@acme.com]}
"""


def ownership(owner: str, steward: str | None = None) -> str:
    stewards = f", stewards: [{steward}]" if steward else ""
    return textwrap.dedent(f"""\
        ---
        apiVersion: steward/v1
        kind: Ownership
        metadata: {{name: orders}}
        spec: {{artifact: "{ORDERS}", owners: [{owner}]{stewards}}}
        """)


def ingest_catalog(tmp_path: Path, store: GraphStore, *docs: str) -> None:
    (tmp_path / "catalog.yaml").write_text("".join(docs), encoding="utf-8")
    recipe = tmp_path / "recipe.yaml"
    recipe.write_text("max_removal_share: 1.0\nsources:\n  - type: catalog\n    paths: [catalog.yaml]\n",
                      encoding="utf-8")
    assert run_recipe(load_recipe(recipe), store).ok


def lineage(store: GraphStore) -> None:
    store.upsert(
        nodes=[Node(RUN, NodeKind.RUN, source="airflow", props={"state": "COMPLETE"}),
               Node(JOB, NodeKind.JOB, source="airflow")],
        edges=[Edge(ORDERS, EdgeKind.CONSUMED_BY, RUN, source="airflow"),
               Edge(RUN, EdgeKind.PRODUCED, FEATURES, source="airflow"),
               Edge(RUN, EdgeKind.RUN_OF, JOB, source="airflow")],
        claims=[OwnershipClaim(owner="team:risk", artifact=FEATURES, role="owner", source="airflow")],
    )


def no_seen_at(value: Any) -> Any:
    """An answer without ``seen_at`` (when a source last saw a record is not part of its version)."""
    if isinstance(value, dict):
        return {k: no_seen_at(v) for k, v in value.items() if k != "seen_at"}
    if isinstance(value, list):
        return [no_seen_at(v) for v in value]
    return value


def answers(store: GraphStore, now: datetime) -> dict[str, Any]:
    """What a postmortem asks: the node, who owns it and what is downstream, and the audit."""
    rec = store.get_node(ORDERS)
    assert rec is not None
    return no_seen_at({
        "show": {**rec.to_json(), "edges": [e.to_json() for e in store.neighbours(ORDERS)]},
        "blast": blast_radius(store, ORDERS),
        "audit": audit(store, now=now),
    })


def moment() -> tuple[str, datetime]:
    time.sleep(0.002)  # a moment strictly between two writes
    text = utc_now()
    time.sleep(0.002)
    return text, datetime.fromisoformat(text.replace("Z", "+00:00"))


def owners_of_orders(result: dict[str, Any]) -> list[tuple[str, str]]:
    root = result["blast"]["impacted"][0]
    assert root["id"] == ORDERS
    return sorted((o["id"], o["role"]) for o in root["owners"] if o["effective"])


def test_who_owned_this_when_it_broke(store: GraphStore, tmp_path: Path) -> None:
    ingest_catalog(tmp_path, store, PEOPLE, ownership("ada@acme.com", "team:risk"))
    lineage(store)
    taken: list[tuple[str, dict[str, Any]]] = []
    t1, now1 = moment()
    taken.append((t1, answers(store, now1)))
    # a later catalog ingest moves ownership of orders from Ada to Bob
    ingest_catalog(tmp_path, store, PEOPLE, ownership("bob@acme.com", "team:risk"))
    t2, now2 = moment()
    taken.append((t2, answers(store, now2)))
    # a claim is retracted: the risk team no longer stewards orders
    (claim,) = [e for e in store.edges(kinds=[EdgeKind.OWNS], dst=[ORDERS]) if e.props.get("role") == "steward"]
    store.retract(claim.source, nodes=(), edges=[claim.identity])
    t3, now3 = moment()
    taken.append((t3, answers(store, now3)))

    # the three moments differ, as the changes say
    assert [owners_of_orders(a) for _, a in taken] == [
        [("person:ada@acme.com", "owner"), ("team:risk", "steward")],
        [("person:bob@acme.com", "owner"), ("team:risk", "steward")],
        [("person:bob@acme.com", "owner")],
    ]
    for t, live in taken:
        view = store.as_of(t)
        assert isinstance(view, AsOfStore) and view.moment == t
        assert answers(view, datetime.fromisoformat(t.replace("Z", "+00:00"))) == live, t
        view.close()

    # history of orders names each change with its interval, newest first
    events = history(store, ORDERS)["events"]
    owns = [(e["change"], e["edge"]["src"], e["edge"]["role"])
            for e in events if e.get("edge", {}).get("kind") == "OWNS"]
    assert owns == [("removed", "team:risk", "steward"), ("removed", "person:ada@acme.com", "owner"),
                    ("added", "person:bob@acme.com", "owner"), ("added", "team:risk", "steward"),
                    ("added", "person:ada@acme.com", "owner")]
    ada = next(e for e in events if e.get("edge", {}).get("src") == "person:ada@acme.com" and e["change"] == "removed")
    assert t1 < ada["at"] < t2 and ada["valid_to"] == ada["at"] and ada["valid_from"] < t1
    assert ada["by"]["sources"] == [claim.source] and ada["after"] is None
    assert [e["at"] for e in events] == sorted((e["at"] for e in events), reverse=True)


def test_a_moment_must_be_a_moment_and_inside_the_history(store: GraphStore) -> None:
    store.upsert(nodes=[Node(ORDERS, NodeKind.DATASET, source="catalog")])
    for bad in ("yesterday", "2026-13-01", "2026-11-26T25:00:00Z", "", "1" * 80):
        with pytest.raises(InvalidInputError, match="ISO 8601"):
            store.as_of(bad)
    since = store.history_since()
    assert since is not None and since <= utc_now()
    with pytest.raises(InvalidInputError, match="before this store's history began"):
        store.as_of("2000-01-01")
    # offsets, Z and dates are all the same moments in UTC
    assert parse_moment("2026-11-26T15:05:00+01:00") == parse_moment("2026-11-26T14:05:00Z") \
        == "2026-11-26T14:05:00.000000Z"
    assert parse_moment("2026-11-26") == "2026-11-26T00:00:00.000000Z"
    later = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    view = store.as_of(later)
    assert [n.id for n in view.find_nodes()] == [ORDERS]
    with pytest.raises(UnsupportedError, match="read-only"):
        view.upsert(nodes=[Node(FEATURES, NodeKind.DATASET, source="x")])
    view.close()


def test_versions_open_change_and_close_with_the_writes(store: GraphStore) -> None:
    store.upsert(nodes=[Node(ORDERS, NodeKind.DATASET, source="catalog", props={"tier": "raw"})],
                 edges=[Edge(ORDERS, EdgeKind.CONSUMED_BY, RUN, source="airflow")])
    same = Node(ORDERS, NodeKind.DATASET, source="catalog", props={"tier": "raw"}, seen_at="2030-01-01T00:00:00Z")
    store.upsert(nodes=[same])  # seen again: no new version
    store.upsert(nodes=[Node(ORDERS, NodeKind.DATASET, source="catalog", props={"tier": "gold"})])
    assert [(v.record.props, v.valid_to is None) for v in store.node_versions(ORDERS)] == [
        ({"tier": "raw"}, False), ({"tier": "gold"}, True)]
    first, second = store.node_versions(ORDERS)
    assert first.valid_to == second.valid_from
    store.upsert(edges=[Edge(ORDERS, EdgeKind.CONSUMED_BY, RUN, source="airflow", props={"w": "2"})])
    store.upsert(edges=[Edge(ORDERS, EdgeKind.CONSUMED_BY, RUN, source="airflow", props={"w": "2"},
                             seen_at="2030-01-01T00:00:00Z")])  # seen again: no new version
    old_edge, new_edge = store.edge_versions(ORDERS)
    assert (old_edge.record.props, new_edge.record.props) == ({}, {"w": "2"})
    assert old_edge.valid_to == new_edge.valid_from and new_edge.valid_to is None
    stub = store.node_versions(RUN)
    assert [(v.record.props, v.record.sources) for v in stub] == [({"stub": True}, ("airflow",))]
    # the run's only source withdraws it: the node and its edge close, and stay in the history
    store.retract("airflow", nodes=[RUN], edges=())
    assert store.get_node(RUN) is None
    (run_version,) = store.node_versions(RUN)
    edge_version = store.edge_versions(RUN)[-1]
    assert run_version.valid_to is not None and edge_version.valid_to == run_version.valid_to
    assert edge_version.record.identity == EdgeKey(ORDERS, EdgeKind.CONSUMED_BY, RUN, "airflow")
    before = store.as_of(run_version.valid_from)
    assert before.get_node(RUN) is not None and [e.dst for e in before.edges()] == [RUN]
    events = history(store, RUN)["events"]
    assert [(e["what"], e["change"]) for e in events] == [("edge", "removed"), ("node", "removed"),
                                                          ("edge", "changed"), ("edge", "added"), ("node", "added")]
    assert events[2]["before"]["props"] == {} and events[2]["after"]["props"] == {"w": "2"}
    with pytest.raises(NotFoundError):
        history(store, "dataset:s3://never/was")


def test_history_pages_and_merges_the_log(store: GraphStore) -> None:
    claim = OwnershipClaim(owner="person:ada@acme.com", artifact=ORDERS, role="owner", source="steward")
    store.upsert(claims=[claim], log=[{"type": "ownership.set", "actor": "local:ops", "subject": ORDERS,
                                       "before": [], "after": ["person:ada@acme.com"], "reason": "she built it"}])
    store.upsert(nodes=[Node(ORDERS, NodeKind.DATASET, source="catalog", props={"n": 0})])
    store.upsert(log=[{"type": "ingest.run", "sources": [{"source": "catalog", "written": {"nodes": 1}}]}])
    for i in range(1, 5):
        store.upsert(nodes=[Node(ORDERS, NodeKind.DATASET, source="catalog", props={"n": i})])
    store.upsert(log=[{"type": "ingest.run", "sources": [{"source": "catalog", "written": {"nodes": 4}}]},
                      {"type": "ingest.run", "sources": [{"source": "mlflow"}]}])
    whole = history(store, ORDERS)
    assert whole["total"] == 8  # 5 node versions, 1 claim, 1 log entry about it, 1 stub version
    first = history(store, ORDERS, limit=3)
    second = history(store, ORDERS, limit=3, offset=3)
    assert first["events"] + second["events"] == whole["events"][:6] and first["next_offset"] == 3
    assert first["events"][0]["after"]["props"] == {"n": 4}
    # each change is put down to the run that logged itself after it, of its own source
    runs = {e["after"]["props"]["n"]: e["by"]["ingest_run"]["seq"] for e in whole["events"]
            if e["what"] == "node" and e["after"]["props"].get("n") is not None}
    assert runs == {0: 1, 1: 2, 2: 2, 3: 2, 4: 2}
    added = next(e for e in whole["events"] if e.get("edge", {}).get("kind") == "OWNS")
    assert added["by"]["sources"] == ["steward"]
    assert added["by"]["log"][0]["reason"] == "she built it" and added["by"]["log"][0]["actor"] == "local:ops"
    logged = next(e for e in whole["events"] if e["what"] == "log")
    assert logged["change"] == "ownership.set" and logged["after"] == ["person:ada@acme.com"]
    with pytest.raises(InvalidInputError):
        history(store, ORDERS, limit=0)


def _normalised(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Events with every time replaced by its rank among the store's times (stores differ in clocks)."""
    times = sorted({t for e in events for t in (e.get("at"), e.get("valid_from"), e.get("valid_to")) if t})
    rank = {t: i for i, t in enumerate(times)}
    out = []
    for e in events:
        e = no_seen_at({k: v for k, v in e.items() if k != "entry"})
        for k in ("at", "valid_from", "valid_to"):
            if e.get(k):
                e[k] = rank[e[k]]
        if "log" in e.get("by", {}):
            e["by"]["log"] = [{k: v for k, v in x.items() if k != "at"} for x in e["by"]["log"]]
        if isinstance(e.get("by", {}).get("ingest_run"), dict):  # the ingest run's log entry: its own clock
            e["by"] = {**e["by"], "ingest_run": {k: v for k, v in e["by"]["ingest_run"].items() if k != "at"}}
        out.append(e)
    return out


def test_both_stores_keep_the_same_history(embedded_store: GraphStore, neo4j_store: GraphStore, tmp_path: Path) -> None:
    got = []
    for store in (embedded_store, neo4j_store):
        ingest_catalog(tmp_path, store, PEOPLE, ownership("ada@acme.com", "team:risk"))
        lineage(store)
        ingest_catalog(tmp_path, store, PEOPLE, ownership("bob@acme.com"))
        store.retract("airflow", nodes=[RUN], edges=())
        got.append({i: _normalised(history(store, i)["events"])
                    for i in (ORDERS, RUN, FEATURES, "person:ada@acme.com")})
    assert got[0] == got[1]


def test_a_store_made_before_history_starts_it_when_opened(tmp_path: Path) -> None:
    from steward.store import open_store

    uri = f"sqlite:///{tmp_path / 'old.db'}"
    with open_store(uri, create=True) as s:
        s.upsert(nodes=[Node(ORDERS, NodeKind.DATASET, source="catalog")],
                 claims=[OwnershipClaim(owner="person:ada@acme.com", artifact=ORDERS, role="owner", source="catalog")])
    import sqlite3

    db = sqlite3.connect(tmp_path / "old.db")  # what a store made before history was kept looks like
    for trigger in ("nodes_changed", "nodes_closed", "edges_closed"):
        db.execute(f"DROP TRIGGER {trigger}")
    for view in ("node_versions", "edge_versions"):
        db.execute(f"DROP VIEW {view}")
    for table in ("node_open", "node_closed", "edge_open", "edge_closed"):
        db.execute(f"DROP TABLE {table}")
    db.execute("DELETE FROM meta WHERE key IN ('history_since', 'tx_at')")
    db.commit()
    db.close()
    before = utc_now()
    with open_store(uri) as s:
        since = s.history_since()
        assert since is not None and since >= before
        assert [v.valid_from for v in s.node_versions(ORDERS)] == [since]
        assert [v.valid_from for v in s.edge_versions(ORDERS)] == [since]
        assert {n.id for n in s.as_of(since).find_nodes()} == {ORDERS, "person:ada@acme.com"}
        with pytest.raises(InvalidInputError, match="before this store's history began"):
            s.as_of(before)


def test_a_neo4j_store_made_before_history_starts_it_when_connected(neo4j_store: Any, neo4j_settings: Any) -> None:
    from steward.store.neo4j import Neo4jStore

    neo4j_store.upsert(nodes=[Node(ORDERS, NodeKind.DATASET, source="catalog")],
                       claims=[OwnershipClaim(owner="person:ada@acme.com", artifact=ORDERS, role="owner",
                                              source="catalog")])
    with neo4j_store._driver.session() as s:  # what a store made before history was kept looks like
        s.run("MATCH (v) WHERE v:NodeVersion OR v:EdgeVersion OR (v:StewardState AND v.key = 'history.since') "
              "DELETE v").consume()
        s.run("MATCH (n:Node) REMOVE n._valid_from, n._version_seen_at").consume()  # open versions, kept live
        s.run("MATCH ()-[r]->() REMOVE r._valid_from, r._version_seen_at").consume()
    assert neo4j_store.history_since() is None
    before = utc_now()
    again = Neo4jStore.connect(neo4j_settings.store, settings=neo4j_settings)
    try:
        since = again.history_since()
        assert since is not None and since >= before
        assert [v.valid_from for v in again.node_versions(ORDERS)] == [since]
        assert [v.valid_from for v in again.edge_versions(ORDERS)] == [since]
        assert {n.id for n in again.as_of(since).find_nodes()} == {ORDERS, "person:ada@acme.com"}
    finally:
        again.close()


def test_a_neo4j_store_with_open_version_nodes_moves_them_onto_the_live_graph(
    neo4j_store: Any, neo4j_settings: Any, tmp_path: Path,
) -> None:
    """A store written by a Steward that kept every open version as a version node (valid_to null):
    the first connect of this one moves them onto the live nodes and relationships, and every
    history read answers as before."""
    from steward.store.neo4j import Neo4jStore

    ingest_catalog(tmp_path, neo4j_store, PEOPLE, ownership("ada@acme.com", "team:risk"))
    lineage(neo4j_store)
    ingest_catalog(tmp_path, neo4j_store, PEOPLE, ownership("bob@acme.com"))
    neo4j_store.upsert(nodes=[Node(ORDERS, NodeKind.DATASET, source="catalog", seen_at="2099-01-01T00:00:00Z")])
    ids = sorted(n.id for n in neo4j_store.find_nodes())
    moments = sorted({v.valid_from for i in ids for v in neo4j_store.node_versions(i)})

    def reads(store: Any) -> Any:
        return ([(store.node_versions(i), store.edge_versions(i)) for i in ids], store.history_since(),
                [(sorted(n), sorted(e)) for n, e in map(store._rows_at, moments)])

    before = reads(neo4j_store)
    assert any(v.record.seen_at != n.seen_at for i in ids for v in neo4j_store.node_versions(i)
               for n in [neo4j_store.get_nodes([i])[i]] if v.valid_to is None)  # a node seen since its version
    with neo4j_store._driver.session() as s:  # the earlier shape: open versions as version nodes
        s.run("MATCH (n:Node) CREATE (v:NodeVersion {id: n.id, valid_from: n._valid_from}) "
              "WITH n, v, properties(n) AS p "
              "FOREACH (k IN [k IN keys(p) WHERE NOT k STARTS WITH '_'] | SET v['p.' + k] = p[k]) "
              "SET v.`p.seen_at` = coalesce(p._version_seen_at, p.seen_at) "
              "REMOVE n._valid_from, n._version_seen_at").consume()
        s.run("MATCH (a)-[r]->(b) CREATE (v:EdgeVersion {eid: a.id + '\u001f' + type(r) + '\u001f' + b.id + "
              "'\u001f' + r.key, src: a.id, kind: type(r), dst: b.id, valid_from: r._valid_from}) "
              "WITH r, v, properties(r) AS p "
              "FOREACH (k IN [k IN keys(p) WHERE NOT k STARTS WITH '_'] | SET v['p.' + k] = p[k]) "
              "SET v.`p.seen_at` = coalesce(p._version_seen_at, p.seen_at) "
              "REMOVE r._valid_from, r._version_seen_at").consume()
        s.run("MATCH (s:StewardState {key: 'history.open'}) DELETE s").consume()
        s.run("MERGE (s:StewardState {key: 'history.since'}) SET s.value = $since", since=before[1]).consume()
        assert s.run("MATCH (v:NodeVersion) WHERE v.valid_to IS NULL RETURN count(v) AS c").single()["c"] == len(ids)
    again = Neo4jStore.connect(neo4j_settings.store, settings=neo4j_settings)
    try:
        assert reads(again) == before
        with again._driver.session() as s:
            assert s.run("MATCH (v) WHERE (v:NodeVersion OR v:EdgeVersion) AND v.valid_to IS NULL "
                         "RETURN count(v) AS c").single()["c"] == 0
        again.upsert(nodes=[Node(ORDERS, NodeKind.DATASET, source="catalog", props={"tier": "gold"})])
        *_, last, now = again.node_versions(ORDERS)  # the moved open version closes when the node changes
        assert (last.valid_from, last.record) == (before[0][ids.index(ORDERS)][0][-1].valid_from,
                                                  before[0][ids.index(ORDERS)][0][-1].record)
        assert last.valid_to == now.valid_from and now.valid_to is None and now.record.props["tier"] == "gold"
        assert [v.valid_to is None for v in again.node_versions(ORDERS)].count(True) == 1
    finally:
        again.close()


# ---- property: as-of answers equal a brute-force replay of the writes --------------------------------
IDS = [f"dataset:d{i}" for i in range(4)] + ["person:p@x.io", "team:t"]
ARTIFACTS = IDS[:4]


def _op(data: Any) -> tuple[str, Any]:
    kind = data.draw(st.sampled_from(["node", "edge", "claim", "retract_edge", "retract_node"]), label="op")
    source = data.draw(st.sampled_from(["a", "b"]), label="source")
    if kind == "node":
        nid = data.draw(st.sampled_from(ARTIFACTS), label="id")
        props = data.draw(st.dictionaries(st.sampled_from(["tier", "pii"]), st.sampled_from(["x", "y", None]),
                                          max_size=2), label="props")
        return kind, Node(nid, NodeKind.DATASET, source=source, props=props)
    if kind == "edge":
        src, dst = data.draw(st.lists(st.sampled_from(ARTIFACTS), min_size=2, max_size=2, unique=True), label="ends")
        props = data.draw(st.dictionaries(st.just("w"), st.sampled_from(["1", "2"]), max_size=1), label="eprops")
        return kind, Edge(src, EdgeKind.CONSUMED_BY, dst, source=source, props=props)
    if kind == "claim":
        owner = data.draw(st.sampled_from(IDS[4:]), label="owner")
        art = data.draw(st.sampled_from(ARTIFACTS), label="artifact")
        role = data.draw(st.sampled_from(["owner", "steward"]), label="role")
        return kind, OwnershipClaim(owner=owner, artifact=art, role=role, source=source)
    if kind == "retract_edge":
        return kind, source
    return kind, (source, data.draw(st.sampled_from(ARTIFACTS), label="retracted"))


def _graph(store: GraphStore) -> tuple[list[Any], list[Any]]:
    nodes = [(n.id, n.kind, n.name, n.props, n.sources) for n in store.find_nodes()]
    edges = [(e.identity, e.source, e.props) for e in store.edges()]
    return nodes, edges


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_as_of_equals_a_replay_of_the_writes(store: GraphStore, data: Any) -> None:
    for source in ("a", "b"):  # the store is shared by the examples: start each one empty
        said = store.source_records(source)
        store.retract(source, nodes=said.nodes, edges=said.edges)
    recorded: list[tuple[str, tuple[list[Any], list[Any]]]] = []
    for _ in range(data.draw(st.integers(3, 9), label="writes")):
        kind, arg = _op(data)
        if kind == "node":
            store.upsert(nodes=[arg])
        elif kind == "edge":
            store.upsert(edges=[arg])
        elif kind == "claim":
            store.upsert(claims=[arg])
        elif kind == "retract_edge":
            said = store.source_records(arg)
            store.retract(arg, nodes=(), edges=sorted(said.edges)[:1])
        else:
            source, nid = arg
            store.retract(source, nodes=[nid], edges=())
        t, _ = moment()
        recorded.append((t, _graph(store)))  # the brute-force reference: the live graph then
    for t, expected in recorded:
        view = store.as_of(t)
        assert _graph(view) == expected
        view.close()


def test_an_import_opens_versions_and_an_export_can_be_of_a_past_moment(store: GraphStore, tmp_path: Path) -> None:
    from steward.export import import_jsonl, jsonl_lines, select
    from steward.store import open_store

    with open_store(f"sqlite:///{tmp_path / 'from.db'}", create=True) as origin:
        origin.upsert(nodes=[Node(ORDERS, NodeKind.DATASET, source="catalog")],
                      claims=[OwnershipClaim(owner="person:ada@acme.com", artifact=ORDERS, role="owner",
                                             source="catalog")])
        then, _ = moment()
        origin.retract("catalog", nodes=(), edges=[EdgeKey("person:ada@acme.com", EdgeKind.OWNS, ORDERS,
                                                           "catalog|owner")])
        past = origin.as_of(then)
        lines = list(jsonl_lines(past, select(past)))  # the graph as it was: Ada still owns orders
    before = utc_now()
    import_jsonl(store, lines)
    assert [e.src for e in store.edges(kinds=[EdgeKind.OWNS])] == ["person:ada@acme.com"]
    (claim,) = store.edge_versions("person:ada@acme.com")
    assert claim.valid_from >= before and claim.valid_to is None
    assert all(v.valid_from >= before for v in store.node_versions(ORDERS))
    now, _ = moment()
    assert _graph(store.as_of(now)) == _graph(store)
