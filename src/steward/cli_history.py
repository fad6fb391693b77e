"""``steward history ID``: every change to an artifact's owners, lineage and properties, newest first."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from steward.cli import FormatOpt, StoreOpt, app, emit, opened
from steward.governance.history import MAX_LIMIT, history
from steward.render import Format, Table

__all__ = ["history_cmd"]


def _what(e: dict[str, Any]) -> str:
    if e["what"] == "edge":
        ref = e["edge"]
        role = f" ({ref['role']})" if "role" in ref else ""
        return f"{ref['src']} -[{ref['kind']}{role}]-> {ref['dst']}"
    if e["what"] == "log":
        return "governance log"
    return "node"


def _detail(e: dict[str, Any]) -> str:
    if e["what"] == "log":
        parts = [f"#{e['seq']}"] if e.get("seq") is not None else []
        if e.get("before") is not None or e.get("after") is not None:
            parts.append(f"{json.dumps(e.get('before'))} -> {json.dumps(e.get('after'))}")
        return " ".join(parts)
    before, after = e.get("before") or {}, e.get("after") or {}
    if e["change"] == "changed":
        keys = sorted(k for k in {*before, *after} if before.get(k) != after.get(k))
        return "; ".join(f"{k}: {json.dumps(before.get(k))} -> {json.dumps(after.get(k))}" for k in keys)
    state = after or before
    return json.dumps(state.get("props", {})) if state.get("props") else ""


def _by(e: dict[str, Any]) -> str:
    if e["what"] == "log":
        return f"{e.get('actor') or '?'}" + (f": {e['reason']}" if e.get("reason") else "")
    by = e["by"]
    text = ", ".join(by["sources"])
    run = by.get("ingest_run")
    if run:
        text += f" (ingest run #{run.get('seq')} at {run.get('at')})"
    for entry in by.get("log", []):
        text += f"; {entry.get('actor', '?')}" + (f": {entry['reason']}" if entry.get("reason") else "")
    return text


@app.command("history")
def history_cmd(
    node: Annotated[str, typer.Argument(help="A node id (it need not exist any more), or an unambiguous search term.")],
    store: StoreOpt = None,
    fmt: FormatOpt = Format.table,
    limit: Annotated[int, typer.Option(min=1, max=MAX_LIMIT, help="Show at most this many changes.")] = 100,
    offset: Annotated[int, typer.Option(min=0, help="Skip this many of the newest changes (paging).")] = 0,
) -> None:
    """Every change to NODE's owners, lineage and properties, newest first: when, what, before and
    after, the interval of each version, and who (the source and its ingest run, or the person and
    their reason for changes made through Steward)."""
    from steward.errors import NotFoundError
    from steward.lookup import resolve_node

    with opened(store) as st:
        try:
            result = history(st, node.strip(), limit=limit, offset=offset)
        except NotFoundError:
            result = history(st, resolve_node(st, node).id, limit=limit, offset=offset)
    note = None
    if result["next_offset"] is not None:
        note = f"{result['total']} changes in all; the next page: --offset {result['next_offset']}"
    emit(result, [Table(
        f"History of {result['id']} (kept since {result['history_since']}), newest first",
        ["at", "change", "what", "detail", "valid", "by"],
        [[e["at"], e["change"], _what(e), _detail(e),
          "" if e["what"] == "log" else f"{e['valid_from']} .. {e['valid_to'] or 'now'}", _by(e)]
         for e in result["events"]],
        empty="no changes", note=note)], fmt)
