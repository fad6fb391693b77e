"""``GraphStore.closure`` (a walk as arrays in (distance, id) order, ids made only when asked) is ``reach``
on both stores: the same nodes, distances and parents, in (distance, id) order, with parent positions
that point at the parent (or -1 at a start)."""

from __future__ import annotations

import pytest

from steward.graph import LINEAGE_EDGES, EdgeKind
from steward.store import GraphStore
from tests.contract.test_analyses import CURATED, MODEL, MV1, MV2, RAW, TRAIN1, TRAIN2, build


@pytest.mark.parametrize(("starts", "way", "kinds", "depth"), [
    ([RAW], "down", LINEAGE_EDGES, None),
    ([RAW], "down", LINEAGE_EDGES, 2),
    ([TRAIN1, TRAIN2], "down", LINEAGE_EDGES, None),
    ([MV2], "up", LINEAGE_EDGES, None),
    ([CURATED], "down", [EdgeKind.CONSUMED_BY], None),
    ([MODEL], "down", LINEAGE_EDGES, None),
    (["dataset:nowhere"], "down", LINEAGE_EDGES, None),
    ([MV1], "down", LINEAGE_EDGES, 0),
])
def test_closure_is_reach_in_distance_then_id_order(
    store: GraphStore, starts: list[str], way: str, kinds: list[EdgeKind], depth: int | None,
) -> None:
    build(store)
    reached = store.reach(starts, way=way, kinds=kinds, max_depth=depth)  # type: ignore[arg-type]
    walk = store.closure(starts, way=way, kinds=kinds, max_depth=depth)  # type: ignore[arg-type]
    assert walk.to_reached() == reached
    ids = walk.ids(0, len(walk))
    assert ids == sorted(reached, key=lambda n: (reached[n].distance, n))
    parents = walk.parent_positions().tolist()
    for node, at in zip(ids, parents, strict=True):
        assert (ids[at] if at >= 0 else reached[node].parent) == reached[node].parent
        assert (at < 0) == (reached[node].parent in starts)
