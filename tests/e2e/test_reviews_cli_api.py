"""Reviews and on-call rotations as a user meets them: a catalog Team with a rotation ingested by a
recipe, the `steward review|reviews|oncall` commands (real processes), and the HTTP routes on a real
server; a rotation the catalog gets wrong is reported at its line."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from steward.settings import Settings
from steward.store import open_store
from tests.auth_helpers import bearer, mint_at
from tests.e2e.test_api import LiveServer
from tests.e2e.test_cli import steward

CATALOG = """\
apiVersion: steward/v1
kind: Person
metadata: {name: ada}
spec: {email: ada@corp.com, displayName: Ada, aliases: ["@ada"]}
---
apiVersion: steward/v1
kind: Person
metadata: {name: bob}
spec: {email: bob@corp.com, displayName: Bob}
---
apiVersion: steward/v1
kind: Person
metadata: {name: cy}
spec: {email: cy@corp.com, displayName: Cy, active: false}
---
apiVersion: steward/v1
kind: Team
metadata: {name: churn}
spec:
  members: [ada@corp.com, bob@corp.com]
  rotation:
    members: ["@ada", bob@corp.com, cy@corp.com]
    start: 2026-11-02
    handoff: {day: monday, time: 9:00, timezone: America/New_York}
    weeks:
      - {start: 2026-12-28, person: bob@corp.com}
---
apiVersion: steward/v1
kind: Team
metadata: {name: infra}
spec: {members: [ada@corp.com]}
---
apiVersion: steward/v1
kind: Deployment
metadata: {name: churn-api}
spec: {environment: prod, serves: "dataset:s3://lake/scores", owners: [team:churn]}
---
apiVersion: steward/v1
kind: Ownership
metadata: {name: scores}
spec: {artifact: "dataset:s3://lake/scores", owners: [bob@corp.com]}
"""
POLICY = """\
reviews:
  - {type: ownership, every_days: 90, kinds: [Deployment], environments: [prod]}
  - {type: drift, every_days: 30, kinds: [Deployment], at_risk: true}
  - {type: bias, every_days: 30, kinds: [Dataset]}   # the dataset is only named (a stub): nothing asked
