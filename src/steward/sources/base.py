"""The source contract: a small class with a ``kind`` and a ``config_class`` that yields records.

Sources never import storage. They yield backend-free records (:class:`~steward.graph.Node`,
:class:`~steward.graph.Edge`, :class:`~steward.graph.OwnershipClaim`), each stamped with the
source's name, and put non-fatal problems into their :class:`SourceReport` with context instead
of raising. A source that cannot run at all raises a :class:`~steward.errors.StewardError`.

Identity conventions every source follows (the recipe runner's resolver relies on them):

* a person known by an e-mail is ``person:<lower-case email>``; by anything else (MLflow user name,
  ``@handle``, OpenLineage ``user:x``) it is ``person:<that name>`` (``person:@jdoe``,
  ``person:jdoe``) and the resolver maps it to a catalog person through their aliases, or marks it
  unresolved;
* a team is ``team:<slug>``, or ``team:@org/name`` for a CODEOWNERS / GitHub handle;
* a commit is ``commit:<full sha, lower-case>``: a sha names one commit whatever repository a source
  saw it in (a fork holds the same commits), so sources agree without resolution; the git source links
  it to its ``repo:<key>`` (:func:`repo_key` of the remote URL, or the folder's name) with ``IN_REPO``;
* ownership claims carry ``origin`` (the source *kind*: catalog, mlflow, openlineage, codeowners)
  in their props through :meth:`Source.claim`, which the precedence rule reads.
"""

from __future__ import annotations

import abc
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Generic, Protocol, TypeVar

from pydantic import BaseModel, ConfigDict

from steward.graph import Edge, EdgeKind, Node, NodeKind, OwnershipClaim, Props, Role, now_iso

__all__ = [
    "Problem",
    "Record",
    "Source",
    "SourceConfig",
    "SourceContext",
    "SourceReport",
    "StateAccess",
    "repo_key",
]

Record = Node | Edge | OwnershipClaim


class SourceConfig(BaseModel):
    """Base of every source's settings: unknown keys are an error, every field is described."""

    model_config = ConfigDict(extra="forbid", frozen=True)


@dataclass(frozen=True, slots=True)
class Problem:
    message: str
    context: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"message": self.message, "context": self.context}


@dataclass
class SourceReport:
    """What a source did: counts by record kind, warnings and failures with context."""

    source: str
    kind: str
    counts: Counter[str] = field(default_factory=Counter)
    warnings: list[Problem] = field(default_factory=list)
    failures: list[Problem] = field(default_factory=list)
    #: False when the source walked only part of what it knows (incremental run): the runner then
    #: does not remove records the source did not repeat.
    complete: bool = True
    info: dict[str, Any] = field(default_factory=dict)
    #: What the source could not read and left out (a document, an event), each also a warning: the
    #: runner then removes nothing of this source in this run, so what was left out keeps all its
    #: previous records (and ``steward ingest --strict`` refuses the source).
    skipped: list[Problem] = field(default_factory=list)

    def warn(self, message: str, **context: Any) -> None:
        self.warnings.append(Problem(message, context))

    def skip(self, message: str, **context: Any) -> None:
        """A warning about something left out (see :attr:`skipped`)."""
        problem = Problem(message, context)
        self.warnings.append(problem)
        self.skipped.append(problem)

    def fail(self, message: str, **context: Any) -> None:
        self.failures.append(Problem(message, context))

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source, "kind": self.kind, "counts": dict(sorted(self.counts.items())),
            "warnings": [w.to_json() for w in self.warnings],
            "failures": [f.to_json() for f in self.failures],
            "complete": self.complete, "info": self.info, "skipped": len(self.skipped),
        }


class StateAccess(Protocol):
    """Small key/value bookkeeping a source may keep between runs (e.g. last git tip per ref)."""

    def get_state(self, key: str) -> str | None: ...

    def set_state(self, key: str, value: str) -> None: ...


class _NoState:
    def __init__(self) -> None:
        self._d: dict[str, str] = {}

    def get_state(self, key: str) -> str | None:
        return self._d.get(key)

    def set_state(self, key: str, value: str) -> None:
        self._d[key] = value


@dataclass
class SourceContext:
    """What the runner hands a source: where the recipe lives and a state door."""

    base_dir: Path = field(default_factory=Path.cwd)
    state: StateAccess = field(default_factory=_NoState)
    #: One timestamp for every record of a run, so a run's records are recognisable.
    seen_at: str = field(default_factory=now_iso)


C = TypeVar("C", bound=SourceConfig)


class Source(abc.ABC, Generic[C]):
    """One ingester. Subclasses set ``kind`` and ``config_class`` and implement ``records``."""

    kind: ClassVar[str]
    config_class: ClassVar[type[SourceConfig]]
    #: True for a source that never writes a model-alias placeholder (``model_version:<name>@<alias>``), so
    #: nothing the run learns later can change its records: the runner then writes them as they are read,
    #: without keeping the run on disk first (unless ``--strict``, which must see the whole source first).
    streams: ClassVar[bool] = False

    def __init__(self, config: C, *, name: str | None = None, context: SourceContext | None = None) -> None:
        self.config = config
        self.name = name or self.kind
        self.context = context or SourceContext()
        self.report = SourceReport(source=self.name, kind=self.kind)

    @abc.abstractmethod
    def records(self) -> Iterator[Record]:
        """Yield every record this source knows (or, incrementally, what is new)."""

    # ---- helpers that stamp records with this source -------------------------------------------
    def node(self, kind: NodeKind, node_id: str, name: str = "", **props: Any) -> Node:
        self.report.counts[kind.value] += 1
        clean: Props = {k: v for k, v in props.items() if v is not None}
        return Node(id=node_id, kind=kind, source=self.name, name=name, props=clean,
                    seen_at=self.context.seen_at)

    def edge(self, src: str, kind: EdgeKind, dst: str, **props: Any) -> Edge:
        self.report.counts[kind.value] += 1
        clean: Props = {k: v for k, v in props.items() if v is not None}
        return Edge(src=src, kind=kind, dst=dst, source=self.name, props=clean, seen_at=self.context.seen_at)

    def claim(self, owner: str, artifact: str, role: Role, *, since: str | None = None,
              origin: str | None = None) -> OwnershipClaim:
        """An ownership claim; ``origin`` defaults to this source's kind (used for precedence)."""
        self.report.counts[f"OWNS:{role}"] += 1
        return OwnershipClaim(owner=owner, artifact=artifact, role=role, source=self.name, since=since,
                              seen_at=self.context.seen_at, origin=origin or self.kind)


_SCP_LIKE = re.compile(r"^(?:[\w.-]+@)?(?P<host>[\w.-]+):(?P<path>[^/].*)$")


def repo_key(url_or_name: str) -> str:
    """A stable key for a repository: ``host/owner/name`` from any remote URL form, lower-case.

    ``git@github.com:Acme/churn.git``, ``https://github.com/acme/churn`` and
    ``ssh://git@github.com/acme/churn.git`` all give ``github.com/acme/churn``; a plain name
    (a folder without a remote) is returned lower-cased.
    """
    s = url_or_name.strip()
    m = _SCP_LIKE.match(s) if "://" not in s else None
    if m:
        s = f"{m.group('host')}/{m.group('path')}"
    else:
        s = re.sub(r"^[a-zA-Z][\w+.-]*://", "", s)
        s = re.sub(r"^[^@/]*@", "", s)  # user[:password]@
    s = re.sub(r":\d+/", "/", s, count=1)  # host:port/
    s = s.removesuffix("/").removesuffix(".git").removesuffix("/")
    return s.lower()
