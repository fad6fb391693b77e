"""``GraphStore``: the one door to storage.

Analyses are written once against this class; the embedded store (networkx + SQLite) and the
Neo4j store implement it and must give identical answers (``tests/contract``). Validation and
batching live here, and call the backend's private ``_write``.
"""

from __future__ import annotations

import abc
import gc
import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import (
    Callable,
    Collection,
    Hashable,
    ItemsView,
    Iterable,
    Iterator,
    Mapping,
    Sequence,
    ValuesView,
)
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import repeat
from types import TracebackType
from typing import Any, ClassVar, Literal, NamedTuple, Protocol, Self, TypeVar, cast

import numpy as np
import numpy.typing as npt
import rfc8785

from steward.errors import InvalidInputError, UnsupportedError
from steward.graph import (
    LINEAGE_EDGES,
    Direction,
    Edge,
    EdgeKey,
    EdgeKind,
    EdgeRecord,
    Node,
    NodeKind,
    NodeRecord,
    OwnershipClaim,
)

__all__ = [
    "TIME_FORMAT", "Closure", "Counts", "EdgeVersion", "GraphChanges", "GraphStore", "LogHook", "LogLine", "LogTx",
    "NodeVersion", "PlanGate", "Reached", "ReachedMap", "Record", "RetractResult", "SourceRecords", "Truncated",
    "WalkGraph", "Writer", "bfs", "check_expected", "graph_batch", "leaf_hash", "seal",
]

Way = Literal["down", "up"]
#: Why an analyst query's result was cut, if it was.
Truncated = Literal[False, "rows", "bytes"]
#: Checks a query's plan (``query_type``, the EXPLAIN plan) before it runs; raises to refuse it.
PlanGate = Callable[[str | None, Any], None]

CYPHER_NEEDS_NEO4J = (
    "Cypher queries need the Neo4j store; this one is embedded. Start Neo4j (`docker compose up -d neo4j`, "
    "or without Docker `python -m steward.local.neo4j_server start`), ingest into it with "
    "--store bolt://HOST:7687, and pass the same --store here"
)


class Reached(NamedTuple):
    """A node found by a closure walk: its distance and the parent on one shortest path.

    When several shortest paths exist, ``parent`` is the smallest id among the predecessors at
    ``distance - 1``, so both stores pick the same path. (A named tuple: immutable, and cheap to
    make by the ten thousand.)
    """

    distance: int
    parent: str


@dataclass(frozen=True, slots=True)
class Counts:
    nodes: dict[str, int]
    edges: dict[str, int]

    @property
    def total_nodes(self) -> int:
        return sum(self.nodes.values())

    @property
    def total_edges(self) -> int:
        return sum(self.edges.values())

    def to_json(self) -> dict[str, object]:
        return {"nodes": self.nodes, "edges": self.edges,
                "total_nodes": self.total_nodes, "total_edges": self.total_edges}


@dataclass(frozen=True, slots=True)
class SourceRecords:
    """Everything one source has said: the nodes it attested and the edges it claimed."""

    nodes: frozenset[str] = field(default_factory=frozenset)
    edges: frozenset[EdgeKey] = field(default_factory=frozenset)


@dataclass(frozen=True, slots=True)
class RetractResult:
    nodes_deleted: int = 0
    nodes_detached: int = 0
    edges_deleted: int = 0


@dataclass(frozen=True, slots=True)
class Record:
    """A governance document kept in the store beside the graph: a token, a change request, an
    incident, a review... ``kind`` names the collection, ``id`` is unique within it, ``doc`` is JSON.

    Records are not graph nodes: walks, counts and search never see them. They are written with
    :meth:`GraphStore.upsert` (``records=``), in the same transaction as the graph change and the
    log entries that go with them, and a later record with the same ``(kind, id)`` replaces it.
    """

    kind: str
    id: str
    doc: dict[str, Any]


@dataclass(frozen=True, slots=True)
class LogLine:
    """One entry of the governance log as stored: its position, its canonical JSON (RFC 8785,
    which includes ``seq`` and ``at``) and its RFC 6962 leaf hash, hex."""

    seq: int
    entry: str
    leaf_hash: str

    def data(self) -> dict[str, Any]:
        parsed: dict[str, Any] = json.loads(self.entry)
        return parsed


@dataclass(frozen=True, slots=True)
class NodeVersion:
    """One version of a node, valid in transaction time from ``valid_from`` (inclusive) to ``valid_to``
    (exclusive; None while it is the current version). ``record.seen_at`` is when this version was
    first seen: a source seeing the same thing again does not make a new version."""

    record: NodeRecord
    valid_from: str
    valid_to: str | None


@dataclass(frozen=True, slots=True)
class EdgeVersion:
    """One version of an edge (an ownership claim is an ``OWNS`` edge), with its validity interval."""

    record: EdgeRecord
    valid_from: str
    valid_to: str | None


#: Rows of the embedded store's tables (JSON text for props and sources): what an as-of view is made of.
NodeRow = tuple[str, str, str, str, str, str]
EdgeRow = tuple[str, str, str, str, str, str, str]


def check_expected(
    expect: Mapping[tuple[str, str], Mapping[str, Any]] | None, stored: Mapping[tuple[str, str], dict[str, Any]],
) -> None:
    """Raise ConflictError unless every expected record exists with the expected field values (a
    missing field reads as None). Backends call it under their write lock with the stored docs."""
    from steward.errors import ConflictError

    for (kind, rid), fields in (expect or {}).items():
        doc = stored.get((kind, rid))
        if doc is None:
            raise ConflictError(f"{kind} {rid} does not exist any more: nothing was written")
        for name, value in fields.items():
            if doc.get(name) != value:
                raise ConflictError(f"{kind} {rid} changed while this was being done ({name} is now "
                                    f"{doc.get(name)!r}, was {value!r}): nothing was written; look again and retry")


