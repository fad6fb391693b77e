"""The ``steward`` command.

Every command takes ``--store`` (or ``STEWARD_STORE``) and ``--format table|json|markdown|csv``;
JSON is the stable contract. Errors print one line and exit with the code of their kind
(see ``steward --help``), never a traceback (``-v`` shows one).
"""

from __future__ import annotations

import json
import logging
import socket
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from steward import __version__
from steward.errors import StewardError
from steward.graph import NodeKind, is_kind
from steward.render import Format, Table, render
from steward.settings import Settings
from steward.store import GraphStore, open_store

__all__ = ["app", "main"]

logger = logging.getLogger(__name__)

EXIT_CODES_HELP = (
    "Exit codes: 0 ok, 1 error, 2 usage, 3 configuration, 4 not found, 5 invalid input, "
    "6 store unavailable, 7 safety limit, 8 audit gate failed, 9 the governance log does not verify."
)
app = typer.Typer(
    name="steward",
    help="Lineage and ownership for ML platforms: who owns what is downstream, and who to page.\n\n"
    + EXIT_CODES_HELP,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,
)

StoreOpt = Annotated[
    str | None,
    typer.Option(
        "--store", "-s", envvar="STEWARD_STORE", show_envvar=True,
        help="Store URI: sqlite:///PATH (embedded; default ~/.local/share/steward/graph.db) or "
        "neo4j://HOST:7687 / bolt://HOST:7687 with STEWARD_NEO4J_USER and STEWARD_NEO4J_PASSWORD.",
    ),
]
FormatOpt = Annotated[
    Format, typer.Option("--format", "-f", help="Output: table (for people), json (the contract), markdown, csv.")
]

AsOfOpt = Annotated[
    str | None,
    typer.Option("--as-of", help="Answer as the graph was at this moment (ISO 8601: 2026-11-26, "
                 "2026-11-26T14:05:00Z, 2026-11-26T15:05:00+01:00; a date is its start in UTC).")
]

_state: dict[str, bool] = {"verbose": False}


@contextmanager
def opened_at(store_uri: str | None, as_of: str | None) -> Iterator[GraphStore]:
    """The store, or (with ``--as-of``) the graph as it was at that moment (read-only)."""
    from steward.store.asof import viewing

    with opened(store_uri) as live, viewing(live, as_of) as st:
        yield st


def _as_of(payload: dict[str, Any], st: GraphStore) -> dict[str, Any]:
    """The payload, saying the moment it describes when it is not now."""
    from steward.store.asof import AsOfStore

    return {**payload, "as_of": st.moment} if isinstance(st, AsOfStore) else payload


def _console() -> Console:
    return Console(soft_wrap=False)


@contextmanager
def opened(store_uri: str | None, *, create: bool = False) -> Iterator[GraphStore]:
    store = open_store(store_uri, settings=Settings(), create=create)
    try:
        yield store
    finally:
        store.close()


def emit(payload: Any, tables: list[Table], fmt: Format) -> None:
    text = render(payload, tables, fmt, console=_console())
    if text is not None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"steward {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log progress and show tracebacks.")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    _state["verbose"] = verbose
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )


def _ingest_tables(report: Any) -> list[Table]:
    """The human view of a RecipeReport."""
    dry_run = report.dry_run
    rows = [
        [o.report.source, o.report.kind, sum(o.report.counts.values()), o.written_nodes, o.written_edges,
         o.removed_nodes + o.removed_edges if not dry_run else o.would_remove,
         len(o.report.warnings), len(o.report.failures)]
        for o in report.outcomes
    ]
    problems = [
        [o.report.source, level, p.message, json.dumps(p.context, default=str)]
        for o in report.outcomes
        for level, plist in (("failure", o.report.failures), ("warning", o.report.warnings))
        for p in plist
    ]
    tables = [
        Table(f"Ingest into {report.store}" + (" (dry run: nothing written)" if dry_run else ""),
              ["source", "type", "records", "nodes written", "edges written",
               "would remove" if dry_run else "removed", "warnings", "failures"], rows),
        Table("Problems", ["source", "level", "message", "context"], problems[:200],
              note=f"{len(problems) - 200} more in --format json" if len(problems) > 200 else None),
    ]
    if report.unresolved:
        tables.append(Table("Unresolved identities (add them to a catalog Person's aliases)", ["id"],
                            [[u] for u in report.unresolved]))
    return tables


