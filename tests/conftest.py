"""Shared fixtures: a real Neo4j for the session, and a ``store`` fixture run on both backends.

Neo4j comes from ``STEWARD_TEST_NEO4J_URI``, else a Docker engine, else a Neo4j Community server
assembled from Maven Central (``steward.local.neo4j_server``). If none can be had the tests that
need it fail with the reason; they never skip.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from pydantic import SecretStr

from steward.settings import Settings
from steward.store import GraphStore, open_store
from steward.store.neo4j import Neo4jStore

if TYPE_CHECKING:
    from steward.local.neo4j_server import Neo4jServer

BACKENDS = ("embedded", "neo4j")


@pytest.fixture(scope="session")
def neo4j_server() -> Iterator[Neo4jServer]:
    from steward.local.neo4j_server import acquire_neo4j

    try:
        server = acquire_neo4j()
    except RuntimeError as exc:
        pytest.fail(f"no Neo4j server could be had for the tests: {exc}", pytrace=False)
    print(f"\nNeo4j for tests: {server.uri} ({server.how}, ready in {server.start_seconds:.1f}s)")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def mlflow_uri(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real MLflow tracking server: ``STEWARD_TEST_MLFLOW_URI``, else one started for the session."""
    from steward.local.mlflow_server import start_mlflow_server

    external = os.environ.get("STEWARD_TEST_MLFLOW_URI")
    if external:
        yield external.rstrip("/")
        return
    server = start_mlflow_server(tmp_path_factory.mktemp("mlflow-server"))
    try:
        yield server.uri
    finally:
        server.stop()


@pytest.fixture(scope="session")
def neo4j_settings(neo4j_server: Neo4jServer) -> Settings:
    return Settings(store=neo4j_server.uri, neo4j_user=neo4j_server.user,
                    neo4j_password=SecretStr(neo4j_server.password))


def wipe_neo4j(store: Neo4jStore) -> None:
    """Empty the test database (tests share one server)."""
    with store._driver.session() as s:
        s.run("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS").consume()


@pytest.fixture
def neo4j_store(neo4j_settings: Settings) -> Iterator[Neo4jStore]:
    store = Neo4jStore.connect(neo4j_settings.store, settings=neo4j_settings)
    wipe_neo4j(store)
    yield store
    store.close()


@pytest.fixture
def embedded_store(tmp_path: Path) -> Iterator[GraphStore]:
    store = open_store(f"sqlite:///{tmp_path / 'graph.db'}", create=True)
    yield store
    store.close()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def store_factory(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Callable[[], GraphStore]]:
    """Opens (and reopens) the store under test; the first call starts from an empty store."""
    opened: list[GraphStore] = []
    first = [True]

    def make() -> GraphStore:
        if backend == "embedded":
            s = open_store(f"sqlite:///{tmp_path / 'graph.db'}", create=True)
        else:
            settings: Settings = request.getfixturevalue("neo4j_settings")
            s = Neo4jStore.connect(settings.store, settings=settings)
            if first[0]:
                wipe_neo4j(s)
        first[0] = False
        opened.append(s)
        return s

    yield make
    for s in opened:
        s.close()  # closing twice is harmless for both stores


@pytest.fixture
def store(store_factory: Callable[[], GraphStore]) -> GraphStore:
    """The store under test, once per backend."""
    return store_factory()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test that uses Neo4j or MLflow, so `-m neo4j` / `-m 'not neo4j'` select them."""
    for item in items:
        if "mlflow_uri" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.mlflow)
        callspec = getattr(item, "callspec", None)
        uses_neo4j = "neo4j_server" in getattr(item, "fixturenames", ()) or (
            callspec is not None and callspec.params.get("backend") == "neo4j"
        )
        if uses_neo4j:
            item.add_marker(pytest.mark.neo4j)
