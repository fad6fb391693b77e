"""Playbooks: the catalog's ``Playbook`` documents, matched to the artifacts they apply to.

A playbook applies to an artifact when it names the artifact, the artifact's kind, or one of its
tags (a ``tags`` property, or a deployment's ``environment``). The catalog stores each playbook as
a ``Playbook`` node (so re-ingesting the catalog removes one that was deleted, like any other
catalog kind); its sections are one JSON text property, read back here.
"""

from __future__ import annotations

import json
from typing import Any

from steward.graph import NodeKind, NodeRecord
from steward.sources.catalog.source import PLAYBOOK_SECTIONS
from steward.store.base import GraphStore

__all__ = ["PLAYBOOK_SECTIONS", "matching_playbooks", "playbook_json"]


def _strings(value: object) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _tags(rec: NodeRecord) -> set[str]:
    tags = set(_strings(rec.props.get("tags")))
    env = rec.props.get("environment")
    if isinstance(env, str):
        tags.add(env)
    return tags


def playbook_json(rec: NodeRecord, *, why: list[str] | None = None) -> dict[str, Any]:
    """A playbook node as the API and the incident record show it."""
    try:
        raw = json.loads(str(rec.props.get("sections") or "{}"))
    except json.JSONDecodeError:
        raw = {}
    sections = {name: raw.get(name, []) if isinstance(raw, dict) else [] for name in PLAYBOOK_SECTIONS}
    out: dict[str, Any] = {
        "id": rec.id, "name": rec.name, "description": rec.props.get("description"),
        "owners": _strings(rec.props.get("owners")),
        "applies_to": {"kinds": _strings(rec.props.get("applies_kinds")),
                       "tags": _strings(rec.props.get("applies_tags")),
                       "artifacts": _strings(rec.props.get("applies_artifacts"))},
        "sections": sections,
    }
    if why is not None:
        out["matched_by"] = why
    return out


def matching_playbooks(store: GraphStore, artifact: NodeRecord) -> list[dict[str, Any]]:
    """The playbooks that apply to ``artifact`` (sorted by id), each saying why it matched."""
    out = []
    tags = _tags(artifact)
    for pb in store.find_nodes(kinds=[NodeKind.PLAYBOOK]):
        why = []
        if artifact.id in _strings(pb.props.get("applies_artifacts")):
            why.append(f"names {artifact.id}")
        if artifact.kind.value in _strings(pb.props.get("applies_kinds")):
            why.append(f"applies to every {artifact.kind.value}")
        hit = sorted(tags & set(_strings(pb.props.get("applies_tags"))))
        if hit:
            why.append(f"tag {', '.join(hit)}")
        if why:
            out.append(playbook_json(pb, why=why))
    return out
