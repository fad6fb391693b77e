"""Every Cypher statement the Neo4j store runs, loaded by name from ``cypher/*.cypher``.

One statement per file, parameters only. Where Cypher cannot take a parameter (relationship types
in a variable-length pattern), the file holds ``__TYPES__`` and :func:`statement` fills it from
the :class:`~steward.graph.EdgeKind` allow-list, never from user input.
"""

from __future__ import annotations

from collections.abc import Collection
from functools import cache
from importlib import resources
from pathlib import Path

from steward.errors import ConfigError, InvalidInputError
from steward.graph import EdgeKind

__all__ = ["cypher_dir", "statement"]


def cypher_dir() -> Path:
    """The folder of ``.cypher`` files: inside the installed wheel, or the source checkout's."""
    packaged = Path(str(resources.files("steward"))) / "cypher"
    if packaged.is_dir():
        return packaged
    checkout = Path(__file__).resolve().parents[3] / "cypher"
    if checkout.is_dir():
        return checkout
    raise ConfigError(f"no Cypher statements found (looked in {packaged} and {checkout}); reinstall steward-graph")


@cache
def _load(name: str) -> str:
    path = cypher_dir() / f"{name}.cypher"
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ConfigError(f"missing Cypher statement {name!r} ({path})") from exc


def statement(name: str, *, types: Collection[EdgeKind] | None = None) -> str:
    """The text of ``cypher/<name>.cypher``; ``types`` fills a ``__TYPES__`` placeholder."""
    text = _load(name)
    if "__TYPES__" in text:
        if not types:
            raise InvalidInputError(f"statement {name!r} needs relationship types")
        allowed = []
        for t in types:
            if not isinstance(t, EdgeKind):
                raise InvalidInputError(f"not an edge kind: {t!r}")
            allowed.append(t.value)
        text = text.replace("__TYPES__", "|".join(sorted(set(allowed))))
    return text
