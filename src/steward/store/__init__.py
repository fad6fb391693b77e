"""Opening a store by URI: ``sqlite:///PATH`` (embedded, the default) or ``neo4j://``, ``bolt://`` (Neo4j).

The scheme picks the backend through a small registry, as MLflow picks its stores.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from steward.errors import ConfigError
from steward.settings import Settings
from steward.store.base import Counts, GraphStore, Reached, RetractResult, SourceRecords

__all__ = [
    "NEO4J_SCHEMES",
    "Counts",
    "GraphStore",
    "Reached",
    "RetractResult",
    "SourceRecords",
    "open_store",
]

NEO4J_SCHEMES = frozenset({"neo4j", "neo4j+s", "neo4j+ssc", "bolt", "bolt+s", "bolt+ssc"})


def open_store(uri: str | None = None, *, settings: Settings | None = None, create: bool = False) -> GraphStore:
    """Open the store named by ``uri`` (default: ``settings.store``).

    Read paths never create a store: a missing embedded file (or folder) is a
    BackendUnavailableError naming the path. Only writers that mean to start a store (``steward
    ingest``, ``steward init``, ``steward demo``) pass ``create=True``. (A Neo4j database always
    exists once the server answers; ``create`` does not apply to it.)
    """
    settings = settings or Settings()
    store = _open(uri or settings.store, settings, create)
    if settings.log_key is not None:  # the log's checkpoints are signed with the key from STEWARD_LOG_KEY
        from steward.governance.log import Checkpointer, load_private_key

        try:
            store.log_hook = Checkpointer(load_private_key(settings.log_key))
        except BaseException:
            store.close()
            raise
    return store


def _open(uri: str, settings: Settings, create: bool) -> GraphStore:
    scheme = urlsplit(uri).scheme.lower()
    if scheme == "sqlite":
        from steward.store.embedded import EmbeddedStore

        # As SQLAlchemy and MLflow read it: sqlite:///rel/path.db is relative, sqlite:////abs/path.db absolute.
        if not uri.lower().startswith("sqlite:///") or not uri[len("sqlite:///") :]:
            raise ConfigError(f"an embedded store URI is sqlite:///PATH (sqlite:////ABSOLUTE/PATH), not {uri!r}")
        return EmbeddedStore(Path(uri[len("sqlite:///") :]).expanduser(), create=create)
    if scheme in NEO4J_SCHEMES:
        from steward.store.neo4j import Neo4jStore

        return Neo4jStore.connect(uri, settings=settings)
    raise ConfigError(
        f"unknown store URI {uri!r}: use sqlite:///PATH for the embedded store, or a Neo4j URI "
        f"({', '.join(sorted(NEO4J_SCHEMES))}://HOST:PORT)"
    )
