"""History of an artifact: every change to its owners, its lineage and its properties, newest first.

Made of two records the store keeps: the **versions** of the node and of every edge touching it
(ownership claims are ``OWNS`` edges), each with its validity interval in transaction time, and the
**governance log** entries whose ``subject`` is the node. A version that starts is ``added`` (or
``changed`` when it replaces one that ended at the same moment); a version that ends with nothing in
its place is ``removed``. (In a store made before history was kept, what was present when its
history began, ``history_since``, is ``added`` at that moment.) Each change names who made it: the
source that said so and, when the log holds an ``ingest.run`` of that source around that moment,
the run; a change made through Steward (source ``steward``) also carries the log entries about the
node written with it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from itertools import groupby
from typing import Any

from steward.analysis.common import parse_time
from steward.errors import InvalidInputError, NotFoundError
from steward.graph import EdgeKind, EdgeRecord, NodeRecord
from steward.store.base import EdgeVersion, GraphStore, NodeVersion

__all__ = ["MAX_LIMIT", "history"]

MAX_LIMIT = 1000
#: How far from a change an ``ingest.run`` entry of the same source may be logged to be its run,
#: and a log entry about the node to be the reason of a change made through Steward.
RUN_WINDOW = timedelta(minutes=30)
STEWARD_WINDOW = timedelta(seconds=5)
STEWARD_SOURCE = "steward"
#: Log entries that record an ingest: a recipe's run, and an accepted OpenLineage POST.
INGEST_TYPES = frozenset({"ingest.run", "ingest.lineage"})


def _node_state(r: NodeRecord) -> dict[str, Any]:
    return {"kind": r.kind.value, "name": r.name, "props": r.props, "sources": list(r.sources)}


def _edge_state(r: EdgeRecord) -> dict[str, Any]:
    return {"source": r.source, "props": r.props}


def _edge_ref(r: EdgeRecord) -> dict[str, Any]:
    ref: dict[str, Any] = {"src": r.src, "kind": r.kind.value, "dst": r.dst, "key": r.key}
    if r.kind is EdgeKind.OWNS:
        ref["role"] = r.props.get("role", "owner")
    return ref


def _changes(versions: Sequence[NodeVersion | EdgeVersion]) -> list[dict[str, Any]]:
    """One identity's versions (oldest first) -> its added / changed / removed events."""
    out: list[dict[str, Any]] = []
    prev: NodeVersion | EdgeVersion | None = None
    for v in [*versions, None]:
        if prev is not None and prev.valid_to is not None and (v is None or v.valid_from != prev.valid_to):
            out.append({"at": prev.valid_to, "change": "removed", "version": prev, "before": prev, "after": None})
        if v is None:
            break
        replaces = prev is not None and prev.valid_to == v.valid_from
        event: dict[str, Any] = {"at": v.valid_from, "change": "changed" if replaces else "added", "version": v,
                 "before": prev if replaces else None, "after": v}
        out.append(event)
        prev = v
    return out


def _state(v: NodeVersion | EdgeVersion | None) -> dict[str, Any] | None:
    if v is None:
        return None
    if isinstance(v, NodeVersion):
        return _node_state(v.record)
    return _edge_state(v.record)


def _sources_of(event: dict[str, Any]) -> list[str]:
    """Which sources made this change: an edge's source; for a node, the sources that came or went
    (all of its sources when it appeared or went, or when only its properties changed)."""
    v = event["version"]
    if isinstance(v, EdgeVersion):
        return [v.record.source]
    before = set(event["before"].record.sources) if event["before"] else set()
    after = set(event["after"].record.sources) if event["after"] else set()
    moved = sorted(before ^ after)
    return moved or sorted(before | after)


