"""Tables for people: never a wrapped id; plain text for pipes; blocks when the terminal is narrow."""

from __future__ import annotations

import io
import re

import pytest
from rich.console import Console

from steward.render import Format, Table, middle_ellipsis, render

LONG = "dataset:s3://lake/features/churn-weekly-aggregates"
TABLE = Table("Impacted", ["id", "name", "owners"],
              [[LONG, "churn weekly", ["person:ada@acme.com", "team:risk"]], ["job:airflow/etl.sessions", "etl", []]],
              note="2 rows")
BOX = re.compile("[\u2500-\u257f]")


def on_terminal(width: int, table: Table = TABLE) -> str:
    buf = io.StringIO()
    render({}, [table], Format.table, console=Console(file=buf, width=width, force_terminal=True, color_system=None))
    return buf.getvalue()


def test_middle_ellipsis_keeps_start_and_end() -> None:
    assert middle_ellipsis("dataset:s3://lake/x", 40) == "dataset:s3://lake/x"
    short = middle_ellipsis(LONG, 21)
    assert len(short) == 21 and short.startswith("dataset:s") and short.endswith("aggregates") and "…" in short


@pytest.mark.parametrize("width", [60, 80, 120, 200])
def test_a_table_on_a_terminal_never_wraps_a_cell(width: int) -> None:
    out = on_terminal(width)
    lines = out.splitlines()
    assert all(len(line) <= width for line in lines), out
    # every id is on one line, whole or cut in its middle (its start and end kept), never continued below
    for ident in (LONG, "job:airflow/etl.sessions"):
        at = [line for line in lines if ident[:9] in line]
        assert len(at) == 1, out
        assert ident in at[0] or ("…" in at[0] and ident[-8:] in at[0]), out
        assert not any(line.strip(" │┃").startswith(ident[-8:]) for line in lines), out


def test_a_narrow_terminal_gets_one_block_per_record() -> None:
    out = on_terminal(40)
    assert not BOX.search(out), out
    assert "    id: job:airflow/etl.sessions" in out
    assert "owners: person:ada@acme.com, team:risk" in out


def test_not_a_terminal_gets_plain_text_with_whole_values() -> None:
    out = render({}, [TABLE, Table("Empty", ["id"])], Format.table,
                 console=Console(file=io.StringIO(), width=60))
    assert out is not None
    assert not BOX.search(out) and "\x1b[" not in out, out
    lines = out.splitlines()
    assert lines[0] == "Impacted"
    assert lines[1].split() == ["id", "name", "owners"]
    assert lines[2].startswith(LONG + "  churn weekly  person:ada@acme.com, team:risk")
    assert "Empty: (none)" in lines
