"""The demo's review cadence, its past reviews (one of them overdue) and the data-platform rotation.

Written after the demo's ingest: a policy file in the workspace (``steward audit --policy`` and
``steward reviews due --policy`` read it; ``steward demo`` serves the API with it), and review
records dated relative to the demo's ``now``, so ``review-overdue`` and ``attestation-expired``
always have something to say.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from steward.demo import story
from steward.governance.principal import Principal
from steward.governance.reviews import record_review
from steward.store import GraphStore

__all__ = ["POLICY_FILE", "POLICY_TEXT", "ROTATION", "record_demo_reviews", "write_policy"]

POLICY_FILE = "policy.yaml"
POLICY_TEXT = """\
# The demo's audit policy (written by `steward demo`): the default rules, plus review cadences.
reviews:
  # production model versions, and the production deployments serving them, need a drift review monthly
  - {type: drift, every_days: 30, kinds: [ModelVersion, Deployment], environments: [prod]}
  # whoever owns something a deployment depends on re-attests it every quarter
  - {type: ownership, every_days: 90, kinds: [Deployment], at_risk: true}
"""
#: The data-platform team's on-call rotation (alan has left: whoever comes next covers his weeks).
ROTATION = ("grace@acme.example", "alan@acme.example", "katherine@acme.example")
#: (artifact, type, who, outcome, days ago, notes)
REVIEWS: tuple[tuple[str, str, str, str, int, str], ...] = (
    (story.DEPLOYMENTS[0].id, "drift", "margaret", "pass", 41, "PSI under 0.1 on all features"),  # 11 days overdue
    (story.DEPLOYMENTS[2].id, "drift", "margaret", "pass", 12, "stable"),
    (story.DEPLOYMENTS[0].id, "ownership", "margaret", "pass", 100, "owners confirmed"),  # expired 10 days ago
    (story.DEPLOYMENTS[1].id, "ownership", "margaret", "waived", 20, "staging: re-attested with prod"),
)


def rotation_spec(now: datetime) -> dict[str, object]:
    """The catalog's ``spec.rotation`` for data-platform: weekly from the Monday five weeks before ``now``."""
    start = (now - timedelta(days=35 + now.weekday())).date()
    return {"members": list(ROTATION), "start": start.isoformat(),
            "handoff": {"day": "monday", "time": "09:00", "timezone": "Europe/London"}}


def write_policy(workspace: Path) -> Path:
    path = workspace / POLICY_FILE
    path.write_text(POLICY_TEXT, encoding="utf-8")
    return path


def record_demo_reviews(store: GraphStore, now: datetime) -> int:
    """The demo's past reviews, recorded as the demo itself (each logged as ``review.record``)."""
    demo = Principal(actor="local:steward-demo", role="admin")
    for artifact, kind, who, outcome, ago, notes in REVIEWS:
        record_review(store, artifact, review_type=kind, by=story.PEOPLE[who].email, outcome=outcome, notes=notes,
                      principal=demo, reviewed_at=now - timedelta(days=ago), now=now)
    return len(REVIEWS)
