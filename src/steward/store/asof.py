"""The graph as it was at a moment: ``store.as_of(moment)``.

Both stores keep every version of every node and edge with its validity interval in transaction time
(``valid_from`` inclusive, ``valid_to`` exclusive). A view at a moment is the set of versions valid
then, materialised into a temporary embedded store (SQLite in a temporary folder, with its own
traversal index), on which the analyses run unchanged — so the answers are the same whichever store
the history came from. The view is read-only; settings (ownership precedence) and governance records
are read from the live store: they are not versioned.

Cost: one scan of the version tables and one bulk insert per moment (the size of the graph at that
moment), then answers at the embedded store's speed. Views of moments safely in the past are cached
per moment (a few at a time); a moment within the last minute is materialised afresh each time, since
a write that began before it may still be committing.
"""

from __future__ import annotations

import tempfile
import threading
from collections import OrderedDict
from collections.abc import Collection, Hashable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from steward.errors import InvalidInputError, UnsupportedError
from steward.graph import Edge, EdgeKey, Node
from steward.store.base import (
    EdgeRow,
    EdgeVersion,
    GraphStore,
    LogLine,
    NodeRow,
    NodeVersion,
    Record,
    RetractResult,
)
from steward.store.embedded import EmbeddedStore

__all__ = ["AsOfStore", "format_moment", "moment_of", "parse_moment", "view_as_of", "viewing"]

#: Views kept per live store, and how far in the past a moment must be for its view to be kept.
CACHE_VIEWS = 8
SETTLED = timedelta(seconds=60)
_LOCK = threading.Lock()
_EXAMPLES = "e.g. 2026-11-26, 2026-11-26T14:05:00Z or 2026-11-26T15:05:00+01:00"


def format_moment(dt: datetime) -> str:
    """A moment as the stores write transaction times: ISO 8601 UTC with microseconds (sorts as text)."""
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_moment(value: str | datetime) -> str:
    """ISO 8601 text (a date is that day's start in UTC; a time without an offset is UTC; ``Z`` and
    offsets are converted) or a datetime -> the stores' form. Anything else is an InvalidInputError."""
    if isinstance(value, datetime):
        dt = value
    else:
        text = value.strip()
        try:
            if len(text) > 64:
                raise ValueError("too long")
            if len(text) == 10:
                d = date.fromisoformat(text)
                dt = datetime(d.year, d.month, d.day, tzinfo=UTC)
            else:
                dt = datetime.fromisoformat(text)
        except ValueError:
            raise InvalidInputError(f"not an ISO 8601 moment: {text[:80]!r} ({_EXAMPLES})") from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    try:
        return format_moment(dt)
    except (OverflowError, ValueError):
        raise InvalidInputError(f"not a moment Steward can place: {value!s:.80}") from None