def leaf_hash(entry: bytes) -> str:
    """RFC 6962 leaf hash: SHA-256 over 0x00 followed by the entry's bytes."""
    return hashlib.sha256(b"\x00" + entry).hexdigest()


def seal(entry: Mapping[str, Any], seq: int) -> LogLine:
    """The stored form of a log entry at position ``seq`` (backends call this inside the write
    transaction that assigns ``seq``)."""
    body = {**entry, "seq": seq}
    text = rfc8785.dumps(body)
    return LogLine(seq, text.decode("utf-8"), leaf_hash(text))


class LogTx(Protocol):
    """What a log hook may read inside the write transaction that appends a batch."""

    def record(self, kind: str, record_id: str) -> Record | None:
        """A governance record as this transaction sees it."""

    def leaf_hashes(self, stop: int) -> list[str]:
        """The stored leaf hashes (hex) with ``seq < stop``, by ``seq``."""


class LogHook(Protocol):
    """Seals a batch of log entries inside its write transaction (``steward.governance.log.Checkpointer``:
    the Merkle tree's head and the signed checkpoints)."""

    def seal_batch(
        self, start: int, entries: Sequence[Mapping[str, Any]], tx: LogTx,
    ) -> tuple[list[LogLine], list[Record]]:
        """The lines to append at ``start``, and records to write with them in the same transaction."""


#: Keys a log entry may not carry: the store sets them.
RESERVED_ENTRY_KEYS = frozenset({"seq", "checkpoint"})
#: Record kinds only the log hook writes (the log's head).
RESERVED_RECORD_KINDS = frozenset({"checkpoint"})


#: How Steward writes times: ISO 8601 UTC with microseconds (sorts as text).
TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def utc_now() -> str:
    """Now, as the log writes times (``TIME_FORMAT``)."""
    return datetime.now(UTC).strftime(TIME_FORMAT)


def bfs(
    starts: Iterable[str],
    successors: Callable[[str], Iterable[str]],
    *,
    max_depth: int | None = None,
) -> dict[str, Reached]:
    """Level-synchronous breadth-first walk with deterministic parents.

    Visits each node once (never enumerates paths), so diamonds and cycles cost O(V + E).
    Start nodes are not part of the result, even when a cycle leads back to them.
    """
    start_set = set(starts)
    seen: set[str] = set(start_set)
    found: dict[str, Reached] = {}
    frontier = sorted(start_set)
    depth = 0
    while frontier and (max_depth is None or depth < max_depth):
        depth += 1
        parent_of: dict[str, str] = {}
        for node in frontier:  # frontier is sorted: the first parent seen is the smallest
            for nxt in successors(node):
                if nxt not in seen and nxt not in parent_of:
                    parent_of[nxt] = node
        for nxt, parent in parent_of.items():
            found[nxt] = Reached(depth, parent)
        seen.update(parent_of)
        frontier = sorted(parent_of)
    return found


T = TypeVar("T")
_CACHE_LOCK = threading.Lock()
_MISSING = object()
#: One thread at a time carries kept answers over a commit (``GraphStore.kept``).
_CARRY_LOCK = threading.Lock()


@dataclass(frozen=True)
class GraphChanges:
    """What commits did to the graph between two graph versions: the node ids they created, deleted or
    changed (kind, name, properties, sources), and the ``(src, dst)`` pairs whose edges they created,
    changed or deleted (any kind). Nothing about governance records, the log or state."""

    nodes: frozenset[str]
    pairs: frozenset[tuple[str, str]]
Ints = npt.NDArray[np.int64]


