"""Recipes: which sources to pull and how, and the runner that puts them into a store.

A recipe is YAML::

    precedence: [catalog, mlflow, openlineage, codeowners]   # whose ownership claims win (optional)
    max_removal_share: 0.5       # refuse to remove more than this share of a source's records
    sources:
      - type: catalog
        paths: [catalog/*.yaml]  # paths are relative to the recipe file
      - type: mlflow
        name: mlflow-prod        # optional, unique; defaults to the type
        tracking_uri: ${MLFLOW_TRACKING_URI}   # secrets and endpoints from the environment only

The runner runs every source, resolves identities across them (:mod:`steward.resolve`), writes
each source's records in batches, links CODEOWNERS owners to jobs and runs, and removes what a
source no longer says (only after a complete run of that source, and within the safety limit).
"""

from __future__ import annotations

import gc
import hashlib
import importlib
import json
import logging
import os
import pickle
import re
import sqlite3
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from operator import attrgetter
from pathlib import Path
from typing import Any

import rfc8785
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError

from steward.analysis.ownership import DEFAULT_PRECEDENCE, PRECEDENCE_STATE_KEY, read_precedence
from steward.errors import ConfigError, SafetyLimitError, StewardError
from steward.graph import Edge, EdgeKey, EdgeKind, Node, NodeKind, NodeRecord, OwnershipClaim, now_iso
from steward.identity import Identities
from steward.resolve import Resolver, may_move_aliases, reresolve_aliases
from steward.sources.base import Record, Source, SourceConfig, SourceContext, SourceReport
from steward.store.base import GraphStore
from steward.yamlfile import line_of, read_mapping

__all__ = [
    "DEFAULT_PRECEDENCE",
    "SOURCE_TYPES",
    "Recipe",
    "RecipeReport",
    "RecipeSource",
    "ingest_records",
    "load_recipe",
    "run_recipe",
    "source_class",
]

logger = logging.getLogger(__name__)

#: kind -> "module:Class"; imported on use, so a source's optional dependency is needed only by its users.
SOURCE_TYPES: dict[str, str] = {
    "git": "steward.sources.git:GitSource",
    "mlflow": "steward.sources.mlflow:MlflowSource",
    "openlineage": "steward.sources.openlineage:OpenLineageSource",
    "catalog": "steward.sources.catalog:CatalogSource",
}
CODEOWNERS_SOURCE = "codeowners"
#: Importable module -> the extra of steward-graph that installs it.
OPTIONAL_EXTRAS: dict[str, str] = {"openlineage": "openlineage"}
BATCH = 5000


def source_class(kind: str) -> type[Source[Any]]:
    target = SOURCE_TYPES.get(kind)
    if target is None:
        raise ConfigError(f"unknown source type {kind!r}; known types: {', '.join(sorted(SOURCE_TYPES))}")
    module_name, _, cls_name = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        extra = OPTIONAL_EXTRAS.get(exc.name or "")
        how = f"pip install 'steward-graph[{extra}]'" if extra else f"pip install {exc.name}"
        raise ConfigError(f"source type {kind!r} needs {exc.name}, which is not installed: {how}") from exc
    cls: type[Source[Any]] = getattr(module, cls_name)
    return cls


class RecipeSource(BaseModel):
    """One entry of ``sources:``: ``type``, an optional ``name``, and the source's own settings."""

    model_config = ConfigDict(extra="allow", frozen=True)

    type: str = Field(description="Source type: " + ", ".join(sorted(SOURCE_TYPES)))
    name: str | None = Field(None, description="Unique name; records are stamped with it (default: the type)")