class AsOfStore(EmbeddedStore):
    """A read-only embedded store holding the versions valid at ``moment`` in ``parent``."""

    _keeps_history = False

    def __init__(self, parent: GraphStore, moment: str, nodes: Sequence[NodeRow], edges: Sequence[EdgeRow]) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="steward-asof-")
        try:
            super().__init__(Path(self._tmp.name) / "asof.db", create=True)
            with self._lock:
                self._db.execute("PRAGMA synchronous=OFF")
                self._db.execute("BEGIN")
                self._db.executemany("INSERT INTO nodes VALUES (?,?,?,?,?,?)", nodes)
                self._db.executemany("INSERT INTO edges VALUES (?,?,?,?,?,?,?)", edges)
                self._db.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'version'")
                self._db.execute("COMMIT")
        except BaseException:
            self._tmp.cleanup()
            raise
        self.parent = parent
        self.moment = moment
        self.uri = f"{parent.uri} as of {moment}"
        #: Whether the live store keeps this view (and closes it); otherwise its user closes it.
        self.cached = False
        #: Users inside ``viewing`` right now, and whether the cache has let go of it: an evicted view
        #: is closed by its last user, never under another thread's feet.
        self._users = 0
        self._evicted = False

    def _refuse(self) -> UnsupportedError:
        return UnsupportedError(f"the graph as of {self.moment} is read-only; write to {self.parent.uri}")

    def _write(
        self, *, nodes: Sequence[Node], edges: Sequence[Edge], records: Sequence[Record] = (),
        log: Sequence[Mapping[str, Any]] = (), expect: Mapping[tuple[str, str], Mapping[str, Any]] | None = None,
    ) -> list[LogLine]:
        raise self._refuse()

    def _retract(
        self, source: str, *, nodes: Collection[str], edges: Collection[EdgeKey], log: Sequence[Mapping[str, Any]],
    ) -> RetractResult:
        raise self._refuse()

    def set_state(self, key: str, value: str) -> None:
        raise self._refuse()

    # settings, governance records and the log are the live store's (they are not versioned)
    def get_state(self, key: str) -> str | None:
        return self.parent.get_state(key)

    def get_records(self, kind: str, ids: Collection[str] | None = None) -> list[Record]:
        return self.parent.get_records(kind, ids)

    def log_lines(self, start: int = 0, stop: int | None = None) -> list[LogLine]:
        return self.parent.log_lines(start, stop)

    def log_size(self) -> int:
        return self.parent.log_size()

    def history_since(self) -> str | None:
        return self.parent.history_since()

    def node_versions(self, node_id: str) -> list[NodeVersion]:
        return [v for v in self.parent.node_versions(node_id) if v.valid_from <= self.moment]

    def edge_versions(self, node_id: str) -> list[EdgeVersion]:
        return [v for v in self.parent.edge_versions(node_id) if v.valid_from <= self.moment]

    def as_of(self, moment: str | datetime) -> GraphStore:
        return self.parent.as_of(moment)

    def cache_stamp(self) -> Hashable | None:
        """The view's own stamp with the live store's: settings and records are read from the live store."""
        live = self.parent.cache_stamp()
        return None if live is None else (super().cache_stamp(), live)

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._tmp.cleanup()


def view_as_of(store: GraphStore, moment: str | datetime, *, hold: bool = False) -> AsOfStore:
    """The graph in ``store`` as it was at ``moment`` (see the module's docstring). ``hold``: count
    the caller as a user until it calls :func:`release` (``viewing`` does)."""
    ts = parse_moment(moment)
    since = store.history_since()
    if since is None:
        raise InvalidInputError(f"{store.uri} holds no history yet (nothing was written to it since it began "
                                "keeping history), so it cannot say what the graph was at a moment")
    if ts < since:
        raise InvalidInputError(f"{ts} is before this store's history began ({since}): Steward cannot say what "
                                "the graph was then")
    with _LOCK:  # one materialisation at a time (an API server asks from several threads)
        views = store._views
        if views is None:
            views = store._views = OrderedDict()
        cached: AsOfStore | None = views.get(ts)
        if cached is not None:
            views.move_to_end(ts)
            cached._users += hold
            return cached
        started = datetime.now(UTC)
        nodes, edges = store._rows_at(ts)
        view = AsOfStore(store, ts, nodes, edges)
        if ts <= format_moment(started - SETTLED):
            view.cached = True
            views[ts] = view
            while len(views) > CACHE_VIEWS:
                _, old = views.popitem(last=False)
                old._evicted = True
                if old._users == 0:
                    old.close()
        view._users += hold
        return view


def release(view: AsOfStore) -> None:
    """A holder is done with ``view``: close it if nobody keeps it (not cached, or evicted meanwhile)."""
    with _LOCK:
        view._users -= 1
        done = view._users == 0 and (not view.cached or view._evicted)
    if done:
        view.close()


def moment_of(store: GraphStore) -> datetime | None:
    """The moment an as-of view describes (None for a live store: now), for analyses that take ``now``."""
    if isinstance(store, AsOfStore):
        return datetime.fromisoformat(store.moment.replace("Z", "+00:00"))
    return None


@contextmanager
def viewing(store: GraphStore, moment: str | datetime | None) -> Iterator[GraphStore]:
    """``store`` itself when ``moment`` is None, else its view at ``moment``, closed afterwards unless
    the store keeps it cached (for commands and routes that take ``--as-of`` / ``?as_of=``)."""
    if moment is None:
        yield store
        return
    view = view_as_of(store, moment, hold=True)
    try:
        yield view
    finally:
        release(view)
