"""``/readyz`` and ``steward serve``'s start-up warm-up: a process whose warm-up is still reading says
503 ``starting`` (so a load balancer keeps requests away until its first answers are as fast as its later
ones), answers the routes meanwhile, and says ready once the warm-up is over -- also when it failed."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import steward.analysis.blast as blast
from steward.api.app import create_app
from steward.graph import Edge, EdgeKind, Node, NodeKind
from steward.settings import Settings
from steward.store import GraphStore, open_store


@pytest.fixture
def uri(tmp_path: Path) -> str:
    uri = f"sqlite:///{tmp_path / 'g.db'}"
    with open_store(uri, create=True) as store:
        store.upsert(nodes=[Node(id="dataset:s3://lake/a", kind=NodeKind.DATASET, source="t"),
                            Node(id="person:ada@example.com", kind=NodeKind.PERSON, source="t")],
                     edges=[Edge(src="person:ada@example.com", kind=EdgeKind.OWNS, dst="dataset:s3://lake/a",
                                 source="t")])
    return uri


@pytest.fixture
def gated(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[threading.Event, threading.Event]]:
    """The warm-up (the real one) held at its start until the test opens the gate."""
    entered, gate = threading.Event(), threading.Event()
    real: Callable[[GraphStore], None] = blast.prepare

    def held(store: GraphStore) -> None:
        entered.set()
        assert gate.wait(30)
        real(store)

    monkeypatch.setattr(blast, "prepare", held)
    yield entered, gate
    gate.set()


def _ready_within(client: TestClient, seconds: float) -> int:
    deadline = time.monotonic() + seconds
    while True:
        status = client.get("/readyz").status_code
        if status == 200 or time.monotonic() > deadline:
            return status
        time.sleep(0.02)


def test_readyz_says_starting_while_the_warm_up_reads_and_ready_after(
    uri: str, gated: tuple[threading.Event, threading.Event], caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="steward")
    entered, gate = gated
    app = create_app(Settings(store=uri, auth=False), warm_up=True)
    with TestClient(app) as client:
        assert entered.wait(10)
        assert client.get("/livez").status_code == 200
        starting = client.get("/readyz")
        assert starting.status_code == 503
        assert starting.json()["error"]["code"] == "starting"
        assert starting.headers["Retry-After"] == "1"
        # the routes answer meanwhile (slower: nothing is kept yet)
        answer = client.get("/api/v1/blast-radius/dataset:s3://lake/a")
        assert answer.status_code == 200, answer.text
        assert client.get("/readyz").status_code == 503
        # polled while starting: no warning per poll (it is not a fault)
        assert not [r for r in caplog.records if r.levelno >= logging.WARNING and "starting" in r.getMessage()]
        gate.set()
        assert _ready_within(client, 10) == 200
        assert client.get("/readyz").json()["status"] == "ready"
    assert any(r.getMessage().startswith("warm-up done in ") for r in caplog.records)


def test_a_failed_warm_up_leaves_the_process_ready_and_the_first_request_to_say_why(
    uri: str, monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(store: GraphStore) -> None:
        raise RuntimeError("the warm-up broke")

    monkeypatch.setattr(blast, "prepare", broken)
    with TestClient(create_app(Settings(store=uri, auth=False), warm_up=True)) as client:
        assert _ready_within(client, 10) == 200


def test_without_a_warm_up_the_process_is_ready_at_once(uri: str) -> None:
    with TestClient(create_app(Settings(store=uri, auth=False))) as client:
        assert client.get("/readyz").status_code == 200