# ---- ingest ---------------------------------------------------------------------------------------------
@app.command()
def ingest(
    recipe: Annotated[Path, typer.Argument(help="Recipe YAML (see ingest/demo.yaml).", show_default=False)],
    store: StoreOpt = None,
    fmt: FormatOpt = Format.table,
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Report what the run would write and remove; create and write nothing.")] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Remove stale records even beyond the recipe's max_removal_share.")
    ] = False,
    strict: Annotated[
        bool, typer.Option("--strict", help="For CI: a source with any skipped document, warning or unresolved "
                           "person fails (exit 1) and nothing of it is written. Also `strict: true` in the recipe.")
    ] = False,
) -> None:
    """Pull lineage and ownership from the sources of RECIPE into the store.

    Idempotent: re-running changes nothing unless the sources changed; what a source no longer says
    is removed (within the safety limit). Exit status is non-zero when a source failed.
    """
    from rich.progress import Progress, SpinnerColumn, TextColumn

    from steward.recipe import dry_run_recipe, load_recipe, run_recipe

    rcp = load_recipe(recipe)
    uri = store or Settings().store
    # A dry run creates nothing: a missing embedded store is run as an empty one, in a scratch copy.
    missing = dry_run and uri.lower().startswith("sqlite:///") and \
        not Path(uri[len("sqlite:///"):]).expanduser().is_file()
    with ExitStack() as stack:
        st = None if missing else stack.enter_context(opened(uri, create=not dry_run))
        err = Console(stderr=True)
        with Progress(SpinnerColumn(), TextColumn("{task.description}"), console=err, transient=True,
                      disable=not err.is_terminal) as progress:
            task = progress.add_task("starting", total=None)

            def tick(source: str, n: int) -> None:
                progress.update(task, description=f"{source}: {n} records")

            if dry_run:
                report = dry_run_recipe(rcp, st, uri=uri, force=force, progress=tick, strict=strict)
            else:
                assert st is not None  # a real run opened (or created) it
                report = run_recipe(rcp, st, force=force, progress=tick, strict=strict)
    emit(report.to_json(), _ingest_tables(report), fmt)
    if not report.ok:
        raise typer.Exit(report.exit_code)


@app.command()
def init(store: StoreOpt = None) -> None:
    """Create an empty store (embedded: the SQLite file and its folder). Harmless on an existing store."""
    with opened(store, create=True) as st:
        total = st.counts().total_nodes
        uri = st.uri
    typer.echo(f"store {uri} ready ({total} nodes)")


# ---- store inspection ---------------------------------------------------------------------------------
@app.command()
def stats(store: StoreOpt = None, fmt: FormatOpt = Format.table) -> None:
    """Nodes and edges in the store, by kind."""
    with opened(store) as st:
        counts = st.counts()
        payload = {"store": st.uri, **counts.to_json()}
    emit(payload, [
        Table(f"Nodes in {payload['store']}", ["kind", "count"], [[k, v] for k, v in counts.nodes.items()]),
        Table("Edges", ["kind", "count"], [[k, v] for k, v in counts.edges.items()]),
    ], fmt)


@app.command()
def precedence(
    store: StoreOpt = None,
    fmt: FormatOpt = Format.table,
    set_to: Annotated[
        str | None,
        typer.Option("--set", help="New order of ownership origins, highest first, comma-separated "
                     "(e.g. steward,catalog,mlflow,openlineage,codeowners)."),
    ] = None,
) -> None:
    """Show (or --set) which source's ownership claims win: the store's precedence, used by every answer.

    Precedence belongs to the store, not to a recipe, so every recipe and every reader gets the same
    answers; a recipe whose `precedence:` disagrees is refused.
    """
    from steward.analysis.ownership import read_precedence
    from steward.recipe import set_precedence

    with opened(store) as st:
        if set_to is not None:
            set_precedence(st, set_to.split(","))
        current = list(read_precedence(st))
    emit({"precedence": current}, [Table("Ownership precedence (highest first)", ["rank", "origin"],
                                         [[i + 1, o] for i, o in enumerate(current)])], fmt)


def _node_kinds(names: list[str] | None) -> list[NodeKind] | None:
    """``--kind`` values (``Dataset``, ``dataset``, ``model_version`` ...) as node kinds; None for all."""
    if not names:
        return None
    valid = {k.value.lower(): k for k in NodeKind} | {k.prefix: k for k in NodeKind}
    try:
        return [valid[k.lower()] for k in names]
    except KeyError as exc:
        raise typer.BadParameter(f"unknown kind {exc.args[0]!r}; one of {', '.join(k.value for k in NodeKind)}") \
            from exc


