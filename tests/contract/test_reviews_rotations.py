"""Reviews, review cadence and on-call rotations on both stores, on the hand-built organisation of
``test_analyses`` (lineage, people and claims described there).

Added here: an on-call rotation on ``team:churn-team`` (bob, cy -- who has left -- and dee, who is
not a member of the team), handing off on Mondays at 09:00 London time from 2026-11-02, with an
explicit week for ada on 2026-12-14. Shifts: Nov 2 bob, Nov 9 cy -> covered by dee, Nov 16 dee,
Nov 23 bob (NOW is Thursday Nov 26), Nov 30 cy -> dee, Dec 7 dee, Dec 14 ada (explicit).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from steward.analysis import audit, blast_radius, handoff, spof
from steward.analysis.audit import Policy
from steward.errors import InvalidInputError, NotFoundError
from steward.governance.principal import Principal
from steward.governance.reviews import ReviewCadence, list_reviews, record_review, reviews_due
from steward.governance.rotations import on_call
from steward.graph import Node, NodeKind
from steward.store import GraphStore
from tests.contract.test_analyses import (
    ADA,
    API,
    BATCH,
    BOB,
    CHURN_TEAM,
    CY,
    DEE,
    MODEL,
    MV1,
    MV2,
    NOW,
    RAW,
    STAGING,
    build,
)

ACTOR = Principal(actor="person:ada@corp.com", role="editor", person=ADA)
ROTATION = {"members": [BOB, CY, DEE], "start": "2026-11-02",
            "handoff": {"day": "monday", "time": "09:00", "timezone": "Europe/London"},
            "weeks": [{"start": "2026-12-14", "person": ADA}]}
POLICY = Policy(reviews=[
    ReviewCadence(type="drift", every_days=30, kinds=[NodeKind.MODEL_VERSION], environments=["prod"]),
    ReviewCadence(type="ownership", every_days=90, kinds=[NodeKind.DEPLOYMENT], at_risk=True),
])


@pytest.fixture
def org(store: GraphStore) -> GraphStore:
    build(store)
    return store


def add_rotation(store: GraphStore) -> None:
    store.upsert(nodes=[Node(id=CHURN_TEAM, kind=NodeKind.TEAM, source="catalog", name="",
                             props={"rotation": json.dumps(ROTATION)})])


def days_ago(n: float) -> datetime:
    return NOW - timedelta(days=n)


# ---- rotations ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("at", "person", "covering"), [
    (datetime(2026, 11, 1, 12, tzinfo=UTC), None, None),  # before the first handoff
    (datetime(2026, 11, 2, 9, tzinfo=UTC), BOB, None),  # London is on UTC in November
    (datetime(2026, 11, 9, 8, 59, tzinfo=UTC), BOB, None),
    (datetime(2026, 11, 9, 9, tzinfo=UTC), DEE, CY),  # cy has left: the next active member covers
    (datetime(2026, 11, 16, 10, tzinfo=UTC), DEE, None),
    (NOW, BOB, None),
    (datetime(2026, 12, 14, 9, tzinfo=UTC), ADA, None),  # the explicit week wins over the cycle (bob)
    (datetime(2026, 12, 21, 9, tzinfo=UTC), DEE, CY),
])
def test_who_is_on_call(org: GraphStore, at: datetime, person: str | None, covering: str | None) -> None:
    add_rotation(org)
    got = on_call(org, "team:churn-team", at)
    if person is None:
        assert got["on_call"] is None
        assert got["next"]["person"] == BOB and got["next"]["starts"] == "2026-11-02T09:00:00.000Z"
        return
    assert got["on_call"]["person"] == person
    assert got["on_call"].get("covering_for") == covering
    assert got["on_call"]["by"] == ("week" if person == ADA else "cycle")


def test_on_call_needs_a_team_with_a_rotation(org: GraphStore) -> None:
    none = on_call(org, CHURN_TEAM, NOW)
    assert none["rotation"] is None and none["on_call"] is None and none["team"]["id"] == CHURN_TEAM
    with pytest.raises(NotFoundError):
        on_call(org, "team:nobody", NOW)


def test_paging_names_who_is_on_call_for_team_owned_artifacts(org: GraphStore) -> None:
    before = blast_radius(org, RAW, now=NOW)
    assert before["on_call"] == []
    assert all(p["on_call"] == [] for p in before["page"])
    add_rotation(org)
    result = blast_radius(org, RAW, now=NOW)
    (shift,) = result["on_call"]
    assert shift["team"] == CHURN_TEAM and shift["person"] == BOB
    assert shift["starts"] == "2026-11-23T09:00:00.000Z" and shift["ends"] == "2026-11-30T09:00:00.000Z"
    assert MODEL in shift["artifacts"]  # model:churn is owned by the team
    page = {p["id"]: p for p in result["page"]}
    assert page[BOB]["on_call"] == [CHURN_TEAM]
    assert page[ADA]["on_call"] == []  # still paged as a team member (and the team is still named)
    assert CHURN_TEAM in page[ADA]["teams"]
    # the on-call person comes right after the root's own owners (raw/events has none active)
    assert result["page"][0]["id"] == BOB
    # a week earlier dee was on call: not a member of the team, paged for it all the same
    earlier = blast_radius(org, RAW, now=datetime(2026, 11, 18, tzinfo=UTC))
    dee = next(p for p in earlier["page"] if p["id"] == DEE)
    assert dee["on_call"] == [CHURN_TEAM] and MODEL in dee["artifacts"]
    assert earlier["page"][0]["id"] == DEE


def test_rotation_members_are_backups_for_spof_and_handoff(org: GraphStore) -> None:
    before = {i["artifact"]["id"]: i for i in handoff(org, BOB, now=NOW)["items"]}[STAGING]["candidates"]
    assert not any("rotation" in c["reason"] for c in before) and "member of" in before[0]["reason"]
    plain = spof(org)
    sole = {e["id"] for e in plain["sole_owner"]}
    assert {API, STAGING} <= sole  # bob alone, no steward
    assert plain["covered_by_rotation"] == []
    add_rotation(org)
    result = spof(org)
    assert {e["id"] for e in result["sole_owner"]} == sole - {API, STAGING}
    covered = {e["id"]: e for e in result["covered_by_rotation"]}
    assert set(covered) == {API, STAGING}
    assert covered[API]["owner"] == BOB
    # cy has left; ada is on the rotation through her explicit week
    assert covered[API]["backups"] == [{"id": ADA, "name": "Ada", "rotation": CHURN_TEAM},
                                       {"id": DEE, "name": "Dee", "rotation": CHURN_TEAM}]
    bob = next(b for b in result["bus_factor"] if b["person"] == BOB)
    assert {API, STAGING} <= set(bob["orphaned"])  # nobody else is accountable for them: still listed
    assert set(bob["covered"]) >= {API, STAGING} and bob["backups"] == [ADA, DEE]
    # handoff: the rotation's backups come before team mates (without it, ada is one as a team mate)
    items = {i["artifact"]["id"]: i for i in handoff(org, BOB, now=NOW)["items"]}
    cands = items[STAGING]["candidates"]
    assert [c["id"] for c in cands[:2]] == [ADA, DEE]
    assert all("on-call rotation of" in c["reason"] for c in cands[:2])


# ---- reviews -----------------------------------------------------------------------------------------------
def test_a_review_is_a_record_and_a_log_entry(org: GraphStore) -> None:
    size = org.log_size()
    got = record_review(org, MV2, review_type="drift", by="bob@corp.com", outcome="pass", notes="PSI < 0.1",
                        principal=ACTOR, reviewed_at=days_ago(2), now=NOW)
    assert got["by"] == BOB and got["artifact"] == MV2 and got["reviewed_at"] == "2026-11-24T12:00:00.000Z"
    (line,) = org.log_lines(size)
    entry = json.loads(line.entry)
    assert entry["type"] == "review.record" and entry["subject"] == MV2 and entry["actor"] == ACTOR.actor
    assert entry["after"]["id"] == got["id"] and entry["reason"] == "PSI < 0.1"
    assert [r["id"] for r in list_reviews(org, MV2)] == [got["id"]]
    assert list_reviews(org, MV1) == []
    own = record_review(org, API, review_type="ownership", by=BOB, principal=ACTOR, now=NOW)
    assert own["attested"] == {"owner": [BOB], "steward": []}
    assert [r["id"] for r in list_reviews(org)] == [own["id"], got["id"]]  # newest first


@pytest.mark.parametrize(("kwargs", "error", "text"), [
    ({"by": "nobody@corp.com"}, NotFoundError, "no known person"),
    ({"by": CY}, InvalidInputError, "has left"),
    ({"by": "team:churn-team"}, NotFoundError, "no known person"),
    ({"review_type": "vibes"}, InvalidInputError, "review type"),
    ({"outcome": "maybe"}, InvalidInputError, "outcome"),
    ({"reviewed_at": NOW + timedelta(days=1)}, InvalidInputError, "future"),
    ({"artifact": BOB}, InvalidInputError, "reviews are of artifacts"),
])
def test_bad_reviews_are_refused_and_nothing_is_written(
    org: GraphStore, kwargs: dict[str, object], error: type[Exception], text: str
) -> None:
    args: dict[str, object] = {"artifact": MV1, "review_type": "drift", "by": ADA, **kwargs}
    size = org.log_size()
    with pytest.raises(error, match=text):
        record_review(org, str(args.pop("artifact")), principal=ACTOR, now=NOW, **args)  # type: ignore[arg-type]
    assert org.log_size() == size and list_reviews(org) == []


def _plant_reviews(store: GraphStore) -> None:
    def rec(artifact: str, kind: str, outcome: str, ago: float) -> None:
        record_review(store, artifact, review_type=kind, by=ADA, outcome=outcome, principal=ACTOR,
                      reviewed_at=days_ago(ago), now=NOW)

    rec(MV1, "drift", "pass", 45)  # due 15 days ago
    rec(MV2, "drift", "pass", 40)
    rec(MV2, "drift", "fail", 3)  # a failure after the pass: due since the failure
    rec(API, "ownership", "pass", 10)  # fine for 80 more days
    rec(STAGING, "ownership", "waived", 85)  # a waiver counts: due in 5 days
    # BATCH: never attested


def test_overdue_reviews_and_expired_attestations_in_the_audit(org: GraphStore) -> None:
    plain = audit(org, now=NOW)  # the default policy asks for no reviews
    assert plain["summary"]["review-overdue"] == 0 and plain["summary"]["attestation-expired"] == 0
    assert audit(org, policy=POLICY, now=NOW)["summary"]["review-overdue"] == 2  # never reviewed
    _plant_reviews(org)
    result = audit(org, policy=POLICY, now=NOW)
    got = {(f["rule"], f["artifact"]): f for f in result["findings"] if "review" in f}
    assert set(got) == {("review-overdue", MV1), ("review-overdue", MV2), ("attestation-expired", BATCH)}
    mv1 = got[("review-overdue", MV1)]
    assert mv1["severity"] == "warning" and mv1["review"]["days_overdue"] == 15
    assert "15 days overdue" in mv1["message"] and "last: pass on 2026-10-12" in mv1["message"]
    mv2 = got[("review-overdue", MV2)]
    assert mv2["review"]["status"] == "failed" and mv2["review"]["last_review"]["outcome"] == "fail"
    assert "failed 3 days ago" in mv2["message"]
    batch = got[("attestation-expired", BATCH)]
    assert batch["review"]["status"] == "never" and "never recorded" in batch["message"]
    # a review recorded later (as of NOW + 1 day) does not change what the audit says at NOW
    record_review(org, MV1, review_type="drift", by=BOB, principal=ACTOR, now=NOW + timedelta(days=1))
    assert ("review-overdue", MV1) in {(f["rule"], f["artifact"]) for f in audit(org, policy=POLICY, now=NOW)[
        "findings"]}
    later = audit(org, policy=POLICY, now=NOW + timedelta(days=1))
    assert ("review-overdue", MV1) not in {(f["rule"], f["artifact"]) for f in later["findings"]}


def test_the_upcoming_reviews_list(org: GraphStore) -> None:
    _plant_reviews(org)
    due = reviews_due(org, POLICY.reviews, now=NOW, days=14)
    got = [(e["artifact"], e["type"], e["status"]) for e in due["due"]]
    assert got == [
        (BATCH, "ownership", "never"),
        (MV1, "drift", "overdue"),  # due 2026-11-11
        (MV2, "drift", "failed"),  # due since the failure, 2026-11-23
        (STAGING, "ownership", "ok"),  # due 2026-12-01: within 14 days
    ]
    staging = due["due"][-1]
    assert staging["days_left"] == 5 and staging["last_review"]["outcome"] == "waived"
    assert due["counts"] == {"failed": 1, "never": 1, "ok": 1, "overdue": 1}
    assert [e["artifact"] for e in reviews_due(org, POLICY.reviews, now=NOW, days=1)["due"]] == [BATCH, MV1, MV2]
    assert API in [e["artifact"] for e in reviews_due(org, POLICY.reviews, now=NOW, days=81)["due"]]
