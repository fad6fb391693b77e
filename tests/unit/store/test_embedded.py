"""Embedded-store behaviour that only it has: crash safety, file errors, cross-process freshness."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from steward.errors import BackendUnavailableError, ConfigError
from steward.graph import Edge, EdgeKind, Node, NodeKind
from steward.store import GraphStore, open_store

WRITER = textwrap.dedent(
    """
    import sys
    from steward.graph import Edge, EdgeKind, Node, NodeKind
    from steward.store import open_store

    store = open_store(sys.argv[1], create=True)
    n = int(sys.argv[2])
    nodes = [Node(id=f"dataset:big/{i}", kind=NodeKind.DATASET, source="big", props={"pad": "x" * 200})
             for i in range(n)]
    edges = [Edge(src=f"dataset:big/{i}", kind=EdgeKind.CONSUMED_BY, dst=f"run:big/{i}", source="big")
             for i in range(n)]
    print("writing", flush=True)
    store.upsert(nodes=nodes, edges=edges)
    print("committed", flush=True)
    """
)


def test_killed_mid_batch_leaves_previous_state(tmp_path: Path) -> None:
    db = tmp_path / "graph.db"
    uri = f"sqlite:///{db}"
    with open_store(uri, create=True) as store:
        store.upsert(nodes=[Node(id="dataset:keep", kind=NodeKind.DATASET, source="seed")],
                     edges=[Edge(src="dataset:keep", kind=EdgeKind.CONSUMED_BY, dst="run:keep", source="seed")])
        before = store.counts()
    wal = Path(f"{db}-wal")
    proc = subprocess.Popen([sys.executable, "-c", WRITER, uri, "400000"], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "writing"
    deadline = time.monotonic() + 120
    # the transaction is under way once the write-ahead log grows past a few pages
    while (not wal.exists() or wal.stat().st_size < 4_000_000) and proc.poll() is None:
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail("the writer never started its transaction")
        time.sleep(0.005)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL, "the batch finished before it could be interrupted"
    with open_store(uri) as store:
        assert store.counts() == before
        assert store.get_node("dataset:big/0") is None
    with sqlite3.connect(db) as con:
        assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_corrupt_file_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "graph.db"
    bad.write_bytes(b"this is not a database" * 100)
    for create in (False, True):
        with pytest.raises(BackendUnavailableError, match=r"graph\.db.*not a Steward SQLite store or is damaged"):
            open_store(f"sqlite:///{bad}", create=create)
    assert bad.read_bytes() == b"this is not a database" * 100, "the damaged file is left as it was"


@pytest.mark.parametrize(("table", "column", "value"), [
    ("nodes", "props", "{not json"),
    ("nodes", "sources", "[unterminated"),
    ("nodes", "kind", "NoSuchKind"),
    ("edges", "props", "]["),
    ("edges", "kind", "NO_SUCH_EDGE"),
])
def test_damaged_row_is_backend_unavailable(tmp_path: Path, table: str, column: str, value: str) -> None:
    uri = f"sqlite:///{tmp_path / 'graph.db'}"

    def read(store: GraphStore) -> object:
        return store.get_node("dataset:a") if table == "nodes" else store.edges()

    with open_store(uri, create=True) as store:
        store.upsert(edges=[Edge(src="dataset:a", kind=EdgeKind.CONSUMED_BY, dst="run:r", source="t")])
        with sqlite3.connect(tmp_path / "graph.db") as con:  # another process damages a row
            con.execute(f"UPDATE {table} SET {column} = ?", (value,))
        with pytest.raises(BackendUnavailableError, match=r"graph\.db.*damaged"):
            read(store)
    with open_store(uri) as store, pytest.raises(BackendUnavailableError, match=r"graph\.db.*damaged"):
        read(store)


def test_dangling_edge_is_backend_unavailable_on_a_walk(tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path / 'graph.db'}"
    with open_store(uri, create=True) as store:
        store.upsert(edges=[Edge(src="dataset:a", kind=EdgeKind.CONSUMED_BY, dst="run:r", source="t")])
    with sqlite3.connect(tmp_path / "graph.db") as con:  # a row deleted behind Steward's back
        con.execute("DELETE FROM nodes WHERE id = 'run:r'")
        con.execute("UPDATE meta SET value = value + 1 WHERE key = 'version'")
    with open_store(uri) as store, pytest.raises(BackendUnavailableError, match="damaged"):
        store.reach(["dataset:a"], way="down")


def test_read_never_creates_a_store(tmp_path: Path) -> None:
    folder = tmp_path / "typo"
    with pytest.raises(BackendUnavailableError) as err:
        open_store(f"sqlite:///{folder / 'x.db'}")
    assert str(folder / "x.db") in err.value.message
    assert "steward ingest" in err.value.message
    assert "steward init" in err.value.message
    assert not folder.exists()
    (tmp_path / "here").mkdir()
    with pytest.raises(BackendUnavailableError, match="no embedded store"):
        open_store(f"sqlite:///{tmp_path / 'here' / 'x.db'}")
    assert list((tmp_path / "here").iterdir()) == []
    with open_store(f"sqlite:///{folder / 'x.db'}", create=True) as store:
        assert store.counts().total_nodes == 0
    with open_store(f"sqlite:///{folder / 'x.db'}") as store:  # now it exists: reads open it
        assert store.counts().total_nodes == 0


def test_cli_read_command_on_a_typo_exits_6_and_creates_nothing(tmp_path: Path) -> None:
    steward = [sys.executable, "-m", "steward.cli"]
    typo = tmp_path / "typo" / "x.db"
    out = subprocess.run([*steward, "audit", "--fail-on", "error", "--store", f"sqlite:///{typo}"],
                         capture_output=True, text=True, check=False)
    assert out.returncode == 6, out.stdout + out.stderr
    assert str(typo) in out.stderr
    assert not typo.parent.exists()
    made = subprocess.run([*steward, "init", "--store", f"sqlite:///{typo}"], capture_output=True, text=True,
                          check=False)
    assert made.returncode == 0, made.stderr
    assert typo.is_file()
    again = subprocess.run([*steward, "stats", "--format", "json", "--store", f"sqlite:///{typo}"],
                           capture_output=True, text=True, check=False)
    assert again.returncode == 0, again.stderr
    nope = subprocess.run([*steward, "blast-radius", "dataset:nope", "--store", f"sqlite:///{typo}"],
                          capture_output=True, text=True, check=False)
    assert nope.returncode == 4, nope.stderr  # an existing store answers: the node is what is missing
    assert "no node matches" in nope.stderr
    cypher = subprocess.run([*steward, "cypher", "MATCH (n) RETURN n", "--store", f"sqlite:///{typo}"],
                            capture_output=True, text=True, check=False)
    assert cypher.returncode == 3, cypher.stderr
    assert "need the Neo4j store" in cypher.stderr


def test_unknown_scheme_and_bad_uri(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"unknown store URI 'postgres://x'.*sqlite:///PATH"):
        open_store("postgres://x")
    with pytest.raises(ConfigError, match="sqlite:///PATH"):
        open_store("sqlite://relative.db")


def test_relative_and_absolute_sqlite_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with open_store("sqlite:///rel/graph.db", create=True) as store:
        assert Path(store.uri.removeprefix("sqlite:///")).resolve() == tmp_path / "rel" / "graph.db"
    assert (tmp_path / "rel" / "graph.db").exists()
    with open_store(f"sqlite:///{tmp_path / 'abs.db'}", create=True):
        assert (tmp_path / "abs.db").exists()


def test_reader_sees_another_process_commit(tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path / 'graph.db'}"
    with open_store(uri, create=True) as reader:
        assert reader.counts().total_nodes == 0
        subprocess.run([sys.executable, "-c", WRITER, uri, "10"], check=True, capture_output=True)
        assert reader.counts().nodes == {"Dataset": 10, "Run": 10}
        assert reader.reach(["dataset:big/3"], way="down")["run:big/3"].distance == 1


def test_server_on_a_missing_store_answers_503_and_creates_nothing(tmp_path: Path) -> None:
    import httpx

    from steward.settings import Settings
    from tests.e2e.test_api import LiveServer

    missing = tmp_path / "typo" / "graph.db"
    with LiveServer(Settings(store=f"sqlite:///{missing}", auth=False)) as server:  # not about auth
        assert httpx.get(f"{server.url}/livez").status_code == 200
        for resp in (httpx.get(f"{server.url}/api/v1/blast-radius/dataset:x"),
                     httpx.get(f"{server.url}/readyz")):
            assert resp.status_code == 503, resp.text
        assert str(missing) in httpx.get(f"{server.url}/api/v1/blast-radius/dataset:x").text
    assert not missing.parent.exists()
