"""The blast radius's fast paths (issue 12, cold HTTP answers) against their slow paths and references, on
random organisations, on both stores:

* the containers of the members a walk reached, from the walk's own snapshot (``Closure.containers``),
  against the member -> container edges read from the store (``edges_at``, the first by identity);
* the kinds and names of reached nodes from what the store keeps resident (``summaries_reached`` after
  ``keep_summaries``) against ``summaries_by_id``, with names that are and are not their id's key, after
  renames and deletions;
* every listed item's path against one built from ``reach``'s parents, and its ``owners`` against a whole
  ownership view made for nothing else (no listing shared between artifacts whose claims say the same).
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from steward.analysis import blast_radius
from steward.analysis.blast import prepare
from steward.analysis.common import members_of
from steward.analysis.ownership import OwnershipView, _parents
from steward.graph import CONTAINER_EDGES, LINEAGE_EDGES, MEMBER_EDGE, Node, kind_of_id
from steward.store import GraphStore
from tests.contract.test_reference import _draw_org, _kind, _reload


def _named(store: GraphStore, org: dict[str, Any], data: Any) -> dict[str, str]:
    """Some artifacts renamed (a name that is not the id's key), some back to their key."""
    names = data.draw(st.dictionaries(st.sampled_from(org["artifacts"]), st.sampled_from(["x", "Ünïcode:name", ""]),
                                      max_size=5), label="names")
    store.upsert(nodes=[Node(id=a, kind=_kind(a), source="lineage", name=n) for a, n in names.items()])
    return names


def _reference_path(reached: dict[str, Any], starts: list[str], root: str, node: str) -> list[str]:
    chain = [node]
    while chain[-1] not in starts and chain[-1] != root:
        chain.append(reached[chain[-1]].parent)
    chain.reverse()
    return chain if chain[0] == root else [root, *chain]


def _check(store: GraphStore, org: dict[str, Any], root: str, depth: int | None, limit: int) -> None:
    kinds = sorted(LINEAGE_EDGES)
    root_node = store.get_node(root)
    assert root_node is not None
    members = members_of(store, root_node)
    starts = members or [root]
    closure = store.closure(starts, way="down", kinds=kinds)
    ids = closure.ids(0, len(closure))
    positions = [p for p, i in enumerate(ids) if kind_of_id(i) in MEMBER_EDGE]
    fast = closure.containers(positions, [MEMBER_EDGE[kind_of_id(ids[p])] for p in positions])
    if fast is not None:
        slow = _parents(store.edges_at([ids[p] for p in positions], end="src", kinds=sorted(CONTAINER_EDGES)))
        assert fast == {ids[p]: slow.get(ids[p]) for p in positions}
    reached_ids = [root, *ids]
    assert store.summaries_reached(reached_ids) == store.summaries_by_id(reached_ids)

    answer = blast_radius(store, root, max_depth=depth, limit=limit)
    reached = dict(store.reach(starts, way="down", kinds=kinds))
    whole = OwnershipView.load(store)
    summaries = store.summaries_by_id([i["id"] for i in answer["impacted"]])
    for item in answer["impacted"]:
        nid = item["id"]
        assert (item["kind"], item["name"]) == (summaries[nid][0].value, summaries[nid][1])
        assert item["owners"] == whole.owner_entries(nid), nid
        if nid == root:
            assert item["path"] == [root]
        elif nid in members:
            assert item["path"] == [root, nid]
        else:
            assert item["path"] == _reference_path(reached, starts, root, nid), nid


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_fast_paths_answer_as_the_slow_ones_on_both_stores(
    embedded_store: GraphStore, neo4j_store: GraphStore, data: Any,
) -> None:
    org = _draw_org(data)
    roots = data.draw(st.lists(st.sampled_from(org["artifacts"]), min_size=1, max_size=3, unique=True), label="roots")
    depth = data.draw(st.none() | st.integers(1, 4), label="depth")
    limit = data.draw(st.integers(1, 12), label="limit")
    for store in (embedded_store, neo4j_store):
        _reload(store, org)
        _named(store, org, data)
        prepare(store)  # the names kept resident (embedded), every OWNS edge read once
        for root in roots:
            _check(store, org, root, depth, limit)
        # a rename and a deletion after the names were kept: read again
        renamed = data.draw(st.sampled_from(org["artifacts"]), label="renamed")
        store.upsert(nodes=[Node(id=renamed, kind=_kind(renamed), source="lineage", name="later")])
        gone = data.draw(st.sampled_from(org["artifacts"]), label="deleted")
        store.retract("lineage", nodes=[gone], edges=[])
        for root in roots:
            if store.get_node(root) is not None:
                _check(store, org, root, depth, limit)
        assert store.summaries_reached([gone, renamed]) == store.summaries_by_id([gone, renamed])


def test_names_kept_resident_follow_commits(embedded_store: GraphStore) -> None:
    """White-box, embedded: after ``keep_summaries`` a name is not read, and a rename, a deletion and a node
    made again are seen by the next answer."""
    store = embedded_store
    a, b = "dataset:a", "dataset:b"
    store.upsert(nodes=[Node(id=a, kind=_kind(a), source="t", name="Alpha"), Node(id=b, kind=_kind(b), source="t")],
                 edges=[])
    store.keep_summaries()
    names = store.kept("embedded.names", lambda: None, lambda n, ch: n)
    assert names is not None and getattr(names, "other", None) == {a: "Alpha"}
    assert store.summaries_reached([a, b]) == {a: (_kind(a), "Alpha"), b: (_kind(b), "b")}
    store.upsert(nodes=[Node(id=b, kind=_kind(b), source="t", name="Beta")])
    assert store.summaries_reached([a, b])[b] == (_kind(b), "Beta")
    store.retract("t", nodes=[a], edges=[])
    assert store.summaries_reached([a, b]) == {b: (_kind(b), "Beta")}
    store.upsert(nodes=[Node(id=a, kind=_kind(a), source="t")])
    assert store.summaries_reached([a, b]) == {a: (_kind(a), "a"), b: (_kind(b), "Beta")}
    assert store.summaries_reached([a, b]) == store.summaries_by_id([a, b])
