"""README's "Your own platform in 15 minutes", followed literally.

Every fenced block preceded by ``<!-- first-hour: file NAME -->`` is written to NAME in an empty folder;
every ``<!-- first-hour: run -->`` block is run there by bash with the installed ``steward`` (and the
Python that runs the tests) first on PATH; every line of a ``<!-- first-hour: expect -->`` block must
appear in the output of the run block before it. The example files in ``ingest/examples/`` are the
same files (and that recipe runs from a fresh clone as written).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "ingest" / "examples"
SECTION = "## Your own platform in 15 minutes"
MARKED = re.compile(r"<!-- first-hour: (?P<what>file|run|expect)(?: (?P<arg>\S+))? -->\n```[a-z]*\n(?P<body>.*?)```",
                    re.DOTALL)


@dataclass(frozen=True)
class Block:
    what: str
    arg: str | None
    body: str


def _section() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index(SECTION)
    end = text.find("\n## ", start + len(SECTION))
    return text[start: end if end != -1 else len(text)]


def _blocks() -> list[Block]:
    return [Block(m["what"], m["arg"], m["body"]) for m in MARKED.finditer(_section())]


def _env(workdir: Path) -> dict[str, str]:
    bindir = str(Path(sys.executable).parent)
    env = {k: v for k, v in os.environ.items() if not k.startswith("STEWARD_")}
    return {**env, "PATH": f"{bindir}{os.pathsep}{env.get('PATH', '')}", "HOME": str(workdir / "home"),
            "NO_COLOR": "1", "COLUMNS": "200"}


def _run(script: str, workdir: Path, env: dict[str, str]) -> str:
    proc = subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=workdir, env=env, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, f"{script}\nexit {proc.returncode}\nstdout: {proc.stdout}\nstderr: {proc.stderr}"
    return proc.stdout


def test_the_section_has_every_step() -> None:
    blocks = _blocks()
    files = [b.arg for b in blocks if b.what == "file"]
    assert files == ["catalog.yaml", "make_events.py", "recipe.yaml"]
    assert sum(b.what == "run" for b in blocks) >= 3
    assert sum(b.what == "expect" for b in blocks) >= 3


def test_readme_files_are_the_shipped_examples() -> None:
    for block in _blocks():
        if block.what != "file":
            continue
        assert block.arg is not None
        shipped = (EXAMPLES / block.arg).read_text(encoding="utf-8").splitlines(keepends=True)
        if shipped[0].startswith("# yaml-language-server:"):
            shipped = shipped[1:]
        assert block.body == "".join(shipped), f"README's {block.arg} differs from ingest/examples/{block.arg}"


def test_follow_the_readme(tmp_path: Path) -> None:
    workdir = tmp_path / "my-platform"
    (workdir / "home").mkdir(parents=True)
    env = _env(workdir)
    # the `export` lines of one block hold for the blocks after it, as in one shell session
    exports: list[str] = []
    last_output: str | None = None
    checked = 0
    for block in _blocks():
        if block.what == "file":
            assert block.arg is not None
            (workdir / block.arg).write_text(block.body, encoding="utf-8")
        elif block.what == "run":
            exports += [line for line in block.body.splitlines() if line.startswith("export ")]
            last_output = _run("\n".join([*exports, block.body]), workdir, env)
        else:
            assert last_output is not None, "an expect block before any run block"
            for line in block.body.splitlines():
                if line.strip():
                    assert line in last_output, f"README promises {line!r}; the output was:\n{last_output}"
                    checked += 1
    assert checked >= 8
    # the events the README's script writes are the committed ones (made once with the real client)
    assert (workdir / "lineage.jsonl").read_text(encoding="utf-8") == \
        (EXAMPLES / "lineage.jsonl").read_text(encoding="utf-8")
    # the store lives where the README's export put it
    assert (workdir / "graph.db").is_file()


def test_shipped_example_runs_from_a_fresh_clone_as_written(tmp_path: Path) -> None:
    """From the repository root, as the README says: `steward ingest ingest/examples/recipe.yaml`."""
    env = {**_env(tmp_path), "STEWARD_STORE": f"sqlite:///{tmp_path / 'graph.db'}"}
    (tmp_path / "home").mkdir()
    out = _run("steward ingest ingest/examples/recipe.yaml --format csv", ROOT, env)
    assert "catalog,catalog,29,10,19,0,0,0" in out
    assert "openlineage,openlineage,32,18,14,0,0,0" in out


@pytest.mark.parametrize("source", ["catalog", "git", "mlflow", "openlineage"])
def test_reference_table_names_every_setting(source: str) -> None:
    from steward.recipe import Recipe, source_class

    section = _section()
    for field in source_class(source).config_class.model_fields:
        assert f"| `{source}` | `{field}` |" in section, f"{source}.{field} is missing from the README's table"
    for field in Recipe.model_fields:
        if field != "base_dir":
            assert f"| recipe | `{field}` |" in section


def test_reference_table_names_every_catalog_kind_and_key() -> None:
    from steward.sources.catalog import models as catalog

    section = _section()
    for kind, model in {**catalog._STEWARD_SPECS, **catalog._BACKSTAGE_SPECS}.items():
        row = next((line for line in section.splitlines() if line.startswith("|") and f"`{kind}`" in line), None)
        assert row is not None, f"no row for {kind}"
        for key in model.model_fields:
            assert f"`{key}" in row, f"{kind}.{key} is missing from the README's table"
        if kind != "Resource":  # read exactly as a Component (one row in the table)
            assert f"kind: {kind}" in section, f"the example catalog has no {kind}"