class Closure:
    """A closure walk's result as integer arrays in (distance, id) order: ``nodes[i]`` is a handle whose
    integer order is the ids' string order, at ``distances[i]``, reached from ``parents[i]`` (the smallest
    predecessor one step closer, as in :class:`Reached`). Handles become ids only when asked
    (:meth:`ids`), so a listing of the first ten thousand of a large closure decodes ten thousand ids.
    """

    def __init__(self, nodes: Ints, distances: Ints, parents: Ints, decode: Callable[[Ints], list[str]],
                 containers: Callable[[Ints, Sequence[EdgeKind]], Ints] | None = None) -> None:
        self.nodes = nodes
        self.distances = distances
        self.parents = parents
        self._decode = decode
        self._containers = containers
        self._parent_pos: Ints | None = None

    @classmethod
    def from_reached(cls, reached: Mapping[str, Reached]) -> Closure:
        names = sorted({*reached, *(r.parent for r in reached.values())})
        rank = {s: i for i, s in enumerate(names)}
        order = sorted(reached.items(), key=lambda kv: (kv[1].distance, kv[0]))
        n = len(order)
        nodes = np.fromiter((rank[k] for k, _ in order), dtype=np.int64, count=n)
        dist = np.fromiter((r.distance for _, r in order), dtype=np.int64, count=n)
        par = np.fromiter((rank[r.parent] for _, r in order), dtype=np.int64, count=n)
        return cls(nodes, dist, par, lambda handles: [names[h] for h in handles.tolist()])

    def __len__(self) -> int:
        return int(self.nodes.size)

    def ids(self, start: int, stop: int) -> list[str]:
        """The ids at positions ``start:stop``."""
        return self._decode(self.nodes[start:stop])

    def id_of_handle(self, handle: int) -> str:
        return self._decode(np.array([handle], dtype=np.int64))[0]

    def containers(self, positions: Collection[int], edges: Sequence[EdgeKind]) -> dict[str, str | None] | None:
        """The container of the member at each of ``positions``, by the member -> container edge of kind
        ``edges[i]`` for ``positions[i]`` (the smallest container id when there are several, as the edges
        sorted by identity give it first; None: it has none), read from the same snapshot the walk was;
        None when the backend cannot tell without a read (the caller reads the edges then)."""
        if self._containers is None:
            return None
        if not positions:
            return {}
        pos = np.fromiter(positions, dtype=np.int64, count=len(positions))
        found = self._containers(self.nodes[pos], edges)
        has = found >= 0
        names = iter(self._decode(found[has]))
        members = self._decode(self.nodes[pos])
        return {m: next(names) if h else None for m, h in zip(members, has.tolist(), strict=True)}

    def parent_positions(self) -> Ints:
        """Position of each node's parent in this closure, -1 where the parent is a start."""
        if self._parent_pos is None:
            n = self.nodes.size
            if n == 0:
                self._parent_pos = np.zeros(0, dtype=np.int64)
            else:
                order = np.argsort(self.nodes, kind="stable")
                by_handle = self.nodes[order]
                at = np.minimum(np.searchsorted(by_handle, self.parents), n - 1)
                self._parent_pos = np.where(by_handle[at] == self.parents, order[at], -1)
        return self._parent_pos

    def to_reached(self) -> dict[str, Reached]:
        """The same walk as :meth:`GraphStore.reach` answers it."""
        names = self.ids(0, len(self))
        parents = self._decode(self.parents)
        return {k: Reached(d, p) for k, d, p in zip(names, self.distances.tolist(), parents, strict=True)}


@dataclass(frozen=True)
class WalkGraph:
    """The subgraph a walk covers (:meth:`GraphStore.walk_graph`), as integer positions: node ``i`` is
    ``ids[i]`` (sorted by id); ``covered[i]``: the walk covers it (a start or a node it reaches), else
    it is only the end of a ``leaving`` edge. Edge ``e`` joins ``src[e] -> dst[e]`` (the edge's own
    direction), one entry per distinct pair; bit ``b`` of ``bits[e]`` says an edge of kind ``kinds[b]``
    joins them."""

    ids: list[str]
    covered: npt.NDArray[np.bool_]
    src: Ints
    dst: Ints
    kinds: tuple[EdgeKind, ...]
    bits: npt.NDArray[np.uint32]

    def mask(self, kinds: Collection[EdgeKind]) -> int:
        """The bits of ``kinds`` in ``bits``."""
        return sum(1 << b for b, k in enumerate(self.kinds) if k in kinds)


class ReachedMap(Mapping[str, Reached]):
    """:meth:`GraphStore.reach`'s answer read straight from a walk's integer arrays (``nodes[i]`` reached
    at ``distances[i]`` from ``parents[i]``): a read-only ``Mapping[str, Reached]``, equal to the dict of
    the same entries, that makes ids and ``Reached`` tuples only when asked. ``len`` is free; iterating
    the keys decodes every id once; a lookup finds the key's integer (``rank``) and its position. Reading
    the values (``items()``, ``values()``, ``==``), or more lookups than making the whole dict would cost,
    makes the dict once (kept) and answers from it.

    ``decode`` turns integers into ids; ``rank`` is the reverse (None for an unknown id); ``size`` bounds
    the integers (a dense position table is used for answers holding a good share of them).
    """

    __slots__ = ("_decode", "_dict", "_dist", "_keys", "_lookups", "_nodes", "_par", "_pos", "_rank", "_size")
    #: Answers holding more than 1/DENSE of the integers find positions through a dense table, others by
    #: binary search in a sorted copy.
    DENSE = 8
    #: After ``len / WHOLE`` lookups the dict is made (a lookup by rank costs ~this many entries of it).
    WHOLE = 32

    def __init__(self, nodes: Ints, distances: Ints, parents: Ints, *, decode: Callable[[Ints], list[str]],
                 rank: Callable[[str], int | None], size: int) -> None:
        self._nodes, self._dist, self._par = nodes, distances, parents
        self._decode, self._rank, self._size = decode, rank, size
        self._keys: list[str] | None = None
        self._pos: tuple[Ints, Ints] | Ints | None = None
        self._dict: dict[str, Reached] | None = None
        self._lookups = 0

    def __len__(self) -> int:
        return int(self._nodes.size)

    def _position(self, handle: int) -> int:
        pos = self._pos
        nodes = self._nodes
        if pos is None:
            if nodes.size * self.DENSE > self._size:  # big: a dense table of positions
                dense = np.full(self._size, -1, dtype=np.int64)
                dense[nodes] = np.arange(nodes.size, dtype=np.int64)
                pos = self._pos = dense
            else:
                order = np.argsort(nodes, kind="stable")
                pos = self._pos = (nodes[order], order)
        if isinstance(pos, tuple):
            by_handle, order = pos
            at = int(np.searchsorted(by_handle, handle))
            return int(order[at]) if at < by_handle.size and int(by_handle[at]) == handle else -1
        return int(pos[handle]) if 0 <= handle < pos.size else -1

    def _at(self, key: str) -> int:
        if not self._nodes.size:
            return -1
        handle = self._rank(key)
        return -1 if handle is None else self._position(handle)

    def _many_lookups(self) -> bool:
        self._lookups += 1
        return self._lookups * self.WHOLE > self._nodes.size

    def __getitem__(self, key: str) -> Reached:
        if self._dict is not None or self._many_lookups():
            return self.whole()[key]
        i = self._at(key) if isinstance(key, str) else -1
        if i < 0:
            raise KeyError(key)
        return Reached(int(self._dist[i]), self._decode(self._par[i : i + 1])[0])

    def __contains__(self, key: object) -> bool:
        if self._dict is not None or self._many_lookups():
            return key in self.whole()
        return isinstance(key, str) and self._at(key) >= 0

    def keys_list(self) -> list[str]:
        """Every id, in the walk's order (decoded once, kept)."""
        if self._keys is None:
            self._keys = self._decode(self._nodes)
        return self._keys

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys_list())

    def whole(self) -> dict[str, Reached]:
        """The answer as a dict (made once, kept; do not change it). Each node's entry is fixed by its parent
        alone (the parent's distance plus one), so one ``Reached`` is made per distinct parent and shared by
        its children; the cyclic collector is held off meanwhile (it would rescan the new objects again
        and again, and none can be part of a cycle)."""
        if self._dict is not None:
            return self._dict
        keys = self.keys_list()
        par = self._par
        enabled = gc.isenabled()
        gc.disable()
        try:
            if not par.size:
                self._dict = {}
                return self._dict
            if par.size * 6 > self._size:  # big answer: mark the parents rather than sort them
                slot = np.full(self._size, -1, dtype=np.int64)
                slot[par] = 0
                uniq = np.flatnonzero(slot == 0)
                slot[uniq] = np.arange(uniq.size, dtype=np.int64)
                inverse = slot[par]
            else:
                uniq, inverse = np.unique(par, return_inverse=True)
            child_dist = np.empty(uniq.size, dtype=np.int64)
            child_dist[inverse] = self._dist
            made = map(tuple.__new__, repeat(Reached), zip(child_dist.tolist(), self._decode(uniq), strict=True))
            shared = np.fromiter(made, dtype=object, count=uniq.size)
            self._dict = dict(zip(keys, shared[inverse].tolist(), strict=True))
            return self._dict
        finally:
            if enabled:
                gc.enable()

    def items(self) -> ItemsView[str, Reached]:
        return self.whole().items()

    def values(self) -> ValuesView[Reached]:
        return self.whole().values()

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Mapping):
            return NotImplemented
        if len(self) != len(other):
            return False
        return self.whole() == (other.whole() if isinstance(other, ReachedMap) else
                                other if isinstance(other, dict) else dict(other.items()))

    __hash__ = None  # type: ignore[assignment]  # a mapping: unhashable, like dict

    def __repr__(self) -> str:
        return f"ReachedMap({self.whole()!r})"


