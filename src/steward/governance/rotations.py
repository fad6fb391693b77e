"""On-call rotations: who answers the pager for a team right now.

A team declares its rotation in the catalog (``Team.spec.rotation``)::

    rotation:
      members: [grace@acme.example, ada@acme.example]   # in order: one week each, then round again
      start: 2026-01-05                                 # the first handoff is on or after this date
      handoff: {day: monday, time: "09:00", timezone: Europe/London}
      weeks:                                            # optional: explicit weeks, over the cycle
        - {start: 2026-12-21, person: katherine@acme.example}

The catalog source stores it on the team's node as the canonical JSON text of the property
``rotation`` (a Neo4j property cannot hold a map). :func:`rotations` reads them all back.

**Who is on call at a moment ``at``**: the shift that started at the latest handoff at or before
``at`` (the handoff day and time in the rotation's own timezone, so a daylight-saving change moves
nothing). Shift ``k`` (0 for the first handoff) belongs to ``members[k % len(members)]``, unless an
explicit week starts at that handoff. A scheduled person who has left (or is unknown) is skipped:
the next active member in the rotation's order covers the shift, marked ``covering_for``. Before
the first handoff nobody is on call.

Every function takes the moment as an argument: there is no hidden clock.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from steward.graph import NodeKind, NodeRecord, is_kind, to_iso
from steward.identity import Identities
from steward.store.base import GraphStore

if TYPE_CHECKING:
    from steward.analysis.ownership import OwnershipView

__all__ = [
    "ROTATION_PROP", "WEEKDAYS", "Rotation", "Shift", "backups", "check_timezone", "on_call", "rotations",
    "team_shifts",
]

ROTATION_PROP = "rotation"
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def check_timezone(name: str) -> ZoneInfo:
    """The zone named ``name`` (an IANA name such as ``Europe/London``); ValueError when unknown."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"{name!r} is not a known IANA timezone (e.g. 'Europe/London', 'UTC')") from exc


