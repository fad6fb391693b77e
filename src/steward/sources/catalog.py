"""The declarative catalog: people, teams, ownership and deployments from YAML files.

Two dialects share the Backstage envelope (``apiVersion``, ``kind``, ``metadata.name``, ``spec``):

* Steward's own kinds under ``apiVersion: steward/v1`` -- ``Person``, ``Team``, ``Ownership``,
  ``Deployment``. Their ``spec`` is checked strictly (unknown keys are an error), because a typo
  such as ``stewrads:`` would otherwise silently drop a backup owner.
* Backstage documents (``apiVersion: backstage.io/v1alpha1``) that teams already keep: ``User``
  and ``Group`` become people and teams; a ``Component`` or ``Resource`` annotated with
  ``steward/artifact: <node id>`` declares that artifact's owner through ``spec.owner``. Other
  Backstage kinds are counted in ``report.info`` and otherwise ignored.

A bad document is skipped with a warning that names the file, the document number and the line; a
YAML syntax error fails the whole file (nothing of it is emitted). References to people and teams
go through :func:`steward.refs.normalise_ref`, the rule the recipe runner's resolver applies as well.
Within one catalog, a Backstage user name (``user:jdoe``) or a Steward ``Person`` alias used in a
reference is rewritten to that person's canonical id, so the catalog's own edges agree with its own people.
"""

from __future__ import annotations

import datetime as dt
import glob
import logging
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal, TypeVar

import yaml
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, ValidationError

from steward.errors import InvalidInputError
from steward.graph import ARTIFACT_KINDS, EdgeKind, NodeKind, is_email, parse_id
from steward.refs import normalise_ref
from steward.sources.base import Record, Source, SourceConfig, SourceReport

__all__ = [
    "CatalogSource",
    "CatalogSourceConfig",
    "expand_paths",
]

logger = logging.getLogger(__name__)

STEWARD_API = "steward/v1"
BACKSTAGE_API_PREFIX = "backstage.io/"

_GLOB_CHARS = frozenset("*?[")


# ---- references -------------------------------------------------------------------------------

def _ref_validator(expect: Literal["team", "person"] | None, default_kind: Literal["team", "person"]) -> Any:
    """A pydantic before-validator: normalise a reference, optionally demanding one kind."""

    def check(value: object) -> object:
        if not isinstance(value, str):
            return value  # the str type check reports it
        try:
            out = normalise_ref(value, default_kind=default_kind)
        except InvalidInputError as exc:
            raise ValueError(exc.message) from exc
        if expect is not None and not out.startswith(f"{expect}:"):
            raise ValueError(f"{value!r} refers to a {out.split(':', 1)[0]}; expected a {expect}")
        return out

    return BeforeValidator(check)


# ---- files -----------------------------------------------------------------------------------

def expand_paths(patterns: Sequence[str], base_dir: Path, report: SourceReport, *,
                 suffixes: tuple[str, ...]) -> list[Path]:
    """Files named by ``patterns`` (paths, globs or folders, relative to ``base_dir``), sorted, unique.

    A folder contributes its files ending in one of ``suffixes`` (recursively). A path that does not
    exist, or a glob or folder that matches nothing, is a failure in ``report``: a recipe that names
    a file expects it to be read.
    """
    seen: set[Path] = set()
    out: list[Path] = []

    def add(p: Path) -> None:
        key = p.resolve()
        if key not in seen:
            seen.add(key)
            out.append(p)

    for pattern in patterns:
        full = Path(pattern).expanduser()
        if not full.is_absolute():
            full = base_dir / full
        if any(c in pattern for c in _GLOB_CHARS):
            hits = sorted(Path(h) for h in glob.glob(str(full), recursive=True) if Path(h).is_file())
            if not hits:
                report.fail(f"{pattern}: matched no files", path=str(full))
            for h in hits:
                add(h)
        elif full.is_dir():
            hits = sorted(p for p in full.rglob("*") if p.is_file() and p.name.lower().endswith(suffixes))
            if not hits:
                report.fail(f"{pattern}: folder holds no {'/'.join(suffixes)} files", path=str(full))
            for h in hits:
                add(h)
        elif full.is_file():
            add(full)
        else:
            report.fail(f"{pattern}: no such file", path=str(full))
    return out