def graph_batch(nodes: Sequence[Node], edges: Sequence[Edge], claims: Sequence[OwnershipClaim]) -> list[Edge]:
    """A batch's edges with its claims' edges after them; refuses anything that is not a node among
    the nodes or an edge among the edges."""
    all_edges = list(edges) + [c.to_edge() for c in claims]
    for group, kind in ((nodes, Node), (all_edges, Edge)):  # (a type, not a union made per item)
        for item in group:
            if not isinstance(item, kind):
                raise InvalidInputError(f"not a record: {item!r}")
    return all_edges


class Writer:
    """A stream of graph batches written in order, one transaction each (:meth:`GraphStore.writer`).

    ``upsert`` may return before its batch is committed; leaving the ``with`` block (or ``close``)
    waits for every batch and raises the first failure. The batches before a failed one stay
    written; none after it is, and the writer takes no more (each later ``upsert`` raises the
    failure again). This one writes each batch as it is given (``GraphStore.upsert``).
    """

    def __init__(self, store: GraphStore) -> None:
        self._store = store
        self._failed: BaseException | None = None

    def upsert(self, *, nodes: Sequence[Node] = (), edges: Sequence[Edge] = (),
               claims: Sequence[OwnershipClaim] = ()) -> None:
        if self._failed is not None:
            raise self._failed
        try:
            self._put(nodes, edges, claims)
        except BaseException as exc:
            self._failed = exc
            raise

    def _put(self, nodes: Sequence[Node], edges: Sequence[Edge], claims: Sequence[OwnershipClaim]) -> None:
        self._store.upsert(nodes=nodes, edges=edges, claims=claims)

    def close(self) -> None:
        """Wait until every batch given is written; raise the first failure."""
        try:
            self._drain()
        except BaseException as exc:
            self._failed = self._failed or exc
            raise

    def _drain(self) -> None:
        """Wait for the batches in flight; raise the first failure."""

    def abandon(self) -> None:
        """Stop after an error of the caller's: wait for the batches in flight, whatever they come to."""

    def __enter__(self) -> Writer:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: object) -> None:
        if exc is None:
            self.close()
        else:
            self.abandon()