def _log_entries(store: GraphStore, node_id: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(entries about the node, ingest.run entries), each in log order."""
    about: list[dict[str, Any]] = []
    runs: list[dict[str, Any]] = []
    for line in store.log_lines():
        try:
            entry = line.data()
        except ValueError:  # a damaged entry is the log verifier's business, not history's
            continue
        if entry.get("subject") == node_id:
            about.append(entry)
        if entry.get("type") in INGEST_TYPES:
            runs.append(entry)
    return about, runs


def _run_sources(entry: dict[str, Any]) -> set[str]:
    """The sources an ingest entry names: ``source``, or ``sources`` as names or as per-source
    summaries (``{"source": name, ...}``, as ``steward ingest`` logs them)."""
    found: set[str] = set()
    for key in ("source", "sources"):
        value = entry.get(key)
        items = value if isinstance(value, list) else [value]
        for item in items:
            if isinstance(item, str):
                found.add(item)
            elif isinstance(item, dict) and isinstance(item.get("source"), str):
                found.add(item["source"])
    return found


def _run_of(runs: Iterable[dict[str, Any]], source: str, at: datetime) -> dict[str, Any] | None:
    """The ingest behind a change by ``source`` at ``at``: an ``ingest.lineage`` entry (an OpenLineage
    POST, logged in the transaction of its write) within seconds of it, else the first ``ingest.run``
    logged at or after it (a run logs itself once its last write is done) within the window. Entries
    that name sources must name this one."""
    best: tuple[timedelta, dict[str, Any]] | None = None
    for run in runs:
        logged = parse_time(run.get("at"))
        if logged is None:
            continue
        named = _run_sources(run)
        if named and source not in named:
            continue
        if run.get("type") == "ingest.lineage":
            gap = abs(logged - at)
            ok = gap <= STEWARD_WINDOW
        else:
            gap = logged - at
            ok = timedelta(0) <= gap <= RUN_WINDOW
        if ok and (best is None or gap < best[0]):
            best = (gap, run)
    if best is None:
        return None
    run = best[1]
    return {k: run[k] for k in ("seq", "type", "at", "actor", "ok", "recipe_sha256", "source") if k in run}


def _summary(entry: dict[str, Any]) -> dict[str, Any]:
    return {k: entry[k] for k in ("seq", "type", "at", "actor", "reason") if k in entry}


def history(
    store: GraphStore, node_id: str, *, limit: int = 100, offset: int = 0,
) -> dict[str, Any]:
    """Every change to ``node_id`` (newest first; ``offset``/``limit`` page through them), with the
    interval of each version and who made the change. The node need not exist any more."""
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInputError(f"limit must be between 1 and {MAX_LIMIT}")
    if offset < 0:
        raise InvalidInputError("offset must be 0 or more")
    since = store.history_since()
    node_versions = store.node_versions(node_id)
    edge_versions = store.edge_versions(node_id)
    about, runs = _log_entries(store, node_id)
    if not node_versions and not edge_versions and not about:
        raise NotFoundError(f"no history for {node_id!r}: no version of it and no log entry about it "
                            f"{'since ' + since if since else ''}".rstrip())
    raw = _changes(node_versions)
    for _, group in groupby(edge_versions, key=lambda v: v.record.identity):
        raw.extend(_changes(list(group)))
    events: list[dict[str, Any]] = []
    for ev in raw:
        v = ev["version"]
        at = parse_time(ev["at"])
        sources = _sources_of(ev)
        by: dict[str, Any] = {"sources": sources}
        if at is not None:
            run = next((r for s in sources if (r := _run_of(runs, s, at)) is not None), None)
            if run is not None:
                by["ingest_run"] = run
            if STEWARD_SOURCE in sources:
                why = [_summary(e) for e in about
                       if (t := parse_time(e.get("at"))) is not None and abs(t - at) <= STEWARD_WINDOW]
                if why:
                    by["log"] = why
        shown = ev["after"] if ev["after"] is not None else ev["before"]
        event: dict[str, Any] = {
            "at": ev["at"], "change": ev["change"],
            "what": "node" if isinstance(v, NodeVersion) else "edge",
            "valid_from": shown.valid_from, "valid_to": shown.valid_to,
            "before": _state(ev["before"]), "after": _state(ev["after"]), "by": by,
        }
        if isinstance(v, EdgeVersion):
            event["edge"] = _edge_ref(v.record)
        events.append(event)
    for entry in about:
        events.append({"at": entry.get("at", ""), "change": str(entry.get("type", "log")), "what": "log",
                       "actor": entry.get("actor"), "reason": entry.get("reason"), "seq": entry.get("seq"),
                       "before": entry.get("before"), "after": entry.get("after"), "entry": entry})
    # newest first; at one moment, log entries after the changes they explain, removals before additions
    order = {"log": 0, "edge": 1, "node": 2}
    events.sort(key=lambda e: (e["at"], -order[e["what"]], e["change"] != "removed",
                               str(e.get("edge", "")), e.get("seq") or 0), reverse=True)
    page = events[offset: offset + limit]
    return {
        "id": node_id, "history_since": since, "total": len(events), "offset": offset, "limit": limit,
        "next_offset": offset + limit if offset + limit < len(events) else None, "events": page,
    }