@app.command()
def search(
    text: Annotated[str, typer.Argument(help="Text in a node's id or name (case-insensitive).")],
    store: StoreOpt = None,
    fmt: FormatOpt = Format.table,
    kind: Annotated[list[str] | None, typer.Option("--kind", "-k", help="Only these node kinds (repeatable).")] = None,
    limit: Annotated[int, typer.Option(help="Most results to show.", min=1, max=1000)] = 20,
) -> None:
    """Find nodes by id or name."""
    from steward.lookup import search as search_nodes

    kinds = _node_kinds(kind)

    with opened(store) as st:
        hits = search_nodes(st, text, kinds=kinds, limit=limit)
    payload = {"query": text, "results": [{"id": h.id, "kind": h.kind.value, "name": h.name} for h in hits]}
    emit(payload, [Table(f"Matches for {text!r}", ["id", "kind", "name"],
                         [[h.id, h.kind.value, h.name] for h in hits])], fmt)


@app.command()
def show(
    node: Annotated[str, typer.Argument(help="A node id, or an unambiguous search term.")],
    store: StoreOpt = None,
    fmt: FormatOpt = Format.table,
    as_of: AsOfOpt = None,
) -> None:
    """One node: its properties, sources and relationships."""
    from steward.incidents.core import artifact_context
    from steward.lookup import resolve_node

    with opened_at(store, as_of) as st:
        rec = resolve_node(st, node)
        edges = st.neighbours(rec.id)
        # incidents and playbooks are today's records: shown on the live view only
        context = artifact_context(st, rec) if as_of is None else {}
        payload = _as_of({**rec.to_json(), "edges": [e.to_json() for e in edges], **context}, st)
    emit(payload, [
        Table(f"{rec.kind.value} {rec.id}", ["field", "value"],
              [["name", rec.name], ["sources", list(rec.sources)], ["seen_at", rec.seen_at],
               *[[k, v] for k, v in rec.props.items()]]),
        Table("Relationships", ["from", "kind", "to", "source", "props"],
              [[e.src, e.kind.value, e.dst, e.source, json.dumps(e.props)] for e in edges]),
        *steward.cli_incidents.context_tables(context),
    ], fmt)


# ---- analyses ---------------------------------------------------------------------------------------------
def _owners_text(owners: list[dict[str, Any]]) -> str:
    """The effective owners and stewards, e.g. ``Ada (owner), Sam (steward, left)``."""
    parts = []
    for o in owners:
        if not o.get("effective", True):
            continue
        flags = [o["role"]]
        if o.get("unresolved"):
            flags.append("unresolved")
        elif not o["active"]:
            flags.append("inactive")
        if o.get("inherited_from"):
            flags.append(f"from {o['inherited_from']}")
        parts.append(f"{o['name']} ({', '.join(flags)})")
    return ", ".join(parts) or "-"


def _readable_names(st: GraphStore, items: list[dict[str, Any]]) -> dict[str, str]:
    """id -> a name a person can read: a run with its job, a model version with its model."""
    from steward.analysis.common import containers_of

    wanted = {NodeKind.RUN.value: "job", NodeKind.MODEL_VERSION.value: "model"}
    member_of = containers_of(st, [i["id"] for i in items if i["kind"] in wanted])
    containers = st.get_nodes(set(member_of.values())) if member_of else {}
    names: dict[str, str] = {}
    for i in items:
        name = i.get("name") or i["id"]
        container = containers.get(member_of.get(i["id"], ""))
        if container is not None and i["kind"] == NodeKind.RUN.value:
            name = f"run {name} of job {container.name}"
        elif container is not None and i["kind"] == NodeKind.MODEL_VERSION.value:
            name = f"version {name} of model {container.name}"
        names[i["id"]] = name
    return names


