"""The embedded store's compact traversal index: CSR arrays over integer node ids.

SQLite stays the system of record; this index only answers walks. Node ``i`` is the ``i``-th id in
sorted (code point) order, so "the smallest id" among predecessors is the smallest integer and
the parent rule of :func:`steward.store.base.bfs` holds without touching strings. Each direction
has a CSR (``indptr``, ``indices``) with one entry per distinct neighbour pair and a bitmask of
the edge kinds joining them (bit ``b`` is the ``b``-th of ``kinds`` in the header).

The index is persisted in ONE file beside the database (``graph.db.idx``), written to a temporary
file and renamed over the old one, and memory-mapped on open: opening a big store costs a page
table, not a load. The header names the store (``store_id``) and the store version it was built
at; a store whose version moved on rebuilds it.
"""

from __future__ import annotations

import json
import os
import sqlite3
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from steward.graph import EdgeKind
from steward.store.base import Reached

__all__ = ["CompactIndex", "build_index"]

MAGIC = b"STWIDX01"
_ALIGN = 64

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class _Dir:
    indptr: npt.NDArray[np.int64]
    indices: npt.NDArray[np.int32]
    kinds: npt.NDArray[np.uint32]


class CompactIndex:
    """Node ids and the two CSR directions; immutable once built."""

    def __init__(self, *, store_id: str, version: int, kinds: Sequence[str], ids_text: str,
                 ids_off: npt.NDArray[np.int64], down: _Dir, up: _Dir) -> None:
        self.store_id = store_id
        self.version = version
        self.kinds = tuple(kinds)
        self._bit = {k: i for i, k in enumerate(self.kinds)}
        self._text = ids_text
        self._off = ids_off
        self.n = len(ids_off) - 1
        self.down = down
        self.up = up

    # ---- ids ----------------------------------------------------------------------------------
    def id_of(self, i: int) -> str:
        return self._text[int(self._off[i]) : int(self._off[i + 1])]

    def ids_of(self, idx: npt.NDArray[np.int64]) -> list[str]:
        text = self._text
        lo = self._off[idx].tolist()
        hi = self._off[idx + 1].tolist()
        return [text[a:b] for a, b in zip(lo, hi, strict=True)]

    def rank(self, node_id: str) -> int | None:
        """The integer id of ``node_id`` (binary search over the sorted ids), None if absent."""
        i = bisect_left(_SortedIds(self), node_id)
        return i if i < self.n and self.id_of(i) == node_id else None

    def mask(self, kinds: Iterable[EdgeKind]) -> int:
        m = 0
        for k in kinds:
            b = self._bit.get(k.value)
            if b is not None:
                m |= 1 << b
        return m

    # ---- walks --------------------------------------------------------------------------------
    def bfs(self, starts: Iterable[int], *, way: str, mask: int, max_depth: int | None
            ) -> tuple[IntArray, IntArray, IntArray]:
        """Level-synchronous walk: (nodes, distances, parents) as integer arrays, in visit order."""
        d = self.down if way == "down" else self.up
        seen = np.zeros(self.n, dtype=np.bool_)
        frontier = np.unique(np.fromiter(starts, dtype=np.int64))
        seen[frontier] = True
        out_n: list[IntArray] = []
        out_d: list[IntArray] = []
        out_p: list[IntArray] = []
        depth = 0
        m = np.uint32(mask)
        while frontier.size and (max_depth is None or depth < max_depth):
            depth += 1
            lo = d.indptr[frontier]
            cnt = d.indptr[frontier + 1] - lo
            total = int(cnt.sum())
            if total == 0:
                break
            # positions of every neighbour entry of the frontier, in frontier order
            shift = np.repeat(lo - np.concatenate(([0], np.cumsum(cnt)[:-1])), cnt)
            pos = shift + np.arange(total, dtype=np.int64)
            nbr = d.indices[pos].astype(np.int64)
            pred = np.repeat(frontier, cnt)
            keep = ((d.kinds[pos] & m) != 0) & ~seen[nbr]
            nbr, pred = nbr[keep], pred[keep]
            if nbr.size == 0:
                break
            # the parent is the smallest predecessor (integer order is string order)
            order = np.lexsort((pred, nbr))
            nbr, pred = nbr[order], pred[order]
            first = np.ones(nbr.size, dtype=np.bool_)
            first[1:] = nbr[1:] != nbr[:-1]
            new, par = nbr[first], pred[first]
            seen[new] = True
            out_n.append(new)
            out_d.append(np.full(new.size, depth, dtype=np.int64))
            out_p.append(par)
            frontier = new
        if not out_n:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty, empty
        return np.concatenate(out_n), np.concatenate(out_d), np.concatenate(out_p)

    def reach(self, starts: Iterable[str], *, way: str, kinds: Iterable[EdgeKind],
              max_depth: int | None) -> dict[str, Reached]:
        ranks = [r for r in (self.rank(s) for s in set(starts)) if r is not None]
        if not ranks:
            return {}
        nodes, dist, par = self.bfs(ranks, way=way, mask=self.mask(kinds), max_depth=max_depth)
        names = self.ids_of(nodes)
        # far fewer distinct parents than nodes: decode each once
        uniq, inverse = np.unique(par, return_inverse=True)
        pnames = self.ids_of(uniq)
        parents = [pnames[i] for i in inverse.tolist()]
        return dict(zip(names, map(Reached, dist.tolist(), parents), strict=True))

    # ---- persistence ------------------------------------------------------------------------------
    def save(self, path: Path) -> None:
        """Write to a temporary file beside ``path`` and rename it over: readers never see half a file."""
        text = self._text.encode("utf-8")
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
                for name, arr in arrays.items():
                    f.write(np.ascontiguousarray(arr).tobytes())
                    pad = -(-arr.nbytes // _ALIGN) * _ALIGN - arr.nbytes
                    f.write(b"\0" * pad)
                    del name
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
            text = arr["ids_text"].tobytes().decode("utf-8")
            return cls(
                store_id=header["store_id"], version=int(header["version"]), kinds=header["kinds"], ids_text=text,
                ids_off=arr["ids_off"],
                down=_Dir(arr["down_indptr"], arr["down_indices"], arr["down_kinds"]),
                up=_Dir(arr["up_indptr"], arr["up_indices"], arr["up_kinds"]),
            )
        except (OSError, ValueError, KeyError, TypeError):
            return None


class _SortedIds:
    """The sorted ids as a sequence for ``bisect``: each probe decodes one id."""

    def __init__(self, index: CompactIndex) -> None:
        self._index = index

    def __len__(self) -> int:
        return self._index.n

    def __getitem__(self, i: int) -> str:
        return self._index.id_of(i)


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
    rows = db.execute("SELECT src, dst, kind FROM edges").fetchall()
    m = len(rows)
    a = np.fromiter((rank[r[0]] for r in rows), dtype=np.int64, count=m)
    b = np.fromiter((rank[r[1]] for r in rows), dtype=np.int64, count=m)
    k = np.fromiter((bit.get(r[2], 0) for r in rows), dtype=np.uint32, count=m)
    del rows
    n = len(ids)
    lengths = np.fromiter((len(s) for s in ids), dtype=np.int64, count=n)
    off = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(lengths, out=off[1:])
    text = "".join(ids)
    return CompactIndex(store_id=store_id, version=version, kinds=kinds, ids_text=text, ids_off=off,
                        down=_csr(n, a, b, k), up=_csr(n, b, a, k))