"""


@pytest.fixture
def org(tmp_path: Path) -> tuple[str, Path]:
    (tmp_path / "catalog.yaml").write_text(CATALOG)
    (tmp_path / "recipe.yaml").write_text("sources:\n  - type: catalog\n    paths: [catalog.yaml]\n")
    (tmp_path / "policy.yaml").write_text(POLICY)
    uri = f"sqlite:///{tmp_path / 'graph.db'}"
    steward("ingest", str(tmp_path / "recipe.yaml"), "--store", uri)
    return uri, tmp_path / "policy.yaml"


def test_rotation_review_and_due_list_on_the_command_line(org: tuple[str, Path]) -> None:
    uri, policy = org
    # 9:00 in New York: 14:00 UTC in November (EST), 13:00 UTC before 1 November (EDT) -- the zone's own clock
    got = json.loads(steward("oncall", "team:churn", "--at", "2026-11-09T14:00:00Z", "--store", uri,
                             "-f", "json").stdout)
    assert got["on_call"]["person"] == "person:bob@corp.com" and got["on_call"]["starts"] == "2026-11-09T14:00:00.000Z"
    assert got["next"]["person"] == "person:ada@corp.com"  # cy (3rd) has left: ada covers
    assert got["next"]["covering_for"] == "person:cy@corp.com"
    ada = json.loads(steward("oncall", "team:churn", "--at", "2026-11-09T13:59:00Z", "--store", uri, "-f",
                             "json").stdout)
    assert ada["on_call"]["person"] == "person:ada@corp.com"
    table = steward("oncall", "team:churn", "--at", "2026-12-28T15:00:00Z", "--store", uri).stdout
    assert "person:bob@corp.com" in table and "now" in table
    assert "declares no on-call rotation" in steward("oncall", "team:infra", "--store", uri, check=5).stderr
    assert "no team" in steward("oncall", "team:nobody", "--store", uri, check=4).stderr

    # the paging list names who is on call for the team-owned deployment
    blast = json.loads(steward("blast-radius", "dataset:s3://lake/scores", "--store", uri, "-f", "json").stdout)
    assert [s["team"] for s in blast["on_call"]] == ["team:churn"]
    on_call = blast["on_call"][0]["person"]
    assert next(p for p in blast["page"] if p["id"] == on_call)["on_call"] == ["team:churn"]

    # nothing reviewed yet: the audit and the due list say so
    audit = json.loads(steward("audit", "--policy", str(policy), "--store", uri, "-f", "json").stdout)
    expired = [f for f in audit["findings"] if f["rule"] == "attestation-expired"]
    assert [f["artifact"] for f in expired] == ["deployment:prod/churn-api"]
    assert [f["artifact"] for f in audit["findings"] if f["rule"] == "review-overdue"] == ["deployment:prod/churn-api"]
    steward("review", "record", "deployment:prod/churn-api", "--type", "ownership", "--by", "@ada",
            "--at", "2026-09-01", "--notes", "owners confirmed", "--store", uri)
    steward("review", "record", "deployment:prod/churn-api", "--type", "drift", "--by", "bob@corp.com",
            "--outcome", "fail", "--at", "2026-11-20T10:00:00Z", "--store", uri)
    listed = json.loads(steward("reviews", "--artifact", "deployment:prod/churn-api", "--store", uri,
                                "-f", "json").stdout)["reviews"]
    assert [(r["by"], r["type"], r["notes"]) for r in listed] == [
        ("person:bob@corp.com", "drift", None), ("person:ada@corp.com", "ownership", "owners confirmed")]
    assert listed[0]["actor"].startswith("local:")
    due = json.loads(steward("reviews", "due", "--days", "14", "--policy", str(policy), "--now",
                             "2026-11-26T12:00:00Z", "--store", uri, "-f", "json").stdout)
    assert [(e["type"], e["status"]) for e in due["due"]] == [
        ("drift", "failed"),  # due since the failure, 2026-11-20
        ("ownership", "ok"),  # due 2026-11-30: within 14 days
    ]
    text = steward("reviews", "due", "--days", "14", "--policy", str(policy), "--now", "2026-11-26T12:00:00Z",
                   "--store", uri).stdout
    assert "in 3 days" in text and "fail" in text

    # mistakes are one clear line and a non-zero exit
    unknown = steward("review", "record", "deployment:prod/churn-api", "--type", "drift", "--by", "zed@corp.com",
                      "--store", uri, check=4)
    assert "no known person 'zed@corp.com'" in unknown.stderr
    left = steward("review", "record", "deployment:prod/churn-api", "--type", "drift", "--by", "cy@corp.com",
                   "--store", uri, check=5)
    assert "has left" in left.stderr
    steward("review", "record", "deployment:prod/churn-api", "--type", "vibes", "--by", "@ada", "--store", uri,
            check=5)
    steward("reviews", "--store", f"sqlite:///{policy.parent / 'missing.db'}", check=6)  # reads never create


def test_a_bad_rotation_is_reported_at_its_line(tmp_path: Path) -> None:
    bad = CATALOG.replace("timezone: America/New_York", "timezone: Mars/Olympus") \
        .replace("- {start: 2026-12-28, person: bob@corp.com}", "- {start: 2026-12-29, person: bob@corp.com}")
    (tmp_path / "catalog.yaml").write_text(bad)
    (tmp_path / "recipe.yaml").write_text("sources:\n  - type: catalog\n    paths: [catalog.yaml]\n")
    out = steward("ingest", str(tmp_path / "recipe.yaml"), "--store", f"sqlite:///{tmp_path / 'g.db'}", "-f", "json",
                  check=None)
    text = out.stdout + out.stderr
    line = bad.splitlines().index("    handoff: {day: monday, time: 9:00, timezone: Mars/Olympus}") + 1
    assert f"catalog.yaml:{line}" in text and "Mars/Olympus" in text and "IANA timezone" in text
    fixed_tz = bad.replace("Mars/Olympus", "UTC")
    (tmp_path / "catalog.yaml").write_text(fixed_tz)
    out = steward("ingest", str(tmp_path / "recipe.yaml"), "--store", f"sqlite:///{tmp_path / 'g.db'}", "-f", "json",
                  check=None)
    text = out.stdout + out.stderr
    line = fixed_tz.splitlines().index("      - {start: 2026-12-29, person: bob@corp.com}") + 1
    assert f"catalog.yaml:{line}" in text and "2026-12-29 is a Tuesday" in text


def test_reviews_over_http(org: tuple[str, Path]) -> None:
    uri, policy = org
    bob = "person:bob@corp.com"
    editor, viewer = mint_at(uri, "editor", person=bob), mint_at(uri, "viewer", person=bob)
    with LiveServer(Settings(store=uri, audit_policy=str(policy)), token=viewer) as server:
        base = f"{server.url}/api/v1"
        body = {"artifact": "deployment:prod/churn-api", "type": "ownership", "by": "@ada", "notes": "re-attested"}
        # a viewer reads but may not record; no token at all is a 401; neither writes anything
        assert httpx.post(f"{base}/reviews", json=body, headers=bearer(viewer)).status_code == 403
        assert httpx.post(f"{base}/reviews", json=body).status_code == 401
        assert server.get(f"{base}/reviews").json() == {"reviews": []}
        made = httpx.post(f"{base}/reviews", json=body, headers=bearer(editor))
        assert made.status_code == 201, made.text
        assert made.json()["actor"] == bob and made.json()["by"] == "person:ada@corp.com"
        assert made.json()["attested"]["owner"] == ["team:churn"]
        listed = server.get(f"{base}/reviews", params={"artifact": "deployment:prod/churn-api"}).json()["reviews"]
        assert [r["id"] for r in listed] == [made.json()["id"]]
        due = server.get(f"{base}/reviews/due", params={"days": 14}).json()
        assert [(e["type"], e["status"]) for e in due["due"]] == [("drift", "never")]
        oncall = server.get(f"{base}/oncall/team:churn", params={"at": "2026-11-09T14:00:00Z"}).json()
        assert oncall["on_call"]["person"] == bob
        assert server.get(f"{base}/oncall/team:nobody").status_code == 404
        assert server.get(f"{base}/oncall/team:infra").json()["rotation"] is None
        bad = httpx.post(f"{base}/reviews", json={**body, "by": "zed@corp.com"}, headers=bearer(editor))
        assert bad.status_code == 404 and "no known person" in bad.json()["error"]["message"]
    with open_store(uri) as store:
        entries = [json.loads(line.entry) for line in store.log_lines()]
    reviews = [e for e in entries if e["type"] == "review.record"]
    assert [(e["actor"], e["subject"]) for e in reviews] == [(bob, "deployment:prod/churn-api")]


def test_the_command_line_acts_as_the_token(org: tuple[str, Path]) -> None:
    uri, _ = org
    editor = mint_at(uri, "editor", person="person:bob@corp.com")
    viewer = mint_at(uri, "viewer", person="person:bob@corp.com")
    args = ("review", "record", "deployment:prod/churn-api", "--type", "bias", "--by", "@ada", "--store", uri)
    refused = steward(*args, "--token", viewer, check=5)
    assert "needs editor" in refused.stderr
    steward(*args, "--token", "stw_000000000000_" + "x" * 43, check=5)  # a forged token
    got = json.loads(steward(*args, "-f", "json", env={"STEWARD_TOKEN": editor}).stdout)
    assert got["actor"] == "person:bob@corp.com"
    listed = json.loads(steward("reviews", "--store", uri, "-f", "json").stdout)["reviews"]
    assert [r["actor"] for r in listed] == ["person:bob@corp.com"]
