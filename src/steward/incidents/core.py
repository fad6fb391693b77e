"""Incidents: records of kind ``incident`` beside the graph, each change logged in the same write.

An incident is opened on one artifact (any kind). At that moment Steward **freezes** the artifact's
blast radius and paging list into the record: what was known when it broke stays as it was, whatever
later ingests say. While the incident is not resolved, every artifact downstream of it is
**suspect**: the frozen ones, and whatever lineage now leads to from the artifact (a model trained
on the broken data after the incident opened is suspect too).

Lifecycle: ``open`` -> ``acknowledged`` -> ``mitigated`` -> ``resolved``. ``resolve`` needs a
reason and is also allowed from ``acknowledged`` (a false alarm needs no mitigation); any other move
is refused with :class:`IncidentStateError` (409, exit 5). Notes, assignees and links may be added
in any state (a postmortem link usually comes after the resolution).

Every change writes the whole record and one log entry (``incident.open``, ``incident.ack``,
``incident.mitigate``, ``incident.resolve``, ``incident.note``, ``incident.assign``,
``incident.link``, ``incident.page``) in one ``upsert``; the entry's ``subject`` is the artifact.
Two writers changing the same incident at the same instant cannot lose a change: every save is a
compare-and-set on the incident's ``rev`` (the second writer gets 409 and retries).
"""

from __future__ import annotations

import secrets
from collections.abc import Collection, Mapping
from datetime import UTC, datetime
from typing import Any, Literal
from urllib.parse import urlsplit

from steward.analysis.blast import blast_radius
from steward.analysis.common import summary, walk_down, walk_up
from steward.errors import ClientFault, InvalidInputError, NotFoundError
from steward.governance.principal import Principal
from steward.graph import ARTIFACT_KINDS, NodeKind, NodeRecord
from steward.incidents.playbooks import matching_playbooks
from steward.refs import normalise_ref
from steward.store.base import GraphStore, Record, utc_now

__all__ = [
    "ACTIONS",
    "KIND",
    "LINK_KINDS",
    "SEVERITIES",
    "STATUSES",
    "IncidentStateError",
    "add_link",
    "add_note",
    "artifact_context",
    "assign",
    "get_incident",
    "incident_history",
    "incidents_on",
    "list_incidents",
    "open_incident",
    "save_incident",
    "suspect_index",
    "suspects",
    "transition",
    "validate_url",
]

#: The record kinds this package owns: the incidents, and the suspect index beside them.
KIND = "incident"
INDEX_KIND = "incident_suspects"
SEVERITIES = ("sev1", "sev2", "sev3", "sev4")
Status = Literal["open", "acknowledged", "mitigated", "resolved"]
STATUSES: tuple[Status, ...] = ("open", "acknowledged", "mitigated", "resolved")
#: action -> (the states it may start from, the state it leads to)
ACTIONS: dict[str, tuple[frozenset[str], Status]] = {
    "ack": (frozenset({"open"}), "acknowledged"),
    "mitigate": (frozenset({"acknowledged"}), "mitigated"),
    "resolve": (frozenset({"acknowledged", "mitigated"}), "resolved"),
}
LINK_KINDS = ("postmortem", "ticket", "dashboard", "runbook", "chat", "other")
MAX_TITLE = 200
MAX_TEXT = 10_000
MAX_URL = 2048


class IncidentStateError(ClientFault):
    """The incident is not in a state that allows this (e.g. resolving one that is already resolved)."""

    code = "conflict"
    http_status = 409
    exit_code = 5


def _text(value: str | None, what: str, *, limit: int, required: bool = True) -> str | None:
    if value is None or not value.strip():
        if required:
            raise InvalidInputError(f"{what} must not be empty")
        return None
    text = value.strip()
    if len(text) > limit:
        raise InvalidInputError(f"{what} is {len(text)} characters long; at most {limit}")
    return text


def _severity(value: str) -> str:
    sev = value.strip().lower()
    if sev not in SEVERITIES:
        raise InvalidInputError(f"severity {value!r} is not one of {', '.join(SEVERITIES)}")
    return sev


def validate_url(url: str, what: str = "URL") -> str:
    """An absolute http(s) URL with a host, or InvalidInputError (no ``javascript:``, ``file:``, ...)."""
    text = url.strip()
    if not text or len(text) > MAX_URL or any(c.isspace() or ord(c) < 32 for c in text):
        raise InvalidInputError(f"{what} must be an http(s) URL of at most {MAX_URL} characters, without spaces")
    try:
        parts = urlsplit(text)
        host = parts.hostname
    except ValueError as exc:
        raise InvalidInputError(f"{what} {text[:100]!r} is not a valid URL: {exc}") from exc
    if parts.scheme.lower() not in ("http", "https") or not host:
        raise InvalidInputError(f"{what} {text[:100]!r} must be an absolute http:// or https:// URL")
    return text


