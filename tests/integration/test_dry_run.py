"""`--dry-run` on both stores: it writes nothing, and reports what the real run then does.

The recipe is the demo's without MLflow (a real git repository with CODEOWNERS, OpenLineage events,
a catalog), so the CODEOWNERS linking step, which reads jobs and repositories from the store, runs too.
"""

from __future__ import annotations

from io import StringIO
from pathlib import Path
from typing import Any

from rich.console import Console

from steward.demo import run_demo
from steward.recipe import RecipeReport, load_recipe, run_recipe
from steward.store import GraphStore


def dump(store: GraphStore) -> tuple[list[Any], list[Any], str | None]:
    nodes = sorted((n.id, n.kind, n.name, n.props, n.sources, n.seen_at) for n in store.find_nodes())
    edges = sorted((e.src, e.kind, e.dst, e.key, e.source, sorted(e.props.items()), e.seen_at) for e in store.edges())
    return nodes, edges, store.get_state("ownership.precedence")


def counts(report: RecipeReport) -> dict[str, tuple[int, int, int, bool]]:
    """source -> (nodes written, edges written, removed or would remove, ok)."""
    return {o.report.source: (o.written_nodes, o.written_edges,
                              o.would_remove if report.dry_run else o.removed_nodes + o.removed_edges,
                              not o.report.failures) for o in report.outcomes}


def test_dry_run_reports_what_the_real_run_does_and_writes_nothing(tmp_path: Path, store: GraphStore) -> None:
    demo = run_demo(workspace=tmp_path / "ws", store_uri=f"sqlite:///{tmp_path / 'demo.db'}", mlflow="off",
                    console=Console(file=StringIO()))
    recipe = load_recipe(demo.recipe)

    before = dump(store)
    dry = run_recipe(recipe, store, dry_run=True)
    assert dump(store) == before, "a dry run wrote into the store"
    real = run_recipe(recipe, store)
    assert counts(dry) == counts(real)
    assert counts(real)["codeowners"][1] > 0, "CODEOWNERS owners were linked"

    # Earlier data, and a source that stops saying something: a run's events are gone.
    lineage = tmp_path / "ws" / "lineage.jsonl"
    lineage.write_text("".join(lineage.read_text().splitlines(keepends=True)[:-2]))
    before = dump(store)
    dry = run_recipe(recipe, store, dry_run=True)
    assert dump(store) == before, "a dry run wrote into the store"
    real = run_recipe(recipe, store)
    assert counts(dry) == counts(real)
    assert counts(real)["openlineage"][2] > 0, "the real run removed what the source stopped saying"
