"""OpenLineage events (spec 2-0-2) -> Steward records, from files now and from the HTTP receiver.

One code path for both ways in: :func:`parse_event` validates one event and returns its records,
or raises :class:`~steward.errors.InvalidInputError` naming the field path of the first problems
(``run.runId: missing``); nothing is emitted for an invalid event. The receiver calls
:func:`loads_event` (size guard + JSON) and :func:`parse_event`; :class:`OpenLineageSource` reads
``.json`` / ``.jsonl`` files through the same functions.

The event kind is told from its fields: ``run`` -> RunEvent, ``dataset`` -> DatasetEvent, else
the ``schemaURL`` fragment, else ``eventType`` -> RunEvent, else ``job`` -> JobEvent.

What an event becomes:

* RunEvent: ``Job`` ``job:<namespace>/<name>`` (code location and job type facets as props),
  ``Run`` ``run:<runId>`` (canonical lower-case UUID) with ``Run -RUN_OF-> Job``; inputs are
  ``Dataset -CONSUMED_BY-> Run``, outputs ``Run -PRODUCED-> Dataset``; the parent facet gives
  ``Run -CHILD_OF-> parent Run`` and ``parent Run -RUN_OF-> parent Job``; a source code location
  of ``type`` git with a ``version`` gives ``Commit -BUILT-> Run`` (``commit:<sha>``; the repository,
  when ``repoUrl`` is given, is the commit's ``repo`` property).
* DatasetEvent: the dataset node. JobEvent: the job node and its input/output dataset nodes, but
  no lineage edges (a JobEvent describes no run, and the graph has no dataset-to-job edge).
* Ownership facets on jobs and datasets: ownership claims with origin ``openlineage``; an owner
  ``type`` containing ``STEWARD`` gives role ``steward``, anything else ``owner``.

Replays are idempotent: every prop depends on the event alone and none depends on the order
events arrive in -- ``started_at`` comes only from START, ``ended_at`` and ``state`` only from the
one terminal event (COMPLETE, FAIL or ABORT); RUNNING and OTHER events set neither.
"""

from __future__ import annotations

import json
import logging
import uuid
import zlib
from collections import Counter, defaultdict
from collections.abc import Iterator, MutableMapping
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, ValidationError, model_validator

from steward.errors import InvalidInputError
from steward.graph import Edge, EdgeKind, Node, NodeKind, OwnershipClaim, Props, Role, dataset_id, to_iso
from steward.refs import normalise_ref
from steward.sources.base import Record, Source, SourceConfig, repo_key
from steward.sources.catalog import expand_paths
from steward.validation import describe, dotted

__all__ = [
    "MAX_EVENT_BYTES",
    "OpenLineageSource",
    "OpenLineageSourceConfig",
    "check_event_size",
    "gunzip_limited",
    "loads_event",
    "owner_ref",
    "parse_event",
]

logger = logging.getLogger(__name__)

#: The largest single event accepted (after decompression). Real events are kilobytes; schema and
#: column-lineage facets of very wide tables reach a few hundred kilobytes.
MAX_EVENT_BYTES = 5 * 1024 * 1024
ORIGIN = "openlineage"
_MAX_REPORTED_ERRORS = 5
_TERMINAL = frozenset({"COMPLETE", "FAIL", "ABORT"})
#: Node records a file source keeps to hand out again (bounded: forgotten when full).
_MADE_MAX = 100_000
#: what the emitter counts a node or edge under
_KIND_VALUE: dict[NodeKind | EdgeKind, str] = {k: k.value for k in (*NodeKind, *EdgeKind)}
_DATASET = NodeKind.DATASET.value
#: the first item of a ``made`` key for a dataset without facets, by its namespace and name as the event said
_BARE_DATASET = "bare dataset"


# ---- size and JSON guards (shared with the HTTP receiver) -----------------------------------

