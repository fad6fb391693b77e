"""Upstream / root cause: the lineage above a node, and what changed there recently."""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime, timedelta
from typing import Any

from steward.analysis.common import parse_kinds, parse_time, path_to, summary, walk_up
from steward.errors import InvalidInputError, NotFoundError
from steward.graph import EdgeKind, NodeKind, NodeRecord, is_kind, to_iso
from steward.store.base import GraphStore

__all__ = ["upstream"]

#: node kind -> (change kind, timestamp props tried in order, words for the summary)
_CHANGE_PROPS: dict[NodeKind, tuple[str, tuple[str, ...]]] = {
    NodeKind.COMMIT: ("commit", ("committed_at", "authored_at")),
    NodeKind.RUN: ("run", ("started_at", "ended_at")),
    NodeKind.MODEL_VERSION: ("model_version", ("created_at",)),
}


def _of(container: NodeRecord | None) -> str:
    return f" of {container.kind.value.lower()} {container.name}" if container is not None else ""


def _change(rec: NodeRecord, container: NodeRecord | None) -> tuple[str, str, str] | None:
    spec = _CHANGE_PROPS.get(rec.kind)
    if spec is None:
        return None
    kind, props = spec
    of = _of(container)
    for p in props:
        when = parse_time(rec.props.get(p))
        if when is not None:
            text = {
                "commit": f"commit {str(rec.props.get('sha', rec.name))[:10]}{of}: "
                          f"{rec.props.get('subject', '')}".strip(),
                "run": f"run {rec.name}{of} ({rec.props.get('status', rec.props.get('state', 'unknown'))})",
                "model_version": f"model version {rec.name} ({rec.props.get('status', 'registered')})",
            }[kind]
            return to_iso(when), kind, text
    return None


def upstream(
    store: GraphStore,
    node_id: str,
    *,
    window_days: float = 7.0,
    max_depth: int | None = None,
    edge_kinds: Collection[str] | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Everything upstream of ``node_id`` with its distance and one shortest path from the root (going
    against the lineage edges; a container's path ends at its nearest member), and the changes within ``window_days``
    (new commits, runs, model versions, dataset versions, ownership changes), newest first."""
    if window_days <= 0:
        raise InvalidInputError("the window must be a positive number of days")
    if max_depth is not None and max_depth < 1:
        raise InvalidInputError("max_depth must be at least 1")
    root = store.get_node(node_id)
    if root is None:
        raise NotFoundError(f"no node {node_id!r}")
    reached, containers = walk_up(store, root, kinds=parse_kinds(edge_kinds), max_depth=max_depth)
    records = store.get_nodes([*reached, *containers])
    ordered = sorted((records[i] for i in reached if i in records), key=lambda r: (reached[r.id].distance, r.id))
    container_of = {m: records[c] for c, ms in containers.items() if c in records for m in ms}
    now = now or datetime.now(UTC)
    since = now - timedelta(days=window_days)
    scope = [root, *ordered]
    scope_ids = {r.id for r in scope}
    changes: list[dict[str, Any]] = []
    for rec in scope:
        found = _change(rec, container_of.get(rec.id))
        when = parse_time(found[0]) if found else None
        if found and when is not None and when >= since:
            change = {"at": found[0], "kind": found[1], "id": rec.id, "summary": found[2]}
            if rec.id in container_of:
                change["container"] = container_of[rec.id].id
            changes.append(change)
    # a dataset version: a dataset in scope written by a run in the window
    runs = {r.id: r for r in scope if r.kind is NodeKind.RUN}
    for e in store.edges(kinds=[EdgeKind.PRODUCED], src=list(runs)) if runs else []:
        if e.dst not in scope_ids or not is_kind(e.dst, NodeKind.DATASET):
            continue
        run = runs[e.src]
        when = parse_time(run.props.get("ended_at")) or parse_time(run.props.get("started_at"))
        if when is not None and when >= since:
            version = records.get(e.dst, root if root.id == e.dst else None)
            label = version.props.get("version") if version is not None else None
            changes.append({"at": to_iso(when), "kind": "dataset_version", "id": e.dst,
                            "summary": f"{e.dst} written by {e.src}" + _of(container_of.get(e.src))
                            + (f" (version {label})" if label else "")})
    # ownership changes: claims with a 'since' in the window
    for e in store.edges(kinds=[EdgeKind.OWNS], dst=sorted(scope_ids)):
        when = parse_time(e.props.get("since"))
        if when is not None and when >= since:
            changes.append({"at": to_iso(when), "kind": "ownership", "id": e.dst,
                            "summary": f"{e.src} became {e.props.get('role', 'owner')} ({e.source})"})
    changes.sort(key=lambda c: (c["at"], c["kind"], c["id"]), reverse=True)
    listed = [{**summary(r), "distance": reached[r.id].distance, "path": path_to(r.id, root.id, reached)}
              for r in ordered]
    for c, members in sorted(containers.items()):
        if c in records:
            nearest = min(members, key=lambda m: (reached[m].distance, m))
            listed.append({**summary(records[c]), "distance": reached[nearest].distance, "container_of": members,
                           "path": [*path_to(nearest, root.id, reached), c]})
    listed.sort(key=lambda e: (e["distance"], e["id"]))
    return {
        "root": summary(root),
        "upstream": listed,
        "changes": changes,
        "window": {"days": window_days, "since": to_iso(since), "until": to_iso(now)},
    }