@app.command("blast-radius")
def blast_radius_cmd(
    node: Annotated[str, typer.Argument(help="The broken thing: a node id or an unambiguous search term.")],
    store: StoreOpt = None,
    fmt: FormatOpt = Format.table,
    max_depth: Annotated[int | None, typer.Option("--max-depth", min=1, help="Follow at most this many hops.")] = None,
    edge: Annotated[
        list[str] | None,
        typer.Option("--edge", "-e", help="Only follow these lineage edge kinds (repeatable), e.g. CONSUMED_BY."),
    ] = None,
    limit: Annotated[int, typer.Option(min=1, help="List at most this many impacted artifacts.")] = 10_000,
    as_of: AsOfOpt = None,
) -> None:
    """Everything downstream of NODE, its owners, who to page, and what has no active owner."""
    from steward.analysis import blast_radius
    from steward.lookup import resolve_node

    with opened_at(store, as_of) as st:
        result = _as_of(blast_radius(st, resolve_node(st, node).id, max_depth=max_depth, edge_kinds=edge,
                                     limit=limit), st)
        names = _readable_names(st, result["impacted"])
    root = result["root"]
    note = "TRUNCATED: raise --max-depth/--limit to see everything" if result["truncated"] else None

    def why(p: dict[str, Any]) -> str:
        via = ", ".join(p["teams"]) + (f" (through {', '.join(p['through'])})" if p["through"] else "")
        on_call = f"ON CALL for {', '.join(p['on_call'])}; " if p.get("on_call") else ""
        root = "owns the root; " if p["root"] else ""
        return on_call + root + "/".join(p["roles"]) + (f" via {via}" if via else "")

    emit(result, [
        Table("Page these people (the root's owners first, then by impacted deployments of theirs, then artifacts)",
              ["person", "name", "contact", "why", "deployments hit", "artifacts hit"],
              [[p["id"], p["name"], p.get("contact") or "-", why(p), len(p["deployments"]), len(p["artifacts"])]
               for p in result["page"]],
              empty="nobody active owns the root or anything downstream"),
        Table(f"Blast radius of {root['kind']} {root['id']}: {result['counts']['impacted']} impacted downstream",
              ["distance", "kind", "id", "name", "effective owners and stewards"],
              [[i["distance"], i["kind"], i["id"], names[i["id"]], _owners_text(i["owners"])]
               for i in result["impacted"]], note=note),
        Table("No active owner (nobody can be paged for these)", ["id"], [[u] for u in result["unowned"]]),
        Table("Owners that name nobody known (add them to a catalog Person's aliases)",
              ["artifact", "named", "role", "source"],
              [[u["artifact"], u["owner"], u["role"], u["source"]] for u in result["unresolved"]]),
    ], fmt)


@app.command()
def upstream(
    node: Annotated[str, typer.Argument(help="The misbehaving thing: a node id or an unambiguous search term.")],
    store: StoreOpt = None,
    fmt: FormatOpt = Format.table,
    days: Annotated[float, typer.Option("--days", min=0.001, help="Window for recent changes, in days.")] = 7.0,
    max_depth: Annotated[int | None, typer.Option("--max-depth", min=1, help="Follow at most this many hops.")] = None,
) -> None:
    """Root cause: everything upstream of NODE and what changed there recently (newest first)."""
    from steward.analysis import upstream as upstream_analysis
    from steward.lookup import resolve_node

    with opened(store) as st:
        result = upstream_analysis(st, resolve_node(st, node).id, window_days=days, max_depth=max_depth)
        names = _readable_names(st, result["upstream"])
    root = result["root"]
    emit(result, [
        Table(f"Changes upstream of {root['id']} in the last {days:g} days", ["at", "kind", "id", "summary"],
              [[c["at"], c["kind"], c["id"], c["summary"]] for c in result["changes"]], empty="no recent changes"),
        Table(f"Upstream of {root['kind']} {root['id']}", ["distance", "kind", "id", "name"],
              [[u["distance"], u["kind"], u["id"], names[u["id"]]] for u in result["upstream"]]),
    ], fmt)


@app.command("spof")
def spof_cmd(store: StoreOpt = None, fmt: FormatOpt = Format.table) -> None:
    """Single points of failure: sole owners, bus factor, structural chokepoints."""
    from steward.analysis import spof

    with opened(store) as st:
        result = spof(st)
    emit(result, [
        Table("Sole owner: one active person between this and nobody", ["id", "kind", "owner", "deployments at risk"],
              [[s["id"], s["kind"], s["owner"], s["deployments_at_risk"]] for s in result["sole_owner"]]),
        Table("Bus factor: if this person left, these would have no active owner",
              ["person", "name", "orphaned", "deployments at risk"],
              [[b["person"], b["name"], b["orphaned"], b["deployments_at_risk"]] for b in result["bus_factor"]]),
        Table("Chokepoints: several deployments depend on these", ["id", "kind", "deployments", "dominates"],
              [[c["id"], c["kind"], len(c["deployments"]), c["dominates"]] for c in result["chokepoints"]]),
    ], fmt)


