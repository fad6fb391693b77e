"""The catalog source: documents read from the files become people, teams, claims and deployments."""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

import yaml
from pydantic import BaseModel, Field

from steward.errors import InvalidInputError
from steward.graph import ARTIFACT_KINDS, EdgeKind, NodeKind, PropValue, is_email, parse_id
from steward.refs import normalise_ref
from steward.sources.base import Record, Source, SourceConfig
from steward.sources.catalog.files import _line_of, expand_paths, read_documents
from steward.sources.catalog.models import (
    _BACKSTAGE_SPECS,
    _STEWARD_SPECS,
    ARTIFACT_ANNOTATION,
    BACKSTAGE_API_PREFIX,
    STEWARD_API,
    _BsGroupSpec,
    _BsOwnedSpec,
    _BsProfile,
    _BsUserSpec,
    _DeploymentSpec,
    _Envelope,
    _OwnershipSpec,
    _PersonSpec,
    _PlaybookSpec,
    _TeamSpec,
)
from steward.sources.catalog.validate import _DocError, _validate
from steward.validation import dotted

__all__ = ["CatalogSource", "CatalogSourceConfig"]

logger = logging.getLogger(__name__)


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
        pairs = read_documents(path, self.report)
        if pairs is None:
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
            raise _DocError(f"{dotted(where)}: {exc.message}", where) from exc
        if kind not in ARTIFACT_KINDS:
            raise _DocError(f"{dotted(where)}: {value!r} is a {kind.value}, not an artifact", where)

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
        elif isinstance(spec, _PlaybookSpec):
            _check_playbook(spec, self._check_artifact)
        elif isinstance(spec, _TeamSpec) and spec.handle is not None and not spec.handle.startswith("@"):
            raise _DocError(f"spec.handle: {spec.handle!r} should be written as CODEOWNERS does, e.g. '@org/team'",
                            ("spec", "handle"))
        elif isinstance(spec, _TeamSpec) and spec.rotation is not None:
            _check_rotation_weeks(spec)
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
                            aliases=list(dict.fromkeys(spec.aliases)), description=spec.description,
                            rotation=_rotation_text(spec, person))
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
        elif isinstance(spec, _PlaybookSpec):
            pid = f"playbook:{meta.name}"
            once(pid)
            yield self.node(NodeKind.PLAYBOOK, pid, meta.title or meta.name, **_playbook_props(spec, person))
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


#: Playbook sections, in the order a responder reads them.
PLAYBOOK_SECTIONS = ("failure_modes", "rollback_criteria", "data_integrity_checks", "communication")


def _artifact_kind(name: str) -> NodeKind | None:
    wanted = name.strip().lower()
    for k in ARTIFACT_KINDS:
        if wanted in (k.value.lower(), k.prefix):
            return k
    return None


def _check_playbook(spec: _PlaybookSpec, check_artifact: Callable[[str, tuple[str | int, ...]], None]) -> None:
    applies = spec.applies_to
    if not (applies.kinds or applies.tags or applies.artifacts):
        raise _DocError("spec.applies_to: names no kinds, tags or artifacts", ("spec", "applies_to"))
    for i, k in enumerate(applies.kinds):
        if _artifact_kind(k) is None:
            kinds = ", ".join(sorted(x.value for x in ARTIFACT_KINDS))
            raise _DocError(f"spec.applies_to.kinds.{i}: {k!r} is not an artifact kind ({kinds})",
                            ("spec", "applies_to", "kinds", i))
    for i, a in enumerate(applies.artifacts):
        check_artifact(a, ("spec", "applies_to", "artifacts", i))
    if not any(getattr(spec, name) for name in PLAYBOOK_SECTIONS):
        raise _DocError(f"spec: a playbook needs at least one of {', '.join(PLAYBOOK_SECTIONS)}", ("spec",))


def _playbook_props(spec: _PlaybookSpec, person: Callable[[str], str]) -> dict[str, PropValue]:
    """A playbook as node properties: what it applies to as lists, its sections as one JSON text
    (node properties are flat; the incidents package reads it back)."""
    kinds = [k.value for k in (_artifact_kind(x) for x in spec.applies_to.kinds) if k is not None]
    sections = {name: [{"text": item.text, "owners": [person(o) for o in item.owners]}
                       for item in getattr(spec, name)] for name in PLAYBOOK_SECTIONS}
    return {
        "description": spec.description,
        "applies_kinds": sorted(set(kinds)),
        "applies_tags": sorted(set(spec.applies_to.tags)),
        "applies_artifacts": sorted(set(spec.applies_to.artifacts)),
        "owners": [person(o) for o in spec.owners],
        "sections": json.dumps(sections, sort_keys=True),
    }


def _identity(data: object) -> dict[str, str]:
    """``kind`` and ``name`` of a document that could not be read, as far as it says them."""
    if not isinstance(data, dict):
        return {}
    meta = data.get("metadata")
    name = meta.get("name") if isinstance(meta, dict) else None
    return {k: v for k, v in (("kind", data.get("kind")), ("name", name)) if isinstance(v, str)}


def _check_rotation_weeks(spec: _TeamSpec) -> None:
    """An explicit week starts on a handoff day (else it would never be the week of any handoff)."""
    import datetime as dt

    from steward.governance.rotations import WEEKDAYS

    rot = spec.rotation
    if rot is None:
        return
    for i, week in enumerate(rot.weeks):
        weekday = WEEKDAYS[dt.date.fromisoformat(week.start).weekday()]
        if weekday != rot.handoff.day:
            where: tuple[str | int, ...] = ("spec", "rotation", "weeks", i, "start")
            raise _DocError(f"{dotted(where)}: {week.start} is a {weekday.capitalize()}; the rotation hands off "
                            f"on {rot.handoff.day.capitalize()}s", where)


def _rotation_text(spec: _TeamSpec, person: Callable[[str], str]) -> str | None:
    """The rotation as the canonical JSON text stored on the team node (people mapped like members)."""
    rot = spec.rotation
    if rot is None:
        return None
    return json.dumps({
        "members": [person(m) for m in rot.members], "start": rot.start,
        "handoff": {"day": rot.handoff.day, "time": rot.handoff.time, "timezone": rot.handoff.timezone},
        "weeks": [{"start": w.start, "person": person(w.person)} for w in rot.weeks],
    }, sort_keys=True, separators=(",", ":"))


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
    problem = (f"{dotted(where)}: {ref!r} should be a model ('model:<name>' or 'model:<name>@<alias>'), "
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
