"""The demo organisation has a rotation, past reviews and an overdue one (`steward demo` shows them)."""

from __future__ import annotations

from datetime import UTC, datetime
from io import StringIO
from pathlib import Path

import pytest
from rich.console import Console

from steward.analysis import audit, blast_radius
from steward.analysis.audit import load_policy
from steward.demo import run_demo, story
from steward.demo.reviews import ROTATION
from steward.governance.reviews import list_reviews, reviews_due
from steward.governance.rotations import on_call
from steward.store import open_store


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path, str]:
    base = tmp_path_factory.mktemp("demo-reviews")
    uri = f"sqlite:///{base / 'demo.db'}"
    out = StringIO()
    result = run_demo(workspace=base / "ws", store_uri=uri, mlflow="off", console=Console(file=out, width=200))
    assert result.policy is not None and result.policy.exists()
    return uri, result.policy, out.getvalue()


def test_the_demo_has_an_overdue_review_and_an_expired_attestation(demo: tuple[str, Path, str]) -> None:
    uri, policy, said = demo
    assert "reviews: 4 past reviews recorded" in said
    with open_store(uri) as store:
        assert len(list_reviews(store)) == 4
        result = audit(store, policy=load_policy(policy))
        overdue = {(f["rule"], f["artifact"]): f for f in result["findings"] if "review" in f}
        api = story.DEPLOYMENTS[0].id
        assert overdue[("review-overdue", api)]["review"]["days_overdue"] == 11
        assert overdue[("attestation-expired", api)]["review"]["days_overdue"] == 10
        assert ("review-overdue", story.DEPLOYMENTS[2].id) not in overdue  # reviewed 12 days ago
        due = reviews_due(store, load_policy(policy).reviews, now=datetime.now(UTC), days=14)
        assert {e["artifact"] for e in due["due"] if e["status"] == "overdue"} == {api}


def test_the_demo_pages_who_is_on_call_for_data_platform(demo: tuple[str, Path, str]) -> None:
    uri, _, _ = demo
    now = datetime.now(UTC)
    with open_store(uri) as store:
        shift = on_call(store, "team:data-platform", now)["on_call"]
        assert shift is not None and shift["person"] in {f"person:{e}" for e in ROTATION}
        assert shift["person"] != story.LEAVER  # alan has left: never on call
        blast = blast_radius(store, story.KEY_DATASET, now=now)
        assert [s["team"] for s in blast["on_call"]] == ["team:data-platform"]
        paged = next(p for p in blast["page"] if p["id"] == shift["person"])
        assert paged["on_call"] == ["team:data-platform"] and story.KEY_DATASET in paged["artifacts"]
