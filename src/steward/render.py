"""Output formats for the CLI: a rich table for people, JSON as the contract, Markdown and CSV.

A command builds its JSON payload (the contract) and a list of :class:`Table` views of it; the
chosen format renders one or the other.

Tables never wrap a cell (an id cut over two lines cannot be copied). On a terminal a table that
is too wide has its widest cells shortened with an ellipsis in the middle (``dataset:s3://…/churn``
keeps its kind and its name); when even that does not fit, each row is printed as a block of
``column: value`` lines. When stdout is not a terminal (a pipe, a file) the output is plain text:
no box drawing, no colour, one row per line with every value whole.
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
from rich.text import Text

__all__ = ["Format", "Table", "middle_ellipsis", "render"]

#: A column is never shortened below this (or its header's) width; narrower terminals get blocks.
MIN_COLUMN = 12
ELLIPSIS = "…"


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
    """Render to a string (json, markdown, csv, and a table when ``console`` is not a terminal) or
    print to ``console`` (a table on a terminal; returns None)."""
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
    if not console.is_terminal:
        return _plain(tables)
    for t in tables:
        if not t.rows:
            console.print(f"[bold]{t.title}[/bold]: {t.empty}", highlight=False)
            continue
        cells = [[_cell(c) for c in row] for row in t.rows]
        widths = _fit(t.columns, cells, console.width)
        if widths is None:
            _blocks(console, t, cells)
            continue
        rt = RichTable(title=t.title, title_justify="left", show_lines=False, caption=t.note)
        for col, width in zip(t.columns, widths, strict=True):
            rt.add_column(col, no_wrap=True, overflow="ellipsis", min_width=width)
        for row in cells:
            rt.add_row(*(Text(middle_ellipsis(c, w)) for c, w in zip(row, widths, strict=True)))
        console.print(rt)
    return None


def middle_ellipsis(text: str, width: int) -> str:
    """``text`` shortened to ``width`` characters by cutting its middle (its start and end stay)."""
    if len(text) <= width:
        return text
    if width <= 1:
        return ELLIPSIS[:width]
    head = (width - 1) // 2
    return text[:head] + ELLIPSIS + text[len(text) - (width - 1 - head):]


def _fit(columns: Sequence[str], cells: Sequence[Sequence[str]], total: int) -> list[int] | None:
    """Column widths that fit a boxed table in ``total`` characters, or None when they cannot."""
    widths = [max([len(col), *(len(line) for row in cells for line in row[i].splitlines() or [""])])
              for i, col in enumerate(columns)]
    floor = [min(w, max(MIN_COLUMN, len(col))) for w, col in zip(widths, columns, strict=True)]
    budget = total - (3 * len(columns) + 1)  # rich's box: a border and a padding space each side
    if sum(floor) > budget:
        return None
    while sum(widths) > budget:
        i = max(range(len(widths)), key=lambda k: widths[k] - floor[k])
        widths[i] -= 1
    return widths


def _blocks(console: Console, t: Table, cells: Sequence[Sequence[str]]) -> None:
    """One block of ``column: value`` lines per row, for a terminal too narrow for the table."""
    console.print(f"[bold]{t.title}[/bold]", highlight=False)
    label = max(len(c) for c in t.columns)
    room = max(console.width - label - 2, 8)
    for row in cells:
        console.print()
        for col, value in zip(t.columns, row, strict=True):
            console.print(f"{col.rjust(label)}: {middle_ellipsis(value.replace(chr(10), ' '), room)}",
                          markup=False, highlight=False, soft_wrap=True)
    if t.note:
        console.print()
        console.print(t.note, markup=False, highlight=False)


def _plain(tables: Sequence[Table]) -> str:
    """Tables as plain text for a pipe or a file: aligned columns, whole values, no box, no colour."""
    parts: list[str] = []
    for t in tables:
        if not t.rows:
            parts.append(f"{t.title}: {t.empty}")
            parts.append("")
            continue
        cells = [[_cell(c).replace("\n", " ") for c in row] for row in t.rows]
        widths = [max([len(col), *(len(row[i]) for row in cells)]) for i, col in enumerate(t.columns)]
        parts.append(t.title)
        for row in [t.columns, *cells]:
            parts.append("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())
        if t.note:
            parts.append(t.note)
        parts.append("")
    return "\n".join(parts).rstrip() + "\n"
