"""Handoff: everything a person owns or stewards, who should take each over, and a checklist."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from datetime import UTC, datetime, timedelta
from typing import Any

from steward.analysis.common import parse_time, summary, walk_down, walk_up
from steward.analysis.ownership import OwnershipView
from steward.errors import InvalidInputError, NotFoundError
from steward.governance.rotations import Rotation, backups, rotations
from steward.graph import EdgeKind, NodeKind, NodeRecord, is_kind
from steward.store.base import GraphStore

__all__ = ["handoff"]

COMMIT_WINDOW_DAYS = 180


def handoff(store: GraphStore, person_id: str, *, now: datetime | None = None) -> dict[str, Any]:
    """For each artifact ``person_id`` effectively owns or stewards (directly or through a team):
    a suggested successor with the reason — existing steward, co-owner, team mate, or most frequent
    recent committer to the code upstream of it — and a Markdown transition checklist."""
    view = OwnershipView.load(store)
    person = store.get_node(view.ids.canonical(person_id)) if is_kind(person_id, NodeKind.PERSON) else \
        store.get_node(person_id)
    if person is None:
        raise NotFoundError(f"no person {person_id!r}")
    if person.kind is not NodeKind.PERSON:
        raise InvalidInputError(f"{person_id} is a {person.kind.value}, not a person")
    from steward.incidents.core import incidents_on  # incidents build on the analyses

    now = now or datetime.now(UTC)
    owned = view.owned_by(person.id)
    records = store.get_nodes(sorted(owned))
    rots = rotations(store, view.ids)
    items = []
    for artifact in sorted(owned):
        rec = records.get(artifact)
        if rec is None:
            continue
        ups = walk_up(store, rec)[0]  # both the committers and the provenance come from here
        candidates = _candidates(store, view, rec, person.id, now, upstream=ups, rots=rots)
        held = {role: sorted({c.source if c.owner == person.id else c.owner for c in view.effective(rec.id, role)
                              if c.owner == person.id or is_kind(c.owner, NodeKind.TEAM)})
                for role in sorted(owned[artifact])}
        items.append({
            "artifact": summary(rec),
            "roles": sorted(owned[artifact]),
            "held": [{"role": role, "via": via} for role, vias in held.items() for via in vias],
            "successor": candidates[0] if candidates else None,
            "candidates": candidates,
            "provenance": _provenance(store, rec, upstream=ups),
            "incidents": incidents_on(store, {rec.id, *ups}),
        })
    result = {
        "person": {**summary(person), "active": view.is_active(person.id), "teams": view.teams_of.get(person.id, [])},
        "items": items,
    }
    result["checklist"] = _checklist(result)
    return result


def _candidates(
    store: GraphStore, view: OwnershipView, rec: NodeRecord, leaving: str, now: datetime, *, upstream: Collection[str],
    rots: dict[str, Rotation] | None = None,
) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    seen = {leaving}

    def add(pid: str, reason: str) -> None:
        if pid not in seen and view.is_active(pid):
            seen.add(pid)
            out.append({"id": pid, "name": view.name(pid), "reason": reason})

    for pid in view.active_stewards(rec.id):
        add(pid, "already the steward (named backup)")
    for pid in view.active_owners(rec.id):
        add(pid, "already a co-owner")
    if rots:  # rotation members already answer the team's pager: backups before other team mates
        for pid, team in sorted(backups(view, rots, rec.id, [leaving]).items(), key=lambda kv: (kv[1], kv[0])):
            add(pid, f"on the on-call rotation of {view.name(team)} (a backup)")
    claims = [c for role in ("owner", "steward") for c in view.effective(rec.id, role)]
    teams = [c.owner for c in claims if is_kind(c.owner, NodeKind.TEAM)]
    for team in [*teams, *view.teams_of.get(leaving, [])]:
        for pid in view.active_members(team):
            add(pid, f"member of {view.name(team)}" + (" (owning team)" if team in teams else ""))
    since = now - timedelta(days=COMMIT_WINDOW_DAYS)
    commits = [n for n in upstream if is_kind(n, NodeKind.COMMIT)]
    if commits:
        recent = {c.id for c in store.get_nodes(commits).values()
                  if (t := parse_time(c.props.get("committed_at") or c.props.get("authored_at"))) and t >= since}
        authored = store.edges(kinds=[EdgeKind.AUTHORED], dst=sorted(recent)) if recent else []
        counts = Counter(view.ids.canonical(e.src) for e in authored)
        for pid, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
            add(pid, f"{n} recent commit(s) to the code upstream of it (last {COMMIT_WINDOW_DAYS} days)")
    return out


def _provenance(store: GraphStore, rec: NodeRecord, *, upstream: Collection[str]) -> dict[str, Any]:
    ups = upstream
    downs = walk_down(store, rec)
    nodes = store.get_nodes(sorted(set(ups) | set(downs)))

    def of(kind: NodeKind, ids: Collection[str]) -> list[NodeRecord]:
        return sorted((nodes[i] for i in ids if i in nodes and nodes[i].kind is kind), key=lambda r: r.id)

    deployments = of(NodeKind.DEPLOYMENT, downs) + ([rec] if rec.kind is NodeKind.DEPLOYMENT else [])
    return {
        "datasets": [r.id for r in of(NodeKind.DATASET, ups)],
        "runs": [r.id for r in of(NodeKind.RUN, ups)][-10:],
        "commits": [r.id for r in of(NodeKind.COMMIT, ups)][-10:],
        "deployments": [{"id": d.id, "runbook": d.props.get("runbook")} for d in deployments],
    }


def _checklist(result: dict[str, Any]) -> str:
    p = result["person"]
    lines = [f"# Handoff: {p['name']} ({p['id']})", ""]
    if not result["items"]:
        lines.append("Owns and stewards nothing: no handoff needed.")
        return "\n".join(lines) + "\n"
    lines.append(f"{len(result['items'])} artifact(s) to hand over.")
    read: set[str] = set()
    for item in result["items"]:
        a = item["artifact"]
        succ = item["successor"]
        lines += ["", f"## {a['kind']} `{a['id']}` ({', '.join(item['roles'])})", ""]
        if succ:
            lines.append(f"- [ ] Agree the transfer with **{succ['name']}** (`{succ['id']}`): {succ['reason']}")
        else:
            lines.append("- [ ] Find a successor: nobody active is linked to it (ask the owning team's lead)")
        for h in item.get("held", []):
            if is_kind(h["via"], NodeKind.TEAM):
                lines.append(f"- [ ] Held through team `{h['via']}` ({h['role']}): update the team's membership, or "
                             "name another owning team")
            else:
                lines.append(f"- [ ] Change the declared {h['role']} (said by `{h['via']}`): update that source "
                             "(catalog, MLflow registry tag, ...) and re-ingest; `steward precedence` shows whose "
                             "claims win")
        prov = item["provenance"]
        for d in prov["deployments"]:
            rb = f" — runbook: {d['runbook']}" if d.get("runbook") else " — no runbook: write one"
            lines.append(f"- [ ] Walk through deployment `{d['id']}`{rb}")
        if prov["datasets"]:
            lines.append("- [ ] Review input datasets: " + ", ".join(f"`{x}`" for x in prov["datasets"][:10]))
        if prov["runs"]:
            lines.append("- [ ] Review recent runs: " + ", ".join(f"`{x}`" for x in prov["runs"]))
        if prov["commits"]:
            lines.append("- [ ] Review the code: " + ", ".join(f"`{x}`" for x in prov["commits"]))
        for inc in item.get("incidents", []):
            if inc["id"] in read:
                continue  # named once per checklist, under the first artifact it concerns
            read.add(inc["id"])
            how = f"resolved: {inc['resolution']['reason']}" if inc.get("resolution") else \
                f"{inc['status']}, unresolved"
            where = "" if inc["artifact"]["id"] == a["id"] else f" (on `{inc['artifact']['id']}`, upstream)"
            pm = f"; postmortem: {', '.join(inc['postmortems'])}" if inc["postmortems"] else ""
            lines.append(f"- [ ] Read incident `{inc['id']}` ({inc['severity']}) {inc['title']}{where} — {how}{pm}")
    return "\n".join(lines) + "\n"