def _new_id(now: datetime) -> str:
    return f"inc-{now:%Y%m%d}-{secrets.token_hex(3)}"


def get_incident(store: GraphStore, incident_id: str) -> dict[str, Any]:
    rec = store.get_record(KIND, incident_id.strip())
    if rec is None:
        raise NotFoundError(f"no incident {incident_id!r}")
    return rec.doc


def _marker(doc: Mapping[str, Any]) -> dict[str, Any]:
    return {"incident": doc["id"], "title": doc["title"], "severity": doc["severity"], "status": doc["status"],
            "root": doc["artifact"]["id"]}


def save_incident(store: GraphStore, doc: dict[str, Any], entry: Mapping[str, Any], *, new: bool = False
                  ) -> dict[str, Any]:
    """Write the incident, its entry in the suspect index, and its log entry in one transaction.

    Every save bumps the incident's ``rev`` and (unless ``new``) is a compare-and-set on the ``rev``
    it was read at: two people changing one incident at the same moment cannot lose either change;
    the second gets 409 (ConflictError) and nothing of theirs is written.

    The index (records of kind ``incident_suspects``, one per incident) holds what suspect marks need
    and nothing else: the marker and the frozen ids of an unresolved incident; ``{"open": false}``
    once resolved. Blast radius and audit read it, never the full incident documents.
    """
    if doc["status"] == "resolved":
        index: dict[str, Any] = {"open": False}
    else:
        index = {"open": True, "marker": _marker(doc),
                 "frozen": [[i["id"], i["distance"]] for i in doc["frozen"]["impacted"]]}
    read_at = doc.get("rev")
    doc["rev"] = (read_at or 0) + 1
    expect = None if new else {(KIND, doc["id"]): {"rev": read_at}}
    try:
        store.upsert(records=[Record(KIND, doc["id"], doc), Record(INDEX_KIND, doc["id"], index)], log=[entry],
                     expect=expect)
    except BaseException:
        doc["rev"] = read_at
        raise
    return doc


def _entry(doc: Mapping[str, Any], verb: str, actor: Principal, at: str, **fields: Any) -> dict[str, Any]:
    return {"type": f"incident.{verb}", "actor": actor.actor, "subject": doc["artifact"]["id"],
            "incident": doc["id"], "at": at, **{k: v for k, v in fields.items() if v is not None}}


def open_incident(
    store: GraphStore, artifact_id: str, *, title: str, severity: str, summary_text: str | None = None,
    actor: Principal,
) -> dict[str, Any]:
    """Open an incident on an artifact: freeze its blast radius and paging list, attach the playbooks
    that apply to it, and log ``incident.open``."""
    title_ok = _text(title, "title", limit=MAX_TITLE)
    sev = _severity(severity)
    about = _text(summary_text, "summary", limit=MAX_TEXT, required=False)
    root = store.get_node(artifact_id)
    if root is None:
        raise NotFoundError(f"no node {artifact_id!r}")
    if root.kind not in ARTIFACT_KINDS:
        raise InvalidInputError(f"{root.id} is a {root.kind.value}; incidents are opened on artifacts "
                                "(datasets, jobs, runs, models, versions, deployments, ...)")
    at = utc_now()
    blast = blast_radius(store, root.id)
    frozen = {
        "at": at,
        "impacted": [{"id": i["id"], "kind": i["kind"], "name": i["name"], "distance": i["distance"],
                      "owners": [o for o in i["owners"] if o.get("effective", True)]} for i in blast["impacted"]],
        "page": blast["page"],
        "unowned": blast["unowned"],
        "unresolved": blast["unresolved"],
        "counts": blast["counts"],
        "truncated": blast["truncated"],
    }
    doc: dict[str, Any] = {
        "id": _new_id(datetime.now(UTC)),
        "title": title_ok,
        "severity": sev,
        "summary": about,
        "artifact": summary(root),
        "status": "open",
        "opened_at": at,
        "opened_by": actor.actor,
        "status_history": [{"status": "open", "at": at, "by": actor.actor}],
        "resolution": None,
        "assignees": [],
        "notes": [],
        "links": [],
        "pages": [],
        "frozen": frozen,
        "playbooks": matching_playbooks(store, root),
    }
    return save_incident(store, doc, _entry(doc, "open", actor, at, after={"status": "open", "severity": sev,
                                                                              "title": title_ok},
                                            impacted=len(frozen["impacted"]), paged=[p["id"] for p in blast["page"]]),
                         new=True)