def _mib(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MiB"


def check_event_size(size: int, *, where: str = "event", limit: int = MAX_EVENT_BYTES) -> None:
    """Refuse an event of ``size`` bytes over ``limit`` (InvalidInputError)."""
    if size > limit:
        raise InvalidInputError(f"{where}: {_mib(size)} is over the {_mib(limit)} limit for one OpenLineage event")


def gunzip_limited(data: bytes, *, where: str = "event", limit: int = MAX_EVENT_BYTES) -> bytes:
    """Decompress a gzip body (``Content-Encoding: gzip``) without ever inflating past ``limit``.

    A small compressed body can inflate to gigabytes; this stops at ``limit + 1`` bytes.
    """
    d = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        out = d.decompress(data, limit + 1)
    except zlib.error as exc:
        raise InvalidInputError(f"{where}: not valid gzip data ({exc})") from exc
    if len(out) > limit:
        raise InvalidInputError(f"{where}: decompresses to more than the {_mib(limit)} limit for one event")
    if not d.eof:
        raise InvalidInputError(f"{where}: truncated gzip data")
    return out


def loads_event(data: bytes | str, *, where: str = "event", limit: int = MAX_EVENT_BYTES) -> object:
    """Size-check and decode one JSON document; errors name the line and column."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    check_event_size(len(raw), where=where, limit=limit)
    try:
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        raise InvalidInputError(f"{where}: not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from exc
    except UnicodeDecodeError as exc:
        raise InvalidInputError(f"{where}: not valid UTF-8 ({exc.reason} at byte {exc.start})") from exc


# ---- the event models (only what Steward reads is typed; every object allows extra fields) --

NonEmpty = Annotated[str, StringConstraints(min_length=1)]


def _uuid(value: str) -> str:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise ValueError(f"expected a UUID, got {value[:80]!r}") from None


def _event_time(value: str) -> str:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"expected an ISO-8601 date-time, got {value[:80]!r}") from None
    if "t" not in value.lower():
        raise ValueError(f"expected a date-time with a time part, got {value[:80]!r}")
    return to_iso(parsed)


RunId = Annotated[str, AfterValidator(_uuid)]
EventTime = Annotated[str, AfterValidator(_event_time)]


class _M(BaseModel):
    model_config = ConfigDict(strict=True, extra="allow", frozen=True)


class _Facets(_M):
    """A facets map: every facet is an object; a facet sent as ``{"_deleted": true}`` is ignored."""

    __pydantic_extra__: dict[str, dict[str, Any]] = Field(init=False)

    @model_validator(mode="before")
    @classmethod
    def _drop_deleted(cls, data: object) -> object:
        if isinstance(data, dict):
            return {k: v for k, v in data.items() if not (isinstance(v, dict) and v.get("_deleted") is True)}
        return data


class _Owner(_M):
    name: NonEmpty
    type: str | None = None


class _Ownership(_M):
    owners: list[_Owner] | None = None


class _SourceCodeLocation(_M):
    type: str | None = None
    url: str | None = None
    repoUrl: str | None = None
    path: str | None = None
    version: str | None = None
    branch: str | None = None
    tag: str | None = None


class _JobType(_M):
    processingType: str | None = None
    integration: str | None = None
    jobType: str | None = None


class _JobFacets(_Facets):
    ownership: _Ownership | None = None
    sourceCodeLocation: _SourceCodeLocation | None = None
    jobType: _JobType | None = None


class _DatasetVersion(_M):
    datasetVersion: str


class _Lifecycle(_M):
    lifecycleStateChange: str


class _DatasetFacets(_Facets):
    ownership: _Ownership | None = None
    version: _DatasetVersion | None = None
    lifecycleStateChange: _Lifecycle | None = None


class _ParentRun(_M):
    runId: RunId


class _ParentJob(_M):
    namespace: NonEmpty
    name: NonEmpty


class _Parent(_M):
    run: _ParentRun
    job: _ParentJob


class _RunFacets(_Facets):
    parent: _Parent | None = None


class _Run(_M):
    runId: RunId
    facets: _RunFacets | None = None


class _Job(_M):
    namespace: NonEmpty
    name: NonEmpty
    facets: _JobFacets | None = None


class _Dataset(_M):
    namespace: NonEmpty
    name: NonEmpty
    facets: _DatasetFacets | None = None


class _BaseEvent(_M):
    eventTime: EventTime
    producer: NonEmpty
    schemaURL: NonEmpty


class _RunEvent(_BaseEvent):
    run: _Run
    job: _Job
    eventType: Literal["START", "RUNNING", "COMPLETE", "ABORT", "FAIL", "OTHER"] | None = None
    inputs: list[_Dataset] | None = None
    outputs: list[_Dataset] | None = None


class _DatasetEvent(_BaseEvent):
    dataset: _Dataset


class _JobEvent(_BaseEvent):
    job: _Job
    inputs: list[_Dataset] | None = None
    outputs: list[_Dataset] | None = None


_Event = _RunEvent | _DatasetEvent | _JobEvent
_NO_JOB_FACETS = _JobFacets()  # models are frozen: one empty facets object serves every job without facets
_NO_DATASET_FACETS = _DatasetFacets()


def _event_model(obj: dict[str, Any]) -> type[_Event]:
    if "run" in obj:
        return _RunEvent
    if "dataset" in obj:
        return _DatasetEvent
    schema = obj.get("schemaURL")
    if isinstance(schema, str):
        fragment = schema.rpartition("/")[2]
        for suffix, model in (("RunEvent", _RunEvent), ("DatasetEvent", _DatasetEvent), ("JobEvent", _JobEvent)):
            if fragment.endswith(suffix):
                return model
    if "eventType" in obj or "job" not in obj:
        return _RunEvent
    return _JobEvent


# ---- error messages --------------------------------------------------------------------------

def _translate(exc: ValidationError, model: type[_Event], where: str) -> InvalidInputError:
    errors = exc.errors(include_url=False)
    parts = [f"{dotted(e['loc']) or 'event'}: {describe(e, container='object')}" for e in errors[:_MAX_REPORTED_ERRORS]]
    if len(errors) > _MAX_REPORTED_ERRORS:
        parts.append(f"and {len(errors) - _MAX_REPORTED_ERRORS} more")
    kind = model.__name__.lstrip("_")
    return InvalidInputError(f"{where}: invalid OpenLineage {kind}: {'; '.join(parts)}")


# ---- records ---------------------------------------------------------------------------------

def owner_ref(name: str) -> str:
    """An OpenLineage owner name (``user:jdoe``, ``team:data``, an e-mail) as a person or team id.

    Uses the catalog's rule, :func:`steward.refs.normalise_ref`; raises InvalidInputError for
    owners that are neither (``application:foo``).
    """
    return normalise_ref(name)


def _role(owner_type: str | None) -> Role:
    return "steward" if owner_type and "steward" in owner_type.lower() else "owner"


class _Emitter:
    """Builds one event's records, stamped like :class:`~steward.sources.base.Source` does."""

    def __init__(self, source: str, seen_at: str, where: str, counts: MutableMapping[str, int] | None,
                 notes: list[str] | None, made: dict[tuple[Any, ...], Node] | None = None) -> None:
        self.source, self.seen_at, self.where = source, seen_at, where
        self.counts = counts if counts is not None else Counter()
        self.notes = notes
        self.out: list[Record] = []
        self.made = made

    def node(self, kind: NodeKind, node_id: str, name: str = "", **props: Any) -> Node:
        clean: Props = {k: v for k, v in props.items() if v is not None}
        made = self.made
        if made is None:
            node = Node(id=node_id, kind=kind, source=self.source, name=name, props=clean, seen_at=self.seen_at)
        else:  # the same node again (a dataset every run reads): the record already made, checked once
            key = (node_id, kind, name, *clean.items())  # props are strings here (hashable)
            found = made.get(key)
            if found is None:
                if len(made) >= _MADE_MAX:
                    made.clear()
                found = made[key] = Node(id=node_id, kind=kind, source=self.source, name=name, props=clean,
                                         seen_at=self.seen_at)
            node = found
        self.out.append(node)
        self.counts[_KIND_VALUE[kind]] += 1
        return node

    def edge(self, src: str, kind: EdgeKind, dst: str) -> None:
        # Both ends are ids this event's nodes were made with (checked then) or ``run:<checked UUID>``, the
        # source is named and there are no props: nothing the Edge's own check could refuse, so it is skipped.
        edge = object.__new__(Edge)
        put = object.__setattr__
        put(edge, "src", src)
        put(edge, "kind", kind)
        put(edge, "dst", dst)
        put(edge, "source", self.source)
        put(edge, "props", {})
        put(edge, "seen_at", self.seen_at)
        self.out.append(edge)
        self.counts[_KIND_VALUE[kind]] += 1

    def ownership(self, facet: _Ownership | None, artifact: str, path: str) -> None:
        for i, owner in enumerate((facet.owners or []) if facet else []):
            try:
                ref = owner_ref(owner.name)
            except InvalidInputError as exc:
                self.note(f"{path}.owners[{i}].name: {exc.message}; this owner is not recorded")
                continue
            role = _role(owner.type)
            self.out.append(OwnershipClaim(owner=ref, artifact=artifact, role=role, source=self.source,
                                           seen_at=self.seen_at, origin=ORIGIN))
            self.counts[f"OWNS:{role}"] += 1

    def note(self, message: str) -> None:
        text = f"{self.where}: {message}"
        if self.notes is not None:
            self.notes.append(text)
        else:
            logger.info("%s", text)

    # ---- pieces of an event ----
    def job(self, job: _Job, path: str) -> str:
        jid = f"job:{job.namespace}/{job.name}"
        facets = job.facets or _NO_JOB_FACETS
        code, jtype = facets.sourceCodeLocation, facets.jobType
        self.node(
            NodeKind.JOB, jid, job.name, namespace=job.namespace,
            code_path=code.path if code else None,
            code_repo=repo_key(code.repoUrl) if code and code.repoUrl else None,
            code_version=code.version if code else None,
            code_url=code.url if code else None,
            code_branch=code.branch if code else None,
            processing_type=jtype.processingType if jtype else None,
            integration=jtype.integration if jtype else None,
            job_type=jtype.jobType if jtype else None,
        )
        self.ownership(facets.ownership, jid, f"{path}.facets.ownership")
        return jid

    def dataset(self, ds: _Dataset, path: str) -> str:
        made = self.made
        if ds.facets is None and made is not None:  # most datasets: namespace and name, no facets
            key = (_BARE_DATASET, ds.namespace, ds.name)
            found = made.get(key)
            if found is None:  # made (and checked) as below, then remembered by what the event said
                found = self.node(NodeKind.DATASET, dataset_id(ds.namespace, ds.name), ds.name,
                                  namespace=ds.namespace)
                if len(made) >= _MADE_MAX:
                    made.clear()
                made[key] = found
            else:
                self.out.append(found)
                self.counts[_DATASET] += 1
            return found.id
        did = dataset_id(ds.namespace, ds.name)
        facets = ds.facets or _NO_DATASET_FACETS
        self.node(
            NodeKind.DATASET, did, ds.name, namespace=ds.namespace,
            version=facets.version.datasetVersion if facets.version else None,
            lifecycle_state=facets.lifecycleStateChange.lifecycleStateChange if facets.lifecycleStateChange else None,
        )
        self.ownership(facets.ownership, did, f"{path}.facets.ownership")
        return did

    def run_event(self, ev: _RunEvent) -> None:
        jid = self.job(ev.job, "job")
        rid = f"run:{ev.run.runId}"
        state = ev.eventType
        self.node(
            NodeKind.RUN, rid, ev.run.runId, source_system=ORIGIN, producer=ev.producer,
            job_namespace=ev.job.namespace, job_name=ev.job.name,
            started_at=ev.eventTime if state == "START" else None,
            ended_at=ev.eventTime if state in _TERMINAL else None,
            state=state if state in _TERMINAL else None,
        )
        self.edge(rid, EdgeKind.RUN_OF, jid)
        for i, ds in enumerate(ev.inputs or []):
            self.edge(self.dataset(ds, f"inputs[{i}]"), EdgeKind.CONSUMED_BY, rid)
        for i, ds in enumerate(ev.outputs or []):
            self.edge(rid, EdgeKind.PRODUCED, self.dataset(ds, f"outputs[{i}]"))
        parent = ev.run.facets.parent if ev.run.facets else None
        if parent is not None:
            pjid = f"job:{parent.job.namespace}/{parent.job.name}"
            prid = f"run:{parent.run.runId}"
            self.node(NodeKind.JOB, pjid, parent.job.name, namespace=parent.job.namespace)
            self.edge(prid, EdgeKind.RUN_OF, pjid)
            self.edge(rid, EdgeKind.CHILD_OF, prid)
        code = ev.job.facets.sourceCodeLocation if ev.job.facets else None
        if code is not None and code.version and (code.type or "git").lower() == "git":
            sha = code.version.strip().lower()
            cid = f"commit:{sha}"
            self.node(NodeKind.COMMIT, cid, sha[:12], sha=sha, repo=repo_key(code.repoUrl) if code.repoUrl else None)
            self.edge(cid, EdgeKind.BUILT, rid)

    def job_event(self, ev: _JobEvent) -> None:
        self.job(ev.job, "job")
        for i, ds in enumerate(ev.inputs or []):
            self.dataset(ds, f"inputs[{i}]")
        for i, ds in enumerate(ev.outputs or []):
            self.dataset(ds, f"outputs[{i}]")


def _parse(obj: object, *, source: str, seen_at: str, where: str, counts: Counter[str] | None,
           notes: list[str] | None, made: dict[tuple[Any, ...], Node] | None = None) -> list[Record]:
    if not isinstance(obj, dict):
        raise InvalidInputError(f"{where}: an OpenLineage event must be a JSON object, not {type(obj).__name__}")
    model = _event_model(obj)
    try:
        ev = model.model_validate(obj)
    except ValidationError as exc:
        raise _translate(exc, model, where) from exc
    return _emit(ev, source=source, seen_at=seen_at, where=where, counts=counts, notes=notes, made=made)


def _parse_raw(raw: bytes, *, source: str, seen_at: str, where: str, counts: Counter[str] | None,
               notes: list[str] | None, made: dict[tuple[Any, ...], Node] | None = None) -> list[Record]:
    """One event as read from a file (size already checked): :func:`_parse` of its JSON, faster.

    A RunEvent is validated straight from the bytes (one pass, no Python dicts in between). Only a valid
    RunEvent passes that way, and a document with a top-level ``run`` is always taken for a RunEvent, so
    the fast path accepts exactly the RunEvents the slow one accepts, with the same values. Anything else
    (another kind of event, invalid JSON, an invalid event) takes the slow path, whose errors are the ones
    reported.
    """
    try:
        ev = _RunEvent.model_validate_json(raw)
    except ValidationError:
        return _parse(loads_event(raw, where=where), source=source, seen_at=seen_at, where=where, counts=counts,
                      notes=notes, made=made)
    return _emit(ev, source=source, seen_at=seen_at, where=where, counts=counts, notes=notes, made=made)


def _emit(ev: _Event, *, source: str, seen_at: str, where: str, counts: Counter[str] | None,
          notes: list[str] | None, made: dict[tuple[Any, ...], Node] | None) -> list[Record]:
    # Build into a private counter first: an event that fails half-way must not leave counts behind.
    local: defaultdict[str, int] = defaultdict(int)
    em = _Emitter(source, seen_at, where, local, notes, made)
    try:
        if isinstance(ev, _RunEvent):
            em.run_event(ev)
        elif isinstance(ev, _DatasetEvent):
            em.dataset(ev.dataset, "dataset")
        else:
            em.job_event(ev)
    except InvalidInputError as exc:  # an id the graph refuses (e.g. a blank dataset name after trimming)
        raise InvalidInputError(f"{where}: {exc.message}") from exc
    if counts is not None:
        for name, n in local.items():  # (Counter.update, in the same order, without its per-call cost)
            counts[name] += n
    return em.out


def parse_event(obj: object, *, source: str, seen_at: str, where: str = "event",
                notes: list[str] | None = None) -> list[Record]:
    """Validate ONE decoded OpenLineage event and return its records.

    Raises InvalidInputError naming the field paths of the problems (``event: invalid OpenLineage
    RunEvent: run.runId: missing``); nothing is returned for an invalid event. Valid events that
    carry something Steward cannot record (an owner ``application:foo``) are accepted and the
    skipped part is described in ``notes`` (or logged, without a list).
    """
    return _parse(obj, source=source, seen_at=seen_at, where=where, counts=None, notes=notes)


# ---- the file source -------------------------------------------------------------------------

class OpenLineageSourceConfig(SourceConfig):
    paths: list[str] = Field(
        ..., min_length=1,
        description="OpenLineage event files, folders or globs relative to the recipe: '.json' holds one event "
                    "or a JSON array of events, '.jsonl'/'.ndjson' one event per line (as the client's "
                    "FileTransport writes them with append: true).",
    )


_LINE_SUFFIXES = (".jsonl", ".ndjson")
_SUFFIXES = (".json", *_LINE_SUFFIXES)


class OpenLineageSource(Source[OpenLineageSourceConfig]):
    """OpenLineage events kept in files (the FileTransport's output, exported event logs)."""

    kind: ClassVar[str] = "openlineage"
    config_class: ClassVar[type[SourceConfig]] = OpenLineageSourceConfig
    streams: ClassVar[bool] = True  # jobs, runs, datasets, commits and claims: no alias placeholders

    def records(self) -> Iterator[Record]:
        files = expand_paths(self.config.paths, self.context.base_dir, self.report, suffixes=_SUFFIXES)
        events = 0
        made: dict[tuple[Any, ...], Node] = {}  # records are immutable: one made per distinct node, reused
        for path in files:
            name = path.name.lower()
            if name.endswith(_LINE_SUFFIXES):
                items = self._lines(path)
            elif name.endswith(".json"):
                items = self._json_file(path)
            else:
                self.report.fail(f"{path}: not an event file (expected {', '.join(_SUFFIXES)})", file=str(path))
                continue
            for where, context, obj in items:
                notes: list[str] = []
                try:
                    if isinstance(obj, bytes):  # a line as read
                        recs = _parse_raw(obj, source=self.name, seen_at=self.context.seen_at, where=where,
                                          counts=self.report.counts, notes=notes, made=made)
                    else:
                        recs = _parse(obj, source=self.name, seen_at=self.context.seen_at, where=where,
                                      counts=self.report.counts, notes=notes, made=made)
                except InvalidInputError as exc:
                    self.report.skip(f"{exc.message}; event skipped", **context)
                    continue
                for n in notes:
                    self.report.warn(n, **context)
                events += 1
                yield from recs
        self.report.info["files"] = len(files)
        self.report.info["events"] = events
        if self.report.failures:
            self.report.complete = False  # an unreadable file must not retract what it said before

    def _lines(self, path: Path) -> Iterator[tuple[str, dict[str, Any], object]]:
        """One event per non-blank line, as its bytes (decoded by :func:`_parse_raw`); an oversized line is
        skipped without reading it whole."""
        try:
            fh = path.open("rb")
        except OSError as exc:
            self.report.fail(f"{path}: cannot read: {exc}", file=str(path))
            return
        with fh:
            lineno = 0
            while True:
                chunk = fh.readline(MAX_EVENT_BYTES + 2)
                if not chunk:
                    break
                lineno += 1
                where = f"{path}:{lineno}"
                context: dict[str, Any] = {"file": str(path), "line": lineno}
                if not chunk.endswith(b"\n") and len(chunk) > MAX_EVENT_BYTES:
                    size = len(chunk)
                    while chunk and not chunk.endswith(b"\n"):
                        chunk = fh.readline(1024 * 1024)
                        size += len(chunk)
                    self.report.skip(f"{where}: {_mib(size)} is over the {_mib(MAX_EVENT_BYTES)} limit for one "
                                     "OpenLineage event; event skipped", **context)
                    continue
                if not chunk.strip():
                    continue
                yield where, context, chunk

    def _json_file(self, path: Path) -> Iterator[tuple[str, dict[str, Any], object]]:
        """A ``.json`` file: one event, an array of events, or (FileTransport in append mode) JSON lines."""
        try:
            raw = path.read_bytes()
        except OSError as exc:
            self.report.fail(f"{path}: cannot read: {exc}", file=str(path))
            return
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as exc:
            if exc.msg == "Extra data":  # several documents: treat the file as JSON lines
                yield from self._lines(path)
                return
            self.report.skip(f"{path}:{exc.lineno}: not valid JSON: {exc.msg} at column {exc.colno}; file skipped",
                             file=str(path), line=exc.lineno)
            return
        except UnicodeDecodeError as exc:
            self.report.skip(f"{path}: not valid UTF-8 ({exc.reason}); file skipped", file=str(path))
            return
        if isinstance(data, list):
            for i, obj in enumerate(data):
                yield f"{path}[{i}]", {"file": str(path), "index": i}, obj
        else:
            if len(raw) > MAX_EVENT_BYTES:
                self.report.skip(f"{path}: {_mib(len(raw))} is over the {_mib(MAX_EVENT_BYTES)} limit for one "
                                 "OpenLineage event; event skipped", file=str(path))
                return
            yield str(path), {"file": str(path)}, data