# ---- document models -------------------------------------------------------------------------

NonEmpty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


def _one_or_many(value: object) -> object:
    """Accept ``owners: alice@x.com`` as well as a list."""
    if isinstance(value, str):
        return [value]
    return [] if value is None else value


def _date_text(value: object) -> object:
    """YAML reads ``2026-03-01`` as a date; keep it as ISO text."""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


OwnerRef = Annotated[str, _ref_validator(None, "team")]
PersonRef = Annotated[str, _ref_validator("person", "person")]
TeamRef = Annotated[str, _ref_validator("team", "team")]
#: One item or a list (what the JSON Schema says a user may write).
_ONE_OR_MANY = BeforeValidator(_one_or_many, json_schema_input_type=NonEmpty | list[NonEmpty])
OwnerList = Annotated[list[OwnerRef], _ONE_OR_MANY]
PersonList = Annotated[list[PersonRef], _ONE_OR_MANY]
TeamList = Annotated[list[TeamRef], _ONE_OR_MANY]
TextList = Annotated[list[NonEmpty], _ONE_OR_MANY]


class _Strict(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


class _Open(BaseModel):
    model_config = ConfigDict(strict=True, extra="allow", frozen=True)


class _Metadata(_Open):
    name: NonEmpty
    namespace: NonEmpty | None = None
    title: str | None = None
    annotations: dict[str, str] | None = None


class _Envelope(_Open):
    apiVersion: NonEmpty
    kind: NonEmpty
    metadata: _Metadata
    spec: dict[str, Any] | None = None


def _email(value: str) -> str:
    if not is_email(value):
        raise ValueError(f"{value!r} is not an e-mail address")
    return value


class _PersonSpec(_Strict):
    email: Annotated[NonEmpty, AfterValidator(_email)]
    displayName: str | None = None
    active: bool = True
    aliases: TextList = Field(default_factory=list)
    left_at: Annotated[str | None, BeforeValidator(_date_text, json_schema_input_type=str | None)] = None
    teams: TeamList = Field(default_factory=list)


class _TeamSpec(_Strict):
    displayName: str | None = None
    description: str | None = None
    handle: NonEmpty | None = None
    aliases: TextList = Field(default_factory=list)
    members: PersonList = Field(default_factory=list)
    parent: TeamRef | None = None
    children: TeamList = Field(default_factory=list)


class _OwnershipSpec(_Strict):
    artifact: NonEmpty
    owners: OwnerList = Field(default_factory=list)
    stewards: OwnerList = Field(default_factory=list)


class _DeploymentSpec(_Strict):
    environment: NonEmpty
    serves: NonEmpty | None = None
    depends_on: TextList = Field(default_factory=list)
    runbook: str | None = None
    description: str | None = None
    owners: OwnerList = Field(default_factory=list)
    stewards: OwnerList = Field(default_factory=list)


class _BsProfile(_Open):
    email: str | None = None
    displayName: str | None = None


class _BsUserSpec(_Open):
    profile: _BsProfile | None = None
    memberOf: TeamList = Field(default_factory=list)


class _BsGroupSpec(_Open):
    profile: _BsProfile | None = None
    members: PersonList = Field(default_factory=list)
    parent: TeamRef | None = None
    children: TeamList = Field(default_factory=list)


class _BsOwnedSpec(_Open):
    owner: OwnerRef | None = None


_STEWARD_SPECS: dict[str, type[BaseModel]] = {
    "Person": _PersonSpec,
    "Team": _TeamSpec,
    "Ownership": _OwnershipSpec,
    "Deployment": _DeploymentSpec,
}
_BACKSTAGE_SPECS: dict[str, type[BaseModel]] = {
    "User": _BsUserSpec,
    "Group": _BsGroupSpec,
    "Component": _BsOwnedSpec,
    "Resource": _BsOwnedSpec,
}
ARTIFACT_ANNOTATION = "steward/artifact"


class _DocError(Exception):
    """A document cannot be used: ``path`` locates the problem inside it."""

    def __init__(self, message: str, path: tuple[str | int, ...] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.path = path


@dataclass
class _Doc:
    file: Path
    index: int  # 1-based position in the file
    line: int  # 1-based line where the document starts
    node: yaml.Node
    envelope: _Envelope
    spec: BaseModel


@dataclass
class _Loaded:
    docs: list[_Doc] = field(default_factory=list)
    ignored: Counter[str] = field(default_factory=Counter)


def _dotted(loc: Sequence[str | int]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _describe(err: Any, allowed: Sequence[str]) -> str:
    kind = err["type"]
    if kind == "missing":
        return "missing"
    if kind == "extra_forbidden":
        return f"unknown key (allowed: {', '.join(allowed)})"
    if kind == "string_type":
        return f"expected a string, got {type(err['input']).__name__}"
    if kind == "string_too_short":
        return "expected a non-empty string"
    if kind in ("dict_type", "model_type"):
        return f"expected a mapping, got {type(err['input']).__name__}"
    if kind == "list_type":
        return f"expected a list, got {type(err['input']).__name__}"
    if kind == "bool_type":
        return f"expected true or false, got {err['input']!r}"
    msg = str(err["msg"])
    msg = msg.removeprefix("Value error, ")
    return msg.replace("Input should be ", "expected ", 1)


M = TypeVar("M", bound=BaseModel)


def _validate(model: type[M], data: object, prefix: tuple[str | int, ...]) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        loc = prefix + tuple(err["loc"])
        allowed = sorted(model.model_fields) if len(err["loc"]) == 1 else []
        more = len(exc.errors()) - 1
        text = f"{_dotted(loc) or 'document'}: {_describe(err, allowed)}"
        if more:
            text += f" (and {more} more problem{'s' if more > 1 else ''})"
        raise _DocError(text, loc) from exc


def _line_of(node: yaml.Node, path: tuple[str | int, ...]) -> int:
    """The 1-based line of the deepest YAML node along ``path`` (where the problem is)."""
    line = node.start_mark.line + 1
    cur: yaml.Node | None = node
    for part in path:
        nxt: yaml.Node | None = None
        if isinstance(cur, yaml.MappingNode):
            for k, v in cur.value:
                if isinstance(k, yaml.ScalarNode) and k.value == part:
                    nxt = v
                    line = k.start_mark.line + 1
                    break
        elif isinstance(cur, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(cur.value):
            nxt = cur.value[part]
            line = nxt.start_mark.line + 1
        if nxt is None:
            break
        cur = nxt
    return line


# ---- the source ------------------------------------------------------------------------------

class CatalogSourceConfig(SourceConfig):
    paths: list[str] = Field(
        ..., min_length=1,
        description="Catalog YAML files, folders or globs (e.g. 'catalog/**/*.yaml'), relative to the recipe.",
    )


class CatalogSource(Source[CatalogSourceConfig]):
    """People, teams, ownership and deployments declared in YAML (Steward kinds and Backstage)."""

    kind: ClassVar[str] = "catalog"
    config_class: ClassVar[type[SourceConfig]] = CatalogSourceConfig

    def records(self) -> Iterator[Record]:
        files = expand_paths(self.config.paths, self.context.base_dir, self.report, suffixes=(".yaml", ".yml"))
        loaded = _Loaded()
        for f in files:
            self._load_file(f, loaded)
        if loaded.ignored:
            self.report.info["ignored_documents"] = dict(sorted(loaded.ignored.items()))
        self.report.info["files"] = len(files)
        self.report.info["documents"] = len(loaded.docs)
        if self.report.failures:
            self.report.complete = False  # a file we could not read must not retract what it said before
        people = self._person_index(loaded.docs)
        seen: dict[str, _Doc] = {}
        for doc in loaded.docs:
            yield from self._emit(doc, people, seen)

    # ---- loading ---------------------------------------------------------------------------
    def _load_file(self, path: Path, loaded: _Loaded) -> None:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            self.report.fail(f"{path}: cannot read: {exc}", file=str(path))
            return
        pairs: list[tuple[yaml.Node, object]] = []
        try:
            loader = yaml.SafeLoader(text)
            try:
                while loader.check_node():
                    node = loader.get_node()
                    if node is None:
                        break
                    pairs.append((node, loader.construct_document(node)))
            finally:
                loader.dispose()
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
            line = mark.line + 1 if mark is not None else None
            problem = getattr(exc, "problem", None) or str(exc)
            where = f"{path}:{line}" if line else str(path)
            self.report.fail(f"{where}: YAML syntax error: {problem}; nothing in this file was read",
                             file=str(path), line=line)
            return
        for index, (node, data) in enumerate(pairs, start=1):
            if data is None:
                continue  # an empty document (a trailing '---')
            line = node.start_mark.line + 1
            try:
                doc = self._parse_doc(path, index, line, node, data, loaded)
            except _DocError as exc:
                at = _line_of(node, exc.path)
                self.report.skip(f"{path}:{at}: document {index} skipped: {exc.message}",
                                 file=str(path), document=index, line=at, **_identity(data))
                continue
            if doc is not None:
                loaded.docs.append(doc)

    def _parse_doc(self, path: Path, index: int, line: int, node: yaml.Node, data: object,
                   loaded: _Loaded) -> _Doc | None:
        if not isinstance(data, dict):
            raise _DocError(f"expected a mapping with apiVersion, kind, metadata and spec, got {type(data).__name__}")
        env = _validate(_Envelope, data, ())
        spec_data = env.spec if env.spec is not None else {}
        if env.apiVersion == STEWARD_API:
            model = _STEWARD_SPECS.get(env.kind)
            if model is None:
                raise _DocError(f"kind {env.kind!r} is not a {STEWARD_API} kind "
                                f"(expected one of {', '.join(_STEWARD_SPECS)})", ("kind",))
        elif env.apiVersion.startswith(BACKSTAGE_API_PREFIX):
            bs_model = _BACKSTAGE_SPECS.get(env.kind)
            if bs_model is None:
                loaded.ignored[f"backstage:{env.kind}"] += 1
                return None
            model = bs_model
        else:
            raise _DocError(f"apiVersion {env.apiVersion!r} is not supported "
                            f"(expected {STEWARD_API!r} or '{BACKSTAGE_API_PREFIX}v1alpha1')", ("apiVersion",))
        spec = _validate(model, spec_data, ("spec",))
        self._check_semantics(env, spec)
        if env.kind in ("Component", "Resource") and env.apiVersion.startswith(BACKSTAGE_API_PREFIX) and \
                ARTIFACT_ANNOTATION not in (env.metadata.annotations or {}):
            loaded.ignored[f"backstage:{env.kind} without {ARTIFACT_ANNOTATION}"] += 1
            return None
        return _Doc(path, index, line, node, env, spec)

    @staticmethod
    def _check_artifact(value: str, where: tuple[str | int, ...]) -> None:
        try:
            kind, _ = parse_id(value)
        except InvalidInputError as exc:
            raise _DocError(f"{_dotted(where)}: {exc.message}", where) from exc
        if kind not in ARTIFACT_KINDS:
            raise _DocError(f"{_dotted(where)}: {value!r} is a {kind.value}, not an artifact", where)

    def _check_semantics(self, env: _Envelope, spec: BaseModel) -> None:
        """Checks that need more than one field or a node id."""
        if isinstance(spec, _OwnershipSpec):
            self._check_artifact(spec.artifact, ("spec", "artifact"))
            if not spec.owners and not spec.stewards:
                raise _DocError("spec: names neither owners nor stewards", ("spec",))
        elif isinstance(spec, _DeploymentSpec):
            if spec.serves is not None:
                _dependency(spec.serves, ("spec", "serves"))
            for i, ref in enumerate(spec.depends_on):
                _dependency(ref, ("spec", "depends_on", i))
        elif isinstance(spec, _TeamSpec) and spec.handle is not None and not spec.handle.startswith("@"):
            raise _DocError(f"spec.handle: {spec.handle!r} should be written as CODEOWNERS does, e.g. '@org/team'",
                            ("spec", "handle"))
        elif isinstance(spec, _BsOwnedSpec):
            artifact = (env.metadata.annotations or {}).get(ARTIFACT_ANNOTATION)
            if artifact is not None:
                self._check_artifact(artifact, ("metadata", "annotations", ARTIFACT_ANNOTATION))
                if spec.owner is None:
                    raise _DocError(f"spec.owner: missing (the {ARTIFACT_ANNOTATION} annotation declares an "
                                    "artifact, so its owner is expected)", ("spec",))

    # ---- identities ------------------------------------------------------------------------
    def _person_index(self, docs: list[_Doc]) -> dict[str, str]:
        """Map other names of a person (Backstage user names, Steward aliases) to their canonical id."""
        index: dict[str, str] = {}
        clashes: set[str] = set()

        def put(alias_id: str, canonical: str, doc: _Doc) -> None:
            if alias_id == canonical or alias_id in clashes:
                return
            old = index.get(alias_id)
            if old is not None and old != canonical:
                clashes.add(alias_id)
                del index[alias_id]
                self.report.warn(f"{doc.file}:{doc.line}: {alias_id} names both {old} and {canonical}; "
                                 "references to it are left as written", file=str(doc.file), document=doc.index,
                                 line=doc.line)
                return
            index[alias_id] = canonical

        for doc in docs:
            spec = doc.spec
            if isinstance(spec, _PersonSpec):
                canonical = normalise_ref(spec.email)
                for alias in spec.aliases:
                    try:
                        put(normalise_ref(alias, default_kind="person"), canonical, doc)
                    except InvalidInputError:
                        continue  # an alias in a form no reference uses; the resolver may still match it
            elif isinstance(spec, _BsUserSpec) and spec.profile is not None and spec.profile.email:
                put(self._bs_user_name(doc), normalise_ref(spec.profile.email), doc)
        return index

    @staticmethod
    def _bs_user_name(doc: _Doc) -> str:
        ns = doc.envelope.metadata.namespace or "default"
        return normalise_ref(f"user:{ns}/{doc.envelope.metadata.name}")

    @staticmethod
    def _bs_group_id(doc: _Doc) -> str:
        ns = doc.envelope.metadata.namespace or "default"
        return normalise_ref(f"group:{ns}/{doc.envelope.metadata.name}")

    # ---- emitting --------------------------------------------------------------------------
    def _emit(self, doc: _Doc, people: dict[str, str], seen: dict[str, _Doc]) -> Iterator[Record]:
        spec, meta = doc.spec, doc.envelope.metadata

        def person(ref: str) -> str:
            return people.get(ref, ref)

        def once(node_id: str) -> None:
            prev = seen.get(node_id)
            if prev is not None:
                self.report.warn(f"{doc.file}:{doc.line}: {node_id} is also defined in {prev.file}:{prev.line}; "
                                 "the later document wins", file=str(doc.file), document=doc.index, line=doc.line)
            seen[node_id] = doc

        def claims(artifact: str, owners: Sequence[str], stewards: Sequence[str]) -> Iterator[Record]:
            for o in owners:
                yield self.claim(person(o), artifact, "owner")
            for s in stewards:
                yield self.claim(person(s), artifact, "steward")

        if isinstance(spec, _PersonSpec):
            pid = normalise_ref(spec.email)
            once(pid)
            aliases = list(dict.fromkeys(a.lower() if is_email(a) else a for a in spec.aliases))
            yield self.node(NodeKind.PERSON, pid, spec.displayName or meta.name, email=pid.removeprefix("person:"),
                            active=spec.active, aliases=aliases, left_at=spec.left_at)
            for t in spec.teams:
                yield self.edge(pid, EdgeKind.MEMBER_OF, t)
        elif isinstance(spec, _TeamSpec):
            tid = f"team:{meta.name}"
            once(tid)
            yield self.node(NodeKind.TEAM, tid, spec.displayName or meta.name, handle=spec.handle,
                            aliases=list(dict.fromkeys(spec.aliases)), description=spec.description)
            for m in spec.members:
                yield self.edge(person(m), EdgeKind.MEMBER_OF, tid)
            yield from _hierarchy(self, tid, spec.parent, spec.children)
        elif isinstance(spec, _OwnershipSpec):
            yield from claims(spec.artifact, spec.owners, spec.stewards)
        elif isinstance(spec, _DeploymentSpec):
            did = f"deployment:{spec.environment}/{meta.name}"
            once(did)
            yield self.node(NodeKind.DEPLOYMENT, did, meta.title or meta.name, environment=spec.environment,
                            runbook=spec.runbook, serves=spec.serves, depends_on=spec.depends_on or None,
                            description=spec.description)
            if spec.serves is not None:
                yield self.edge(_dependency(spec.serves, ("spec", "serves")), EdgeKind.DEPLOYED_TO, did)
            for i, ref in enumerate(spec.depends_on):
                yield self.edge(_dependency(ref, ("spec", "depends_on", i)), EdgeKind.FEEDS, did)
            yield from claims(did, spec.owners, spec.stewards)
        elif isinstance(spec, _BsUserSpec):
            name_id = self._bs_user_name(doc)
            pid = person(name_id)
            once(pid)
            profile = spec.profile or _BsProfile()
            yield self.node(NodeKind.PERSON, pid, profile.displayName or meta.title or meta.name,
                            email=pid.removeprefix("person:") if pid != name_id else None,
                            aliases=[f"user:{meta.name}"] if pid != name_id else None)
            for t in spec.memberOf:
                yield self.edge(pid, EdgeKind.MEMBER_OF, t)
        elif isinstance(spec, _BsGroupSpec):
            tid = self._bs_group_id(doc)
            once(tid)
            profile = spec.profile or _BsProfile()
            yield self.node(NodeKind.TEAM, tid, profile.displayName or meta.title or meta.name,
                            email=profile.email.lower() if profile.email else None, parent=spec.parent)
            for m in spec.members:
                yield self.edge(person(m), EdgeKind.MEMBER_OF, tid)
            yield from _hierarchy(self, tid, spec.parent, spec.children)
        elif isinstance(spec, _BsOwnedSpec) and spec.owner is not None:
            artifact = (meta.annotations or {})[ARTIFACT_ANNOTATION]
            yield self.claim(person(spec.owner), artifact, "owner")


def _identity(data: object) -> dict[str, str]:
    """``kind`` and ``name`` of a document that could not be read, as far as it says them."""
    if not isinstance(data, dict):
        return {}
    meta = data.get("metadata")
    name = meta.get("name") if isinstance(meta, dict) else None
    return {k: v for k, v in (("kind", data.get("kind")), ("name", name)) if isinstance(v, str)}


def _hierarchy(src: CatalogSource, team: str, parent: str | None, children: Sequence[str]) -> Iterator[Record]:
    """A sub-team is a member of its parent team: ``(sub)-[:MEMBER_OF]->(parent)``."""
    if parent is not None and parent != team:
        yield src.edge(team, EdgeKind.MEMBER_OF, parent)
    for child in children:
        if child != team:
            yield src.edge(child, EdgeKind.MEMBER_OF, team)


#: What a deployment may serve or depend on.
_DEPENDABLE = (NodeKind.MODEL_VERSION, NodeKind.MODEL, NodeKind.DATASET, NodeKind.DEPLOYMENT, NodeKind.EVALUATION)


def _dependency(ref: str, where: tuple[str | int, ...]) -> str:
    """The node a deployment serves or depends on: ``model:<name>@<alias>`` becomes the placeholder
    ``model_version:<name>@<alias>`` (resolved through the registry's aliases, and re-pointed when the
    alias moves); ``model:<name>``, ``model_version:<name>/<version>``, ``dataset:...``, ``deployment:...``
    and ``evaluation:...`` are taken as written."""
    s = ref.strip()
    problem = (f"{_dotted(where)}: {ref!r} should be a model ('model:<name>' or 'model:<name>@<alias>'), "
               "a model version ('model_version:<name>/<version>'), a dataset, an evaluation or another "
               "deployment ('deployment:<env>/<name>')")
    try:
        kind, key = parse_id(s)
    except InvalidInputError as exc:
        raise _DocError(problem, where) from exc
    if kind not in _DEPENDABLE:
        raise _DocError(problem, where)
    if kind is NodeKind.MODEL and "@" in key:
        name, _, alias = key.rpartition("@")
        if not name or not alias:
            raise _DocError(problem, where)
        return f"model_version:{name}@{alias}"
    if kind is NodeKind.MODEL_VERSION:
        name, sep, version = key.rpartition("/")
        if not (sep and name and version):
            raise _DocError(problem, where)
    return s