@app.command("audit")
def audit_cmd(
    store: StoreOpt = None,
    fmt: FormatOpt = Format.table,
    policy: Annotated[
        Path | None, typer.Option("--policy", "-p", help="Policy YAML; overrides the defaults rule by rule.")
    ] = None,
    fail_on: Annotated[
        str | None,
        typer.Option("--fail-on", help="Exit 8 when a finding is at least this severe: error or warning."),
    ] = None,
    as_of: AsOfOpt = None,
) -> None:
    """Ownership gaps against a policy. With --fail-on it is a CI gate (exit 8 on failure)."""
    from steward.analysis.audit import audit, gate, load_policy
    from steward.store.asof import moment_of

    if fail_on is not None and fail_on not in ("error", "warning"):
        raise typer.BadParameter("--fail-on takes 'error' or 'warning'")
    pol = load_policy(policy)
    with opened_at(store, as_of) as st:
        result = _as_of(audit(st, policy=pol, now=moment_of(st)), st)
    emit(result, [Table(f"Audit: {len(result['findings'])} finding(s) over {result['audited']} artifacts",
                        ["severity", "rule", "artifact", "message"],
                        [[f["severity"], f["rule"], f["artifact"], f["message"]] for f in result["findings"]],
                        empty="no findings")], fmt)
    if not gate(result, fail_on):
        raise typer.Exit(8)


@app.command("handoff")
def handoff_cmd(
    person: Annotated[str, typer.Argument(help="person:<email>, an email, or an unambiguous search term.")],
    store: StoreOpt = None,
    fmt: FormatOpt = Format.table,
    apply: Annotated[bool, typer.Option("--apply", help="File one change request per artifact, replacing PERSON "
                                        "by --to (approving them applies the transfers).")] = False,
    to: Annotated[str | None, typer.Option("--to", help="With --apply: the successor.")] = None,
    only: Annotated[list[str] | None, typer.Option("--only", help="With --apply: only this artifact (repeat).")] = None,
    reason: Annotated[str | None, typer.Option("--reason", help="With --apply: why (required; logged).")] = None,
    token: cli_tokens.TokenOpt = None,
) -> None:
    """Everything PERSON owns or stewards, a successor for each, and a transition checklist; with --apply,
    change requests that transfer it all to --to."""
    from steward.analysis import handoff
    from steward.lookup import resolve_node

    if apply:
        target = person if is_kind(person, NodeKind.PERSON) or "@" not in person else f"person:{person.lower()}"
        cli_owners.apply_handoff(store, token, target, to=to, only=only, reason=reason, fmt=fmt)
        return
    with opened(store) as st:
        target = person if is_kind(person, NodeKind.PERSON) or "@" not in person else f"person:{person.lower()}"
        result = handoff(st, resolve_node(st, target).id)  # handoff refuses anything but a person
    if fmt is Format.markdown:
        sys.stdout.write(result["checklist"])
        return
    emit(result, [Table(f"Handoff for {result['person']['name']} ({result['person']['id']})",
                        ["artifact", "roles", "suggested successor", "why"],
                        [[i["artifact"]["id"], i["roles"], (i["successor"] or {}).get("id", "-"),
                          (i["successor"] or {}).get("reason", "nobody active is linked to it")]
                         for i in result["items"]], empty="owns and stewards nothing")], fmt)


@app.command()
def cypher(
    query: Annotated[str, typer.Argument(help="A read-only Cypher query (Neo4j store only).")],
    store: StoreOpt = None,
    fmt: FormatOpt = Format.table,
    param: Annotated[list[str] | None, typer.Option("--param", "-P", help="NAME=JSON parameter (repeatable).")] = None,
    timeout: Annotated[float | None, typer.Option(help="Seconds before the query is stopped.")] = None,
    max_rows: Annotated[int | None, typer.Option("--max-rows", min=1, help="Rows returned at most.")] = None,
) -> None:
    """Run a read-only Cypher query for analysts; writes are refused, a timeout and row cap apply."""
    from steward.analysis.cypher import run_cypher

    params: dict[str, Any] = {}
    for p in param or []:
        name, sep, value = p.partition("=")
        if not sep:
            raise typer.BadParameter(f"--param takes NAME=JSON, not {p!r}")
        try:
            params[name] = json.loads(value)
        except json.JSONDecodeError:
            params[name] = value
    settings = Settings()
    with opened(store) as st:
        result = run_cypher(st, query, params=params, timeout_s=timeout or settings.cypher_timeout_s,
                            max_rows=max_rows or settings.cypher_row_cap, max_bytes=settings.cypher_max_bytes)
    why = {"rows": "rows (--max-rows)", "bytes": "rows (STEWARD_CYPHER_MAX_BYTES of JSON)"}
    note = f"TRUNCATED at {len(result['rows'])} {why[result['truncated']]}" if result["truncated"] else None
    emit(result, [Table("Cypher", result["columns"], [[r.get(c) for c in result["columns"]] for r in result["rows"]],
                        note=note)], fmt)


