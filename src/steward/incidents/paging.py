"""Paging through a webhook: the incident's frozen paging list, POSTed as JSON in one of three shapes.

* ``steward``: Steward's own document (the incident, its artifact, the frozen paging list, the playbooks);
* ``slack``: a Slack-compatible message (``text`` plus ``blocks``) for an incoming webhook;
* ``pagerduty``: PagerDuty Events API v2 ``trigger`` events, one per entry of the paging list
  (person, or team when the list names one), each with a ``dedup_key`` stable per incident and target.

Delivery retries 5xx answers and connection errors with exponential backoff (never a 4xx: the
receiver has said no) and sends an ``Idempotency-Key`` header that is the same on every retry and
every re-page of the same incident, so a receiver can drop duplicates. Redirects are not followed.
The webhook URL is a secret (Slack and PagerDuty URLs authorise whoever holds them): it is never
stored nor logged, only its scheme and host.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit

from steward.errors import BackendUnavailableError, InvalidInputError
from steward.governance.principal import Principal
from steward.incidents.core import IncidentStateError, get_incident, save_incident, validate_url
from steward.store.base import GraphStore, utc_now

if TYPE_CHECKING:  # httpx is imported where a page is sent: every blast radius imports this package
    import httpx

__all__ = ["FORMATS", "Delivery", "PagingError", "PagingNotConfiguredError", "deliver", "idempotency_key",
           "page_incident", "payloads", "redact"]

logger = logging.getLogger(__name__)

Shape = Literal["steward", "slack", "pagerduty"]
FORMATS: tuple[Shape, ...] = ("steward", "slack", "pagerduty")
#: PagerDuty's severities for ours.
PD_SEVERITY = {"sev1": "critical", "sev2": "error", "sev3": "warning", "sev4": "info"}
PD_ENDPOINT = "https://events.pagerduty.com/v2/enqueue"
SLACK_TEXT_MAX = 2900  # a section's text may hold 3000 characters
SLACK_HEADER_MAX = 150


class PagingError(BackendUnavailableError):
    """The webhook did not take the page (gave up after retries, or refused it with a 4xx)."""

    code = "paging_failed"


class PagingNotConfiguredError(IncidentStateError):
    """No webhook to page through (the server's STEWARD_PAGING_WEBHOOK is not set)."""

    code = "paging_not_configured"


def idempotency_key(incident_id: str, shape: str, target: str | None = None) -> str:
    """The same for every retry and every re-page of one incident (and target, for PagerDuty)."""
    text = f"steward-page|{incident_id}|{shape}|{target or ''}"
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def redact(url: str) -> str:
    """What may be stored or logged of a webhook URL: its scheme and host (the path is the secret)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}/…"


def _who(entry: Mapping[str, Any]) -> str:
    contact = entry.get("contact")
    name = entry.get("name") or entry["id"]
    return f"{name} <{contact}>" if contact else str(name)


def _steward_doc(doc: Mapping[str, Any]) -> dict[str, Any]:
    frozen = doc.get("frozen", {})
    return {
        "type": "steward.incident.page",
        "incident": {k: doc.get(k) for k in ("id", "title", "severity", "status", "summary", "opened_at",
                                                 "opened_by", "assignees")},
        "artifact": doc["artifact"],
        "frozen_at": frozen.get("at"),
        "page": frozen.get("page", []),
        "impacted": frozen.get("counts", {}),
        "unowned": frozen.get("unowned", []),
        "playbooks": [{"id": p["id"], "name": p["name"]} for p in doc.get("playbooks", [])],
        "links": doc.get("links", []),
    }


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _slack_doc(doc: Mapping[str, Any]) -> dict[str, Any]:
    frozen = doc.get("frozen", {})
    art = doc["artifact"]
    page = frozen.get("page", [])
    header = _clip(f"{doc['severity'].upper()} {doc['title']}", SLACK_HEADER_MAX)
    lines = [f"• {_who(p)}: {'/'.join(p.get('roles', []))}" + (" (owns the root)" if p.get("root") else "")
             + f", {len(p.get('deployments', []))} deployment(s), {len(p.get('artifacts', []))} artifact(s)"
             for p in page]
    who = "\n".join(lines) or "Nobody active owns it or anything downstream."
    counts = frozen.get("counts", {})
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": header}},
        {"type": "section", "text": {"type": "mrkdwn", "text": _clip(
            f"*Incident* `{doc['id']}` on {art['kind']} `{art['id']}`\n{doc.get('summary') or ''}".strip(),
            SLACK_TEXT_MAX)},
         "fields": [
             {"type": "mrkdwn", "text": f"*Severity*\n{doc['severity']}"},
             {"type": "mrkdwn", "text": f"*Status*\n{doc['status']}"},
             {"type": "mrkdwn", "text": f"*Impacted downstream*\n{counts.get('impacted', 0)}"},
             {"type": "mrkdwn", "text": f"*Deployments hit*\n{counts.get('deployments', 0)}"},
         ]},
        {"type": "divider"},
        {"type": "section", "text": {"type": "mrkdwn", "text": _clip(f"*Who to page*\n{who}", SLACK_TEXT_MAX)}},
    ]
    if doc.get("playbooks"):
        names = ", ".join(p["name"] for p in doc["playbooks"])
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": _clip(f"*Playbooks*: {names}",
                                                                                     SLACK_TEXT_MAX)}})
    blocks.append({"type": "context", "elements": [
        {"type": "mrkdwn", "text": f"Opened {doc['opened_at']} by {doc['opened_by']} · paging list frozen at "
                                   f"{frozen.get('at')}"}]})
    return {"text": f"{header} ({art['id']}): page {len(page)} people", "blocks": blocks}


def _pagerduty_docs(doc: Mapping[str, Any], routing_key: str) -> list[tuple[str, dict[str, Any]]]:
    frozen = doc.get("frozen", {})
    art = doc["artifact"]
    out = []
    for entry in frozen.get("page", []):
        target = str(entry["id"])
        out.append((target, {
            "routing_key": routing_key,
            "event_action": "trigger",
            "dedup_key": f"steward/{doc['id']}/{target}",
            "payload": {k: v for k, v in {
                "summary": _clip(f"[{doc['severity']}] {doc['title']} ({art['id']}): page {_who(entry)}", 1024),
                "source": art["id"],
                "severity": PD_SEVERITY[doc["severity"]],
                "component": art["kind"],
                "group": ",".join(entry.get("teams", [])) or None,
                "class": "steward.incident",
                "custom_details": {"incident": doc["id"], "target": target, "contact": entry.get("contact"),
                                   "roles": entry.get("roles", []), "artifacts": entry.get("artifacts", []),
                                   "deployments": entry.get("deployments", []),
                                   "runbooks": entry.get("runbooks", []), "teams": entry.get("teams", [])},
            }.items() if v is not None},
            "client": "Steward",
            "links": [{"href": rb, "text": "runbook"} for rb in entry.get("runbooks", [])],
        }))
    return out


def payloads(doc: Mapping[str, Any], shape: str, *, routing_key: str | None = None) -> list[tuple[str, dict[str, Any]]]:
    """(idempotency key, JSON body) per request to send."""
    if shape == "steward":
        return [(idempotency_key(doc["id"], shape), _steward_doc(doc))]
    if shape == "slack":
        return [(idempotency_key(doc["id"], shape), _slack_doc(doc))]
    if shape == "pagerduty":
        if not routing_key:
            raise InvalidInputError("--format pagerduty needs a routing key (--routing-key or "
                                    "STEWARD_PAGERDUTY_ROUTING_KEY)")
        return [(idempotency_key(doc["id"], shape, target), body)
                for target, body in _pagerduty_docs(doc, routing_key)]
    raise InvalidInputError(f"paging format {shape!r} is not one of {', '.join(FORMATS)}")


@dataclass
class Delivery:
    """What one page did: per request, the attempts made and the final HTTP status (or the error)."""

    shape: str
    target: str
    requests: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(r["ok"] for r in self.requests)

    def to_json(self) -> dict[str, Any]:
        return {"format": self.shape, "target": self.target, "ok": self.ok, "requests": self.requests}


def _retryable(status: int) -> bool:
    return status >= 500


def deliver(
    url: str, bodies: list[tuple[str, dict[str, Any]]], *, shape: str, attempts: int = 4, backoff_s: float = 0.5,
    timeout_s: float = 10.0, sleep: Callable[[float], None] = time.sleep, client: httpx.Client | None = None,
) -> Delivery:
    """POST each body to ``url``, retrying 5xx and connection errors (waits ``backoff_s``, then twice
    that, ...), never a 4xx. Returns what happened; raises nothing for HTTP outcomes."""
    import httpx

    validate_url(url, "webhook URL")
    if attempts < 1:
        raise InvalidInputError("attempts must be at least 1")
    delivery = Delivery(shape=shape, target=redact(url))
    own = client is None
    http = client or httpx.Client(timeout=timeout_s, follow_redirects=False)
    try:
        for key, body in bodies:
            result: dict[str, Any] = {"idempotency_key": key, "attempts": 0, "ok": False, "status": None}
            for attempt in range(1, attempts + 1):
                result["attempts"] = attempt
                try:
                    resp = http.post(url, json=body, headers={"Idempotency-Key": key, "User-Agent": "steward"})
                except httpx.HTTPError as exc:
                    result["status"], result["error"] = None, f"{type(exc).__name__}: {exc}"[:300]
                else:
                    result["status"] = resp.status_code
                    result.pop("error", None)
                    if 200 <= resp.status_code < 300:
                        result["ok"] = True
                        break
                    result["error"] = f"HTTP {resp.status_code}: {resp.text[:200]}"
                    if not _retryable(resp.status_code):
                        break
                if attempt < attempts:
                    sleep(backoff_s * 2 ** (attempt - 1))
            delivery.requests.append(result)
    finally:
        if own:
            http.close()
    return delivery


def page_incident(
    store: GraphStore, incident_id: str, *, url: str, shape: str = "steward", actor: Principal,
    routing_key: str | None = None, attempts: int = 4, backoff_s: float = 0.5, timeout_s: float = 10.0,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, Any]:
    """Post the incident's frozen paging list to ``url`` and record what happened (``incident.page``),
    delivered or not. Raises :class:`PagingError` when a request was not taken."""
    validate_url(url, "webhook URL")
    doc = get_incident(store, incident_id)
    bodies = payloads(doc, shape, routing_key=routing_key)
    if not bodies:
        raise InvalidInputError(f"incident {doc['id']}'s frozen paging list is empty: nobody to page")
    delivery = deliver(url, bodies, shape=shape, attempts=attempts, backoff_s=backoff_s, timeout_s=timeout_s,
                       sleep=sleep)
    at = utc_now()
    record = {"at": at, "by": actor.actor, **delivery.to_json()}
    doc.setdefault("pages", []).append(record)
    save_incident(store, doc, {"type": "incident.page", "actor": actor.actor, "subject": doc["artifact"]["id"],
                               "incident": doc["id"], "at": at, "format": shape, "target": delivery.target,
                               "ok": delivery.ok, "requests": len(delivery.requests),
                               "paged": [p["id"] for p in doc["frozen"].get("page", [])]})
    if not delivery.ok:
        bad = next(r for r in delivery.requests if not r["ok"])
        how = (f"gave up after {bad['attempts']} attempt(s)" if bad["status"] is None or _retryable(bad["status"])
               else "refused")
        raise PagingError(f"paging incident {doc['id']} through {delivery.target} failed: {how}; last error: "
                          f"{bad.get('error')}")
    return {"incident": doc["id"], **record}