class GraphStore(abc.ABC):
    """Storage of the property graph. All methods are keyword-only past the first argument.

    Writes are idempotent (MERGE by id / edge identity) and each ``upsert`` call is one
    transaction: it lands whole or not at all. An edge whose endpoint does not exist creates a
    stub node for it (kind from the id), attributed to the edge's source.
    """

    #: The URI the store was opened with (secrets stripped).
    uri: str
    #: Seals appended log entries (and writes the log's checkpoints) inside the write transaction;
    #: ``open_store`` attaches one with the signing key from ``STEWARD_LOG_KEY``. None: the default
    #: (an unsigned :class:`steward.governance.log.Checkpointer`, made on first use).
    log_hook: LogHook | None = None
    #: Views of the graph at past moments, kept by :meth:`as_of` (closed with the store).
    _views: OrderedDict[str, Any] | None = None
    #: What :meth:`derived` keeps: the stamp it was derived at, and key -> value.
    _derived: tuple[Hashable, dict[str, Any]] | None = None
    #: key -> (cache stamp, graph version, value) of :meth:`kept` answers
    _kept: dict[str, tuple[Hashable, Hashable, Any]] | None = None
    #: Whether one transaction of a whole stream chunk (tens of thousands of records) is cheap here: a streamed
    #: ingest then writes in chunks of ``steward.recipe.STREAM_CHUNK`` records, else of ``SPILL_CHUNK``.
    big_transactions: ClassVar[bool] = False

    # ---- writes --------------------------------------------------------------------------------
    def upsert(
        self,
        *,
        nodes: Sequence[Node] = (),
        edges: Sequence[Edge] = (),
        claims: Sequence[OwnershipClaim] = (),
        records: Sequence[Record] = (),
        log: Sequence[Mapping[str, Any]] = (),
        expect: Mapping[tuple[str, str], Mapping[str, Any]] | None = None,
    ) -> list[LogLine]:
        """Merge one batch in a single transaction: graph records, governance records, and the log
        entries that record the change (appended in order; each gets ``seq``, and ``at`` if it has
        none). Returns the log lines written."""
        all_edges = graph_batch(nodes, edges, claims)
        for rec in records:
            if not isinstance(rec, Record) or not rec.kind or not rec.id:
                raise InvalidInputError(f"not a governance record: {rec!r}")
            if rec.kind in RESERVED_RECORD_KINDS:
                raise InvalidInputError(f"records of kind {rec.kind!r} are written by the log itself")
        entries = self._entries(log)
        if not nodes and not all_edges and not records and not entries:
            return []
        # Rows are applied in order, so a later assertion of the same node in a batch wins.
        if expect:
            return self._write(nodes=list(nodes), edges=all_edges, records=list(records), log=entries,
                               expect=dict(expect))
        return self._write(nodes=list(nodes), edges=all_edges, records=list(records), log=entries)

    def writer(self) -> Writer:
        """Where a stream of batches is written in order, one transaction each (``steward ingest``
        writes a source's chunks through it): ``with store.writer() as w: w.upsert(...)``. A store may
        write the next batch while the one before commits (Neo4j); the outcome is that of one
        ``upsert`` after another. Here: one ``upsert`` after another."""
        return Writer(self)

    @staticmethod
    def _entries(log: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        out = []
        for entry in log:
            if not isinstance(entry, Mapping) or RESERVED_ENTRY_KEYS & entry.keys():
                raise InvalidInputError(f"not a log entry (a mapping without 'seq' or 'checkpoint'): {entry!r}")
            body = dict(entry)
            body.setdefault("at", utc_now())
            out.append(body)
        return out

    def _seal_batch(
        self, start: int, entries: Sequence[Mapping[str, Any]], tx: LogTx,
    ) -> tuple[list[LogLine], list[Record]]:
        """Backends call this inside the write transaction, with the next position taken under the
        write lock: the lines to append and the records (the log's checkpoint) to write with them."""
        hook = self.log_hook
        if hook is None:
            from steward.governance.log import Checkpointer  # the store does not depend on governance at import

            hook = self.log_hook = Checkpointer()
        return hook.seal_batch(start, entries, tx)

    @abc.abstractmethod
    def _write(
        self, *, nodes: Sequence[Node], edges: Sequence[Edge], records: Sequence[Record] = (),
        log: Sequence[Mapping[str, Any]] = (), expect: Mapping[tuple[str, str], Mapping[str, Any]] | None = None,
    ) -> list[LogLine]:
        """Backend: merge nodes, then edges (creating stub endpoints), replace records, and append
        the log entries (``seal`` with the next positions, taken under the write lock), all in one
        transaction. ``expect`` (compare-and-set for read-modify-write of records): before anything
        is written, under the write lock, each ``(kind, id)`` must exist with these field values
        (:func:`check_expected`), else nothing is written and ConflictError is raised."""

    def retract(
        self, source: str, *, nodes: Collection[str], edges: Collection[EdgeKey],
        log: Sequence[Mapping[str, Any]] = (),
    ) -> RetractResult:
        """Withdraw what ``source`` said about these nodes and edges, in one transaction (with the
        log entries that record it).

        A node attested by no source afterwards is deleted with its relationships; a node other
        sources still attest only loses ``source`` from its ``sources``.
        """
        return self._retract(source, nodes=nodes, edges=edges, log=self._entries(log))

    @abc.abstractmethod
    def _retract(
        self, source: str, *, nodes: Collection[str], edges: Collection[EdgeKey], log: Sequence[Mapping[str, Any]],
    ) -> RetractResult: ...

    # ---- governance records and the log -------------------------------------------------------------
    @abc.abstractmethod
    def get_records(self, kind: str, ids: Collection[str] | None = None) -> list[Record]:
        """The records of one kind (only these ids when given), sorted by id."""

    def get_record(self, kind: str, record_id: str) -> Record | None:
        found = self.get_records(kind, [record_id])
        return found[0] if found else None

    @abc.abstractmethod
    def log_lines(self, start: int = 0, stop: int | None = None) -> list[LogLine]:
        """Stored log entries with ``start <= seq < stop``, in stored order of ``seq``. Returned as
        stored, tampered or not: verifying them is the log's business, not the store's."""

    @abc.abstractmethod
    def log_size(self) -> int:
        """How many entries the store says the log holds (the next ``seq``)."""

    @abc.abstractmethod
    def source_records(self, source: str) -> SourceRecords:
        """The node ids attested by ``source`` and the identities of the edges it claimed."""

    @abc.abstractmethod
    def get_state(self, key: str) -> str | None:
        """Ingestion bookkeeping (e.g. the last git tip walked per ref)."""

    @abc.abstractmethod
    def set_state(self, key: str, value: str) -> None: ...

    # ---- history (issue 9): every version of every node and edge, and the graph as of a moment -----
    def history_since(self) -> str | None:
        """When this store began keeping history (ISO UTC text), None if it holds none."""
        raise UnsupportedError(f"{type(self).__name__} keeps no history")

    def node_versions(self, node_id: str) -> list[NodeVersion]:
        """Every version of the node ``node_id``, oldest first."""
        raise UnsupportedError(f"{type(self).__name__} keeps no history")

    def edge_versions(self, node_id: str) -> list[EdgeVersion]:
        """Every version of every edge from or to ``node_id`` (ownership claims included), by identity, then
        oldest first."""
        raise UnsupportedError(f"{type(self).__name__} keeps no history")

    def _rows_at(self, moment: str) -> tuple[list[NodeRow], list[EdgeRow]]:
        """Backend: the node and edge versions valid at ``moment`` (``valid_from <= moment < valid_to``)."""
        raise UnsupportedError(f"{type(self).__name__} keeps no history")

    def _close_views(self) -> None:
        views, self._views = self._views, None
        for view in (views or {}).values():
            view.close()

    def as_of(self, moment: str | datetime) -> GraphStore:
        """A read-only store holding the graph as it was at ``moment`` (ISO 8601 text or a datetime):
        the analyses run on it unchanged. Materialised once per moment and cached (see
        :mod:`steward.store.asof`); a moment before the store's history began is an InvalidInputError."""
        from steward.store.asof import view_as_of

        return view_as_of(self, moment)

    # ---- reads ---------------------------------------------------------------------------------
    @abc.abstractmethod
    def get_nodes(self, ids: Collection[str]) -> dict[str, NodeRecord]:
        """The nodes that exist among ``ids``; missing ids are simply absent."""

    def get_node(self, node_id: str) -> NodeRecord | None:
        return self.get_nodes([node_id]).get(node_id)

    @abc.abstractmethod
    def find_nodes(self, *, kinds: Collection[NodeKind] | None = None) -> list[NodeRecord]:
        """All nodes of these kinds (all kinds when None), sorted by id."""

    @abc.abstractmethod
    def search(self, text: str, *, kinds: Collection[NodeKind] | None = None, limit: int = 20) -> list[NodeRecord]:
        """Nodes whose id or name contains ``text`` (case-insensitive).

        Ranked: exact id, then exact name, then id prefix after the kind, then the rest; ties by id.
        """

    @abc.abstractmethod
    def edges(
        self,
        *,
        kinds: Collection[EdgeKind] | None = None,
        src: Collection[str] | None = None,
        dst: Collection[str] | None = None,
    ) -> list[EdgeRecord]:
        """Edges matching every given filter, sorted by identity."""

    def neighbours(
        self, node_id: str, *, direction: Direction = "both", kinds: Collection[EdgeKind] | None = None
    ) -> list[EdgeRecord]:
        """Edges touching ``node_id``: outgoing, incoming or both."""
        out = self.edges(kinds=kinds, src=[node_id]) if direction in ("out", "both") else []
        inc = self.edges(kinds=kinds, dst=[node_id]) if direction in ("in", "both") else []
        return out + [e for e in inc if e.src != node_id or direction == "in"]

    @abc.abstractmethod
    def reach(
        self,
        starts: Collection[str],
        *,
        way: Way,
        kinds: Collection[EdgeKind] = LINEAGE_EDGES,
        max_depth: int | None = None,
    ) -> Mapping[str, Reached]:
        """The closure downstream (following edges) or upstream (against them) of ``starts``.

        Breadth-first: each node once with its shortest distance; paths are never enumerated. A read-only
        mapping (a backend may answer with a :class:`ReachedMap` that decodes ids only when asked); it
        equals the dict of the same entries.
        """

    def reach_each(
        self,
        starts: Collection[str],
        *,
        way: Way,
        kinds: Collection[EdgeKind] = LINEAGE_EDGES,
        max_depth: int | None = None,
    ) -> dict[str, dict[str, Reached]]:
        """One closure per start (``reach([s])`` for each ``s`` among ``starts``), in one call.

        For analyses that walk from many artifacts (SPOF, audit): a backend answers them from one
        snapshot and without a round trip per start where it can.
        """
        return {s: dict(self.reach([s], way=way, kinds=kinds, max_depth=max_depth)) for s in sorted(set(starts))}

    # ---- analyst queries (a capability: only stores that speak Cypher have it) -------------------
    #: Whether :meth:`run_readonly` runs analyst Cypher on this store.
    supports_cypher: bool = False

    def run_readonly(
        self, query: str, params: dict[str, Any], *, timeout_s: float, max_rows: int, max_bytes: int,
        gate: PlanGate,
    ) -> tuple[list[str], list[dict[str, Any]], Truncated]:
        """An analyst's query, if ``gate`` accepts its plan: columns, rows (as JSON values) and why
        they were cut. Stores without Cypher refuse (UnsupportedError, saying how to get one)."""
        raise UnsupportedError(CYPHER_NEEDS_NEO4J)

    @abc.abstractmethod
    def counts(self) -> Counts:
        """Nodes per kind and edges per kind (every kind present, zeros omitted)."""

    @abc.abstractmethod
    def ping(self) -> None:
        """Raise BackendUnavailableError if the store cannot answer."""

    @abc.abstractmethod
    def close(self) -> None: ...

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # ---- lean whole-graph reads (spof and audit at scale) ----------------------------------------
    # Generic defaults here; the embedded and Neo4j stores answer them without reading properties.
    def node_summaries(
        self, *, kinds: Collection[NodeKind] | None = None, ids: Collection[str] | None = None,
    ) -> list[tuple[str, NodeKind, str]]:
        """``(id, kind, name)`` of the nodes of ``kinds`` (any kind if None), only those among ``ids``
        if given, sorted by id: what a listing names, without the nodes' properties."""
        if ids is None:
            recs = self.find_nodes(kinds=kinds)
        else:
            wanted = None if kinds is None else {NodeKind(k) for k in kinds}
            recs = [r for r in self.get_nodes(ids).values() if wanted is None or r.kind in wanted]
        return sorted((r.id, r.kind, r.name) for r in recs)

    def edge_triples(
        self, *, kinds: Collection[EdgeKind], src: Collection[str] | None = None,
    ) -> list[tuple[str, EdgeKind, str]]:
        """The distinct ``(src, kind, dst)`` of the edges of ``kinds`` (leaving ``src`` if given), sorted:
        the topology without keys, sources or properties."""
        return sorted({(e.src, e.kind, e.dst) for e in self.edges(kinds=self._check_kinds(kinds), src=src)})

    def edges_shared(self, *, kinds: Collection[EdgeKind]) -> list[EdgeRecord]:
        """``edges(kinds=kinds)`` for readers that never modify what they get: a backend may decode
        equal property texts once and hand the same dict to every edge that has it."""
        return self.edges(kinds=self._check_kinds(kinds))

    def reached_by(
        self, starts: Collection[str], *, way: Way, kinds: Collection[EdgeKind] = LINEAGE_EDGES,
    ) -> dict[str, set[str]]:
        """node id -> the starts whose walk (``reach([s], ...)``, which leaves ``s`` out) reaches it:
        ``reach_each`` turned inside out, without distances or parents. Read-only: nodes reached by
        the same starts may share one set."""
        out: dict[str, set[str]] = {}
        for s, walk in self.reach_each(starts, way=way, kinds=kinds).items():
            for node in walk:
                out.setdefault(node, set()).add(s)
        return out


    # ---- the subgraph of a walk (spof with deployments) ------------------------------------------
    def walk_graph(
        self, starts: Collection[str], *, way: Way, kinds: Collection[EdgeKind],
        leaving: Collection[EdgeKind] = (),
    ) -> WalkGraph:
        """The nodes the walk ``reach(starts, way=way, kinds=kinds)`` covers (the starts that exist and
        every node it reaches), the edges of ``kinds`` between two of them, and the edges of ``leaving``
        whose source is one of them (their other ends join the nodes, not covered): a whole-graph
        analysis's working set as integers, in one call (a :class:`WalkGraph`)."""
        walk = self._check_kinds(kinds)
        leave = set(self._check_kinds(leaving)) if leaving else set()
        present = [i for i, _, _ in self.node_summaries(ids=sorted(set(starts)))]
        covered = set(present) | set(self.reach(present, way=way, kinds=walk)) if present else set()
        order = tuple(sorted(set(walk) | leave))
        bit = {k: 1 << b for b, k in enumerate(order)}
        pairs: dict[tuple[str, str], int] = {}
        if covered:
            for a, k, b in self.edge_triples(kinds=list(order), src=sorted(covered)):
                if k in leave or b in covered:
                    pairs[(a, b)] = pairs.get((a, b), 0) | bit[k]
        ids = sorted(covered | {b for _, b in pairs})
        pos = {s: i for i, s in enumerate(ids)}
        keys = sorted(pairs)
        return WalkGraph(
            ids=ids, covered=np.fromiter((s in covered for s in ids), dtype=np.bool_, count=len(ids)),
            src=np.fromiter((pos[a] for a, _ in keys), dtype=np.int64, count=len(keys)),
            dst=np.fromiter((pos[b] for _, b in keys), dtype=np.int64, count=len(keys)),
            kinds=order, bits=np.fromiter((pairs[k] for k in keys), dtype=np.uint32, count=len(keys)))


    # ---- helpers for backends ------------------------------------------------------------------
    @staticmethod
    def _check_kinds(kinds: Collection[EdgeKind]) -> list[EdgeKind]:
        out = []
        for k in kinds:
            if not isinstance(k, EdgeKind):
                raise InvalidInputError(f"not an edge kind: {k!r}")
            out.append(k)
        if not out:
            raise InvalidInputError("at least one edge kind is needed for a walk")
        return sorted(set(out))

    # ---- fast answers (issue 12): closures as arrays, narrow reads, caches per store version ----------
    def cache_stamp(self) -> Hashable | None:
        """A value that changes whenever anything in this store changes (a commit by this process or any
        other: graph, governance records, state), so answers derived from it can be cached until then.
        None (the default): this store cannot tell, and nothing is cached."""
        return None

    def derived(self, key: str, build: Callable[[], T]) -> T:
        """``build()``, kept until :meth:`cache_stamp` moves (not kept at all when it is None). The stamp
        is read before building: a write racing with the build leaves a stale stamp, never a stale answer."""
        stamp = self.cache_stamp()
        if stamp is None:
            return build()
        with _CACHE_LOCK:
            held = self._derived
            if held is None or held[0] != stamp:
                held = self._derived = (stamp, {})
            found = held[1].get(key, _MISSING)
        if found is not _MISSING:
            return cast(T, found)
        value = build()
        with _CACHE_LOCK:
            current = self._derived
            if current is not None and current[0] == stamp:
                current[1][key] = value
        return value

    # ---- cold HTTP answers: caches that survive commits ------------------------------------------
    def graph_version(self) -> Hashable | None:
        """A value that moves with every commit that changes nodes or edges (and with nothing else), which
        :meth:`graph_changes` can start from. None (the default): this store cannot tell."""
        return None

    def graph_changes(self, since: Hashable, until: Hashable) -> GraphChanges | None:
        """What the commits between two :meth:`graph_version` values did to the graph; None when this
        store cannot tell (the default; a commit too big to have been recorded; a version gone)."""
        return None

    def kept(self, key: str, build: Callable[[], T], carry: Callable[[T, GraphChanges], T | None],
             fresh: Callable[[T], bool] | None = None) -> T:
        """:meth:`derived` for an answer that depends on the graph only (nodes and edges: never governance
        records, the log or state), kept across commits: when :meth:`cache_stamp` has moved, a commit
        that changed no node or edge keeps it as it is, and otherwise ``carry(value, changes)`` makes it
        right for what the commits changed (:meth:`graph_changes`) -- returning the value to keep (itself
        or a new one; never change one other threads may be reading in a way they could see half-done)
        or None to build anew. When the store cannot tell what changed, it is built anew. ``fresh``,
        when given, is asked of a kept value each time: False builds anew (a value made from others
        that have since been replaced). Nothing is kept when the stamp is None."""
        stamp = self.cache_stamp()
        if stamp is None:
            return build()
        with _CACHE_LOCK:
            if self._kept is None:
                self._kept = {}
            held = self._kept.get(key)
        if held is not None and held[0] != stamp:
            with _CARRY_LOCK:  # one thread carries it over; the others wait for its answer
                stamp = self.cache_stamp()
                version = self.graph_version()
                with _CACHE_LOCK:
                    held = self._kept.get(key)
                if held is not None and held[0] != stamp:
                    value: T | None = None
                    if version is not None and held[1] is not None:
                        if version == held[1]:
                            value = held[2]
                        else:
                            changes = self.graph_changes(held[1], version)
                            value = None if changes is None else carry(held[2], changes)
                    with _CACHE_LOCK:
                        if value is None:
                            self._kept.pop(key, None)
                            held = None
                        else:
                            held = self._kept[key] = (stamp, version, value)
        if held is not None and (fresh is None or fresh(held[2])):
            return cast(T, held[2])
        # read before building: a commit racing with the build is carried over (again) next time
        stamp = self.cache_stamp()
        version = self.graph_version()
        built = build()
        with _CACHE_LOCK:
            self._kept[key] = (stamp, version, built)
        return built

    def edge_rows(self, kind: EdgeKind) -> list[tuple[str, str, str, str, Mapping[str, Any]]]:
        """Every edge of one kind as ``(src, dst, key, source, props)``, in no particular order; equal
        properties may be one shared mapping (read-only). For reads of a whole kind off the request path."""
        return [(e.src, e.dst, e.key, e.source, e.props) for e in self.edges(kinds=[kind])]


    def closure(
        self, starts: Collection[str], *, way: Way, kinds: Collection[EdgeKind] = LINEAGE_EDGES,
        max_depth: int | None = None,
    ) -> Closure:
        """:meth:`reach` as a :class:`Closure`: the same nodes, distances and parents, in (distance, id)
        order. Backends with an integer traversal index answer it without making a string per node."""
        return Closure.from_reached(self.reach(starts, way=way, kinds=kinds, max_depth=max_depth))

    def edges_at(self, ids: Collection[str], *, end: Literal["src", "dst"], kinds: Collection[EdgeKind]
                 ) -> list[EdgeRecord]:
        """The edges of these kinds leaving (``end="src"``) or entering (``"dst"``) the nodes ``ids``,
        sorted by identity: :meth:`edges` with one endpoint filter, read endpoint first."""
        if not ids:
            return []
        return self.edges(kinds=kinds, src=ids) if end == "src" else self.edges(kinds=kinds, dst=ids)

    def summaries_by_id(self, ids: Collection[str]) -> dict[str, tuple[NodeKind, str]]:
        """id -> (kind, name) of the nodes that exist among ``ids`` (what a listing shows; no properties)."""
        return {i: (r.kind, r.name) for i, r in self.get_nodes(ids).items()}

    def summaries_reached(self, ids: Collection[str]) -> dict[str, tuple[NodeKind, str]]:
        """:meth:`summaries_by_id` of ids a walk of this store reached (they existed then): a backend may
        answer from what it keeps resident (:meth:`keep_summaries`) instead of reading them."""
        return self.summaries_by_id(ids)

    def keep_summaries(self) -> None:
        """Read what :meth:`summaries_reached` answers from, once (``steward serve`` at start, off the request
        path), and keep it right across commits; the default keeps nothing."""
        return None


def search_rank(text: str, record: NodeRecord) -> tuple[int, str]:
    """The shared ranking of ``GraphStore.search`` (both stores filter, then sort by this)."""
    t = text.lower()
    key = record.id.partition(":")[2].lower()
    if record.id.lower() == t:
        rank = 0
    elif record.name.lower() == t or key == t:
        rank = 1
    elif key.startswith(t) or record.name.lower().startswith(t):
        rank = 2
    else:
        rank = 3
    return rank, record.id


def group_by_kind(items: Iterable[tuple[str, int]]) -> dict[str, int]:
    return {k: n for k, n in sorted(items) if n}