# ---- demo -------------------------------------------------------------------------------------------------
def _demo_dir() -> Path:
    from steward.settings import default_store_uri

    return Path(default_store_uri().removeprefix("sqlite:///")).parent


def _heading(console: Console, text: str) -> None:
    """A rule with a title on a terminal; the title alone in a pipe (plain output, no box drawing)."""
    if console.is_terminal:
        console.rule(text)
    else:
        console.print(f"\n{text}", markup=False, highlight=False, soft_wrap=True)


@app.command()
def demo(
    store: Annotated[
        str | None,
        typer.Option("--store", help="Where to ingest (EMPTIED first). Default: ~/.local/share/steward/demo.db; "
                     "STEWARD_STORE is deliberately not read, so the demo never clears your real graph."),
    ] = None,
    workspace: Annotated[
        Path | None, typer.Option(help="Folder for the demo's git repo, events, catalog and recipe.")
    ] = None,
    mlflow: Annotated[
        str, typer.Option(help="auto: $MLFLOW_TRACKING_URI, else start a local MLflow server (installed the first "
                          "time); off: no MLflow; or a tracking server URL.")
    ] = "auto",
    serve_api: Annotated[bool, typer.Option("--serve/--no-serve", help="Serve the API on the demo store.")] = True,
    host: Annotated[str, typer.Option(help="Interface to serve on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to serve on.", min=1, max=65535)] = 8765,
) -> None:
    """Build a small ML organisation with the real tools, ingest it, show the answers, serve the API."""
    from steward.analysis import blast_radius, spof
    from steward.demo import run_demo

    base = _demo_dir()
    store_uri = store or f"sqlite:///{base / 'demo.db'}"
    console = _console()
    result = run_demo(workspace=workspace or base / "demo", store_uri=store_uri, mlflow=mlflow, console=console)
    emit(None, _ingest_tables(result.report), Format.table)
    with opened(store_uri) as st:
        blast = blast_radius(st, result.key_dataset)
        points = spof(st)
        farthest = blast["impacted"][-1]["id"]  # the past incident is upstream of it
        history = steward.cli_incidents.demo_tables(st, farthest)
    _heading(console, f"If {result.key_dataset} is corrupted")
    emit(None, [
        Table("Who to page (the dataset's own owners first)", ["person", "name", "deployments hit", "artifacts hit"],
              [[p["id"], p["name"], len(p["deployments"]), len(p["artifacts"])] for p in blast["page"]]),
        Table(f"Blast radius: {blast['counts']['impacted']} artifacts downstream, "
              f"{blast['counts']['deployments']} deployments",
              ["distance", "kind", "id", "effective owners and stewards"],
              [[i["distance"], i["kind"], i["id"], _owners_text(i["owners"])] for i in blast["impacted"]]),
        Table("No active owner", ["id"], [[u] for u in blast["unowned"]]),
    ], Format.table)
    _heading(console, "Single points of failure")
    emit(None, [
        Table("Sole owners", ["id", "owner", "deployments at risk"],
              [[s["id"], s["owner"], s["deployments_at_risk"]] for s in points["sole_owner"]]),
        Table("Bus factor", ["person", "would orphan", "deployments at risk"],
              [[b["person"], b["orphaned"], b["deployments_at_risk"]] for b in points["bus_factor"]]),
        Table("Chokepoints", ["id", "deployments", "dominates"],
              [[c["id"], len(c["deployments"]), len(c["dominates"])] for c in points["chokepoints"]]),
    ], Format.table)
    _heading(console, f"Incidents of {farthest} and upstream of it, and its playbooks")
    emit(None, history, Format.table)
    if result.policy is not None:
        from steward.cli_reviews import demo_reviews

        demo_reviews(console, store_uri, result.policy)
    for note in result.notes:
        console.print(f"note: {note}", highlight=False)
    # One command a line, never wrapped (a line cut after `export` cannot be pasted).
    console.print("\nTry:", highlight=False)
    audit_cmd = f"steward audit --policy {result.policy}" if result.policy is not None else "steward audit"
    for command in (f"export STEWARD_STORE={store_uri}", audit_cmd, f"steward handoff {result.leaver}",
                    f"steward upstream {result.deployments[0]} --days 7",
                    f"steward incidents --artifact {farthest}",
                    f"steward ingest {result.recipe} --dry-run",
                    f"steward reviews due --days 14 --policy {result.policy}", "steward oncall team:data-platform"):
        console.print(f"  {command}", markup=False, highlight=False, soft_wrap=True)
    if serve_api:
        from steward.demo import story
        from steward.governance.principal import local_operator
        from steward.governance.tokens import create_token

        if result.policy is not None:  # the served audit and due list use the demo's review cadences
            import os

            os.environ.setdefault("STEWARD_AUDIT_POLICY", str(result.policy))
        # Every route needs a token: the demo issues two for its run (an admin to log in to the
        # explorer, a producer for POST /api/v1/lineage), to one of its people, expiring in a day.
        person = next(p.id for p in story.PEOPLE.values() if p.active)
        with opened(store_uri) as st:
            admin = create_token(st, person=person, role="admin", actor=local_operator(), expires_days=1,
                                 name="steward demo: explorer")
            producer = create_token(st, person=person, role="producer", actor=local_operator(), expires_days=1,
                                    name="steward demo: OpenLineage")
        url = f"http://{host}:{port}"
        console.print(f"\nLog in to the explorer at {url}/login with this admin token (for this demo, a day):",
                      highlight=False)
        console.print(f"  {admin.plaintext}", markup=False, highlight=False, soft_wrap=True)
        console.print("POST /api/v1/lineage takes the producer token: Authorization: Bearer", highlight=False)
        console.print(f"  {producer.plaintext}", markup=False, highlight=False, soft_wrap=True)
        serve(store=store_uri, host=host, port=port, no_auth=False)


