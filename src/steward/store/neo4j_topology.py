"""The Neo4j store's topology snapshot: the graph's shape held in the API process, used only while
it is provably current.

What it holds: every node's Steward id and every edge of every :class:`~steward.graph.EdgeKind` as
the embedded store's :class:`~steward.store.index.CompactIndex` (built by the same
:func:`~steward.store.index.index_from_arrays`), so a walk on it answers exactly as the embedded
store does: the same distances, the same "smallest parent id", the same edge-kind filter and depth
limit. No property is held.

When it is used: only when the database's **store version stamp** equals the stamp the snapshot was
loaded at. The stamp is the bookmark the server returns when an empty read transaction commits: it
names the database and the id of its last closed (committed and applied) transaction, so ANY write
(this process, another store object, another process, a cluster member) moves it, and a write that
changes nothing does not. Reading it is one short round trip (an empty transaction, no query), about
0.3-0.5 ms on a local server. Neo4j Community has no cheaper counter: ``SHOW DATABASES`` yields
``lastCommittedTxn`` as null there (and takes 5-12 ms), and its JMX beans are gone.

How it is refreshed: a caller that finds the stamp moved answers with the server-side walk and asks for
a refresh; one background thread (one at a time, at most one every ``max(MIN_INTERVAL_S, 2 x the last
load)`` seconds) reloads the whole topology and keeps it only if the stamp read before the load equals
the one after (no write closed in between: the load saw exactly that state). While writes keep landing
during loads, each discarded load doubles the wait before the next (up to 64x), so a busy writer does
not keep the process reloading. A write never makes an
answer stale; it makes the next answers slower until the reload lands.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any, LiteralString

import numpy as np
import numpy.typing as npt
from neo4j import READ_ACCESS, Driver, ManagedTransaction, Session

from steward.graph import EdgeKind
from steward.store.index import CompactIndex, index_from_arrays
from steward.store.statements import statement

__all__ = ["SNAPSHOT_ENV", "Stamp", "TopologySnapshot", "load_topology", "read_stamp", "snapshot_enabled"]

logger = logging.getLogger(__name__)

#: ``STEWARD_NEO4J_SNAPSHOT=0`` (or ``false``/``off``/``no``) turns the snapshot off: every walk runs on the server.
SNAPSHOT_ENV = "STEWARD_NEO4J_SNAPSHOT"
#: The shortest time between two background loads (seconds); the real gap is also at least twice the last load.
MIN_INTERVAL_S = 0.5
Stamp = frozenset[str]


def snapshot_enabled(value: str | None = None) -> bool:
    """Whether ``STEWARD_NEO4J_SNAPSHOT`` (or ``value``) leaves the snapshot on (the default)."""
    raw = os.environ.get(SNAPSHOT_ENV, "1") if value is None else value
    return raw.strip().lower() not in {"0", "false", "off", "no"}


def _bookmark(session: Session) -> frozenset[str]:
    """Commit an empty transaction in ``session`` and return the bookmark the server gives for it (it names
    the last closed transaction)."""
    with session.begin_transaction() as tx:
        tx.commit()
    return frozenset(session.last_bookmarks().raw_values)


def read_stamp(driver: Driver, database: str | None) -> Stamp | None:
    """The database's version stamp: the bookmark of an empty read transaction (None if the server gives none)."""
    with driver.session(database=database, default_access_mode=READ_ACCESS) as s:
        return _bookmark(s) or None


def _q(name: str, types: list[EdgeKind] | None = None) -> LiteralString:
    text: LiteralString = statement(name, types=types)  # files shipped with the package
    return text


def load_topology(driver: Driver, database: str | None) -> tuple[Stamp, CompactIndex, float] | None:
    """Every node id and edge of the database as a :class:`CompactIndex`, with the stamp it is current at
    and the seconds the load took; None if a write closed while it loaded (or the server gives no stamp)."""
    started = time.perf_counter()
    kinds = list(EdgeKind)

    def work(tx: ManagedTransaction) -> tuple[list[int], list[str], list[tuple[list[int], list[int]]]]:
        row = tx.run(_q("topology_nodes")).single(strict=True)
        edges = []
        for kind in kinds:
            got = tx.run(_q("topology_edges", [kind])).single(strict=True)
            edges.append((got["src"], got["dst"]))
        return row["nids"], row["names"], edges

    with driver.session(database=database, default_access_mode=READ_ACCESS) as s:
        before = _bookmark(s)
        nids, names, edges = s.execute_read(work)
        after = frozenset(s.last_bookmarks().raw_values)
    if not before or before != after:
        return None
    index = build_from_rows(nids, names, edges, kinds)
    return before, index, time.perf_counter() - started