class Recipe(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    sources: list[RecipeSource] = Field(description="Sources to run, in order")
    precedence: list[str] | None = Field(
        None,
        description="Ownership claim origins, highest first: the effective owners come from the first that says any. "
        "Precedence belongs to the store: the first ingest sets it (default: "
        + ", ".join(DEFAULT_PRECEDENCE) + "); a recipe that disagrees with the store's is refused",
    )
    max_removal_share: float = Field(
        0.5, ge=0.0, le=1.0,
        description="Refuse to remove more than this share of a source's records in one run (unless forced)",
    )
    strict: bool = Field(
        False,
        description="For CI: a source with any skipped document, warning, failure or unresolved person fails the "
        "run (exit 1) and nothing of it is written or removed (as `steward ingest --strict`)",
    )
    base_dir: Path = Field(default_factory=Path.cwd, description="Folder relative paths are resolved against")
    #: SHA-256 of the recipe file as read (before ``${VAR}`` expansion, so no secret is hashed); the log records it.
    _digest: str | None = PrivateAttr(None)

    @property
    def digest(self) -> str:
        """The recipe's SHA-256: of its file when it was loaded from one, else of its canonical JSON."""
        if self._digest is not None:
            return self._digest
        return hashlib.sha256(rfc8785.dumps(self.model_dump(mode="json", exclude={"base_dir"}))).hexdigest()


_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


def _expand_env(value: Any, where: str, env: Mapping[str, str]) -> Any:
    """``${NAME}`` / ``${NAME:-default}`` in string values; a missing variable is an error."""
    if isinstance(value, str):
        def sub(m: re.Match[str]) -> str:
            name, default = m.group(1), m.group(2)
            if name in env:
                return env[name]
            if default is not None:
                return default
            raise ConfigError(f"{where}: environment variable {name} is not set")

        return _ENV.sub(sub, value)
    if isinstance(value, list):
        return [_expand_env(v, f"{where}[{i}]", env) for i, v in enumerate(value)]
    if isinstance(value, dict):
        return {k: _expand_env(v, f"{where}.{k}", env) for k, v in value.items()}
    return value


def load_recipe(path: Path, *, env: Mapping[str, str] | None = None) -> Recipe:
    """Read and validate a recipe file; every problem is a ConfigError naming the file and field."""
    raw = read_mapping(path, what="recipe", shape="a mapping with a 'sources' list")
    try:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from exc
    raw = _expand_env(raw, str(path), os.environ if env is None else env)
    try:
        recipe = Recipe.model_validate({**raw, "base_dir": path.resolve().parent})
    except ValidationError as exc:
        loc = [p for p in exc.errors()[0]["loc"] if isinstance(p, str | int)]
        line = line_of(path, *loc) if loc else None
        raise ConfigError(f"{path}:{line}: {_errors(exc)}" if line else f"{path}: {_errors(exc)}") from exc
    names = [s.name or s.type for s in recipe.sources]
    if CODEOWNERS_SOURCE in names:
        raise ConfigError(f"{path}: the source name {CODEOWNERS_SOURCE!r} is reserved for CODEOWNERS linking")
    if "steward" in names:  # ownership changed through Steward (steward.governance.changes): never retracted by ingest
        raise ConfigError(f"{path}: the source name 'steward' is reserved for changes made through Steward")
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ConfigError(f"{path}: source names must be unique; give these a 'name': {', '.join(dupes)}")
    for i, s in enumerate(recipe.sources):  # fail fast on bad settings, before anything runs
        line = line_of(path, "sources", i)
        _build_config(s, f"{path}:{line}: sources[{i}]" if line else f"{path}: sources[{i}]")
    recipe._digest = digest
    return recipe


def _errors(exc: ValidationError) -> str:
    return "; ".join(f"{'.'.join(str(p) for p in e['loc']) or '(top)'}: {e['msg']}" for e in exc.errors())


def _build_config(entry: RecipeSource, where: str) -> tuple[type[Source[Any]], SourceConfig]:
    try:
        cls = source_class(entry.type)
    except ConfigError as exc:
        raise ConfigError(f"{where}: {exc.message}") from exc
    settings = dict(entry.model_extra or {})
    try:
        return cls, cls.config_class.model_validate(settings)
    except ValidationError as exc:
        raise ConfigError(f"{where} ({entry.type}): {_errors(exc)}") from exc


# ---- running ----------------------------------------------------------------------------------------
@dataclass
class SourceOutcome:
    report: SourceReport
    written_nodes: int = 0
    written_edges: int = 0
    removed_nodes: int = 0
    removed_edges: int = 0
    would_remove: int = 0
    #: Why nothing of this source was removed although it ran whole (it skipped something).
    retract_skipped: str | None = None
    #: Strict mode refused this source: nothing of it was written or removed.
    refused: bool = False

    def to_json(self) -> dict[str, Any]:
        return {**self.report.to_json(), "written": {"nodes": self.written_nodes, "edges": self.written_edges},
                "removed": {"nodes": self.removed_nodes, "edges": self.removed_edges},
                "would_remove": self.would_remove, "retract_skipped": self.retract_skipped is not None,
                "retract_skipped_reason": self.retract_skipped, "refused": self.refused}


@dataclass
class RecipeReport:
    store: str
    dry_run: bool
    outcomes: list[SourceOutcome] = field(default_factory=list)
    unresolved: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(o.report.failures for o in self.outcomes)

    @property
    def exit_code(self) -> int:
        """0 when every source ran; 7 when a removal safety limit stopped one; 1 for any other failure."""
        failures = [f for o in self.outcomes for f in o.report.failures]
        if not failures:
            return 0
        return SafetyLimitError.exit_code if all(f.context.get("code") == SafetyLimitError.code for f in failures) \
            else 1

    def to_json(self) -> dict[str, Any]:
        return {"store": self.store, "dry_run": self.dry_run, "ok": self.ok,
                "sources": [o.to_json() for o in self.outcomes], "unresolved_identities": self.unresolved}


class _BufferedState:
    """State reads from the store; writes are kept until the records they describe are stored.

    A source advances its bookmark (say, the last git tip) when its walk ends, before the runner
    writes what it walked: flushing only after the writes means a failed write is walked again.
    A dry run never flushes.
    """

    def __init__(self, store: GraphStore | None) -> None:
        self._store = store  # None: a store that does not exist yet (a dry run), so no bookmarks
        self._mem: dict[str, str] = {}

    def get_state(self, key: str) -> str | None:
        if key in self._mem:
            return self._mem[key]
        return self._store.get_state(key) if self._store is not None else None

    def set_state(self, key: str, value: str) -> None:
        self._mem[key] = value

    def flush(self) -> None:
        if self._store is None:
            return
        for key, value in self._mem.items():
            self._store.set_state(key, value)
        self._mem.clear()


Progress = Callable[[str, int], None]


def _split(records: Sequence[Record]) -> tuple[list[Node], list[Edge], list[OwnershipClaim]]:
    nodes = [r for r in records if isinstance(r, Node)]
    edges = [r for r in records if isinstance(r, Edge)]
    claims = [r for r in records if isinstance(r, OwnershipClaim)]
    return nodes, edges, claims


def _write(store: GraphStore, records: Sequence[Record], log_entry: Mapping[str, Any] | None = None, *,
           batch: int = BATCH) -> tuple[int, int]:
    """Write in batches; ``log_entry`` (with the counts written added) goes with the last batch."""
    nodes, edges, claims = _split(records)
    all_edges: list[Edge] = edges + [c.to_edge() for c in claims]
    starts = list(range(0, max(len(nodes), len(all_edges)), batch)) or [0]
    log = [{**log_entry, "written": {"nodes": len(nodes), "edges": len(all_edges)}}] if log_entry is not None else []
    for i in starts:
        store.upsert(nodes=nodes[i : i + batch], edges=all_edges[i : i + batch], log=log if i == starts[-1] else ())
    return len(nodes), len(all_edges)


def ingest_records(
    store: GraphStore, records: Sequence[Record], *, log_entry: Mapping[str, Any] | None = None,
) -> tuple[int, int]:
    """Resolve identities and write records that arrive on their own (the OpenLineage receiver).

    Nothing is removed: such records are incremental by nature. ``log_entry`` is appended to the
    governance log with the last batch (in its transaction), with the counts written added.
    """
    resolver = Resolver.from_store(store)
    resolver.learn(records)
    written = _write(store, resolver.rewrite(records), log_entry)
    if may_move_aliases(records):  # the receiver's hot path: OpenLineage events never move an alias
        reresolve_aliases(store)
    return written


def check_precedence(store: GraphStore, wanted: Sequence[str] | None, *, where: str) -> None:
    """Refuse a recipe whose precedence disagrees with the store's (precedence belongs to the store)."""
    configured = store.get_state(PRECEDENCE_STATE_KEY)
    if wanted is None or configured is None:
        return
    current = list(read_precedence(store))
    if list(wanted) != current:
        raise ConfigError(
            f"{where}: precedence {', '.join(wanted)} disagrees with the store's ({', '.join(current)}); "
            "precedence belongs to the store so that every recipe gets the same answers. Remove 'precedence:' "
            "from the recipe, or change the store's for everyone with `steward precedence --set "
            f"{','.join(wanted)}`"
        )


def set_precedence(store: GraphStore, precedence: Sequence[str]) -> None:
    """Set the store's ownership precedence (origins, highest first)."""
    clean = [p.strip() for p in precedence if p.strip()]
    if not clean or len(set(clean)) != len(clean):
        raise ConfigError("precedence is a list of distinct origin names, e.g. steward,catalog,mlflow")
    store.set_state(PRECEDENCE_STATE_KEY, json.dumps(clean))


def _retract_stale(
    store: GraphStore, source: str, leftover_nodes: set[str], leftover_edges: set[Any], *, max_share: float,
    force: bool,
) -> tuple[int, int]:
    """Remove what ``source`` said before this run and not in it (``leftover_*``: what it had said, less
    everything this run emitted); returns (nodes, edges) removed."""
    if not leftover_nodes and not leftover_edges:
        return 0, 0
    said = store.source_records(source)
    stale_nodes = leftover_nodes & said.nodes
    stale_edges = leftover_edges & said.edges
    total = len(said.nodes) + len(said.edges)
    stale = len(stale_nodes) + len(stale_edges)
    if not stale:
        return 0, 0
    if total and stale / total > max_share and not force:
        raise SafetyLimitError(
            f"source {source!r} no longer says {stale} of its {total} records ({stale / total:.0%}), more than "
            f"the limit of {max_share:.0%}; nothing was removed. Check the source, or re-run with --force"
        )
    result = store.retract(source, nodes=stale_nodes, edges=stale_edges)
    return result.nodes_deleted, result.edges_deleted


#: Records per chunk of a source's spill file (and per resolve-and-write step).
SPILL_CHUNK = 5000
#: Records are spilled as their field values and rebuilt as they were (already validated, so without
#: running ``__post_init__`` again): the dataclasses' own pickling is several times slower.
_SPILL_FIELDS = {cls: (cls.__slots__, attrgetter(*cls.__slots__)) for cls in (Node, Edge, OwnershipClaim)}


def _rebuild(cls: type[Record], values: tuple[Any, ...]) -> Record:
    obj = object.__new__(cls)
    for name, value in zip(_SPILL_FIELDS[cls][0], values, strict=True):
        object.__setattr__(obj, name, value)
    return obj


def _reducer(cls: type[Record]) -> Callable[[Record], tuple[Any, ...]]:
    get = _SPILL_FIELDS[cls][1]
    return lambda rec: (_rebuild, (cls, get(rec)))


_SPILL_REDUCE = {cls: _reducer(cls) for cls in _SPILL_FIELDS}


class _Spill:
    """One source's records, kept on disk between reading the source and writing it (the run's
    memory is a chunk, not the run): pickled chunks in the run's private temporary folder."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.count = 0
        self._fh = path.open("wb")
        self._chunk: list[Record] = []

    def add(self, rec: Record) -> None:
        self._chunk.append(rec)
        self.count += 1
        if len(self._chunk) >= SPILL_CHUNK:
            self._flush()

    def _flush(self) -> None:
        if self._chunk:
            pickler = pickle.Pickler(self._fh, protocol=pickle.HIGHEST_PROTOCOL)
            pickler.dispatch_table = _SPILL_REDUCE  # type: ignore[assignment]
            pickler.dump(self._chunk)
            self._chunk = []

    def close(self) -> None:
        self._flush()
        self._fh.close()

    def chunks(self) -> Iterator[list[Record]]:
        with self.path.open("rb") as fh:
            while True:
                try:
                    yield pickle.load(fh)  # our own file, in a folder only this process knows
                except EOFError:
                    return


def run_recipe(
    recipe: Recipe,
    store: GraphStore,
    *,
    dry_run: bool = False,
    force: bool = False,
    progress: Progress | None = None,
    strict: bool = False,
    actor: str | None = None,
) -> RecipeReport:
    """Run every source of ``recipe`` into ``store`` and report what happened.

    A source that skipped something (a bad catalog document) has nothing removed in this run, so
    what it skipped keeps all its previous records; the outcome says so (``retract_skipped``).
    ``strict`` (or the recipe's ``strict: true``) goes further, for CI: a source with any skipped
    document, warning, failure or unresolved person is a failure, and nothing of it is written or
    removed (its bookmarks do not advance either).

    A dry run (``dry_run``) runs for real into a scratch copy of ``store`` in a temporary folder,
    so it reports exactly what the real run would write and remove (CODEOWNERS links included),
    and leaves ``store`` untouched: see :func:`dry_run_recipe`.

    A real run ends with one ``ingest.run`` entry in the governance log (``actor``: who ran it, default
    the local operator): per source what was written and removed, and the recipe's digest. A run is
    many transactions (batches, a retraction per source, CODEOWNERS links, aliases) and its summary
    exists only after the last of them, so it is an entry of its own, appended right after. A dry run
    logs nothing.
    """
    if dry_run:
        return dry_run_recipe(recipe, store, force=force, progress=progress, strict=strict)
    report = _run(recipe, store, state_store=store, force=force, progress=progress, strict=strict)
    if actor is None:
        from steward.governance.principal import local_operator

        actor = local_operator().actor
    store.upsert(log=[_run_entry(recipe, report, actor=actor, strict=strict or recipe.strict, force=force)])
    return report


def _run_entry(recipe: Recipe, report: RecipeReport, *, actor: str, strict: bool, force: bool) -> dict[str, Any]:
    """The log entry of a run: who, which recipe, and per source what changed."""
    return {
        "type": "ingest.run", "actor": actor, "recipe_sha256": recipe.digest, "ok": report.ok,
        "strict": strict, "force": force,
        "sources": [{"source": o.report.source, "kind": o.report.kind,
                     "written": {"nodes": o.written_nodes, "edges": o.written_edges},
                     "removed": {"nodes": o.removed_nodes, "edges": o.removed_edges},
                     "failures": len(o.report.failures), "refused": o.refused} for o in report.outcomes],
    }


def dry_run_recipe(
    recipe: Recipe,
    store: GraphStore | None,
    *,
    uri: str | None = None,
    force: bool = False,
    progress: Progress | None = None,
    strict: bool = False,
) -> RecipeReport:
    """What :func:`run_recipe` would do to ``store``, done to a scratch copy; ``store`` is not written.

    ``store`` None stands for a store that does not exist yet (``uri`` names it): the run is made
    on an empty scratch store and nothing is created. The report counts what the real run would
    write (``written``) and remove (``would_remove``; ``removed`` stays 0).
    """
    with _scratch_copy(store) as scratch:
        report = _run(recipe, scratch, state_store=store, force=force, progress=progress, strict=strict)
    report.store = store.uri if store is not None else (uri or report.store)
    report.dry_run = True
    for o in report.outcomes:
        o.would_remove = o.removed_nodes + o.removed_edges
        o.removed_nodes = o.removed_edges = 0
    return report


@contextmanager
def _scratch_copy(store: GraphStore | None) -> Iterator[GraphStore]:
    """An embedded store in a temporary folder holding what ``store`` holds (empty for None)."""
    from steward.store import open_store

    with tempfile.TemporaryDirectory(prefix="steward-dry-run-") as tmp:
        path = Path(tmp) / "graph.db"
        source_path = getattr(store, "path", None)
        copied = False
        if store is not None and store.uri.startswith("sqlite:///") and isinstance(source_path, Path):
            # An embedded store: SQLite's online backup copies it whole (state and provenance too).
            src = sqlite3.connect(f"{source_path.resolve().as_uri()}?mode=ro", uri=True)
            dst = sqlite3.connect(str(path))
            try:
                src.backup(dst)
            finally:
                dst.close()
                src.close()
            copied = True
        scratch = open_store(f"sqlite:///{path}", create=True)
        try:
            if store is not None and not copied:  # another backend: through the export format
                from steward.export import import_jsonl, jsonl_lines, select

                import_jsonl(scratch, jsonl_lines(store, select(store)), where=store.uri)
            yield scratch
        finally:
            scratch.close()


#: While a recipe runs, the collector's thresholds are at least these (see ``_fewer_collections``).
GC_YOUNG = 10_000
GC_OLDEST = 100
_gc_lock = threading.Lock()
_gc_runs: list[tuple[int, int, int]] = []  # the thresholds before the first of the runs under way


@contextmanager
def _fewer_collections() -> Iterator[None]:
    """Let Python's cycle collector run less often during a run (it still runs: cycles are freed).

    A run makes millions of small objects (records, rows, parsed events) that live for a chunk. With the
    default thresholds (700, 10, 10) the collector walks them several times as they age and scans the
    whole heap again and again (a tenth of the CPU time of a 50,000-event ingest); a young generation of
    ``GC_YOUNG`` objects lets most of them die before a collection sees them, and a full collection comes
    after ``GC_OLDEST`` middle ones instead of 10. Runs in several threads share one setting, put back when
    the last ends.
    """
    with _gc_lock:
        if not _gc_runs:
            young, middle, oldest = gc.get_threshold()
            gc.set_threshold(max(young, GC_YOUNG), middle, max(oldest, GC_OLDEST))
            _gc_runs.append((young, middle, oldest))
        else:
            _gc_runs.append(_gc_runs[0])
    try:
        yield
    finally:
        with _gc_lock:
            before = _gc_runs.pop()
            if not _gc_runs:
                gc.set_threshold(*before)


@_fewer_collections()  # (a context manager made by @contextmanager is also a decorator, made anew per call)
def _run(
    recipe: Recipe,
    store: GraphStore,
    *,
    state_store: GraphStore | None,
    force: bool,
    progress: Progress | None,
    strict: bool,
) -> RecipeReport:
    """The run itself, into ``store``; sources read their bookmarks from ``state_store`` (None: none).

    Bookmarks are written back only when ``state_store`` is ``store`` (a dry run never advances them).
    """
    dry_run = state_store is not store
    strict = strict or recipe.strict
    check_precedence(store, recipe.precedence, where="recipe")
    report = RecipeReport(store=store.uri, dry_run=dry_run)
    seen_at = now_iso()
    # Two passes, so memory holds a chunk of records and not the run: each source is read once into a
    # spill file while the resolver learns its aliases and the people it names are noted; then each is
    # resolved (with everything the run taught the resolver) and written chunk by chunk.
    resolver = Resolver.from_store(store)
    collected: list[tuple[Source[Any], _Spill, bool, set[str]]] = []
    named_by: list[set[str]] = []  # per source, the people its records name
    in_run: list[Node] = []  # the run's people and teams (few), for names another source defines
    states: dict[str, _BufferedState] = {}
    if store.get_state(PRECEDENCE_STATE_KEY) is None:
        set_precedence(store, recipe.precedence or DEFAULT_PRECEDENCE)
    streaming = not strict  # while every source so far streamed (writes stay in the recipe's order)
    with tempfile.TemporaryDirectory(prefix="steward-ingest-") as spill_dir:
        for i, entry in enumerate(recipe.sources):
            cls, config = _build_config(entry, f"sources[{i}]")
            name = entry.name or entry.type
            states[name] = _BufferedState(state_store)  # one per source: a refused source's bookmarks stay put
            context = SourceContext(base_dir=recipe.base_dir, state=states[name], seen_at=seen_at)
            src = cls(config, name=name, context=context)
            named: set[str] = set()
            named_by.append(named)
            streaming = streaming and cls.streams
            if streaming:
                # One pass: nothing the run learns later can change these records, so they are written
                # as they are read (memory: a chunk).
                reading = _Reading(src, resolver, named, in_run, progress)
                outcome = _store_source(store, src.report, reading.chunks(_chunk_size(store)),
                                        retract=reading.retract, recipe=recipe, force=force)
                _note_retract_skipped(outcome, src, whole=reading.whole())
                report.outcomes.append(outcome)
                if not dry_run:
                    states[src.name].flush()
                continue
            spill = _Spill(Path(spill_dir) / f"{i}.pickle")
            ran_whole = True
            try:
                for rec in src.records():
                    spill.add(rec)
                    _note_people(rec, named, in_run)
                    if isinstance(rec, Node):
                        resolver.learn((rec,))
                    if progress is not None and spill.count % 1000 == 0:
                        progress(src.name, spill.count)
            except StewardError as exc:
                src.report.fail(str(exc), source=src.name)
                ran_whole = False
            except Exception as exc:  # one broken source must not lose the others work
                logger.exception("source %s crashed", src.name)
                src.report.fail(f"{type(exc).__name__}: {exc}", source=src.name)
                ran_whole = False
            finally:
                spill.close()
            if progress is not None:
                progress(src.name, spill.count)
            collected.append((src, spill, ran_whole, named))

        for src, spill, ran_whole, named in collected:
            if strict:
                unresolved = _unresolved(store, named, in_run)
                if _refuse(src.report, unresolved):
                    report.outcomes.append(SourceOutcome(src.report, refused=True))
                    continue
            whole = ran_whole and src.report.complete and not src.report.failures
            outcome = _store_source(store, src.report, (resolver.rewrite(c) for c in spill.chunks()),
                                    retract=whole and not src.report.skipped, recipe=recipe, force=force)
            _note_retract_skipped(outcome, src, whole=whole)
            report.outcomes.append(outcome)
            if not dry_run:
                states[src.name].flush()
    report.outcomes.append(_link_codeowners(store, recipe, seen_at=seen_at, force=force, strict=strict))
    reresolve_aliases(store)
    report.unresolved = _unresolved(store, {p for named in named_by for p in named}, in_run)
    return report


def _note_retract_skipped(outcome: SourceOutcome, src: Source[Any], *, whole: bool) -> None:
    if whole and src.report.skipped:
        outcome.retract_skipped = (
            f"{len(src.report.skipped)} item(s) skipped (see the warnings): nothing of {src.name!r} was "
            "removed in this run, so what was skipped keeps all its previous records; fix them, or use "
            "--strict to fail"
        )
        src.report.warn(outcome.retract_skipped)


#: Records per chunk a streamed source is written in (one transaction each) on a store that takes big
#: transactions cheaply (``GraphStore.big_transactions``: the embedded store); other stores take ``SPILL_CHUNK``.
STREAM_CHUNK = 50_000


def _chunk_size(store: GraphStore) -> int:
    return STREAM_CHUNK if store.big_transactions else SPILL_CHUNK


class _Reading:
    """One streamed source (``Source.streams``) read once: its records in chunks to write, the people they
    name noted and the resolver taught on the way, and whether it ran whole."""

    def __init__(self, src: Source[Any], resolver: Resolver, named: set[str], in_run: list[Node],
                 progress: Progress | None) -> None:
        self.src, self.resolver, self.named, self.in_run, self.progress = src, resolver, named, in_run, progress
        self.ran_whole = True
        self.done = False

    def whole(self) -> bool:
        return self.done and self.ran_whole and self.src.report.complete and not self.src.report.failures

    def retract(self) -> bool:
        """Asked once every chunk is written: remove what the source stopped saying? (as the spilled path)"""
        return self.whole() and not self.src.report.skipped

    def chunks(self, size: int) -> Iterator[list[Record]]:
        src, progress = self.src, self.progress
        chunk: list[Record] = []
        count = 0
        read_all = False
        try:
            for rec in src.records():
                chunk.append(rec)
                count += 1
                if progress is not None and count % 1000 == 0:
                    progress(src.name, count)
                if len(chunk) >= size:
                    # the people its records name noted, and the resolver taught for the sources after this
                    # one (nothing here is rewritten), before the chunk is written
                    self.resolver.learn(_note_chunk(chunk, self.named, self.in_run))
                    yield chunk
                    chunk = []
            read_all = True
            self.resolver.learn(_note_chunk(chunk, self.named, self.in_run))
        except StewardError as exc:
            src.report.fail(str(exc), source=src.name)
            self.ran_whole = False
        except Exception as exc:  # one broken source must not lose the others work
            logger.exception("source %s crashed", src.name)
            src.report.fail(f"{type(exc).__name__}: {exc}", source=src.name)
            self.ran_whole = False
        if not read_all:  # the source failed part-way: the records it gave of the last chunk name people too
            try:
                _note_chunk(chunk, self.named, self.in_run)
            except Exception:  # something that is not a record: its failure is reported already
                logger.debug("not a record in the chunk of %s", src.name, exc_info=True)
        if chunk:
            yield chunk
        self.done = True
        if progress is not None:
            progress(src.name, count)


_PERSON = f"{NodeKind.PERSON.prefix}:"


def _note_people(rec: Record, named: set[str], in_run: list[Node]) -> None:
    """Note the people ``rec`` names (``named``) and keep it if it is a person or team (``in_run``)."""
    _note_chunk((rec,), named, in_run)


def _note_chunk(chunk: Sequence[Record], named: set[str], in_run: list[Node]) -> list[Node]:
    """Note the people each record of ``chunk`` names (``named``) and keep those that are a person or team
    (``in_run``), in order; the chunk's models (the only nodes :meth:`Resolver.learn` learns from)."""
    models: list[Node] = []
    note = named.add
    keep = in_run.append
    person, team, model = NodeKind.PERSON, NodeKind.TEAM, NodeKind.MODEL
    for rec in chunk:
        if isinstance(rec, Node):
            if rec.id.startswith(_PERSON):
                note(rec.id)
            kind = rec.kind
            if kind is person or kind is team:
                keep(rec)
            elif kind is model:
                models.append(rec)
        elif isinstance(rec, Edge):
            if rec.src.startswith(_PERSON):
                note(rec.src)
            if rec.dst.startswith(_PERSON):
                note(rec.dst)
        elif rec.owner.startswith(_PERSON):
            note(rec.owner)
    return models


def _refuse(report: SourceReport, unresolved: Sequence[str]) -> bool:
    """Strict mode: fail a source that skipped, warned, failed or named unknown people; True if refused."""
    reasons = []
    if report.skipped:
        reasons.append(f"{len(report.skipped)} skipped")
    if len(report.warnings) > len(report.skipped):
        reasons.append(f"{len(report.warnings) - len(report.skipped)} warning(s)")
    if report.failures:
        reasons.append(f"{len(report.failures)} failure(s)")
    if unresolved:
        reasons.append(f"{len(unresolved)} unresolved person(s): {', '.join(unresolved[:5])}"
                       + (" ..." if len(unresolved) > 5 else ""))
    if not reasons:
        return False
    report.fail(f"strict: {'; '.join(reasons)}; nothing of {report.source!r} was written or removed",
                source=report.source)
    return True


def _unresolved_names(store: GraphStore, records: Sequence[Record], *,
                      known: Sequence[Record] | None = None) -> list[str]:
    """The people ``records`` name that map to nobody the store or the run (``known``) knows."""
    named: set[str] = set()
    in_run: list[Node] = []
    for r in records:
        _note_people(r, named, [])
    for r in records if known is None else known:
        _note_people(r, set(), in_run)
    return _unresolved(store, named, in_run)


def _unresolved(store: GraphStore, people: set[str], in_run: Sequence[Node]) -> list[str]:
    """Which of ``people`` map to nobody the store or the run's people and teams (``in_run``) know."""
    if not people:
        return []
    stored = Identities.load(store)
    extra = [NodeRecord(r.id, r.kind, r.name, dict(r.props), (r.source,), r.seen_at)
             for r in in_run if r.id not in stored.people and r.id not in stored.teams]
    ids = Identities.from_records([*stored.people.values(), *stored.teams.values(), *extra])
    return sorted(p for p in people if ids.is_unresolved(p))


def _link_codeowners(store: GraphStore, recipe: Recipe, *, seen_at: str, force: bool,
                     strict: bool = False) -> SourceOutcome:
    """Claims from CODEOWNERS for jobs and runs whose source file is known (source ``codeowners``)."""
    from steward.sources.codeowners import link_claims

    outcome = SourceOutcome(SourceReport(source=CODEOWNERS_SOURCE, kind=CODEOWNERS_SOURCE))
    repos = [r for r in store.find_nodes(kinds=[NodeKind.REPO]) if r.props.get("codeowners")]
    if not repos:
        return outcome
    artifacts = [n for n in store.find_nodes(kinds=[NodeKind.JOB, NodeKind.RUN]) if n.props.get("code_path")]
    claims, problems = link_claims(repos, artifacts, source=CODEOWNERS_SOURCE, seen_at=seen_at)
    outcome.report.warnings.extend(problems)
    outcome.report.counts["OWNS:owner"] = len(claims)
    if strict and _refuse(outcome.report, ()):
        outcome.refused = True
        return outcome
    return _store_source(store, outcome.report, [claims], retract=True, recipe=recipe, force=force)


def _store_source(
    store: GraphStore, report: SourceReport, resolved: Iterable[Sequence[Record]], *,
    retract: bool | Callable[[], bool], recipe: Recipe, force: bool,
) -> SourceOutcome:
    """Write one source's resolved records (chunk by chunk), then (after a complete run) remove what it
    stopped saying: what it had said before the run and no chunk emitted. ``retract`` may be a question
    asked after the last chunk (a streamed source knows whether it ran whole only then)."""
    outcome = SourceOutcome(report)
    leftover_nodes: set[str] = set()
    leftover_edges: set[Any] = set()
    if retract:  # a callable: maybe, known at the end
        said = store.source_records(report.source)
        leftover_nodes, leftover_edges = set(said.nodes), set(said.edges)
        del said
    repeats = _Repeats()
    # A chunk is one transaction; the store's writer may write the next while one commits (Neo4j).
    with store.writer() as writer:
        for chunk in resolved:
            fresh = repeats.fresh(chunk)
            nodes, edges, claims = _split(fresh)
            writer.upsert(nodes=nodes, edges=edges, claims=claims)
            outcome.written_nodes += len(nodes) + repeats.nodes_dropped
            outcome.written_edges += len(edges) + len(claims) + repeats.edges_dropped
            if leftover_nodes or leftover_edges:
                for r in fresh:
                    if isinstance(r, Node):
                        leftover_nodes.discard(r.id)
                    else:
                        e = r.to_edge() if isinstance(r, OwnershipClaim) else r
                        leftover_nodes.discard(e.src)
                        leftover_nodes.discard(e.dst)
                        leftover_edges.discard(e.identity)
    if retract if isinstance(retract, bool) else retract():
        try:
            outcome.removed_nodes, outcome.removed_edges = _retract_stale(
                store, report.source, leftover_nodes, leftover_edges, max_share=recipe.max_removal_share,
                force=force)
        except SafetyLimitError as exc:  # the other sources still run; the CLI exits with its code (7)
            report.fail(exc.message, source=report.source, code=exc.code)
    return outcome


class _Repeats:
    """Drops a record its source already wrote in this run, unchanged, as the last word on its node or edge
    (the dataset every event that reads it names again; the team that owns a job, once per run of it).
    Nodes and ownership claims are looked for; other edges are written as they come.

    Writing it again would change nothing: a node's merge (props overwritten by the same values, the
    source already among its sources, the same ``seen_at``) and an edge's upsert are idempotent when no
    other record of the node or edge came in between, and every record of a chunk is written in order,
    in the chunks' order. Memory is bounded: each table is forgotten when it outgrows ``MAX``.
    """

    MAX = 200_000

    def __init__(self) -> None:
        self._nodes: dict[str, Node] = {}
        self._edges: dict[EdgeKey, OwnershipClaim] = {}
        self.nodes_dropped = 0
        self.edges_dropped = 0

    def fresh(self, chunk: Sequence[Record]) -> list[Record]:
        nodes, edges = self._nodes, self._edges
        if len(nodes) > self.MAX:
            nodes.clear()
        if len(edges) > self.MAX:
            edges.clear()
        out: list[Record] = []
        dropped_nodes = dropped_edges = 0
        for r in chunk:
            if isinstance(r, Node):
                said = nodes.get(r.id)
                if said is r or said == r:  # (the same record object, as a source hands out again: equal)
                    dropped_nodes += 1
                    continue
                nodes[r.id] = r
            elif isinstance(r, OwnershipClaim):
                key = EdgeKey(r.owner, EdgeKind.OWNS, r.artifact, f"{r.source}|{r.role}")  # its edge's identity
                claimed = edges.get(key)
                if claimed is r or claimed == r:
                    dropped_edges += 1
                    continue
                edges[key] = r
            elif r.kind is EdgeKind.OWNS:  # other edges are not looked for; this one may replace a claim
                edges.pop(r.identity, None)
            out.append(r)
        self.nodes_dropped, self.edges_dropped = dropped_nodes, dropped_edges
        return out
