"""The embedded store's compact traversal index: CSR arrays over integer node ids, and a small overlay.

SQLite stays the system of record; this index only answers walks. The **base** is built from one
read snapshot: node ``i`` is the ``i``-th id in sorted (code point) order, so "the smallest id"
among predecessors is the smallest integer. Each direction has a CSR (``indptr``, ``indices``) with
one entry per distinct neighbour pair and a bitmask of the edge kinds joining them (bit ``b`` is the
``b``-th of ``kinds`` in the header).

The base is persisted in ONE file beside the database (``graph.db.idx``), written to a temporary
file and renamed over the old one, and memory-mapped on open: opening a big store costs a page
table, not a load. The header names the store (``store_id``) and the store version it was built at.

Commits after the base are not a rebuild: each write transaction leaves a small delta row in the
database (the node ids it created or deleted and the neighbour pairs it touched, see
:mod:`steward.store.embedded`), and :meth:`CompactIndex.with_delta` lays those changes over the
base as an **overlay**: new node ids get integers after the base's (so their integers are not
ranks: an order key per integer keeps "smallest id" exact, see :meth:`CompactIndex.order_keys`),
deleted ids are marked dead, and every node whose neighbour list changed gets its whole new list,
which replaces its CSR row in walks. When the overlay grows past a share of the base, the store
builds a new base and saves it.
"""

from __future__ import annotations

import json
import os
import sqlite3
from bisect import insort
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from steward.graph import EdgeKind
from steward.store.base import Closure, Reached, ReachedMap

__all__ = ["CompactIndex", "build_index", "index_from_arrays"]

MAGIC = b"STWIDX01"
_ALIGN = 64
#: Order keys: base node ``r`` has ``(2r + 1) << _SUB``; a new id that sorts between base nodes
#: ``p - 1`` and ``p`` has ``(2p << _SUB) + j`` (``j``: its place among the new ids there).
_SUB = 20

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
_EMPTY = np.zeros(0, dtype=np.int64)
_EMPTY_BITS = np.zeros(0, dtype=np.uint32)


@dataclass(frozen=True)
class _Dir:
    indptr: npt.NDArray[np.int64]
    indices: npt.NDArray[np.int32]
    kinds: npt.NDArray[np.uint32]


class _Names:
    """The base's ids (shared by every overlay on it), decoded one by one or all at once for big answers.

    Loaded from a file whose ids are all ASCII (bytes = characters, so the offsets are byte offsets),
    nothing is decoded up front: single ids are read straight from the memory-mapped bytes, and the
    whole text is decoded only for an answer that lists a good share of the nodes.
    """

    def __init__(self, text: str | None, off: npt.NDArray[np.int64], raw: npt.NDArray[np.uint8] | None = None,
                 ) -> None:
        self._text = text
        self._raw = raw
        self._mv = raw.data if text is None and raw is not None else None
        self.off = off
        self.n = len(off) - 1
        self._all: npt.NDArray[np.object_] | None = None

    @property
    def text(self) -> str:
        if self._text is None:
            assert self._raw is not None
            self._text = self._raw.tobytes().decode("utf-8")
        return self._text

    def encoded(self) -> bytes:
        return self._raw.tobytes() if self._raw is not None else self.text.encode("utf-8")

    def get(self, i: int) -> str:
        mv = self._mv
        if mv is not None and self._text is None:
            return str(mv[int(self.off[i]) : int(self.off[i + 1])], "ascii")
        return self.text[int(self.off[i]) : int(self.off[i + 1])]

    def all(self) -> npt.NDArray[np.object_]:
        """Every base id as a str, in an object array (built on the first big answer, kept)."""
        names = self._all
        if names is None:
            text = self.text
            bounds = self.off.tolist()
            names = self._all = np.fromiter((text[a:b] for a, b in pairwise(bounds)), dtype=object, count=self.n)
        return names

    def many(self, idx: IntArray) -> list[str]:
        if idx.size * 6 > self.n or self._all is not None:
            out: list[str] = self.all()[idx].tolist()
            return out
        lo = self.off[idx].tolist()
        hi = self.off[idx + 1].tolist()
        mv = self._mv
        if mv is not None and self._text is None and idx.size < 50_000:
            return [str(mv[a:b], "ascii") for a, b in zip(lo, hi, strict=True)]
        text = self.text
        return [text[a:b] for a, b in zip(lo, hi, strict=True)]

    def rank(self, node_id: str) -> int:
        """Where ``node_id`` is or would be inserted (binary search; each probe decodes one id)."""
        lo, hi = 0, self.n
        get = self.get
        while lo < hi:
            mid = (lo + hi) // 2
            if get(mid) < node_id:
                lo = mid + 1
            else:
                hi = mid
        return lo


