"""The embedded store's lazy ``reach`` answer (``ReachedMap``) behaves as the dict of a brute-force walk
in every way a Mapping is read: lookups, membership, iteration, items, values, equality (both ways),
on the index's base and on its overlay (ids added by later commits)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from steward.graph import Edge, EdgeKind
from steward.store import open_store
from steward.store.base import Reached, ReachedMap, bfs
from steward.store.embedded import EmbeddedStore

NAMES = ["a", "B", "b", "a/b", "ab", "é", "z", "😀", "10", "9", "x" * 40]
KINDS = [EdgeKind.CONSUMED_BY, EdgeKind.PRODUCED, EdgeKind.RUN_OF]
triples = st.lists(st.tuples(st.sampled_from(NAMES), st.sampled_from(KINDS), st.sampled_from(NAMES)), max_size=40)


def ds(name: str) -> str:
    return f"dataset:{name}"


def check_mapping(got: object, want: dict[str, Reached]) -> None:
    assert isinstance(got, ReachedMap)
    assert len(got) == len(want)
    # lookups first: they are answered by rank until the dict is made (reading the values makes it)
    for k, r in want.items():
        assert k in got
        assert got[k] == r
        assert got.get(k) == r
    for name in [*NAMES, "nope", "😀😀"]:
        for key in (ds(name), name):
            if key not in want:
                assert key not in got
                assert got.get(key, "absent") == "absent"
                with pytest.raises(KeyError):
                    got[key]
    assert sorted(got) == sorted(want)
    assert list(got) == list(got.keys())
    assert dict(got.items()) == want
    assert sorted(got.values()) == sorted(want.values())
    assert got == want
    assert want == got
    if want:  # one entry different: not equal, either way
        k = next(iter(want))
        other = {**want, k: Reached(want[k].distance + 1, want[k].parent)}
        assert got != other
        assert other != got
        assert got != {kk: v for kk, v in want.items() if kk != k}
    assert got != [*want]  # not a mapping: never equal


def brute(store: EmbeddedStore, starts: list[str], way: str, depth: int | None) -> dict[str, Reached]:
    adj: dict[str, list[str]] = {}
    for e in store.edges():
        if e.kind in KINDS:
            a, b = (e.src, e.dst) if way == "down" else (e.dst, e.src)
            adj.setdefault(a, []).append(b)
    present = [s for s in starts if store.get_node(s) is not None]
    return bfs(present, lambda n: adj.get(n, ()), max_depth=depth)


@pytest.mark.parametrize(("dense", "whole"), [(ReachedMap.DENSE, ReachedMap.WHOLE), (ReachedMap.DENSE, 0), (10**9, 0)],
                         ids=["dict-after-lookups", "share-table", "sorted-search"])
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(first=triples, later=triples, starts=st.lists(st.sampled_from(NAMES), min_size=1, max_size=3),
       depth=st.sampled_from([None, 1, 2]))
def test_reached_map_reads_as_the_brute_force_dict(tmp_path: Path, first: list[tuple[str, EdgeKind, str]],
                                                   later: list[tuple[str, EdgeKind, str]], starts: list[str],
                                                   depth: int | None, dense: int, whole: int,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ReachedMap, "DENSE", dense)
    monkeypatch.setattr(ReachedMap, "WHOLE", whole)  # 0: lookups never make the dict
    for suffix in ("", "-wal", "-shm", ".idx"):
        (tmp_path / f"g.db{suffix}").unlink(missing_ok=True)
    with open_store(f"sqlite:///{tmp_path / 'g.db'}", create=True) as store:
        assert isinstance(store, EmbeddedStore)
        roots = [ds(s) for s in starts]
        for batch in (first, later):  # the second batch lands on the index's overlay
            store.upsert(edges=[Edge(src=ds(a), kind=k, dst=ds(b), source="t") for a, k, b in batch if a != b])
            for way in ("down", "up"):
                got = store.reach(roots, way=way, kinds=KINDS, max_depth=depth)  # type: ignore[arg-type]
                check_mapping(got, brute(store, roots, way, depth))


def test_an_empty_answer_is_an_empty_mapping(tmp_path: Path) -> None:
    with open_store(f"sqlite:///{tmp_path / 'g.db'}", create=True) as store:
        store.upsert(edges=[Edge(src=ds("a"), kind=EdgeKind.CONSUMED_BY, dst=ds("b"), source="t")])
        got = store.reach([ds("b")], way="down")
        assert len(got) == 0 and got == {} and {} == got and list(got.items()) == []  # noqa: SIM300
        assert store.reach([ds("missing")], way="down") == {}
