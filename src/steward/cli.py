"""The ``steward`` command.

Every command takes ``--store`` (or ``STEWARD_STORE``) and ``--format table|json|markdown|csv``;
JSON is the stable contract. Errors print one line and exit with the code of their kind
(see ``steward --help``), never a traceback (``-v`` shows one).
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from steward import __version__
from steward.errors import StewardError
from steward.render import Format, Table, render
from steward.settings import Settings
from steward.store import GraphStore, open_store

__all__ = ["app", "main"]

logger = logging.getLogger(__name__)

EXIT_CODES_HELP = (
    "Exit codes: 0 ok, 1 error, 2 usage, 3 configuration, 4 not found, 5 invalid input, "
    "6 store unavailable, 7 safety limit, 8 audit gate failed."
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

_state: dict[str, bool] = {"verbose": False}


def _console() -> Console:
    return Console(soft_wrap=False)


@contextmanager
def opened(store_uri: str | None) -> Iterator[GraphStore]:
    store = open_store(store_uri, settings=Settings())
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


# ---- ingest ---------------------------------------------------------------------------------------------
@app.command()
def ingest(
    recipe: Annotated[Path, typer.Argument(help="Recipe YAML (see ingest/demo.yaml).", show_default=False)],
    store: StoreOpt = None,
    fmt: FormatOpt = Format.table,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Run the sources, write nothing, report.")] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Remove stale records even beyond the recipe's max_removal_share.")
    ] = False,
) -> None:
    """Pull lineage and ownership from the sources of RECIPE into the store.

    Idempotent: re-running changes nothing unless the sources changed; what a source no longer says
    is removed (within the safety limit). Exit status is non-zero when a source failed.
    """
    from rich.progress import Progress, SpinnerColumn, TextColumn

    from steward.recipe import load_recipe, run_recipe

    rcp = load_recipe(recipe)
    with opened(store) as st:
        err = Console(stderr=True)
        with Progress(SpinnerColumn(), TextColumn("{task.description}"), console=err, transient=True,
                      disable=not err.is_terminal) as progress:
            task = progress.add_task("starting", total=None)

            def tick(source: str, n: int) -> None:
                progress.update(task, description=f"{source}: {n} records")

            report = run_recipe(rcp, st, dry_run=dry_run, force=force, progress=tick)
    payload = report.to_json()
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
    emit(payload, tables, fmt)
    if not report.ok:
        raise typer.Exit(1)


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
def search(
    text: Annotated[str, typer.Argument(help="Text in a node's id or name (case-insensitive).")],
    store: StoreOpt = None,
    fmt: FormatOpt = Format.table,
    kind: Annotated[list[str] | None, typer.Option("--kind", "-k", help="Only these node kinds (repeatable).")] = None,
    limit: Annotated[int, typer.Option(help="Most results to show.", min=1, max=1000)] = 20,
) -> None:
    """Find nodes by id or name."""
    from steward.graph import NodeKind

    kinds = None
    if kind:
        valid = {k.value.lower(): k for k in NodeKind} | {k.prefix: k for k in NodeKind}
        try:
            kinds = [valid[k.lower()] for k in kind]
        except KeyError as exc:
            known = ", ".join(k.value for k in NodeKind)
            raise typer.BadParameter(f"unknown kind {exc.args[0]!r}; one of {known}") from exc
    with opened(store) as st:
        hits = st.search(text, kinds=kinds, limit=limit)
    payload = {"query": text, "results": [{"id": h.id, "kind": h.kind.value, "name": h.name} for h in hits]}
    emit(payload, [Table(f"Matches for {text!r}", ["id", "kind", "name"],
                         [[h.id, h.kind.value, h.name] for h in hits])], fmt)


@app.command()
def show(
    node: Annotated[str, typer.Argument(help="A node id, or an unambiguous search term.")],
    store: StoreOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """One node: its properties, sources and relationships."""
    from steward.lookup import resolve_node

    with opened(store) as st:
        rec = resolve_node(st, node)
        edges = st.neighbours(rec.id)
    payload = {**rec.to_json(), "edges": [e.to_json() for e in edges]}
    emit(payload, [
        Table(f"{rec.kind.value} {rec.id}", ["field", "value"],
              [["name", rec.name], ["sources", list(rec.sources)], ["seen_at", rec.seen_at],
               *[[k, v] for k, v in rec.props.items()]]),
        Table("Relationships", ["from", "kind", "to", "source", "props"],
              [[e.src, e.kind.value, e.dst, e.source, json.dumps(e.props)] for e in edges]),
    ], fmt)


@app.command()
def serve(
    store: StoreOpt = None,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8765,
) -> None:
    """Run the HTTP API (OpenAPI docs at /docs) and the OpenLineage receiver (POST /api/v1/lineage)."""
    import uvicorn

    from steward.api import create_app

    settings = Settings() if store is None else Settings(store=store)
    application = create_app(settings)
    typer.echo(f"Steward API on http://{host}:{port}  (docs: http://{host}:{port}/docs, store: {settings.store})")
    uvicorn.run(application, host=host, port=port, log_level="info" if _state["verbose"] else "warning")


def main() -> None:
    """Console entry point: run the app, turning StewardErrors into one line and an exit code."""
    try:
        app()
    except StewardError as exc:
        if _state["verbose"]:
            logger.exception("failed")
        Console(stderr=True).print(f"[bold red]error[/bold red]: {exc.message}", highlight=False)
        sys.exit(exc.exit_code)


if __name__ == "__main__":
    main()
