"""Catalog files: which files a recipe names, their YAML documents, and line numbers inside them."""

from __future__ import annotations

import glob
from collections.abc import Sequence
from pathlib import Path

import yaml

from steward.sources.base import SourceReport

__all__ = ["expand_paths", "read_documents"]

_GLOB_CHARS = frozenset("*?[")


def expand_paths(patterns: Sequence[str], base_dir: Path, report: SourceReport, *,
                 suffixes: tuple[str, ...]) -> list[Path]:
    """Files named by ``patterns`` (paths, globs or folders, relative to ``base_dir``), sorted, unique.

    A folder contributes its files ending in one of ``suffixes`` (recursively). A path that does not
    exist, or a glob or folder that matches nothing, is a failure in ``report``: a recipe that names
    a file expects it to be read.
    """
    seen: set[Path] = set()
    out: list[Path] = []

    def add(p: Path) -> None:
        key = p.resolve()
        if key not in seen:
            seen.add(key)
            out.append(p)

    for pattern in patterns:
        full = Path(pattern).expanduser()
        if not full.is_absolute():
            full = base_dir / full
        if any(c in pattern for c in _GLOB_CHARS):
            hits = sorted(Path(h) for h in glob.glob(str(full), recursive=True) if Path(h).is_file())
            if not hits:
                report.fail(f"{pattern}: matched no files", path=str(full))
            for h in hits:
                add(h)
        elif full.is_dir():
            hits = sorted(p for p in full.rglob("*") if p.is_file() and p.name.lower().endswith(suffixes))
            if not hits:
                report.fail(f"{pattern}: folder holds no {'/'.join(suffixes)} files", path=str(full))
            for h in hits:
                add(h)
        elif full.is_file():
            add(full)
        else:
            report.fail(f"{pattern}: no such file", path=str(full))
    return out


def read_documents(path: Path, report: SourceReport) -> list[tuple[yaml.Node, object]] | None:
    """Every YAML document in ``path`` with its node (whose marks give line numbers).

    None, with a failure in ``report``, when the file cannot be read or is not valid YAML: nothing
    of such a file is used.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        report.fail(f"{path}: cannot read: {exc}", file=str(path))
        return None
    pairs: list[tuple[yaml.Node, object]] = []
    try:
        loader = yaml.SafeLoader(text)
        try:
            while loader.check_node():
                node = loader.get_node()
                if node is None:
                    break
                pairs.append((node, loader.construct_document(node)))
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc)
        where = f"{path}:{line}" if line else str(path)
        report.fail(f"{where}: YAML syntax error: {problem}; nothing in this file was read",
                    file=str(path), line=line)
        return None
    return pairs


def _line_of(node: yaml.Node, path: tuple[str | int, ...]) -> int:
    """The 1-based line of the deepest YAML node along ``path`` (where the problem is)."""
    line = node.start_mark.line + 1
    cur: yaml.Node | None = node
    for part in path:
        nxt: yaml.Node | None = None
        if isinstance(cur, yaml.MappingNode):
            for k, v in cur.value:
                if isinstance(k, yaml.ScalarNode) and k.value == part:
                    nxt = v
                    line = k.start_mark.line + 1
                    break
        elif isinstance(cur, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(cur.value):
            nxt = cur.value[part]
            line = nxt.start_mark.line + 1
        if nxt is None:
            break
        cur = nxt
    return line
