"""Output formats for the CLI: a rich table for people, JSON as the contract, Markdown and CSV.

A command builds its JSON payload (the contract) and a list of :class:`Table` views of it; the
chosen format renders one or the other.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from rich.console import Console
from rich.table import Table as RichTable

__all__ = ["Format", "Table", "render"]


class Format(StrEnum):
    table = "table"
    json = "json"
    markdown = "markdown"
    csv = "csv"


@dataclass
class Table:
    title: str
    columns: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    empty: str = "(none)"
    note: str | None = None


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return ", ".join(_cell(v) for v in value)
    return str(value)


def _md_escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render(payload: Any, tables: Sequence[Table], fmt: Format, *, console: Console | None = None) -> str | None:
    """Render to a string (json, markdown, csv) or print to ``console`` (table; returns None)."""
    if fmt is Format.json:
        return json.dumps(payload, indent=2, sort_keys=False, default=str)
    if fmt is Format.markdown:
        parts: list[str] = []
        for t in tables:
            parts.append(f"## {t.title}\n")
            if t.note:
                parts.append(f"{t.note}\n")
            if not t.rows:
                parts.append(f"{t.empty}\n")
                continue
            parts.append("| " + " | ".join(t.columns) + " |")
            parts.append("|" + "---|" * len(t.columns))
            parts.extend("| " + " | ".join(_md_escape(_cell(c)) for c in row) + " |" for row in t.rows)
            parts.append("")
        return "\n".join(parts).rstrip() + "\n"
    if fmt is Format.csv:
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        several = len(tables) > 1
        for t in tables:
            writer.writerow((["table"] if several else []) + t.columns)
            for row in t.rows:
                writer.writerow(([t.title] if several else []) + [_cell(c) for c in row])
        return buf.getvalue()
    console = console or Console()
    for t in tables:
        rt = RichTable(title=t.title, title_justify="left", show_lines=False, caption=t.note)
        for col in t.columns:
            rt.add_column(col, overflow="fold")
        for row in t.rows:
            rt.add_row(*(_cell(c) for c in row))
        if t.rows:
            console.print(rt)
        else:
            console.print(f"[bold]{t.title}[/bold]: {t.empty}")
    return None