def transition(
    store: GraphStore, incident_id: str, action: str, *, actor: Principal, reason: str | None = None,
) -> dict[str, Any]:
    """``ack``, ``mitigate`` or ``resolve`` (which needs ``reason``)."""
    if action not in ACTIONS:
        raise InvalidInputError(f"unknown transition {action!r}; one of {', '.join(ACTIONS)}")
    doc = get_incident(store, incident_id)
    allowed, to = ACTIONS[action]
    why = _text(reason, "reason", limit=MAX_TEXT, required=action == "resolve")
    if doc["status"] not in allowed:
        raise IncidentStateError(
            f"incident {doc['id']} is {doc['status']}; '{action}' needs it {' or '.join(sorted(allowed))}"
            + (" (open a new incident if it broke again)" if doc["status"] == "resolved" else ""))
    at = utc_now()
    before = doc["status"]
    doc["status"] = to
    doc[f"{to}_at"] = at
    doc["status_history"].append({"status": to, "at": at, "by": actor.actor, **({"reason": why} if why else {})})
    if to == "resolved":
        doc["resolution"] = {"reason": why, "at": at, "by": actor.actor}
    return save_incident(store, doc, _entry(doc, action, actor, at, before=before, after=to, reason=why))


def add_note(store: GraphStore, incident_id: str, text: str, *, actor: Principal) -> dict[str, Any]:
    body = _text(text, "note", limit=MAX_TEXT)
    doc = get_incident(store, incident_id)
    at = utc_now()
    doc["notes"].append({"at": at, "by": actor.actor, "text": body})
    return save_incident(store, doc, _entry(doc, "note", actor, at, note=body))


def assign(
    store: GraphStore, incident_id: str, people: Collection[str], *, actor: Principal, remove: bool = False,
) -> dict[str, Any]:
    """Add (or ``remove``) assignees: people or teams the graph knows."""
    if not people:
        raise InvalidInputError("name at least one person or team to assign")
    ids = []
    for ref in people:
        rid = normalise_ref(ref, default_kind="person")
        if not remove:
            rec = store.get_node(rid)
            if rec is None or rec.kind not in (NodeKind.PERSON, NodeKind.TEAM):
                raise NotFoundError(f"no person or team {rid!r}")
        ids.append(rid)
    doc = get_incident(store, incident_id)
    before = list(doc["assignees"])
    after = [a for a in before if a not in ids] if remove else sorted(set(before) | set(ids))
    doc["assignees"] = after
    at = utc_now()
    return save_incident(store, doc, _entry(doc, "assign", actor, at, before=before, after=after))


def add_link(
    store: GraphStore, incident_id: str, url: str, *, kind: str = "other", title: str | None = None,
    actor: Principal,
) -> dict[str, Any]:
    """Link a postmortem, a ticket, a dashboard...: an http(s) URL only."""
    if kind not in LINK_KINDS:
        raise InvalidInputError(f"link kind {kind!r} is not one of {', '.join(LINK_KINDS)}")
    href = validate_url(url, "link")
    label = _text(title, "title", limit=MAX_TITLE, required=False)
    doc = get_incident(store, incident_id)
    at = utc_now()
    link = {"url": href, "kind": kind, "title": label, "at": at, "by": actor.actor}
    doc["links"].append(link)
    return save_incident(store, doc, _entry(doc, "link", actor, at, after={"url": href, "kind": kind}))


# ---- reading ---------------------------------------------------------------------------------------
def _brief(doc: Mapping[str, Any]) -> dict[str, Any]:
    """An incident in a list: enough to read it, without the frozen answer."""
    postmortems = [ln["url"] for ln in doc.get("links", []) if ln.get("kind") == "postmortem"]
    return {"id": doc["id"], "title": doc["title"], "severity": doc["severity"], "status": doc["status"],
            "artifact": doc["artifact"], "opened_at": doc["opened_at"], "opened_by": doc["opened_by"],
            "resolved_at": doc.get("resolved_at"), "resolution": doc.get("resolution"),
            "assignees": doc.get("assignees", []), "postmortems": postmortems,
            "impacted": len(doc.get("frozen", {}).get("impacted", []))}


def _status_filter(status: str | None) -> set[str] | None:
    if status is None:
        return None
    if status == "active":
        return {s for s in STATUSES if s != "resolved"}
    if status not in STATUSES:
        raise InvalidInputError(f"status {status!r} is not one of {', '.join((*STATUSES, 'active'))}")
    return {status}


