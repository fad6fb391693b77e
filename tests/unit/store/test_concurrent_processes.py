"""One consistent embedded store under concurrent OS processes (issue 7, item 10).

Several writer processes upsert and retract overlapping records while reader processes read;
nothing is lost (the final store is exactly the expected union) and no reader ever raises.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

from steward.graph import EdgeKey, EdgeKind
from steward.store import open_store

WRITERS = 4
ROUNDS = 12
SHARED = 12

WRITER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from steward.graph import Edge, EdgeKind, Node, NodeKind
    from steward.store import open_store

    uri, me, rounds, shared, go = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
    src = f"w{me}"
    store = open_store(uri)
    while not Path(go).exists():
        time.sleep(0.01)
    for r in range(rounds):
        nodes = [Node(id=f"dataset:shared/{j}", kind=NodeKind.DATASET, source=src, props={src: r})
                 for j in range(shared)]
        nodes.append(Node(id=f"dataset:tmp/{src}/{r}", kind=NodeKind.DATASET, source=src))
        edges = []
        for j in range(shared):
            edges.append(Edge(src=f"dataset:shared/{j}", kind=EdgeKind.CONSUMED_BY, dst=f"run:{src}/{j}", source=src))
            edges.append(Edge(src=f"run:{src}/{j}", kind=EdgeKind.PRODUCED, dst=f"dataset:shared/{(j + 1) % shared}",
                              source=src))
        store.upsert(nodes=nodes, edges=edges)
        store.retract(src, nodes=[f"dataset:tmp/{src}/{r}"], edges=[])
    Path(f"{go}.done{me}").touch()
    if me < 2:  # two writers withdraw what they said about shared/0 once all have written; others still attest it
        while not all(Path(f"{go}.done{i}").exists() for i in range(4)):
            time.sleep(0.01)
        store.retract(src, nodes=["dataset:shared/0"], edges=[])
    store.close()
    """
)

READER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from steward.store import open_store

    uri, stop = sys.argv[1], sys.argv[2]
    store = open_store(uri)
    reads = 0
    while not Path(stop).exists():
        nodes = {n.id: n for n in store.find_nodes()}
        edges = store.edges()
        ends = {e.src for e in edges} | {e.dst for e in edges}
        got = store.get_nodes(ends)
        missing = ends - set(got)
        assert not missing, f"edges point at nodes that do not exist: {sorted(missing)[:5]}"
        for n in nodes.values():
            assert n.sources, n
        store.counts()
        store.reach(["dataset:shared/0"], way="down")
        store.get_node("dataset:shared/1")
        reads += 1
    print(reads)
    """
)


def test_concurrent_writers_and_readers_lose_nothing(tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path / 'graph.db'}"
    open_store(uri, create=True).close()
    go, stop = tmp_path / "go", tmp_path / "stop"
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, uri, str(i), str(ROUNDS), str(SHARED), str(go)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for i in range(WRITERS)]
    readers = [subprocess.Popen([sys.executable, "-c", READER, uri, str(stop)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    time.sleep(1.0)  # let every process import and open the store before the race starts
    go.touch()
    try:
        for w in writers:
            _, err = w.communicate(timeout=300)
            assert w.returncode == 0, err
    finally:
        stop.touch()
    for r in readers:
        out, err = r.communicate(timeout=120)
        assert r.returncode == 0, err
        assert int(out.strip()) > 0

    with open_store(uri) as store:
        nodes = {n.id: n for n in store.find_nodes()}
        everyone = tuple(f"w{i}" for i in range(WRITERS))
        expected_nodes = {f"dataset:shared/{j}" for j in range(SHARED)} | {
            f"run:w{i}/{j}" for i in range(WRITERS) for j in range(SHARED)}
        assert set(nodes) == expected_nodes  # every tmp node was retracted; nothing else is missing
        for j in range(SHARED):
            shared = nodes[f"dataset:shared/{j}"]
            assert shared.sources == (everyone[2:] if j == 0 else everyone), shared
            assert shared.props == {w: ROUNDS - 1 for w in everyone}, shared
        for i in range(WRITERS):
            for j in range(SHARED):
                assert nodes[f"run:w{i}/{j}"].sources == (f"w{i}",)
        want_edges = {EdgeKey(f"dataset:shared/{j}", EdgeKind.CONSUMED_BY, f"run:w{i}/{j}", f"w{i}")
                      for i in range(WRITERS) for j in range(SHARED)} | {
                      EdgeKey(f"run:w{i}/{j}", EdgeKind.PRODUCED, f"dataset:shared/{(j + 1) % SHARED}", f"w{i}")
                      for i in range(WRITERS) for j in range(SHARED)}
        assert {e.identity for e in store.edges()} == want_edges
        assert len(store.reach(["dataset:shared/0"], way="down")) == len(expected_nodes) - 1
