"""Reviews on a schedule: drift, bias, performance and ownership (re-attestation) reviews of artifacts.

**Records.** A review is a record of kind ``review`` (``{id, artifact, type, by, outcome, notes,
reviewed_at, recorded_at, actor}``), written with its log entry ``review.record`` (``subject`` = the
artifact) in one ``upsert``. An ``ownership`` review is the re-attestation of the artifact's
ownership: it also keeps the effective owners and stewards it attested.

**Cadence.** The audit policy's ``reviews`` list says which artifacts need which review how often
(:class:`ReviewCadence`): by kind, by the environment of the deployments that depend on them, by
tag, by id, or every artifact some deployment depends on. For each (artifact, review type) the
review is **due** ``every_days`` after the last review that counts:

* ``pass`` counts;
* ``waived`` counts too: a waiver is a decision on record (who, when, why) that this period's
  review is not needed, so the next one falls due a full period later;
* ``fail`` does not count, and a failure newer than the last pass or waiver makes the review due
  at once (from the failure's time): a failed drift review is an open problem until a later review
  passes or waives it;
* never reviewed: due now (``status: never``; how overdue cannot be said).

The audit turns what is overdue into ``attestation-expired`` (type ``ownership``) and
``review-overdue`` (every other type) findings; :func:`reviews_due` lists what falls due within a
window. Every function takes ``now``: there is no hidden clock.
"""

from __future__ import annotations

import secrets
from collections.abc import Collection, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from steward.analysis.common import deployments_at_risk, parse_time
from steward.analysis.ownership import ROLES, OwnershipView
from steward.errors import InvalidInputError, NotFoundError
from steward.governance.cadence import OUTCOMES, REVIEW_RULES, TYPES, ReviewCadence, rule_for
from steward.governance.principal import Principal
from steward.graph import ARTIFACT_KINDS, STUB_PROP, NodeKind, NodeRecord, is_kind, parse_id, to_iso
from steward.identity import Identities
from steward.lookup import resolve_node
from steward.store.base import GraphStore, Record

__all__ = [
    "OUTCOMES",
    "REVIEW_KIND",
    "REVIEW_RULES",
    "TYPES",
    "ReviewCadence",
    "list_reviews",
    "record_review",
    "resolve_person",
    "review_findings",
    "review_status",
    "reviews_due",
]

REVIEW_KIND = "review"


# ---- records -----------------------------------------------------------------------------------------------
def resolve_person(store: GraphStore, text: str) -> str:
    """The canonical, active person ``text`` names (id, e-mail, alias, handle); a clear error otherwise."""
    ids = Identities.load(store)
    raw = text.strip()
    if not raw:
        raise InvalidInputError("a person is needed (an e-mail, person:<email> or an alias)")
    who = ids.lookup(raw)
    if who is None and is_kind(raw, NodeKind.PERSON):
        who = ids.canonical(raw)
    if who is None and "@" in raw and ":" not in raw:
        who = ids.canonical(f"person:{raw.lower()}")
    if who is None or not is_kind(who, NodeKind.PERSON) or not ids.is_declared(who):
        raise NotFoundError(f"no known person {text!r}: name one by e-mail, person:<email> or a catalog alias")
    if not ids.is_active(who):
        raise InvalidInputError(f"{who} has left: a review is recorded by someone active")
    return who


def _artifact(store: GraphStore, text: str) -> NodeRecord:
    rec = resolve_node(store, text)
    if rec.kind not in ARTIFACT_KINDS:
        raise InvalidInputError(f"{rec.id} is a {rec.kind.value}: reviews are of artifacts")
    return rec


