"""``steward owners set``, ``steward changes ...`` and ``steward handoff --apply`` as a user runs them:
the local operator (admin), and people acting through their tokens (``STEWARD_TOKEN``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from steward.analysis import audit
from steward.analysis.ownership import OwnershipView
from steward.store import open_store
from tests.auth_helpers import mint
from tests.contract.test_ownership_changes import ED, EVE, FEATURES, LEO, MODEL, SUE, VIC, build
from tests.e2e.test_cli import steward


@pytest.fixture
def db(tmp_path: Path) -> str:
    uri = f"sqlite:///{tmp_path / 'graph.db'}"
    with open_store(uri, create=True) as store:
        build(store)
    return uri


def owners(uri: str, artifact: str, role: str = "owner") -> list[str]:
    with open_store(uri) as store:
        return sorted({c.owner for c in OwnershipView.load(store, scope=[artifact]).effective(artifact, role)})


def test_owners_set_and_a_request_approved_through_tokens(db: str) -> None:
    out = steward("owners", "set", FEATURES, "--owner", "@sue", "--steward", "eve@corp.com", "--reason", "leo moves",
                  "-s", db, "-f", "json")
    result = json.loads(out.stdout)
    assert result["status"] == "applied" and result["change"]["requested_by"].startswith("local:")
    assert owners(db, FEATURES) == [SUE] and owners(db, FEATURES, "steward") == [EVE]
    # `steward` is an origin like the others: ranked below the catalog, the catalog's owner answers again
    order = json.loads(steward("precedence", "-s", db, "-f", "json").stdout)["precedence"]
    assert order[0] == "steward"
    steward("precedence", "--set", "catalog,steward,mlflow,openlineage,codeowners", "-s", db)
    assert owners(db, FEATURES) == [LEO]
    steward("precedence", "--set", ",".join(order), "-s", db)
    assert owners(db, FEATURES) == [SUE]

    with open_store(db) as store:
        ed, eve, vic = mint(store, "editor", person=ED), mint(store, "editor", person=EVE), mint(store, "viewer",
                                                                                                 person=VIC)
    refused = steward("owners", "set", MODEL, "--owner", ED, "--reason", "mine", "-s", db, env={"STEWARD_TOKEN": vic},
                      check=5)
    assert "viewer" in refused.stderr
    filed = json.loads(steward("owners", "set", MODEL, "--owner", ED, "--reason", "mine", "-s", db, "-f", "json",
                               env={"STEWARD_TOKEN": ed}).stdout)
    assert filed["status"] == "open"
    cid = filed["change_id"]
    listed = json.loads(steward("changes", "list", "--status", "open", "-s", db, "-f", "json").stdout)["changes"]
    assert [c["id"] for c in listed] == [cid]
    own = steward("changes", "approve", cid, "--reason", "me", "-s", db, env={"STEWARD_TOKEN": ed}, check=5)
    assert "own request" in own.stderr and owners(db, MODEL) == ["team:ml"]
    steward("changes", "approve", cid, "--reason", "agreed", "-s", db, env={"STEWARD_TOKEN": eve})
    assert owners(db, MODEL) == [ED]
    shown = json.loads(steward("changes", "show", cid, "-s", db, "-f", "json").stdout)
    assert shown["status"] == "applied" and shown["decided_by"] == EVE
    again = steward("changes", "reject", cid, "--reason", "late", "-s", db, check=5)
    assert "applied" in again.stderr
    steward("changes", "show", "chg-nope", "-s", db, check=4)
    bad = steward("owners", "set", FEATURES, "--owner", "nobody@corp.com", "--reason", "x", "-s", db, check=5)
    assert "nobody@corp.com" in bad.stderr
    steward("owners", "set", FEATURES, "--owner", SUE, "-s", db, check=5)  # a reason is required
    bad_token = steward("owners", "set", FEATURES, "--owner", SUE, "--reason", "x", "-s", db,
                        env={"STEWARD_TOKEN": "stw_nope_nope"}, check=5)
    assert "token" in bad_token.stderr


def test_handoff_apply_then_approvals(db: str) -> None:
    steward("handoff", LEO, "--apply", "--reason", "leaving", "-s", db, check=5)  # --to is needed
    out = json.loads(steward("handoff", "leo@corp.com", "--apply", "--to", "@sue", "--reason", "leo left", "-s", db,
                             "-f", "json").stdout)
    assert {r["artifact"] for r in out["requests"]} == {FEATURES, MODEL}
    with open_store(db) as store:
        assert {f["artifact"] for f in audit(store)["findings"] if f["rule"] == "handoff-pending"} == {FEATURES, MODEL}
        eve = mint(store, "editor", person=EVE)
    # the local operator filed them, so another principal approves: eve owns the model, an admin token the rest
    with open_store(db) as store:
        other_admin = mint(store, "admin", person=VIC)
    by_artifact = {r["artifact"]: r["id"] for r in out["requests"]}
    steward("changes", "approve", by_artifact[MODEL], "--reason", "ok", "-s", db, env={"STEWARD_TOKEN": eve})
    steward("changes", "approve", by_artifact[FEATURES], "--reason", "ok", "-s", db,
            env={"STEWARD_TOKEN": other_admin})
    assert owners(db, FEATURES) == [SUE] and owners(db, MODEL, "steward") == [SUE]
    report = json.loads(steward("audit", "-s", db, "-f", "json").stdout)
    assert report["summary"]["handoff-pending"] == 0