@app.command()
def serve(
    store: StoreOpt = None,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8765,
    no_auth: Annotated[bool, typer.Option(
        "--no-auth", help="Serve WITHOUT authentication: anyone who can reach the port reads everything and "
        "may change anything. Only on a loopback --host.")] = False,
) -> None:
    """Run the HTTP API (OpenAPI docs at /docs), the web explorer and the OpenLineage receiver.

    Every /api/v1 route and explorer page needs an API token ('Authorization: Bearer <token>', or the
    explorer's log-in): make one with `steward token create --person ID --role viewer|editor|admin|producer`.
    STEWARD_API_TOKEN, when set, is a static producer credential for POST /api/v1/lineage.

    Health: /livez answers as soon as the process is up; /readyz says 503 'starting' while an embedded
    store's warm-up reads the traversal index, names and every ownership claim (about a second on a
    million-node store), then 'ready' (503 'store_unavailable' when the store does not answer).
    """
    import uvicorn

    from steward.api import create_app
    from steward.errors import ConfigError

    settings = Settings() if store is None else Settings(store=store)
    if no_auth:
        settings = settings.model_copy(update={"auth": False})
    if not settings.auth:
        if not _is_loopback(host):
            raise ConfigError(f"--no-auth is only allowed on a loopback host (127.0.0.1, ::1, localhost), not "
                              f"{host!r}; create API tokens with `steward token create` instead")
        Console(stderr=True).print(
            "[bold red]WARNING: serving WITHOUT AUTHENTICATION (--no-auth)[/bold red]: any process or web page "
            f"that can reach {host}:{port} reads everything and may change anything, as an anonymous admin. "
            "Never use it beyond a laptop.", highlight=False)
    application = create_app(settings, warm_up=True)
    sock = _listen(host, port)  # bind first: the banner below is printed only once the port is ours
    url = f"http://[{host.strip('[]')}]:{port}" if ":" in host else f"http://{host}:{port}"
    typer.echo(f"Steward API on {url}  (docs: {url}/docs, store: {settings.store}"
               + (", auth: API tokens from `steward token create`)" if settings.auth else ", NO AUTH)"))
    config = uvicorn.Config(application, host=host, port=port, log_level="info" if _state["verbose"] else "warning")
    try:
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        sock.close()


def _listen(host: str, port: int) -> socket.socket:
    """A socket bound to ``host:port`` (for uvicorn); a one-line ConfigError (exit 3) naming the port if not."""
    import errno

    from steward.errors import ConfigError

    try:
        family = socket.getaddrinfo(host.strip("[]"), port, type=socket.SOCK_STREAM)[0][0]
    except socket.gaierror as exc:
        raise ConfigError(f"cannot listen on {host}:{port}: unknown host {host!r} ({exc.strerror})") from exc
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn: reuse a TIME_WAIT port
        # answers leave at once: without it, a kept-alive connection waits ~40 ms (Nagle's algorithm against
        # the client's delayed ACK) for the body written after the headers. Accepted sockets inherit it.
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind((host.strip("[]"), port))
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise ConfigError(f"port {port} on {host} is already in use (another server?); stop it, or choose "
                              "another with --port") from exc
        raise ConfigError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
    sock.set_inheritable(True)
    return sock