def record_review(
    store: GraphStore,
    artifact: str,
    *,
    review_type: str,
    by: str,
    principal: Principal,
    outcome: str = "pass",
    notes: str | None = None,
    reviewed_at: datetime | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Record a review of ``artifact`` (with its log entry, in one write) and return it.

    ``reviewed_at`` (default ``now``) may be in the past, never the future; the log keeps when it was
    recorded and by whom, apart from when the review says it happened.
    """
    now = now or datetime.now(UTC)
    if review_type not in TYPES:
        raise InvalidInputError(f"review type {review_type!r}: choose one of {', '.join(TYPES)}")
    if outcome not in OUTCOMES:
        raise InvalidInputError(f"outcome {outcome!r}: choose one of {', '.join(OUTCOMES)}")
    try:
        when = (reviewed_at or now).astimezone(UTC)
    except (OverflowError, ValueError) as exc:
        raise InvalidInputError("reviewed_at is out of range") from exc
    if when > now + timedelta(minutes=5):
        raise InvalidInputError(f"a review cannot be dated in the future ({to_iso(when)})")
    rec = _artifact(store, artifact)
    person = resolve_person(store, by)
    doc: dict[str, Any] = {
        "id": f"rev-{secrets.token_hex(8)}", "artifact": rec.id, "type": review_type, "by": person,
        "outcome": outcome, "notes": (notes or "").strip() or None, "reviewed_at": to_iso(when),
        "recorded_at": to_iso(now), "actor": principal.actor,
    }
    if review_type == "ownership":
        view = OwnershipView.load(store, scope=[rec.id])
        doc["attested"] = {role: [c.owner for c in view.effective(rec.id, role)] for role in ROLES}
    entry = {"type": "review.record", "actor": principal.actor, "subject": rec.id, "before": None, "after": doc,
             "reason": doc["notes"], "review": doc["id"], "review_type": review_type, "outcome": outcome}
    lines = store.upsert(records=[Record(REVIEW_KIND, doc["id"], doc)], log=[entry])
    return {**doc, "log_seq": lines[0].seq if lines else None}


def list_reviews(store: GraphStore, artifact: str | None = None) -> list[dict[str, Any]]:
    """Reviews, newest first (by when they happened, then when recorded); only ``artifact``'s when given."""
    target = _artifact(store, artifact).id if artifact is not None else None
    docs = [r.doc for r in store.get_records(REVIEW_KIND)]
    if target is not None:
        docs = [d for d in docs if d.get("artifact") == target]
    return sorted(docs, key=lambda d: (str(d.get("reviewed_at", "")), str(d.get("recorded_at", "")),
                                       str(d.get("id", ""))), reverse=True)


# ---- cadence -----------------------------------------------------------------------------------------------
def _environment(rec: NodeRecord) -> str:
    env = rec.props.get("environment")
    if isinstance(env, str) and env:
        return env
    return parse_id(rec.id)[1].split("/", 1)[0]


def _tags(rec: NodeRecord) -> set[str]:
    raw = rec.props.get("tags")
    if isinstance(raw, str):
        return {raw}
    return {t for t in raw if isinstance(t, str)} if isinstance(raw, list) else set()


def _obligations(
    store: GraphStore, cadences: Sequence[ReviewCadence], at_risk: dict[str, set[str]]
) -> list[tuple[NodeRecord, ReviewCadence]]:
    """(artifact, cadence) for every artifact each cadence covers; one per (artifact, type): the
    shortest period wins when two lines ask for the same type."""
    if not cadences:
        return []
    kinds = sorted({k for c in cadences for k in c.kinds}, key=lambda k: k.value)
    nodes = [n for n in store.find_nodes(kinds=kinds) if not n.props.get(STUB_PROP)]
    envs = {d.id: _environment(d) for d in store.find_nodes(kinds=[NodeKind.DEPLOYMENT])}
    chosen: dict[tuple[str, str], tuple[NodeRecord, ReviewCadence]] = {}
    for cad in cadences:
        wanted = set(cad.kinds)
        for rec in nodes:
            if rec.kind not in wanted:
                continue
            deps = at_risk.get(rec.id, set())
            if cad.at_risk and not deps:
                continue
            if cad.environments and not {envs.get(d) for d in deps} & set(cad.environments):
                continue
            if cad.tags and not _tags(rec) & set(cad.tags):
                continue
            if cad.artifacts and rec.id not in cad.artifacts:
                continue
            key = (rec.id, cad.type)
            if key not in chosen or cad.every_days < chosen[key][1].every_days:
                chosen[key] = (rec, cad)
    return [chosen[k] for k in sorted(chosen)]


def _brief(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: doc.get(k) for k in ("id", "reviewed_at", "by", "outcome", "notes")}


def review_status(
    store: GraphStore,
    cadences: Sequence[ReviewCadence],
    *,
    now: datetime,
    at_risk: dict[str, set[str]] | None = None,
) -> list[dict[str, Any]]:
    """Every (artifact, review type) the policy asks for, with its last review, when the next is due
    and how many days overdue it is (negative: days left); never-reviewed ones first, then by due date."""
    if not cadences:
        return []
    at_risk = deployments_at_risk(store) if at_risk is None else at_risk
    pairs = _obligations(store, cadences, at_risk)
    if not pairs:
        return []
    by_key: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for r in store.get_records(REVIEW_KIND):
        by_key.setdefault((str(r.doc.get("artifact")), str(r.doc.get("type"))), []).append(r.doc)
    ids = Identities.load(store)
    out: list[dict[str, Any]] = []
    for rec, cad in pairs:
        done = sorted(by_key.get((rec.id, cad.type), []), key=lambda d: str(d.get("reviewed_at", "")))
        done = [d for d in done if (t := parse_time(d.get("reviewed_at"))) is not None and t <= now]
        last = done[-1] if done else None
        counted = [d for d in done if d.get("outcome") in ("pass", "waived")]
        last_ok = counted[-1] if counted else None
        due: datetime | None
        if last is not None and last.get("outcome") == "fail":
            due = parse_time(last["reviewed_at"])
            status = "failed"
        elif last_ok is not None:
            due = parse_time(last_ok["reviewed_at"])
            due = due + timedelta(days=cad.every_days) if due else None
            status = "overdue" if due is not None and due <= now else "ok"
        else:
            due, status = None, "never"
        overdue_days = (now - due).days if due is not None and due <= now else None
        entry: dict[str, Any] = {
            "artifact": rec.id, "kind": rec.kind.value, "name": rec.name, "type": cad.type,
            "rule": rule_for(cad.type), "every_days": cad.every_days, "policy": cad.describe(),
            "status": status, "due": to_iso(due) if due else None,
            "days_overdue": overdue_days,
            "days_left": (due - now).days if due is not None and due > now else (0 if due is None else None),
            "last_review": _brief(last) if last else None,
            "last_passed": _brief(last_ok) if last_ok else None,
        }
        if last is not None:
            entry["last_review"]["by_name"] = ids.name(str(last.get("by")))
        out.append(entry)
    out.sort(key=lambda e: (e["due"] is not None, e["due"] or "", e["artifact"], e["type"]))
    return out


def _finding_text(e: dict[str, Any]) -> str:
    what = f"{e['kind']} {e['name']}: {e['type']} review"
    if e["type"] == "ownership":
        what = f"{e['kind']} {e['name']}: ownership re-attestation"
    last = e["last_review"]
    if e["status"] == "never" or last is None:
        return f"{what} never recorded (policy: {e['policy']})"
    said = f"last: {last['outcome']} on {str(last['reviewed_at'])[:10]} by {last['by']}"
    if e["status"] == "failed":
        ok = e["last_passed"]
        before = f"; last pass or waiver {str(ok['reviewed_at'])[:10]}" if ok else "; never passed"
        return f"{what} failed {e['days_overdue']} days ago and is not done until it passes ({said}{before})"
    return f"{what} {e['days_overdue']} days overdue, due {str(e['due'])[:10]} ({said}; policy: {e['policy']})"


def review_findings(
    store: GraphStore, cadences: Sequence[ReviewCadence], *, now: datetime, at_risk: dict[str, set[str]],
    rules: Collection[str] = REVIEW_RULES,
) -> list[dict[str, Any]]:
    """``{rule, artifact, message, review}`` for every review overdue at ``now`` (the audit adds severity)."""
    out = []
    for e in review_status(store, cadences, now=now, at_risk=at_risk):
        if e["status"] in ("overdue", "failed", "never") and e["rule"] in rules:
            review = {k: e[k] for k in ("type", "status", "due", "days_overdue", "every_days", "last_review")}
            out.append({"rule": e["rule"], "artifact": e["artifact"], "message": _finding_text(e), "review": review})
    return out


def reviews_due(
    store: GraphStore, cadences: Sequence[ReviewCadence], *, now: datetime, days: float = 14,
) -> dict[str, Any]:
    """What is overdue, never reviewed, failed, or falls due within ``days`` of ``now``."""
    if days < 0:
        raise InvalidInputError("days must not be negative")
    horizon = now + timedelta(days=days)
    items = [e for e in review_status(store, cadences, now=now)
             if e["due"] is None or (parse_time(e["due"]) or horizon) <= horizon]
    counts: dict[str, int] = {}
    for e in items:
        counts[e["status"]] = counts.get(e["status"], 0) + 1
    return {"now": to_iso(now), "days": days, "due": items, "counts": dict(sorted(counts.items())),
            "policy": [c.model_dump(mode="json") for c in cadences]}