@dataclass(frozen=True, slots=True)
class Shift:
    """One week of the rotation: who, from when until when (UTC), and why them."""

    team: str
    person: str
    starts: datetime
    ends: datetime
    #: "cycle" (their turn in the members' order) or "week" (an explicit week names them).
    by: str
    #: The scheduled person this one covers for (they have left or are unknown), if any.
    covering_for: str | None = None

    def to_json(self, ids: Identities | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {"team": self.team, "person": self.person, "starts": to_iso(self.starts),
                               "ends": to_iso(self.ends), "by": self.by}
        if ids is not None:
            out["name"] = ids.name(self.person)
            out["contact"] = ids.contact(self.person)
        if self.covering_for:
            out["covering_for"] = self.covering_for
        return out


@dataclass(frozen=True, slots=True)
class Rotation:
    team: str
    members: tuple[str, ...]
    start: date
    day: int  # 0 = Monday
    at: time
    timezone: str
    weeks: tuple[tuple[date, str], ...] = ()

    @classmethod
    def from_json(cls, team: str, text: str) -> Rotation | None:
        """The rotation stored on a team node; None when the text is not one (never raises)."""
        try:
            raw = json.loads(text)
            handoff = raw["handoff"]
            hh, mm = (int(x) for x in str(handoff.get("time", "09:00")).split(":"))
            tz = str(handoff.get("timezone", "UTC"))
            check_timezone(tz)
            return cls(
                team=team, members=tuple(str(m) for m in raw["members"]),
                start=date.fromisoformat(str(raw["start"])), day=WEEKDAYS.index(str(handoff["day"]).lower()),
                at=time(hh, mm), timezone=tz,
                weeks=tuple(sorted((date.fromisoformat(str(w["start"])), str(w["person"]))
                                   for w in raw.get("weeks") or [])),
            )
        except (ValueError, KeyError, TypeError, AttributeError):
            return None

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def first_handoff(self) -> date:
        return self.start + timedelta(days=(self.day - self.start.weekday()) % 7)

    def _handoff_at(self, day: date) -> datetime:
        return datetime.combine(day, self.at, tzinfo=self.zone)

    def scheduled(self, at: datetime) -> tuple[str, str, date] | None:
        """(person, "cycle"|"week", the handoff date in the rotation's zone) of the shift covering
        ``at`` as written (before skipping anyone who left); None before the first handoff."""
        local = at.astimezone(self.zone)
        day = local.date() - timedelta(days=(local.weekday() - self.day) % 7)
        if self._handoff_at(day) > local:
            day -= timedelta(days=7)
        first = self.first_handoff()
        if day < first:
            return None
        for week, person in self.weeks:
            if week == day:
                return person, "week", day
        if not self.members:
            return None
        return self.members[((day - first).days // 7) % len(self.members)], "cycle", day

    def shift(self, at: datetime, ids: Identities | None = None) -> Shift | None:
        """Who is on call at ``at``, skipping people who are not active (when ``ids`` is given)."""
        found = self.scheduled(at)
        if found is None:
            return None
        person, by, day = found
        starts = self._handoff_at(day).astimezone(UTC)
        ends = self._handoff_at(day + timedelta(days=7)).astimezone(UTC)
        if ids is None:
            return Shift(self.team, person, starts, ends, by)
        person = ids.canonical(person)
        if ids.is_active(person):
            return Shift(self.team, person, starts, ends, by)
        order = [ids.canonical(m) for m in self.members]
        begin = order.index(person) + 1 if person in order else 0
        for i in range(len(order)):
            cover = order[(begin + i) % len(order)]
            if ids.is_active(cover):
                return Shift(self.team, cover, starts, ends, by, covering_for=person)
        return None

    def active_members(self, ids: Identities) -> list[str]:
        """The rotation's people who are active (members and people named in explicit weeks), sorted."""
        people = {ids.canonical(p) for p in (*self.members, *(p for _, p in self.weeks))}
        return sorted(p for p in people if ids.is_active(p))

    def to_json(self) -> dict[str, Any]:
        return {"team": self.team, "members": list(self.members), "start": self.start.isoformat(),
                "handoff": {"day": WEEKDAYS[self.day], "time": self.at.strftime("%H:%M"), "timezone": self.timezone},
                "weeks": [{"start": d.isoformat(), "person": p} for d, p in self.weeks]}


def rotations(store: GraphStore, ids: Identities | None = None) -> dict[str, Rotation]:
    """Canonical team id -> its rotation, for every team that declares one."""
    ids = ids or Identities.load(store)
    out: dict[str, Rotation] = {}
    for rec in sorted(ids.teams.values(), key=lambda r: r.id):  # already loaded: no query of its own
        rot = _of(rec, ids)
        if rot is not None:
            out.setdefault(rot.team, rot)
    return out


def _of(rec: NodeRecord, ids: Identities) -> Rotation | None:
    text = rec.props.get(ROTATION_PROP)
    if not isinstance(text, str):
        return None
    return Rotation.from_json(ids.canonical(rec.id), text)


def on_call(store: GraphStore, team: str, at: datetime) -> dict[str, Any]:
    """The team's rotation and who is on call at ``at`` (the JSON of ``steward oncall``); for a team
    without a rotation, ``rotation``, ``on_call`` and ``next`` are null."""
    from steward.errors import InvalidInputError, NotFoundError

    ids = Identities.load(store)
    tid = ids.canonical(team)
    rec = ids.record(tid)
    if rec is None or rec.kind is not NodeKind.TEAM:
        raise NotFoundError(f"no team {team!r}")
    rot = rotations(store, ids).get(tid)
    if rot is None:
        return {"team": {"id": tid, "name": ids.name(tid)}, "at": to_iso(at), "on_call": None, "next": None,
                "rotation": None}
    try:
        now = rot.shift(at, ids)
        after = rot.shift(now.ends if now else _next_start(rot, at), ids)
    except (OverflowError, ValueError) as exc:
        raise InvalidInputError(f"{at.isoformat()} is out of range") from exc
    return {
        "team": {"id": tid, "name": ids.name(tid)},
        "at": to_iso(at),
        "on_call": now.to_json(ids) if now else None,
        "next": after.to_json(ids) if after else None,
        "rotation": rot.to_json(),
    }


def _next_start(rot: Rotation, at: datetime) -> datetime:
    """The first handoff (UTC) when ``at`` is before it, else ``at`` plus a week."""
    first = datetime.combine(rot.first_handoff(), rot.at, tzinfo=rot.zone)
    return first if first > at else at + timedelta(days=7)


def team_shifts(
    view: OwnershipView, rots: dict[str, Rotation], artifacts: list[str], at: datetime,
) -> dict[str, tuple[Shift, dict[str, set[str]]]]:
    """For the teams named in the effective owner/steward claims on ``artifacts`` that have a rotation:
    team -> (who is on call at ``at``, {artifact: roles the team holds on it})."""
    from steward.analysis.ownership import ROLES

    held: dict[str, dict[str, set[str]]] = {}
    if not rots:
        return {}
    for artifact in artifacts:
        for role in ROLES:
            for c in view.effective(artifact, role):
                if c.owner in rots and is_kind(c.owner, NodeKind.TEAM):
                    held.setdefault(c.owner, {}).setdefault(artifact, set()).add(role)
    out: dict[str, tuple[Shift, dict[str, set[str]]]] = {}
    for team in sorted(held):
        shift = rots[team].shift(at, view.ids)
        if shift is not None:
            out[team] = (shift, held[team])
    return out


def backups(view: OwnershipView, rots: dict[str, Rotation], artifact: str, people: list[str]) -> dict[str, str]:
    """Active rotation members (other than ``people``) behind an artifact -> the team whose rotation
    it is: the rotations of the teams that own or steward it, and of the teams of ``people`` (its
    active owners and stewards). They answer the pager for the team when ``people`` cannot."""
    from steward.analysis.ownership import ROLES

    teams = {c.owner for role in ROLES for c in view.effective(artifact, role) if is_kind(c.owner, NodeKind.TEAM)}
    for p in people:
        teams.update(view.teams_of.get(p, []))
    out: dict[str, str] = {}
    for team in sorted(teams):
        rot = rots.get(team)
        if rot is None:
            continue
        for p in rot.active_members(view.ids):
            if p not in people:
                out.setdefault(p, team)
    return out
