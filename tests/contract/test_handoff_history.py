"""Issue 9's "done when", end to end on both stores: a leaver's handoff goes from checklist to applied
transfers with approvals, and all of it is visible in the artifact's history and in as-of answers
(who owned it before the transfer, and after)."""

from __future__ import annotations

import time

from steward.analysis import blast_radius
from steward.governance.changes import approve, handoff_apply
from steward.governance.history import history
from steward.graph import Node, NodeKind
from steward.store import GraphStore
from steward.store.base import utc_now
from tests.contract.test_ownership_changes import (  # noqa: F401  (org is a fixture)
    ADMIN,
    FEATURES,
    LEO,
    OTHER_ADMIN,
    SUE,
    org,
    owners,
)


def _moment() -> str:
    time.sleep(0.01)
    t = utc_now()
    time.sleep(0.01)
    return t


def test_a_handoff_is_in_the_history_and_the_as_of_answers(org: GraphStore) -> None:  # noqa: F811
    org.upsert(nodes=[Node(LEO, NodeKind.PERSON, source="catalog", name="Leo", props={"active": False})])
    before = _moment()
    filed = {r["artifact"]: r for r in handoff_apply(org, ADMIN, LEO, to=SUE, reason="leo left")["requests"]}
    requested = _moment()
    approve(org, OTHER_ADMIN, filed[FEATURES]["id"], reason="confirmed with sue")
    after = _moment()
    assert owners(org, FEATURES) == [SUE]

    # history: newest first, the governance steps with who and why, and the steward-origin claim added
    events = history(org, FEATURES)["events"]
    flat = repr(events)
    for needle in ("change.request", "change.approve", "ownership.set", "confirmed with sue", "leo left",
                   OTHER_ADMIN.actor, ADMIN.actor):
        assert needle in flat, needle
    added = [e for e in events if e.get("what") == "edge" and e.get("change") == "added"
             and e["edge"]["kind"] == "OWNS" and e["edge"]["src"] == SUE]
    assert len(added) == 1 and added[0]["after"]["source"] == "steward"
    assert after > added[0]["valid_from"] > requested

    # as-of: leo owned it before and while the request was open; sue after the approval
    for moment, who in ((before, [LEO]), (requested, [LEO]), (after, [SUE])):
        view = org.as_of(moment)
        page = {p["id"] for p in blast_radius(view, FEATURES)["page"] if p.get("root")}
        claims = sorted({e.src for e in view.edges(dst=[FEATURES]) if e.kind.value == "OWNS"
                         and not e.props.get("superseded_by")})
        assert who[0] in claims, (moment, claims)
        if who == [SUE]:
            assert page == {SUE}, (moment, page)
        else:
            assert SUE not in claims and SUE not in page, (moment, page)
