"""The graph for analysts and other tools: JSON Lines, GraphML and OpenLineage events; and back.

* **JSON Lines** (``jsonl``): a header line (``{"type": "steward-export", ...}`` with the store's
  ownership precedence), then one line per node (``"type": "node"``: id, kind, name, props,
  sources, seen_at) and per edge (``"type": "edge"``: src, kind, dst, key, source, props, seen_at).
  Everything a store holds about a record, provenance included; :func:`import_jsonl` writes it back
  (one assertion per source of a node, one per edge; a stub node, known only as an edge's endpoint,
  is made again by its edge), so an export imported into an empty store gives the same answers.
* **GraphML** (``graphml``): for Gephi, yEd and ``networkx.read_graphml``. Node and edge attributes:
  ``kind``, ``name``, ``sources``/``source``, ``seen_at``, and each property as ``p_<name>`` (lists
  as JSON text).
* **OpenLineage** (``openlineage``): the lineage part, one ``RunEvent`` per run (its job, the datasets
  it read and the datasets it wrote; its parent run), one JSON event per line, as the OpenLineage
  file transport writes them. Outputs that are not datasets (model versions, evaluations) have no
  OpenLineage form and are left out. A run id that is not a UUID (MLflow's) becomes a UUID derived
  from it, and the Steward id is kept in the run facet ``steward``.

History does not travel: an export is the graph at one moment (now, or ``steward export --as-of
MOMENT``). Importing writes through ``upsert`` like any source, so the importing store's own history
records the import: every imported node and edge opens a version at that moment.

A subgraph: ``kinds`` keeps nodes of those kinds (and the edges between them); ``root`` with
``down``/``up`` keeps the root, what is downstream/upstream of it (the analyses' walks, containers
included), and the owners and members attached to those nodes.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any

from steward import __version__
from steward.errors import InvalidInputError, NotFoundError
from steward.graph import STUB_PROP, Edge, EdgeKind, EdgeRecord, Node, NodeKind, NodeRecord, parse_id
from steward.store.base import GraphStore

__all__ = ["FORMATS", "Selection", "import_jsonl", "openlineage_events", "select", "write_export"]

FORMATS = ("jsonl", "graphml", "openlineage")
FORMAT_VERSION = 1
PRODUCER = "https://github.com/steward-graph/steward"
RUN_EVENT_SCHEMA = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"
#: Store bookkeeping that changes answers, and therefore travels with an export.
EXPORTED_STATE = ("ownership.precedence",)
_ATTACHED = (EdgeKind.OWNS, EdgeKind.MEMBER_OF)
BATCH = 5000


@dataclass(frozen=True)
class Selection:
    nodes: list[NodeRecord]
    edges: list[EdgeRecord]


def select(
    store: GraphStore,
    *,
    kinds: Collection[NodeKind] | None = None,
    root: str | None = None,
    down: bool = False,
    up: bool = False,
) -> Selection:
    """The nodes and edges to export (everything when no filter is given), sorted."""
    from steward.analysis.common import walk_down, walk_up

    if root is None:
        if down or up:
            raise InvalidInputError("--down/--up need --from ID")
        nodes = store.find_nodes(kinds=kinds)
        wanted = {n.id for n in nodes}
        edges = [e for e in store.edges() if e.src in wanted and e.dst in wanted]
        return Selection(nodes, edges)
    start = store.get_node(root)
    if start is None:
        raise NotFoundError(f"no node {root!r} in {store.uri}")
    ids = {start.id}
    if down or not up:
        ids.update(walk_down(store, start))
    if up:
        found, containers = walk_up(store, start)
        ids.update(found)
        ids.update(containers)
    attached = store.edges(kinds=_ATTACHED, dst=sorted(ids))  # who owns them, and the teams' members
    ids.update(e.src for e in attached)
    ids.update(e.dst for e in store.edges(kinds=[EdgeKind.MEMBER_OF], src=sorted(ids)))
    records = store.get_nodes(ids)
    nodes = sorted((r for r in records.values() if kinds is None or r.kind in kinds), key=lambda r: r.id)
    kept = {n.id for n in nodes}
    edges = [e for e in store.edges(src=sorted(kept)) if e.dst in kept]
    return Selection(nodes, sorted(edges, key=lambda e: e.identity))


# ---- JSON Lines ------------------------------------------------------------------------------------
def _edge_json(e: EdgeRecord) -> dict[str, Any]:
    return {"type": "edge", **e.to_json(), "key": e.key}


def jsonl_lines(store: GraphStore, sel: Selection) -> Iterator[str]:
    state = {k: v for k in EXPORTED_STATE if (v := store.get_state(k)) is not None}
    header = {"type": "steward-export", "version": FORMAT_VERSION, "steward": __version__, "store": store.uri,
              "state": state, "nodes": len(sel.nodes), "edges": len(sel.edges)}
    yield json.dumps(header, sort_keys=True)
    for n in sel.nodes:
        yield json.dumps({"type": "node", **n.to_json()}, sort_keys=True)
    for e in sel.edges:
        yield json.dumps(_edge_json(e), sort_keys=True)


def import_jsonl(store: GraphStore, lines: Iterable[str], *, where: str = "export") -> tuple[int, int]:
    """Write an export made by :func:`jsonl_lines` into ``store``; returns (nodes, edges) read."""
    nodes: list[Node] = []
    edges: list[Edge] = []
    state: dict[str, str] = {}
    header_seen = False
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        at = f"{where}:{number}"
        try:
            obj = json.loads(line)
            kind = obj["type"]
            if kind == "steward-export":
                if obj.get("version") != FORMAT_VERSION:
                    raise InvalidInputError(f"{at}: export format version {obj.get('version')!r} is not "
                                            f"{FORMAT_VERSION}")
                state = {k: v for k, v in dict(obj.get("state") or {}).items() if k in EXPORTED_STATE}
                header_seen = True
            elif kind == "node":
                if obj["props"].get(STUB_PROP):
                    continue  # known only as an edge's endpoint: the edge makes it again, as a stub
                for source in obj["sources"]:
                    nodes.append(Node(id=obj["id"], kind=NodeKind(obj["kind"]), source=source, name=obj["name"],
                                      props=obj["props"], seen_at=obj["seen_at"]))
            elif kind == "edge":
                edge = Edge(src=obj["src"], kind=EdgeKind(obj["kind"]), dst=obj["dst"], source=obj["source"],
                            props=obj["props"], seen_at=obj["seen_at"])
                if "key" in obj and edge.key != obj["key"]:
                    raise InvalidInputError(f"{at}: edge key {obj['key']!r} does not match its source and role")
                edges.append(edge)
            else:
                raise InvalidInputError(f"{at}: unknown record type {kind!r}")
        except InvalidInputError:
            raise
        except (ValueError, KeyError, TypeError) as exc:
            raise InvalidInputError(f"{at}: not a Steward export record: {type(exc).__name__}: {exc}") from exc
    if not header_seen:
        raise InvalidInputError(f"{where}: no steward-export header line; is this a `steward export` file?")
    for i in range(0, len(nodes), BATCH):
        store.upsert(nodes=nodes[i: i + BATCH])
    for i in range(0, len(edges), BATCH):
        store.upsert(edges=edges[i: i + BATCH])
    for key, value in state.items():
        if store.get_state(key) is None:
            store.set_state(key, value)
    return len({n.id for n in nodes}), len(edges)


# ---- GraphML ---------------------------------------------------------------------------------------
def _attrs(props: dict[str, Any]) -> dict[str, Any]:
    return {f"p_{k}": json.dumps(v) if isinstance(v, list) else v for k, v in props.items() if v is not None}


def graphml_text(sel: Selection) -> str:
    import networkx as nx

    node_attrs = [_attrs(n.props) for n in sel.nodes]
    edge_attrs = [_attrs(e.props) for e in sel.edges]
    _one_type_per_key(node_attrs)
    _one_type_per_key(edge_attrs)
    g = nx.MultiDiGraph()
    for n, attrs in zip(sel.nodes, node_attrs, strict=True):
        g.add_node(n.id, kind=n.kind.value, name=n.name, sources=json.dumps(list(n.sources)), seen_at=n.seen_at,
                   **attrs)
    for e, attrs in zip(sel.edges, edge_attrs, strict=True):
        g.add_edge(e.src, e.dst, key=f"{e.kind.value}|{e.key}", kind=e.kind.value, source=e.source,
                   seen_at=e.seen_at, **attrs)
    return "\n".join(nx.generate_graphml(g, named_key_ids=True)) + "\n"


def _one_type_per_key(rows: list[dict[str, Any]]) -> None:
    """GraphML declares one type per attribute: a property with values of several types becomes text."""
    types: dict[str, set[type]] = {}
    for row in rows:
        for k, v in row.items():
            types.setdefault(k, set()).add(type(v))
    mixed = {k for k, ts in types.items() if len(ts) > 1}
    for row in rows:
        for k in mixed & row.keys():
            if not isinstance(row[k], str):
                row[k] = json.dumps(row[k])


# ---- OpenLineage -----------------------------------------------------------------------------------
def _run_uuid(run: NodeRecord) -> str:
    key = parse_id(run.id)[1]
    try:
        return str(uuid.UUID(key))
    except ValueError:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"steward:{run.id}"))


def _split(node: NodeRecord | None, node_id: str) -> tuple[str, str]:
    """(namespace, name) of a job or dataset: as OpenLineage said them, else from the id."""
    key = parse_id(node_id)[1]
    ns = node.props.get("namespace") if node is not None else None
    if isinstance(ns, str) and ns:
        prefix = ns.rstrip("/") + "/"
        return ns, key[len(prefix):] if key.startswith(prefix) else (node.name if node else key)
    return "steward", key


def _facet(**fields: Any) -> dict[str, Any]:
    return {"_producer": PRODUCER, "_schemaURL": f"{PRODUCER}/schemas/facet.json", **fields}


def openlineage_events(store: GraphStore, sel: Selection) -> list[dict[str, Any]]:
    """One RunEvent per selected run: its job, inputs, outputs and parent, by run id."""
    runs = [n for n in sel.nodes if n.kind is NodeKind.RUN]
    if not runs:
        return []
    run_ids = [r.id for r in runs]
    edges = store.edges(src=run_ids) + store.edges(dst=run_ids)
    other_ids = {e.dst for e in edges} | {e.src for e in edges}
    records = store.get_nodes(other_ids)
    events = []
    for run in runs:
        mine_out = [e for e in edges if e.src == run.id]
        mine_in = [e for e in edges if e.dst == run.id]
        job_id = next((e.dst for e in mine_out if e.kind is EdgeKind.RUN_OF), None)
        job_ns, job_name = _split(records.get(job_id), job_id) if job_id else ("steward", parse_id(run.id)[1])

        def datasets(ids: Iterable[str]) -> list[dict[str, Any]]:
            out = []
            for did in sorted(set(ids)):
                if parse_id(did)[0] is NodeKind.DATASET:
                    ns, name = _split(records.get(did), did)
                    out.append({"namespace": ns, "name": name, "facets": {}})
            return out

        run_facets: dict[str, Any] = {"steward": _facet(id=run.id, sources=list(run.sources))}
        parent = next((e.dst for e in mine_out if e.kind is EdgeKind.CHILD_OF), None)
        if parent is not None:
            pjob = next((e.dst for e in store.edges(kinds=[EdgeKind.RUN_OF], src=[parent])), None)
            if pjob is not None:
                prec = store.get_node(parent)
                pns, pname = _split(store.get_node(pjob), pjob)
                run_facets["parent"] = _facet(
                    run={"runId": _run_uuid(prec) if prec else str(uuid.uuid5(uuid.NAMESPACE_URL, parent))},
                    job={"namespace": pns, "name": pname})
        state = run.props.get("state")
        when = run.props.get("ended_at") or run.props.get("started_at") or run.seen_at
        events.append({
            "eventType": state if state in ("COMPLETE", "FAIL", "ABORT") else "OTHER",
            "eventTime": when,
            "producer": PRODUCER,
            "schemaURL": RUN_EVENT_SCHEMA,
            "run": {"runId": _run_uuid(run), "facets": run_facets},
            "job": {"namespace": job_ns, "name": job_name, "facets": {}},
            "inputs": datasets(e.src for e in mine_in if e.kind is EdgeKind.CONSUMED_BY),
            "outputs": datasets(e.dst for e in mine_out if e.kind is EdgeKind.PRODUCED),
        })
    return events


def write_export(store: GraphStore, sel: Selection, fmt: str, out: IO[str]) -> int:
    """Write ``sel`` to ``out`` in ``fmt``; returns the number of records (lines or events) written."""
    if fmt == "jsonl":
        n = 0
        for line in jsonl_lines(store, sel):
            out.write(line + "\n")
            n += 1
        return n - 1
    if fmt == "graphml":
        out.write(graphml_text(sel))
        return len(sel.nodes) + len(sel.edges)
    if fmt == "openlineage":
        events = openlineage_events(store, sel)
        for ev in events:
            out.write(json.dumps(ev, sort_keys=True) + "\n")
        return len(events)
    raise InvalidInputError(f"unknown export format {fmt!r}; one of {', '.join(FORMATS)}")