def build_from_rows(nids: list[int], names: list[str], edges: list[tuple[list[int], list[int]]],
                    kinds: list[EdgeKind]) -> CompactIndex:
    """The index of the rows :func:`load_topology` read: node ``i`` is the ``i``-th Steward id in code point
    order; an edge whose end is not among the nodes (created while the rows were read) is left out."""
    order = sorted(range(len(names)), key=names.__getitem__)
    ids = [names[i] for i in order]
    # internal id -> rank by binary search over the sorted internal ids: right for dense ids and for
    # sparse ones alike (no array as long as the largest id)
    internal = np.asarray(nids, dtype=np.int64)
    by_internal = np.argsort(internal, kind="stable")
    sorted_internal = internal[by_internal]
    rank_of = np.empty(len(order), dtype=np.int64)
    rank_of[np.asarray(order, dtype=np.int64)] = np.arange(len(order), dtype=np.int64)
    rank_sorted = rank_of[by_internal]  # the rank of sorted_internal[j]

    def ranks(x: list[int]) -> npt.NDArray[np.int64]:
        v = np.asarray(x, dtype=np.int64)
        if sorted_internal.size == 0:
            return np.full(v.size, -1, dtype=np.int64)
        pos = np.minimum(np.searchsorted(sorted_internal, v), sorted_internal.size - 1)
        out: npt.NDArray[np.int64] = np.where(sorted_internal[pos] == v, rank_sorted[pos], -1)
        return out

    every = [e.value for e in EdgeKind]
    parts_a, parts_b, parts_k = [], [], []
    for kind, (src, dst) in zip(kinds, edges, strict=True):
        a, b = ranks(src), ranks(dst)
        keep = (a >= 0) & (b >= 0)
        parts_a.append(a[keep])
        parts_b.append(b[keep])
        parts_k.append(np.full(int(keep.sum()), 1 << every.index(kind.value), dtype=np.uint32))
    cat = np.concatenate
    empty = np.zeros(0, dtype=np.int64)
    return index_from_arrays(ids, cat([empty, *parts_a]), cat([empty, *parts_b]),
                             cat([np.zeros(0, dtype=np.uint32), *parts_k]), store_id="neo4j", version=0)


@dataclass(frozen=True)
class _Held:
    stamp: Stamp
    index: CompactIndex
    load_s: float


class TopologySnapshot:
    """One store object's snapshot and its background refresh (see the module's docstring)."""

    def __init__(self, driver: Driver, database: str | None) -> None:
        self._driver = driver
        self._database = database
        self._held: _Held | None = None
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._closed = threading.Event()
        self._last_start = -float("inf")
        self._last_load_s = 0.0
        self._misses = 0  # loads in a row discarded because writes kept landing: each doubles the wait
        #: loads that landed / were discarded (a write closed meanwhile) / failed; for tests and benchmarks
        self.loads = self.discarded = self.failures = 0

    # ---- reading -------------------------------------------------------------------------------
    def stamp(self) -> Stamp | None:
        return read_stamp(self._driver, self._database)

    def current(self, stamp: Hashable | None, *, refresh: bool = True) -> CompactIndex | None:
        """The snapshot if it was loaded at ``stamp``; else None, and (``refresh``) a background load is asked for."""
        held = self._held
        if stamp is not None and held is not None and held.stamp == stamp:
            return held.index
        if refresh and stamp is not None:
            self.request()
        return None

    def info(self) -> dict[str, Any]:
        """What is held: nodes, edge entries per direction, bytes, the last load's seconds."""
        held = self._held
        if held is None:
            return {"held": False, "loads": self.loads, "discarded": self.discarded, "failures": self.failures}
        idx = held.index
        return {"held": True, "nodes": idx.n, "entries": int(idx.down.indices.size), "bytes": idx.nbytes,
                "load_s": held.load_s, "loads": self.loads, "discarded": self.discarded, "failures": self.failures}

    # ---- loading -------------------------------------------------------------------------------
    def refresh_now(self) -> bool:
        """Load in the caller's thread (warm-up, tests, benchmarks); True if a snapshot landed."""
        self._last_start = time.monotonic()
        try:
            got = load_topology(self._driver, self._database)
        except Exception:
            self.failures += 1
            logger.debug("could not load the Neo4j topology snapshot", exc_info=True)
            return False
        if got is None:
            self.discarded += 1
            self._misses += 1
            return False
        stamp, index, load_s = got
        self._misses = 0
        self._last_load_s = load_s
        if not self._closed.is_set():
            self._held = _Held(stamp, index, load_s)
            self.loads += 1
        logger.debug("Neo4j topology snapshot: %s nodes in %.2f s", index.n, load_s)
        return True

    def request(self) -> None:
        """Ask for a background load: none starts while one runs; the next waits out the debounce interval."""
        with self._lock:
            if self._closed.is_set() or (self._thread is not None and self._thread.is_alive()):
                return
            gap = max(MIN_INTERVAL_S, 2 * self._last_load_s) * 2 ** min(self._misses, 6)
            wait = max(0.0, self._last_start + gap - time.monotonic())
            self._thread = threading.Thread(target=self._run, args=(wait,), name="steward-neo4j-topology",
                                             daemon=True)
            self._thread.start()

    def _run(self, wait: float) -> None:
        if wait and self._closed.wait(wait):
            return
        if not self._closed.is_set():
            self.refresh_now()

    def wait_idle(self, timeout: float) -> bool:
        """Wait for a running background load to end (tests); True if none runs now."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
            return not thread.is_alive()
        return True

    def close(self, timeout: float = 10.0) -> None:
        """Stop: a load waiting out its interval ends at once; one under way is waited for, up to
        ``timeout`` seconds (the driver cannot be closed under a running transaction; a server that
        stopped answering is not waited for longer)."""
        self._closed.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)
        self._held = None
