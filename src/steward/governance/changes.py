"""Ownership changed through Steward: direct sets, change requests, approvals, handoffs applied.

``steward`` is an ownership origin of its own (first in the default precedence, configurable with
``steward precedence --set``). A change is written as ``OWNS`` claims with source and origin
``steward`` carrying their provenance (``by``, ``reason``, ``change``), so every answer (blast
radius, SPOF, audit, handoff) sees it at once, on both stores.

Who may do what (:class:`~steward.governance.principal.Principal`):

* an ``admin``, or an ``editor`` who is an effective owner of the artifact (named directly or through
  a team, inherited claims included), sets owners and stewards directly;
* any other ``editor`` files a **change request** (a record of kind ``change``, status ``open``);
* an effective owner of the artifact (role ``editor`` at least) or an ``admin`` approves it (status
  ``applied``, the change applied in the same transaction as the decision) or rejects it; the
  requester never approves their own request (they may reject it: a withdrawal);
* ``viewer`` and ``producer`` may not propose anything.

**One transaction per change.** The store's ``upsert`` cannot delete, and a set replaces earlier
steward-origin claims, so the claims being replaced are re-written in that same ``upsert`` with
``superseded_by`` (``SUPERSEDED_PROP``): no answer counts them from the moment the change commits.
The change record, the new claims, the superseded marks and the log entries are one ``upsert``, so
the log and the change cannot diverge. Afterwards the superseded edges are removed with
``retract("steward", ...)`` — housekeeping with no log entry of its own, since it changes no
answer; if it fails, the marks keep them out of every answer and the next change to the artifact
removes them.

**Stale requests.** A request records the effective owners and stewards when it was filed. If they
changed before it is approved, approving still applies exactly what was asked (the decision is the
approver's, made on what the request shows); the log entry and the record say ``stale: true``.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from typing import Any, Literal

from steward.analysis.ownership import ROLES, SUPERSEDED_PROP, Claim, OwnershipView
from steward.errors import ConflictError, ForbiddenError, InvalidInputError, NotFoundError
from steward.governance.principal import Principal
from steward.graph import ARTIFACT_KINDS, Edge, EdgeKey, EdgeKind, NodeKind, OwnershipClaim, is_kind
from steward.identity import Identities
from steward.lookup import resolve_node
from steward.store.base import GraphStore, Record, utc_now

__all__ = [
    "CHANGE_KIND", "STEWARD_ORIGIN", "Outcome", "approve", "decide", "get_change", "handoff_apply",
    "list_changes", "reject", "resolve_people", "set_ownership",
]

#: The record kind of change requests (and of applied direct changes: every change has a record).
CHANGE_KIND = "change"
#: The source and origin of ownership claims made through Steward.
STEWARD_ORIGIN = "steward"
STATUSES = ("open", "applied", "rejected")
MAX_REASON = 2000
MAX_PEOPLE = 50

Role = Literal["owner", "steward"]
_ROLE_FIELD: dict[str, str] = {"owner": "owners", "steward": "stewards"}


class Outcome(dict[str, Any]):
    """What a change did: ``{"status": "applied"|"open"|"rejected", "change": <record doc>, ...}``."""

    @property
    def applied(self) -> bool:
        return bool(self.get("status") == "applied")


# ---- reading ----------------------------------------------------------------------------------------
def list_changes(store: GraphStore, *, status: str | None = None, artifact: str | None = None) -> list[dict[str, Any]]:
    """Change records, newest first (filtered by status and artifact when given)."""
    if status is not None and status not in STATUSES:
        raise InvalidInputError(f"status must be one of {', '.join(STATUSES)}, not {status!r}")
    docs = [r.doc for r in store.get_records(CHANGE_KIND)]
    out = [d for d in docs if (status is None or d.get("status") == status)
           and (artifact is None or d.get("artifact") == artifact)]
    return sorted(out, key=lambda d: (str(d.get("created_at", "")), str(d.get("id", ""))), reverse=True)


def get_change(store: GraphStore, change_id: str) -> dict[str, Any]:
    rec = store.get_record(CHANGE_KIND, change_id)
    if rec is None:
        raise NotFoundError(f"no change {change_id!r}")
    return rec.doc


# ---- resolving names --------------------------------------------------------------------------------
def resolve_people(store: GraphStore, names: Sequence[str], *, what: str = "owner") -> list[str]:
    """Canonical ids of the people or teams ``names`` mean (ids, aliases, e-mails, handles), as the CLI
    resolves them everywhere. A name that is no known person or team, or a person who has left, is
    refused (InvalidInputError): nothing is ever written for a name Steward cannot resolve."""
    if len(names) > MAX_PEOPLE:
        raise InvalidInputError(f"at most {MAX_PEOPLE} {what}s per change")
    view_ids: Identities | None = None
    out: list[str] = []
    for name in names:
        text = name.strip()
        if not text:
            raise InvalidInputError(f"an empty {what} name")
        try:
            rec = resolve_node(store, text)
        except NotFoundError as exc:
            raise InvalidInputError(f"{what} {text!r} is no known person or team") from exc
        if rec.kind not in (NodeKind.PERSON, NodeKind.TEAM):
            raise InvalidInputError(f"{what} {text!r} is a {rec.kind.value} ({rec.id}), not a person or team")
        if view_ids is None:
            view_ids = Identities.load(store)
        if not view_ids.is_declared(rec.id):
            raise InvalidInputError(f"{what} {text!r} ({rec.id}) is named somewhere but no source describes it; "
                                    "declare it in the catalog first")
        if rec.kind is NodeKind.PERSON and not view_ids.is_active(rec.id):
            raise InvalidInputError(f"{what} {text!r} ({rec.id}) has left (active: false)")
        cid = view_ids.canonical(rec.id)
        if cid not in out:
            out.append(cid)
    return sorted(out)


def _artifact(store: GraphStore, text: str) -> str:
    rec = resolve_node(store, text)
    if rec.kind not in ARTIFACT_KINDS:
        raise InvalidInputError(f"{rec.id} is a {rec.kind.value}: only artifacts have owners")
    return rec.id


def _reason(reason: str | None) -> str:
    text = (reason or "").strip()
    if not text:
        raise InvalidInputError("a reason is required")
    if len(text) > MAX_REASON:
        raise InvalidInputError(f"the reason is longer than {MAX_REASON} characters")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:  # a lone surrogate: the log cannot store it canonically (RFC 8785)
        raise InvalidInputError("the reason is not valid Unicode text") from exc
    return text


def _effective(view: OwnershipView, artifact: str) -> dict[str, list[str]]:
    return {_ROLE_FIELD[role]: sorted({c.owner for c in view.effective(artifact, role)}) for role in ROLES}


def _key(principal: Principal) -> str:
    return principal.person or principal.actor


def _is_requester(principal: Principal, doc: dict[str, Any]) -> bool:
    return principal.actor == doc.get("requested_by") or (
        principal.person is not None and principal.person == doc.get("requester_person"))


def _may_direct(principal: Principal, view: OwnershipView, artifact: str) -> bool:
    if principal.role == "admin":
        return True
    return principal.may("editor") and principal.person is not None and view.holds(principal.person, artifact)


def _new_id() -> str:
    return f"chg-{secrets.token_hex(6)}"


# ---- writing ----------------------------------------------------------------------------------------
def _after(view: OwnershipView, artifact: str, new: list[Claim], roles: Sequence[str]) -> dict[str, list[str]]:
    """The effective owners and stewards once ``new`` replaces the steward-origin claims of ``roles``
    (computed before writing, so the log entry is part of the change's own transaction)."""
    kept = [c for c in view.claims_on.get(artifact, []) if not (c.origin == STEWARD_ORIGIN
                                                               and c.source == STEWARD_ORIGIN and c.role in roles)]
    trial = OwnershipView(view.ids, view.members, view.subteams, view.teams_of,
                          {**view.claims_on, artifact: kept + new}, view.parent_of, view.precedence)
    return _effective(trial, artifact)


def _apply(
    store: GraphStore, view: OwnershipView, doc: dict[str, Any], principal: Principal, *,
    extra_log: Sequence[dict[str, Any]] = (), expect: dict[tuple[str, str], dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Write ``doc``'s owners/stewards as steward-origin claims, ``doc`` itself (status ``applied``) and
    the log entries, in one ``upsert``; then drop the superseded edges. Returns the ``ownership.set`` entry."""
    artifact: str = doc["artifact"]
    now = utc_now()
    roles: list[Role] = [role for role in ("owner", "steward") if doc.get(_ROLE_FIELD[role]) is not None]
    claims = [OwnershipClaim(owner=who, artifact=artifact, role=role, source=STEWARD_ORIGIN, origin=STEWARD_ORIGIN,
                             since=now, by=principal.actor, reason=doc["reason"], change=doc["id"])
              for role in roles for who in doc[_ROLE_FIELD[role]]]
    wanted = {c.to_edge().identity for c in claims}
    stored = [e for e in store.edges(kinds=[EdgeKind.OWNS], dst=[artifact]) if e.source == STEWARD_ORIGIN]
    replaced = [e for e in stored if e.props.get("role", "owner") in roles and EdgeKey(e.src, e.kind, e.dst, e.key)
                not in wanted and not e.props.get(SUPERSEDED_PROP)]
    leftovers = [e for e in stored if e.props.get(SUPERSEDED_PROP)]  # an earlier clean-up that did not finish
    marks = [Edge(e.src, EdgeKind.OWNS, e.dst, source=STEWARD_ORIGIN, props={**e.props, SUPERSEDED_PROP: doc["id"]},
                  seen_at=e.seen_at) for e in replaced]
    before = _effective(view, artifact)
    new_claims = [Claim(view.ids.canonical(c.owner), artifact, c.role, STEWARD_ORIGIN, STEWARD_ORIGIN, now, c.owner,
                        by=principal.actor, reason=doc["reason"], change=doc["id"]) for c in claims]
    after = _after(view, artifact, new_claims, roles)
    entry: dict[str, Any] = {
        "type": "ownership.set", "actor": principal.actor, "subject": artifact, "change": doc["id"],
        "before": before, "after": after, "reason": doc["reason"],
        "set": {_ROLE_FIELD[r]: doc[_ROLE_FIELD[r]] for r in roles},
    }
    if doc.get("requested_by") != principal.actor:
        entry["requested_by"] = doc.get("requested_by")
    stale = doc.get("status") == "open" and doc.get("before") != before
    if stale:
        entry["stale"] = True
    applied = {**doc, "status": "applied", "applied_at": now, "applied_by": principal.actor,
               "before_applied": before, "after": after}
    if stale:
        applied["stale"] = True
    store.upsert(edges=marks, claims=claims, records=[Record(CHANGE_KIND, doc["id"], applied)],
                 log=[*extra_log, entry], expect=expect)
    _clean_up(store, [*replaced, *leftovers])
    doc.clear()
    doc.update(applied)
    return entry


def _clean_up(store: GraphStore, superseded: Sequence[Any]) -> None:
    """Remove superseded steward edges (they already count nowhere), and withdraw ``steward`` from the
    nodes no live steward claim touches any more (so it does not keep them alive)."""
    if not superseded:
        return
    keys = [EdgeKey(e.src, EdgeKind.OWNS, e.dst, e.key) for e in superseded]
    ends = sorted({e.src for e in superseded} | {e.dst for e in superseded})
    dropping = set(keys)
    live = [e for e in [*store.edges(kinds=[EdgeKind.OWNS], src=ends), *store.edges(kinds=[EdgeKind.OWNS], dst=ends)]
            if e.source == STEWARD_ORIGIN and not e.props.get(SUPERSEDED_PROP)
            and EdgeKey(e.src, EdgeKind.OWNS, e.dst, e.key) not in dropping]
    still = {e.src for e in live} | {e.dst for e in live}
    store.retract(STEWARD_ORIGIN, nodes=[n for n in ends if n not in still], edges=keys)


def set_ownership(
    store: GraphStore, principal: Principal, artifact: str, *, owners: Sequence[str] | None = None,
    stewards: Sequence[str] | None = None, reason: str | None = None,
) -> Outcome:
    """Set the owners and/or stewards of ``artifact`` (``None``: leave that role alone; ``[]``: drop the
    steward-origin claims of that role, so the next origin by precedence answers).

    Applied at once for an admin or an owning editor (``status: applied``); a change request for any
    other editor (``status: open``); refused (ForbiddenError) for viewers and producers."""
    if not principal.may("editor"):
        raise ForbiddenError(f"role {principal.role} may not change or propose ownership (needs editor)")
    text = _reason(reason)
    if owners is None and stewards is None:
        raise InvalidInputError("give owners and/or stewards to set")
    target = _artifact(store, artifact)
    doc: dict[str, Any] = {
        "id": _new_id(), "artifact": target,
        "owners": None if owners is None else resolve_people(store, owners, what="owner"),
        "stewards": None if stewards is None else resolve_people(store, stewards, what="steward"),
        "reason": text, "requested_by": principal.actor, "requester_person": principal.person,
        "created_at": utc_now(), "decided_by": None, "decided_at": None, "decision_reason": None,
    }
    return _submit(store, principal, doc)


def _submit(store: GraphStore, principal: Principal, doc: dict[str, Any]) -> Outcome:
    target = doc["artifact"]
    view = OwnershipView.load(store, scope=[target])
    doc["before"] = _effective(view, target)
    if _may_direct(principal, view, target):
        doc.update(status="open", direct=True, decided_by=principal.actor, decided_at=doc["created_at"])
        entry = _apply(store, view, doc, principal)
        return Outcome(status="applied", change=doc, log=entry)
    doc["status"] = "open"
    entry = {"type": "change.request", "actor": principal.actor, "subject": target, "change": doc["id"],
             "before": doc["before"], "after": {k: doc[k] for k in ("owners", "stewards") if doc[k] is not None},
             "reason": doc["reason"]}
    if doc.get("handoff"):
        entry["handoff"] = doc["handoff"]
    store.upsert(records=[Record(CHANGE_KIND, doc["id"], doc)], log=[entry])
    return Outcome(status="open", change=doc, log=entry)


def decide(store: GraphStore, principal: Principal, change_id: str, *, approve: bool, reason: str | None) -> Outcome:
    """Approve (apply, in the decision's transaction) or reject an open change request."""
    verb = "approve" if approve else "reject"
    if not principal.may("editor"):
        raise ForbiddenError(f"role {principal.role} may not {verb} changes (needs editor)")
    text = _reason(reason)
    doc = dict(get_change(store, change_id))
    if doc.get("status") != "open":
        raise ConflictError(f"change {change_id} is {doc.get('status')}, not open: it cannot be {verb}d")
    requester = _is_requester(principal, doc)
    if approve and requester:
        raise ForbiddenError(f"change {change_id} was requested by {doc.get('requested_by')}: the requester cannot "
                             "approve their own request (another owner or an admin must)")
    artifact = doc["artifact"]
    view = OwnershipView.load(store, scope=[artifact])
    if not (requester or principal.role == "admin" or (principal.person and view.holds(principal.person, artifact))):
        raise ForbiddenError(f"only an owner of {artifact} or an admin may {verb} change {change_id}")
    now = utc_now()
    # Decided once: two people approving at the same moment cannot both apply it (compare-and-set
    # under the store's write lock; the second gets 409 and nothing of theirs is written).
    still_open = {(CHANGE_KIND, change_id): {"status": "open"}}
    doc.update(decided_by=principal.actor, decided_at=now, decision_reason=text)
    decision = {"type": f"change.{verb}", "actor": principal.actor, "subject": artifact, "change": change_id,
                "reason": text, "requested_by": doc.get("requested_by")}
    if not approve:
        doc["status"] = "rejected"
        if requester:
            decision["withdrawn"] = True
        store.upsert(records=[Record(CHANGE_KIND, change_id, doc)], log=[decision], expect=still_open)
        return Outcome(status="rejected", change=doc, log=decision)
    entry = _apply(store, view, doc, principal, extra_log=[decision], expect=still_open)
    return Outcome(status="applied", change=doc, log=entry)


def approve(store: GraphStore, principal: Principal, change_id: str, *, reason: str | None) -> Outcome:
    return decide(store, principal, change_id, approve=True, reason=reason)


def reject(store: GraphStore, principal: Principal, change_id: str, *, reason: str | None) -> Outcome:
    return decide(store, principal, change_id, approve=False, reason=reason)


# ---- handoff applied --------------------------------------------------------------------------------
def handoff_apply(
    store: GraphStore, principal: Principal, person: str, *, to: str, reason: str | None,
    only: Sequence[str] | None = None,
) -> dict[str, Any]:
    """One change request per artifact of ``person``'s handoff checklist, replacing them by ``to`` in each
    role they hold directly. Always requests (even for an admin), so each transfer is approved by
    someone other than whoever filed it; roles held only through a team are listed as ``skipped``
    (that is a team membership change, not an ownership change)."""
    from steward.analysis.handoff import handoff

    if not principal.may("editor"):
        raise ForbiddenError(f"role {principal.role} may not propose handoffs (needs editor)")
    text = _reason(reason)
    leaver_rec = resolve_node(store, person)
    if leaver_rec.kind is not NodeKind.PERSON:
        raise InvalidInputError(f"{leaver_rec.id} is a {leaver_rec.kind.value}, not a person")
    successor = resolve_people(store, [to], what="successor")[0]
    if not is_kind(successor, NodeKind.PERSON):
        raise InvalidInputError(f"the successor must be a person, not {successor}")
    checklist = handoff(store, leaver_rec.id)
    leaver = checklist["person"]["id"]
    if successor == leaver:
        raise InvalidInputError("the successor is the person leaving")
    wanted = None if not only else {_artifact(store, a) for a in only}
    view = OwnershipView.load(store)
    open_handoffs = {(d["artifact"], (d.get("handoff") or {}).get("from")) for d in list_changes(store, status="open")
                     if d.get("handoff")}
    filed: list[dict[str, Any]] = []
    skipped: list[dict[str, Any]] = []
    for item in checklist["items"]:
        artifact = item["artifact"]["id"]
        if wanted is not None and artifact not in wanted:
            continue
        if (artifact, leaver) in open_handoffs:
            skipped.append({"artifact": artifact, "why": "a handoff request for it is already open"})
            continue
        doc: dict[str, Any] = {"id": _new_id(), "artifact": artifact, "owners": None, "stewards": None,
                               "reason": text, "requested_by": principal.actor, "requester_person": principal.person,
                               "created_at": utc_now(), "decided_by": None, "decided_at": None,
                               "decision_reason": None, "handoff": {"from": leaver, "to": successor}}
        for role in ROLES:
            current = sorted({c.owner for c in view.effective(artifact, role)})
            if leaver in current:
                doc[_ROLE_FIELD[role]] = sorted({*[c for c in current if c != leaver], successor})
        if doc["owners"] is None and doc["stewards"] is None:
            via = sorted({h["via"] for h in item.get("held", [])})
            skipped.append({"artifact": artifact, "why": "held only through a team (" + ", ".join(via) + "): change "
                            "the team's membership instead"})
            continue
        doc["before"] = _effective(view, artifact)
        doc["status"] = "open"
        filed.append(doc)
    if wanted is not None:
        listed = {i["artifact"]["id"] for i in checklist["items"]}
        for artifact in sorted(wanted - listed):
            skipped.append({"artifact": artifact, "why": f"{leaver} neither owns nor stewards it"})
    entries = []
    for doc in filed:
        entries.append({"type": "change.request", "actor": principal.actor, "subject": doc["artifact"],
                        "change": doc["id"], "before": doc["before"],
                        "after": {k: doc[k] for k in ("owners", "stewards") if doc[k] is not None},
                        "reason": text, "handoff": doc["handoff"]})
    if filed:  # every request of one handoff in one transaction: all filed, or none
        store.upsert(records=[Record(CHANGE_KIND, d["id"], d) for d in filed], log=entries)
    return {"person": leaver, "successor": successor, "requests": filed, "skipped": skipped}