@dataclass(frozen=True)
class _Overlay:
    """Changes since the base (immutable: applying a delta makes a new one)."""

    new_ids: tuple[str, ...] = ()
    new_pos: Mapping[str, int] = field(default_factory=dict)
    #: per new id, where it would be inserted in the base; per insertion point, the new ids there, sorted
    new_at: Mapping[str, int] = field(default_factory=dict)
    groups: Mapping[int, tuple[str, ...]] = field(default_factory=dict)
    new_key: IntArray = field(default_factory=lambda: _EMPTY)
    dead: frozenset[int] = frozenset()
    #: per direction: node -> (neighbours, kind bits), its whole current row
    rows: Mapping[str, Mapping[int, tuple[IntArray, npt.NDArray[np.uint32]]]] = field(
        default_factory=lambda: {"down": {}, "up": {}})
    patched: Mapping[str, BoolArray] = field(default_factory=dict)

    @property
    def size(self) -> int:
        return len(self.new_ids) + len(self.dead) + len(self.rows["down"]) + len(self.rows["up"])


class CompactIndex:
    """Node ids and the two CSR directions (the base), with the overlay of later commits; immutable."""

    def __init__(self, *, store_id: str, version: int, kinds: Sequence[str], ids_text: str,
                 ids_off: npt.NDArray[np.int64], down: _Dir, up: _Dir,
                 _names: _Names | None = None, _overlay: _Overlay | None = None, _base_version: int | None = None,
                 ) -> None:
        self.store_id = store_id
        self.version = version
        #: the version the base (the CSR arrays) was built at; ``version`` includes the overlay
        self.base_version = version if _base_version is None else _base_version
        self.kinds = tuple(kinds)
        self._bit = {k: i for i, k in enumerate(self.kinds)}
        self._off = ids_off
        self._names = _names if _names is not None else _Names(ids_text, ids_off)
        self.n_base = len(ids_off) - 1
        self._ov = _overlay
        #: integers in use: the base's ranks, then the overlay's new ids
        self.n = self.n_base + (len(_overlay.new_ids) if _overlay is not None else 0)
        self.down = down
        self.up = up

    @property
    def nbytes(self) -> int:
        """Bytes of the base's arrays and ids (what holding it costs, memory-mapped or not; no overlay)."""
        arrays = (self._off, self.down.indptr, self.down.indices, self.down.kinds, self.up.indptr, self.up.indices,
                  self.up.kinds)
        return sum(int(x.nbytes) for x in arrays) + int(self._off[-1]) if self._off.size else 0

    @property
    def overlay_size(self) -> int:
        """New ids, dead ids and replaced rows laid over the base (0: the base alone)."""
        return 0 if self._ov is None else self._ov.size

    # ---- ids ----------------------------------------------------------------------------------
    def id_of(self, i: int) -> str:
        if i >= self.n_base and self._ov is not None:
            return self._ov.new_ids[i - self.n_base]
        return self._names.get(i)

    def ids_of(self, idx: npt.NDArray[np.int64]) -> list[str]:
        ov = self._ov
        if ov is None or not ov.new_ids or idx.size == 0 or int(idx.max()) < self.n_base:
            return self._names.many(idx)
        is_new = idx >= self.n_base
        out: list[str] = [""] * idx.size
        base_at = np.flatnonzero(~is_new)
        for at, name in zip(base_at.tolist(), self._names.many(idx[base_at]), strict=True):
            out[at] = name
        new_ids = ov.new_ids
        for at, j in zip(np.flatnonzero(is_new).tolist(), (idx[is_new] - self.n_base).tolist(), strict=True):
            out[at] = new_ids[j]
        return out

    def rank(self, node_id: str) -> int | None:
        """The integer id of ``node_id``, None if absent (or deleted since the base)."""
        ov = self._ov
        if ov is not None:
            j = ov.new_pos.get(node_id)
            if j is not None:
                return None if j in ov.dead else j
        i = self._names.rank(node_id)
        if i < self.n_base and self._names.get(i) == node_id:
            return None if ov is not None and i in ov.dead else i
        return None

    def order_keys(self, idx: IntArray) -> IntArray:
        """Integers that sort as the ids do: the ranks themselves while no new id exists."""
        ov = self._ov
        if ov is None or not ov.new_ids:
            return idx
        keys = (2 * idx + 1) << _SUB
        is_new = idx >= self.n_base
        if is_new.any():
            keys[is_new] = ov.new_key[idx[is_new] - self.n_base]
        return keys

    def mask(self, kinds: Iterable[EdgeKind]) -> int:
        m = 0
        for k in kinds:
            b = self._bit.get(k.value)
            if b is not None:
                m |= 1 << b
        return m

    # ---- walks --------------------------------------------------------------------------------
    def _row(self, way: str, u: int) -> tuple[IntArray, npt.NDArray[np.uint32]]:
        """The current neighbours of ``u`` with their kind bits."""
        ov = self._ov
        if ov is not None:
            got = ov.rows[way].get(u)
            if got is not None:
                return got
        if u >= self.n_base:  # a new id without a row yet
            return _EMPTY, _EMPTY_BITS
        d = self.down if way == "down" else self.up
        lo, hi = int(d.indptr[u]), int(d.indptr[u + 1])
        return d.indices[lo:hi].astype(np.int64), d.kinds[lo:hi]

    def bfs(self, starts: Iterable[int], *, way: str, mask: int, max_depth: int | None
            ) -> tuple[IntArray, IntArray, IntArray]:
        """Level-synchronous walk: (nodes, distances, parents) as integer arrays, level by level.

        Within a level nodes come in id order; each node's parent is its smallest predecessor (by id)
        in the previous level, as :func:`steward.store.base.bfs` picks it.
        """
        d = self.down if way == "down" else self.up
        ov = self._ov
        n = self.n
        seen = np.zeros(n, dtype=np.bool_)
        frontier = np.unique(np.fromiter(starts, dtype=np.int64))
        if frontier.size == 0:
            return _EMPTY, _EMPTY, _EMPTY
        ordered = ov is None or not ov.new_ids  # integer order is id order
        if not ordered:
            frontier = frontier[np.argsort(self.order_keys(frontier), kind="stable")]
        seen[frontier] = True
        out_n: list[IntArray] = []
        out_d: list[IntArray] = []
        out_p: list[IntArray] = []
        depth = 0
        m = np.uint32(mask)
        indptr, indices, kinds = d.indptr, d.indices, d.kinds
        patched = ov.patched.get(way) if ov is not None else None
        while frontier.size and (max_depth is None or depth < max_depth):
            depth += 1
            plain = frontier
            extra: list[int] = []
            if patched is not None:
                hit = patched[frontier]
                if hit.any():
                    plain = frontier[~hit]
                    extra = frontier[hit].tolist()
            lo = indptr[plain]
            cnt = indptr[plain + 1] - lo
            total = int(cnt.sum())
            # positions of every neighbour entry of the frontier, in frontier order
            ends = np.cumsum(cnt)
            pos = np.arange(total, dtype=np.int64)
            pos += np.repeat(lo - (ends - cnt), cnt)
            bits = kinds[pos]
            nbr = indices[pos].astype(np.int64)
            pred = np.repeat(plain, cnt)
            if extra:
                assert ov is not None
                rows = [self._row(way, u) for u in extra]
                nbr = np.concatenate([nbr, *(r[0] for r in rows)])
                bits = np.concatenate([bits, *(r[1] for r in rows)])
                pred = np.concatenate([pred, np.repeat(np.asarray(extra, dtype=np.int64),
                                                       [r[0].size for r in rows])])
            if nbr.size == 0:
                break
            keep = (bits & m) != 0
            keep &= ~seen[nbr]
            nbr, pred = nbr[keep], pred[keep]
            if nbr.size == 0:
                break
            if ordered and not extra:
                # pred is ascending (the frontier is): a stable sort keeps each node's smallest first
                order = np.argsort(nbr, kind="stable")
            else:
                order = np.lexsort((self.order_keys(pred), self.order_keys(nbr)))
            nbr, pred = nbr[order], pred[order]
            first = np.empty(nbr.size, dtype=np.bool_)
            first[0] = True
            np.not_equal(nbr[1:], nbr[:-1], out=first[1:])
            new, par = nbr[first], pred[first]
            seen[new] = True
            out_n.append(new)
            out_d.append(np.full(new.size, depth, dtype=np.int64))
            out_p.append(par)
            frontier = new
        if not out_n:
            return _EMPTY, _EMPTY, _EMPTY
        return np.concatenate(out_n), np.concatenate(out_d), np.concatenate(out_p)

    def rows_of(self, nodes: IntArray, *, way: str, mask: int) -> tuple[IntArray, IntArray, npt.NDArray[np.uint32]]:
        """Every neighbour entry of ``nodes`` (their current rows, overlay included) joined by a kind in
        ``mask``: (node, neighbour, the entry's kind bits within ``mask``), one entry per distinct pair."""
        d = self.down if way == "down" else self.up
        ov = self._ov
        nodes = np.asarray(nodes, dtype=np.int64)
        plain = nodes
        extra: list[int] = []
        patched = ov.patched.get(way) if ov is not None else None
        if patched is not None and nodes.size:
            hit = patched[nodes]
            if hit.any():
                plain = nodes[~hit]
                extra = nodes[hit].tolist()
        lo = d.indptr[plain]
        cnt = d.indptr[plain + 1] - lo
        ends = np.cumsum(cnt)
        pos = np.arange(int(cnt.sum()), dtype=np.int64)
        pos += np.repeat(lo - (ends - cnt), cnt)
        src = np.repeat(plain, cnt)
        nbr = d.indices[pos].astype(np.int64)
        bits = d.kinds[pos]
        if extra:
            rows = [self._row(way, u) for u in extra]
            src = np.concatenate([src, np.repeat(np.asarray(extra, dtype=np.int64), [r[0].size for r in rows])])
            nbr = np.concatenate([nbr, *(r[0] for r in rows)])
            bits = np.concatenate([bits, *(r[1] for r in rows)])
        bits = bits & np.uint32(mask)
        keep = bits != 0
        return src[keep], nbr[keep], bits[keep]

    def walk(self, starts: Iterable[str], *, way: str, kinds: Iterable[EdgeKind],
             max_depth: int | None) -> tuple[IntArray, IntArray, IntArray]:
        """:meth:`bfs` from the ids among ``starts`` this index holds (others are not in the graph): empty
        arrays when there are none."""
        ranks = [r for r in (self.rank(s) for s in set(starts)) if r is not None]
        if not ranks:
            return _EMPTY, _EMPTY, _EMPTY
        return self.bfs(ranks, way=way, mask=self.mask(kinds), max_depth=max_depth)

    def reach(self, starts: Iterable[str], *, way: str, kinds: Iterable[EdgeKind],
              max_depth: int | None) -> dict[str, Reached]:
        return self.materialise(*self.walk(starts, way=way, kinds=kinds, max_depth=max_depth))

    def reach_map(self, starts: Iterable[str], *, way: str, kinds: Iterable[EdgeKind],
                  max_depth: int | None) -> ReachedMap:
        """:meth:`reach` as a :class:`ReachedMap` over the walk's arrays: ids decoded only when asked."""
        nodes, dist, par = self.walk(starts, way=way, kinds=kinds, max_depth=max_depth)
        return ReachedMap(nodes, dist, par, decode=self.ids_of, rank=self.rank, size=self.n)

    def closure(self, starts: Iterable[str], *, way: str, kinds: Iterable[EdgeKind],
                max_depth: int | None) -> Closure:
        """:meth:`reach` as a :class:`Closure` (the store interface's array form)."""
        nodes, dist, par = self.walk(starts, way=way, kinds=kinds, max_depth=max_depth)
        return Closure(nodes, dist, par, self.ids_of, containers=self.containers)

    def containers(self, nodes: IntArray, edges: Sequence[EdgeKind]) -> IntArray:
        """For each of ``nodes``, its neighbour downstream by an edge of kind ``edges[i]`` with the smallest id
        (a member's container, as the edges sorted by identity give it first), -1 where there is none."""
        out = np.full(nodes.size, -1, dtype=np.int64)
        if not nodes.size:
            return out
        want = np.fromiter((1 << self._bit[k.value] if k.value in self._bit else 0 for k in edges),
                           dtype=np.int64, count=nodes.size)
        src, nbr, bits = self.rows_of(nodes, way="down", mask=int(np.bitwise_or.reduce(want)))
        if not src.size:
            return out
        # rows_of answers node by node (overlay rows after the others): back to each node's place
        order = np.argsort(nodes, kind="stable")
        place = order[np.searchsorted(nodes[order], src)]
        keep = (bits.astype(np.int64) & want[place]) != 0
        place, nbr = place[keep], nbr[keep]
        if not place.size:
            return out
        by = np.lexsort((self.order_keys(nbr), place))  # per place, the smallest id first
        place, nbr = place[by], nbr[by]
        first = np.ones(place.size, dtype=np.bool_)
        first[1:] = place[1:] != place[:-1]
        out[place[first]] = nbr[first]
        return out

    def materialise(self, nodes: IntArray, dist: IntArray, par: IntArray) -> dict[str, Reached]:
        """``bfs``'s arrays as ``{id: Reached(distance, parent id)}``.

        A node's entry is fixed by its parent alone (its distance is the parent's plus one), so one
        ``Reached`` is made per distinct parent and shared by its children. The cyclic collector is held
        off meanwhile: left on, it rescans the hundreds of thousands of new tuples again and again (most
        of the cost, measured), and nothing made here can be part of a cycle.
        """
        return ReachedMap(nodes, dist, par, decode=self.ids_of, rank=self.rank, size=self.n).whole()

    # ---- the overlay ------------------------------------------------------------------------------
    def with_delta(self, *, version: int, touched: Iterable[str], present: Iterable[str],
                   pairs: Mapping[tuple[str, str], int]) -> CompactIndex:
        """This index with later commits laid over it, at ``version``.

        ``touched``: node ids the commits created or deleted; ``present``: which of ``touched`` (and of the
        pairs' endpoints) exist at ``version``; ``pairs``: every (src, dst) whose edges the commits touched,
        with the OR of the bits of the edges between them at ``version`` (0: none left).
        """
        ov = self._ov or _Overlay()
        alive = set(present)
        new_ids = list(ov.new_ids)
        new_pos = dict(ov.new_pos)
        new_at = dict(ov.new_at)
        groups = dict(ov.groups)
        dead = set(ov.dead)
        changed_groups: set[int] = set()

        def find(s: str) -> int | None:
            j = new_pos.get(s)
            if j is not None:
                return j
            i = self._names.rank(s)
            return i if i < self.n_base and self._names.get(i) == s else None

        for s in sorted({*touched, *(x for p in pairs for x in p)}):
            i = find(s)
            if s in alive:
                if i is None:
                    i = self.n_base + len(new_ids)
                    new_ids.append(s)
                    new_pos[s] = i
                    p = new_at[s] = self._names.rank(s)
                    group = list(groups.get(p, ()))
                    insort(group, s)
                    groups[p] = tuple(group)
                    changed_groups.add(p)
                else:
                    dead.discard(i)
            elif i is not None:
                dead.add(i)
        n = self.n_base + len(new_ids)
        new_key = np.zeros(len(new_ids), dtype=np.int64)
        new_key[: len(ov.new_ids)] = ov.new_key
        for p in changed_groups:
            members = groups[p]
            if len(members) >= 1 << _SUB:
                raise ValueError("too many new ids in one place: build a new base")
            for j, s in enumerate(members):
                new_key[new_pos[s] - self.n_base] = (2 * p << _SUB) + j
        rows: dict[str, dict[int, tuple[IntArray, npt.NDArray[np.uint32]]]] = {}
        patched: dict[str, BoolArray] = {}
        for way in ("down", "up"):
            work: dict[int, dict[int, int]] = {}
            for (src, dst), bits in pairs.items():
                a, b = new_pos.get(src), new_pos.get(dst)
                a = find(src) if a is None else a
                b = find(dst) if b is None else b
                if a is None or b is None:
                    continue  # an endpoint never existed: nor did the edge
                u, v = (a, b) if way == "down" else (b, a)
                row = work.get(u)
                if row is None:
                    nb, kb = self._row(way, u)
                    row = work[u] = dict(zip(nb.tolist(), kb.tolist(), strict=True))
                if bits:
                    row[v] = bits
                else:
                    row.pop(v, None)
            way_rows = dict(ov.rows[way])
            for u, row in work.items():
                nb_sorted = sorted(row)
                way_rows[u] = (np.asarray(nb_sorted, dtype=np.int64),
                               np.asarray([row[v] for v in nb_sorted], dtype=np.uint32))
            rows[way] = way_rows
            flags = np.zeros(n, dtype=np.bool_)
            old = ov.patched.get(way)
            if old is not None:
                flags[: old.size] = old
            flags[self.n_base :] = True  # new ids have no CSR row: theirs is in rows (or empty)
            if work:
                flags[np.fromiter(work, dtype=np.int64, count=len(work))] = True
            patched[way] = flags
        overlay = _Overlay(tuple(new_ids), new_pos, new_at, groups, new_key, frozenset(dead), rows, patched)
        return CompactIndex(store_id=self.store_id, version=version, kinds=self.kinds, ids_text="",
                            ids_off=self._off, down=self.down, up=self.up, _names=self._names, _overlay=overlay,
                            _base_version=self.base_version)

    # ---- persistence ------------------------------------------------------------------------------
    def save(self, path: Path) -> None:
        """Write the base to a temporary file beside ``path`` and rename it over: readers never see half a file."""
        if self._ov is not None:
            raise ValueError("only a base is saved; build a new base to save an index with an overlay")
        text = self._names.encoded()
        arrays: dict[str, npt.NDArray[Any]] = {
            "ids_off": self._off,
            "down_indptr": self.down.indptr, "down_indices": self.down.indices, "down_kinds": self.down.kinds,
            "up_indptr": self.up.indptr, "up_indices": self.up.indices, "up_kinds": self.up.kinds,
            "ids_text": np.frombuffer(text, dtype=np.uint8),
        }
        layout: dict[str, list[Any]] = {}
        offset = 0
        for name, arr in arrays.items():
            layout[name] = [arr.dtype.str, offset, int(arr.size)]
            offset += -(-arr.nbytes // _ALIGN) * _ALIGN
        header = json.dumps({"store_id": self.store_id, "version": self.version, "kinds": list(self.kinds),
                             "layout": layout}).encode()
        head_len = -(-(len(MAGIC) + 8 + len(header)) // _ALIGN) * _ALIGN
        tmp = path.with_name(f"{path.name}.tmp-{os.getpid()}")
        try:
            with open(tmp, "wb") as f:
                f.write(MAGIC + head_len.to_bytes(8, "little") + header)
                f.write(b"\0" * (head_len - len(MAGIC) - 8 - len(header)))
                for arr in arrays.values():
                    f.write(np.ascontiguousarray(arr).tobytes())
                    pad = -(-arr.nbytes // _ALIGN) * _ALIGN - arr.nbytes
                    f.write(b"\0" * pad)
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)

    @classmethod
    def load(cls, path: Path) -> CompactIndex | None:
        """Memory-map a saved index; None if it is missing or not readable (it is rebuilt then)."""
        try:
            mm = np.memmap(path, dtype=np.uint8, mode="r")
            if bytes(mm[: len(MAGIC)]) != MAGIC:
                return None
            head_len = int.from_bytes(bytes(mm[len(MAGIC) : len(MAGIC) + 8]), "little")
            raw = bytes(mm[len(MAGIC) + 8 : head_len]).rstrip(b"\0")
            header = json.loads(raw)
            arr: dict[str, npt.NDArray[Any]] = {}
            for name, (dtype, off, count) in header["layout"].items():
                arr[name] = np.frombuffer(mm, dtype=np.dtype(dtype), count=count, offset=head_len + off)
            ids_raw, off = arr["ids_text"], arr["ids_off"]
            ascii_only = off.size > 0 and int(off[-1]) == ids_raw.size  # as many bytes as characters
            names = _Names(None if ascii_only else ids_raw.tobytes().decode("utf-8"), off, ids_raw)
            return cls(
                store_id=header["store_id"], version=int(header["version"]), kinds=header["kinds"], ids_text="",
                ids_off=off, _names=names,
                down=_Dir(arr["down_indptr"], arr["down_indices"], arr["down_kinds"]),
                up=_Dir(arr["up_indptr"], arr["up_indices"], arr["up_kinds"]),
            )
        except (OSError, ValueError, KeyError, TypeError):
            return None


def _csr(n: int, a: npt.NDArray[np.int64], b: npt.NDArray[np.int64], k: npt.NDArray[np.uint32]) -> _Dir:
    """CSR of a -> b, one entry per distinct (a, b) with the OR of the kinds' bits; neighbours sorted."""
    if a.size == 0:
        return _Dir(np.zeros(n + 1, dtype=np.int64), np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.uint32))
    key = a * n + b
    order = np.argsort(key, kind="stable")
    key, k = key[order], k[order]
    uniq, start = np.unique(key, return_index=True)
    bits = np.bitwise_or.reduceat(k, start)
    src = uniq // n
    dst = (uniq % n).astype(np.int32)
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.add.at(indptr, src + 1, 1)
    return _Dir(np.cumsum(indptr), dst, bits.astype(np.uint32))


def build_index(db: sqlite3.Connection, *, store_id: str, version: int) -> CompactIndex:
    """Build from the database's current snapshot (the caller holds one read transaction)."""
    ids = [r[0] for r in db.execute("SELECT id FROM nodes ORDER BY id")]
    # SQLite orders TEXT by bytes (memcmp of UTF-8), which is code point order: Python's order.
    rank = {s: i for i, s in enumerate(ids)}
    kinds = [k.value for k in EdgeKind]
    bit = {k: np.uint32(1 << i) for i, k in enumerate(kinds)}
    # edges in chunks, straight into integer arrays: the rows of millions of edges as Python tuples
    # would cost far more memory than the index itself
    m = int(db.execute("SELECT count(*) FROM edges").fetchone()[0])
    a = np.empty(m, dtype=np.int64)
    b = np.empty(m, dtype=np.int64)
    k = np.empty(m, dtype=np.uint32)
    cur = db.execute("SELECT src, dst, kind FROM edges")
    at = 0
    while chunk := cur.fetchmany(65536):
        c = min(len(chunk), m - at)
        a[at : at + c] = np.fromiter((rank[r[0]] for r in chunk[:c]), dtype=np.int64, count=c)
        b[at : at + c] = np.fromiter((rank[r[1]] for r in chunk[:c]), dtype=np.int64, count=c)
        k[at : at + c] = np.fromiter((bit.get(r[2], 0) for r in chunk[:c]), dtype=np.uint32, count=c)
        at += c
    a, b, k = a[:at], b[:at], k[:at]  # (one snapshot: the count and the rows agree)
    return index_from_arrays(ids, a, b, k, store_id=store_id, version=version)


def index_from_arrays(ids: Sequence[str], a: npt.NDArray[np.int64], b: npt.NDArray[np.int64],
                      k: npt.NDArray[np.uint32], *, store_id: str, version: int) -> CompactIndex:
    """A base index from its parts: ``ids`` sorted in code point order (node ``i`` is ``ids[i]``), and one
    entry per edge: its endpoints' ranks ``a`` -> ``b`` and its kind's bit ``k`` (bit ``j`` is the ``j``-th
    :class:`EdgeKind`). The embedded store builds from SQLite through it, the Neo4j store's topology
    snapshot from the server's rows: one structure, one walk, the same answers."""
    n = len(ids)
    lengths = np.fromiter((len(s) for s in ids), dtype=np.int64, count=n)
    off = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(lengths, out=off[1:])
    text = "".join(ids)
    return CompactIndex(store_id=store_id, version=version, kinds=[e.value for e in EdgeKind], ids_text=text,
                        ids_off=off, down=_csr(n, a, b, k), up=_csr(n, b, a, k))
