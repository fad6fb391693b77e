"""The domain: node kinds, edge kinds, ids and the backend-free records sources emit.

No I/O here. Ids are ``<kind-prefix>:<key>`` (``dataset:s3://lake/curated/sessions``,
``model_version:churn/7``, ``person:ada@example.com``) and are the MERGE keys of both stores.

Edges are identified by ``(src, kind, dst, key)``. ``key`` is the asserting source (plus the
role for ``OWNS``), so two sources may claim the same relationship and each claim survives on
its own, and retracting one source never removes another's claim.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Literal, NamedTuple, TypeAlias

from steward.errors import InvalidInputError

__all__ = [
    "ARTIFACT_KINDS",
    "CONTAINERS",
    "CONTAINER_EDGES",
    "FLOW_EDGES",
    "KIND_BY_PREFIX",
    "LINEAGE_EDGES",
    "MEMBER_EDGE",
    "OWNERSHIP_EDGES",
    "RESERVED_PROPS",
    "STUB_PROP",
    "Direction",
    "Edge",
    "EdgeKey",
    "EdgeKind",
    "EdgeRecord",
    "Node",
    "NodeKind",
    "NodeRecord",
    "OwnershipClaim",
    "PropValue",
    "Props",
    "Role",
    "dataset_id",
    "is_email",
    "is_kind",
    "kind_of_id",
    "make_id",
    "now_iso",
    "parse_id",
    "to_iso",
]


class NodeKind(StrEnum):
    """Node kinds; the value is the Neo4j label."""

    DATASET = "Dataset"
    JOB = "Job"
    RUN = "Run"
    COMMIT = "Commit"
    REPO = "Repo"
    MODEL = "Model"
    MODEL_VERSION = "ModelVersion"
    DEPLOYMENT = "Deployment"
    EVALUATION = "Evaluation"
    PERSON = "Person"
    TEAM = "Team"
    #: A catalog playbook (failure modes, rollback criteria, ...): knowledge about artifacts, not an artifact.
    PLAYBOOK = "Playbook"

    @property
    def prefix(self) -> str:
        """The id prefix: lower-case, words joined by ``_`` (``ModelVersion`` -> ``model_version``)."""
        return _PREFIX[self]


_PREFIX: dict[NodeKind, str] = {
    NodeKind.DATASET: "dataset",
    NodeKind.JOB: "job",
    NodeKind.RUN: "run",
    NodeKind.COMMIT: "commit",
    NodeKind.REPO: "repo",
    NodeKind.MODEL: "model",
    NodeKind.MODEL_VERSION: "model_version",
    NodeKind.DEPLOYMENT: "deployment",
    NodeKind.EVALUATION: "evaluation",
    NodeKind.PERSON: "person",
    NodeKind.TEAM: "team",
    NodeKind.PLAYBOOK: "playbook",
}
#: The kind of a node by its id's prefix (``dataset`` -> ``NodeKind.DATASET``).
KIND_BY_PREFIX: dict[str, NodeKind] = {p: k for k, p in _PREFIX.items()}


class EdgeKind(StrEnum):
    """Relationship kinds; the value is the Neo4j relationship type (an allow-list)."""

    CONSUMED_BY = "CONSUMED_BY"  # Dataset -> Run
    PRODUCED = "PRODUCED"  # Run -> Dataset | ModelVersion | Evaluation
    BUILT = "BUILT"  # Commit -> Run
    RUN_OF = "RUN_OF"  # Run -> Job
    VERSION_OF = "VERSION_OF"  # ModelVersion -> Model
    DEPLOYED_TO = "DEPLOYED_TO"  # what a Deployment serves (ModelVersion, Model, Dataset, Deployment) -> Deployment
    FEEDS = "FEEDS"  # anything a Deployment depends on (``depends_on``) -> Deployment
    IN_REPO = "IN_REPO"  # Commit -> Repo
    CHILD_OF = "CHILD_OF"  # Run -> parent Run (nesting; not lineage)
    OWNS = "OWNS"  # Person | Team -> artifact
    MEMBER_OF = "MEMBER_OF"  # Person -> Team
    AUTHORED = "AUTHORED"  # Person -> Commit
    LAUNCHED = "LAUNCHED"  # Person -> Run


#: Edges that point the way data flows; "downstream" follows them, "upstream" goes against them.
LINEAGE_EDGES: frozenset[EdgeKind] = frozenset(
    {
        EdgeKind.CONSUMED_BY,
        EdgeKind.PRODUCED,
        EdgeKind.BUILT,
        EdgeKind.RUN_OF,
        EdgeKind.VERSION_OF,
        EdgeKind.DEPLOYED_TO,
        EdgeKind.FEEDS,
        EdgeKind.IN_REPO,
    }
)
#: Member -> container edges (Run -> Job, ModelVersion -> Model, Commit -> Repo). A container is
#: listed where its members are reached, and never walked through: nothing flows from a job back
#: into its other runs.
CONTAINER_EDGES: frozenset[EdgeKind] = frozenset({EdgeKind.RUN_OF, EdgeKind.VERSION_OF, EdgeKind.IN_REPO})
#: The lineage edges data and code flow along (lineage without the member -> container edges).
FLOW_EDGES: frozenset[EdgeKind] = LINEAGE_EDGES - CONTAINER_EDGES
#: container kind -> (member kind, the member -> container edge)
CONTAINERS: dict[NodeKind, tuple[NodeKind, EdgeKind]] = {
    NodeKind.JOB: (NodeKind.RUN, EdgeKind.RUN_OF),
    NodeKind.MODEL: (NodeKind.MODEL_VERSION, EdgeKind.VERSION_OF),
    NodeKind.REPO: (NodeKind.COMMIT, EdgeKind.IN_REPO),
}
#: member kind -> the member -> container edge
MEMBER_EDGE: dict[NodeKind, EdgeKind] = {member: edge for member, edge in CONTAINERS.values()}
OWNERSHIP_EDGES: frozenset[EdgeKind] = frozenset(
    {EdgeKind.OWNS, EdgeKind.MEMBER_OF, EdgeKind.AUTHORED, EdgeKind.LAUNCHED}
)
#: Everything but people, teams and playbooks.
ARTIFACT_KINDS: frozenset[NodeKind] = frozenset(NodeKind) - {NodeKind.PERSON, NodeKind.TEAM, NodeKind.PLAYBOOK}

Role = Literal["owner", "steward"]
Direction = Literal["out", "in", "both"]
PropValue: TypeAlias = str | int | float | bool | list[str] | None
Props: TypeAlias = dict[str, PropValue]

#: Property names the stores own; a record's ``props`` may not use them.
#: (``_valid_from`` / ``_version_seen_at``: the Neo4j store keeps the open history version on the live node.)
RESERVED_PROPS: frozenset[str] = frozenset({"id", "kind", "name", "sources", "source", "seen_at", "key", "stub",
                                            "_valid_from", "_version_seen_at"})
#: A node created only because an edge pointed at it carries ``stub: true`` until a source describes it.
STUB_PROP = "stub"


_EMAIL = re.compile(r"^[^@\s/:]+@[^@\s/:]+\.[^@\s/:]+$")


def is_email(text: str) -> bool:
    """Whether ``text`` is an e-mail address: the canonical key of a person (``person:<email>``)."""
    return bool(_EMAIL.match(text))


def now_iso() -> str:
    """The current UTC time as an ISO-8601 string with a ``Z`` suffix (sorts as text)."""
    return to_iso(datetime.now(UTC))


def to_iso(value: datetime | int | float) -> str:
    """Normalise a datetime or epoch *milliseconds* to ``YYYY-MM-DDTHH:MM:SS.mmmZ``."""
    if isinstance(value, datetime):
        dt = value if value.tzinfo else value.replace(tzinfo=UTC)
    else:
        dt = datetime.fromtimestamp(value / 1000.0, tz=UTC)
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def make_id(kind: NodeKind, key: str) -> str:
    """``make_id(NodeKind.DATASET, "s3://lake/x")`` -> ``"dataset:s3://lake/x"``."""
    key = key.strip()
    if not key:
        raise InvalidInputError(f"empty key for a {kind.value} id")
    return f"{kind.prefix}:{key}"


def dataset_id(namespace: str, name: str) -> str:
    """A dataset's id from its OpenLineage identity: namespace + "/" + name.

    MLflow dataset sources are URIs already (``s3://lake/curated/sessions``); OpenLineage splits
    the same thing into namespace ``s3://lake`` and name ``curated/sessions``. Both give one id.
    """
    ns = namespace.strip().rstrip("/")
    nm = name.strip().lstrip("/")
    if not ns:
        return make_id(NodeKind.DATASET, nm)
    if not nm:
        return make_id(NodeKind.DATASET, ns)
    return make_id(NodeKind.DATASET, f"{ns}/{nm}")


def parse_id(node_id: str) -> tuple[NodeKind, str]:
    """Split an id into its kind and key; raises InvalidInputError for an unknown prefix."""
    prefix, sep, key = node_id.partition(":")
    kind = KIND_BY_PREFIX.get(prefix)
    if not sep or kind is None or not key:
        known = ", ".join(sorted(KIND_BY_PREFIX))
        raise InvalidInputError(f"not a node id: {node_id!r} (expected '<kind>:<key>' with kind one of {known})")
    return kind, key


def kind_of_id(node_id: str) -> NodeKind:
    return parse_id(node_id)[0]


def is_kind(node_id: str, kind: NodeKind) -> bool:
    """Whether ``node_id`` is written as an id of ``kind`` (``run:...`` for ``NodeKind.RUN``).

    Looks at the prefix only and never raises, so it also answers for text that is not a valid id
    (``person:`` -> True for ``NodeKind.PERSON``; ``jdoe`` -> False).
    """
    return node_id.startswith(f"{kind.prefix}:")


def _check_props(props: Mapping[str, PropValue], where: str) -> None:
    for name, value in props.items():
        if name in RESERVED_PROPS:
            raise InvalidInputError(f"{where}: property name {name!r} is reserved")
        if value is None or isinstance(value, str | bool | int | float):
            continue
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            continue
        raise InvalidInputError(
            f"{where}: property {name!r} must be a string, number, boolean or list of strings, "
            f"not {type(value).__name__}"
        )


@dataclass(frozen=True, slots=True)
class Node:
    """A node as a source asserts it. Re-asserting merges: given props overwrite, others stay."""

    id: str
    kind: NodeKind
    source: str
    name: str = ""
    props: Props = field(default_factory=dict)
    seen_at: str = field(default_factory=now_iso)

    def __post_init__(self) -> None:
        kind, key = parse_id(self.id)
        if kind is not self.kind:
            raise InvalidInputError(f"node {self.id!r} has kind {self.kind.value}, but its id says {kind.value}")
        if not self.source:
            raise InvalidInputError(f"node {self.id!r} has no source")
        if not self.name:
            object.__setattr__(self, "name", key)
        _check_props(self.props, f"node {self.id!r}")

    @classmethod
    def stub(cls, node_id: str, *, source: str, seen_at: str | None = None) -> Node:
        """A node known only by its id (an edge endpoint no source described)."""
        return cls(id=node_id, kind=kind_of_id(node_id), source=source, seen_at=seen_at or now_iso())


class EdgeKey(NamedTuple):
    src: str
    kind: EdgeKind
    dst: str
    key: str


@dataclass(frozen=True, slots=True)
class Edge:
    """A relationship as a source asserts it."""

    src: str
    kind: EdgeKind
    dst: str
    source: str
    props: Props = field(default_factory=dict)
    seen_at: str = field(default_factory=now_iso)

    def __post_init__(self) -> None:
        parse_id(self.src)
        parse_id(self.dst)
        if not self.source:
            raise InvalidInputError(f"edge {self.src}-[{self.kind}]->{self.dst} has no source")
        _check_props(self.props, f"edge {self.src}-[{self.kind}]->{self.dst}")

    @property
    def key(self) -> str:
        """What tells this edge apart from the same relationship claimed by someone else."""
        if self.kind is EdgeKind.OWNS:
            return f"{self.source}|{self.props.get('role', 'owner')}"
        return self.source

    @property
    def identity(self) -> EdgeKey:
        return EdgeKey(self.src, self.kind, self.dst, self.key)


@dataclass(frozen=True, slots=True)
class OwnershipClaim:
    """``(Person|Team)-[:OWNS {role, source, since}]->(artifact)``: somebody says who owns what."""

    owner: str
    artifact: str
    role: Role
    source: str
    since: str | None = None
    seen_at: str = field(default_factory=now_iso)
    #: The kind of system that said so (catalog, mlflow, openlineage, codeowners): ownership
    #: precedence is decided on it. Defaults to ``source``.
    origin: str | None = None
    #: Provenance of a change made through Steward (origin ``steward``): who made it, why, and the
    #: change record it came from (``steward changes show ID``).
    by: str | None = None
    reason: str | None = None
    change: str | None = None

    def __post_init__(self) -> None:
        kind = kind_of_id(self.owner)
        if kind not in (NodeKind.PERSON, NodeKind.TEAM):
            raise InvalidInputError(f"an owner must be a person or a team, not {self.owner!r}")
        if kind_of_id(self.artifact) not in ARTIFACT_KINDS:
            raise InvalidInputError(f"only artifacts are owned, not {self.artifact!r}")
        if self.role not in ("owner", "steward"):
            raise InvalidInputError(f"role must be 'owner' or 'steward', not {self.role!r}")

    def to_edge(self) -> Edge:
        props: Props = {"role": self.role, "origin": self.origin or self.source}
        if self.since:
            props["since"] = self.since
        for name, value in (("by", self.by), ("reason", self.reason), ("change", self.change)):
            if value:
                props[name] = value
        return Edge(
            src=self.owner, kind=EdgeKind.OWNS, dst=self.artifact, source=self.source,
            props=props, seen_at=self.seen_at,
        )


@dataclass(frozen=True, slots=True)
class NodeRecord:
    """A node as a store holds it: the merge of everything every source said."""

    id: str
    kind: NodeKind
    name: str
    props: Props
    sources: tuple[str, ...]
    seen_at: str

    def to_json(self) -> dict[str, object]:
        return {
            "id": self.id, "kind": self.kind.value, "name": self.name, "props": self.props,
            "sources": list(self.sources), "seen_at": self.seen_at,
        }


@dataclass(frozen=True, slots=True)
class EdgeRecord:
    """An edge as a store holds it."""

    src: str
    kind: EdgeKind
    dst: str
    key: str
    source: str
    props: Props
    seen_at: str

    @property
    def identity(self) -> EdgeKey:
        return EdgeKey(self.src, self.kind, self.dst, self.key)

    def to_json(self) -> dict[str, object]:
        return {
            "src": self.src, "kind": self.kind.value, "dst": self.dst, "source": self.source,
            "props": self.props, "seen_at": self.seen_at,
        }