def _is_loopback(host: str) -> bool:
    import ipaddress

    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


# ---- schemas -------------------------------------------------------------------------------------------
@app.command("schema")
def schema_cmd(
    which: Annotated[str, typer.Argument(help="recipe or catalog.", show_default=False)],
) -> None:
    """Print the JSON Schema of a recipe or of a catalog document (for editors and CI checks)."""
    from steward.schemas import SCHEMAS, schema_text

    if which not in SCHEMAS:
        raise typer.BadParameter(f"unknown schema {which!r}; one of {', '.join(sorted(SCHEMAS))}")
    sys.stdout.write(schema_text(which))


# ---- export / import -----------------------------------------------------------------------------------
@app.command("export")
def export_cmd(
    store: StoreOpt = None,
    fmt: Annotated[
        str, typer.Option("--format", "-f", help="jsonl (nodes and edges with props and provenance; `steward "
                          "import` reads it), graphml (Gephi, yEd, networkx) or openlineage (one RunEvent per run).")
    ] = "jsonl",
    kind: Annotated[
        list[str] | None, typer.Option("--kind", "-k", help="Only nodes of these kinds (repeatable).")
    ] = None,
    root: Annotated[str | None, typer.Option("--from", help="Only the subgraph around this node id.")] = None,
    down: Annotated[bool, typer.Option("--down", help="With --from: what is downstream (the default).")] = False,
    up: Annotated[bool, typer.Option("--up", help="With --from: what is upstream.")] = False,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")] = None,
    as_of: AsOfOpt = None,
) -> None:
    """Export the graph (or a subgraph) for analysts and other tools."""
    from steward.export import FORMATS, select, write_export

    if fmt not in FORMATS:
        raise typer.BadParameter(f"unknown format {fmt!r}; one of {', '.join(FORMATS)}")
    kinds = _node_kinds(kind)
    with opened_at(store, as_of) as st:
        sel = select(st, kinds=kinds, root=root, down=down, up=up)
        if output is None:
            n = write_export(st, sel, fmt, sys.stdout)
        else:
            with output.open("w", encoding="utf-8") as fh:
                n = write_export(st, sel, fmt, fh)
    typer.echo(f"exported {len(sel.nodes)} nodes and {len(sel.edges)} edges ({n} {fmt} records)", err=True)


@app.command("import")
def import_cmd(
    file: Annotated[Path, typer.Argument(help="A `steward export --format jsonl` file.", show_default=False)],
    store: StoreOpt = None,
) -> None:
    """Load a JSON Lines export into the store (e.g. a fresh one), provenance included."""
    from steward.errors import ConfigError
    from steward.export import import_jsonl

    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{file}: cannot read: {exc}") from exc
    with opened(store, create=True) as st:  # a write command: like ingest, it may create the store
        nodes, edges = import_jsonl(st, text.splitlines(), where=str(file))
    typer.echo(f"imported {nodes} nodes and {edges} edges into {st.uri}")


def main() -> None:
    """Console entry point: run the app, turning errors into one line and the exit code of their class
    (:mod:`steward.errors`); anything unexpected is exit 1, with a traceback only under -v."""
    try:
        app()
    except StewardError as exc:
        if _state["verbose"]:
            logger.exception("failed")
        Console(stderr=True).print(f"[bold red]error[/bold red]: {exc.message}", highlight=False)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:
        if _state["verbose"]:
            logger.exception("failed")
        Console(stderr=True).print(f"[bold red]internal error[/bold red]: {type(exc).__name__}: {exc} "
                                   "(run with -v for a traceback)", highlight=False)
        sys.exit(1)


from steward import cli_tokens  # noqa: E402  (sub-commands register at the end)

app.add_typer(cli_tokens.app, name="token")
from steward import cli_owners  # noqa: E402

cli_owners.register(app)  # steward owners set, steward changes list|show|approve|reject
from steward.cli_log import log_app  # noqa: E402  (sub-apps register after the root's commands)

app.add_typer(log_app)

import steward.cli_history  # noqa: E402  (steward history)
import steward.cli_incidents  # noqa: E402  (registers `steward incident|incidents|suspect` on app)
import steward.cli_reviews  # noqa: E402  (registers review, reviews, oncall)

if __name__ == "__main__":
    main()
