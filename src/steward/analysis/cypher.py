"""Read-only Cypher for analysts (Neo4j store only)."""

from __future__ import annotations

from typing import Any

from steward.errors import ConfigError, InvalidInputError
from steward.store.base import GraphStore

__all__ = ["run_cypher"]


def run_cypher(
    store: GraphStore, query: str, *, params: dict[str, Any] | None = None, timeout_s: float = 10.0,
    max_rows: int = 1000,
) -> dict[str, Any]:
    """Run ``query`` if the server classifies it as read-only (EXPLAIN), in a read transaction,
    with a timeout and a row cap; ``truncated`` says whether the cap cut the result."""
    from steward.store.neo4j import Neo4jStore

    if not isinstance(store, Neo4jStore):
        raise ConfigError(
            "Cypher queries need the Neo4j store; this one is embedded. Start Neo4j (`docker compose up -d neo4j`, "
            "or without Docker `python -m steward.testing.neo4j_server start`), ingest into it with "
            "--store bolt://HOST:7687, and pass the same --store here"
        )
    if not query.strip():
        raise InvalidInputError("the query is empty")
    if timeout_s <= 0 or max_rows < 1:
        raise InvalidInputError("timeout must be positive and max_rows at least 1")
    columns, rows, truncated = store.run_readonly(query, params or {}, timeout_s=timeout_s, max_rows=max_rows)
    return {"columns": columns, "rows": rows, "truncated": truncated, "max_rows": max_rows, "timeout_s": timeout_s}