def list_incidents(store: GraphStore, *, artifact: str | None = None, status: str | None = None) -> dict[str, Any]:
    """Incidents, newest first. With ``artifact``: those opened on it or on anything upstream of it
    (the history a new owner needs), each saying which artifact it was on."""
    wanted = _status_filter(status)
    docs = [r.doc for r in store.get_records(KIND)]
    scope: dict[str, str] | None = None
    node: NodeRecord | None = None
    if artifact is not None:
        node = store.get_node(artifact)
        if node is None:
            raise NotFoundError(f"no node {artifact!r}")
        ups, containers = walk_up(store, node)
        scope = {node.id: "itself", **dict.fromkeys(ups, "upstream"), **dict.fromkeys(containers, "upstream")}
    items = []
    for doc in docs:
        if wanted is not None and doc["status"] not in wanted:
            continue
        if scope is not None and doc["artifact"]["id"] not in scope:
            continue
        item = _brief(doc)
        if scope is not None:
            item["relation"] = scope[doc["artifact"]["id"]]
        items.append(item)
    items.sort(key=lambda i: (i["opened_at"], i["id"]), reverse=True)
    out: dict[str, Any] = {"incidents": items}
    if node is not None:
        out["artifact"] = summary(node)
    return out


def incident_history(store: GraphStore, artifact: str) -> list[dict[str, Any]]:
    return list(list_incidents(store, artifact=artifact)["incidents"])


def suspect_index(store: GraphStore, *, only: Collection[str] | None = None) -> dict[str, list[dict[str, Any]]]:
    """artifact id -> the unresolved incidents it is suspect under (the incident's own artifact at
    distance 0, everything frozen downstream of it, and whatever lineage leads to from it now); only
    for the ids in ``only`` when given.

    Every blast radius asks: the whole index is computed once per store version (any write, an
    incident's included, moves it: :meth:`GraphStore.derived`) and each answer gets copies."""
    full = store.derived("incidents.suspect_index", lambda: _suspect_index(store))
    keys = full.keys() if only is None else [n for n in dict.fromkeys(only) if n in full]
    return {n: [dict(m) for m in full[n]] for n in keys}


def _suspect_index(store: GraphStore) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for rec in store.get_records(INDEX_KIND):
        if not rec.doc.get("open"):
            continue
        marker = rec.doc["marker"]
        frozen = {str(i): int(d) for i, d in rec.doc.get("frozen", [])}
        live: dict[str, int] = {}
        root = store.get_node(marker["root"])
        if root is not None:
            live = {n: r.distance for n, r in walk_down(store, root).items()}
            live[root.id] = 0
        for node in set(frozen) | set(live):
            dist = live.get(node, frozen.get(node, 0))
            out.setdefault(node, []).append({**marker, "distance": dist, "frozen": node in frozen})
    for markers in out.values():
        markers.sort(key=lambda m: (m["severity"], m["incident"]))
    return out


def suspects(store: GraphStore, *, incident: str | None = None) -> dict[str, Any]:
    """Every suspect artifact with the incidents that make it so (only ``incident``'s when given)."""
    index = suspect_index(store)
    if incident is not None:
        get_incident(store, incident)  # 404 for an unknown incident
        index = {n: [m for m in ms if m["incident"] == incident] for n, ms in index.items()}
        index = {n: ms for n, ms in index.items() if ms}
    records = store.get_nodes(sorted(index))
    items = []
    for node in sorted(index):
        rec = records.get(node)
        if rec is not None and rec.kind not in ARTIFACT_KINDS:
            continue
        base = summary(rec) if rec is not None else {"id": node, "kind": node.split(":", 1)[0], "name": node}
        items.append({**base, "incidents": index[node]})
    return {"suspects": items}


def incidents_on(store: GraphStore, artifacts: Collection[str]) -> list[dict[str, Any]]:
    """Every incident opened on one of ``artifacts`` (briefly), newest first."""
    wanted = set(artifacts)
    items = [_brief(r.doc) for r in store.get_records(KIND) if r.doc["artifact"]["id"] in wanted]
    return sorted(items, key=lambda i: (i["opened_at"], i["id"]), reverse=True)


def artifact_context(store: GraphStore, rec: NodeRecord) -> dict[str, Any]:
    """What an artifact's page adds: the unresolved incidents it is suspect under, the past and present
    incidents of it and of everything upstream, and the playbooks that apply. Empty for non-artifacts."""
    if rec.kind not in ARTIFACT_KINDS:
        return {}
    return {
        "suspect": suspect_index(store, only=[rec.id]).get(rec.id, []),
        "incidents": list_incidents(store, artifact=rec.id)["incidents"],
        "playbooks": matching_playbooks(store, rec),
    }
