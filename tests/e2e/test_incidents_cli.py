"""`steward incident ...`, `steward incidents` and `steward suspect` as a user runs them: a real process,
exit codes, JSON; paging a real loopback receiver."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from steward.store import open_store
from tests.auth_helpers import mint_at
from tests.contract.test_analyses import ADA, API, CURATED, MV2, RAW, build
from tests.e2e.test_cli import steward
from tests.integration.test_paging_webhook import SECRET_PATH, Receiver


@pytest.fixture
def uri(tmp_path: Path) -> str:
    db = f"sqlite:///{tmp_path / 'graph.db'}"
    with open_store(db, create=True) as st:
        build(st)
    return db


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    r.start()
    yield r
    r.stop()


def run_json(*args: str, check: int = 0, env: dict[str, str] | None = None) -> Any:
    return json.loads(steward(*args, "-f", "json", check=check, env=env).stdout)


def test_walk_through_from_open_to_resolved(uri: str) -> None:
    doc = run_json("incident", "open", CURATED, "--title", "nulls in sessions", "--severity", "sev2",
                   "--summary", "the 03:00 load wrote nulls", "-s", uri)
    iid = doc["id"]
    assert doc["status"] == "open" and doc["opened_by"].startswith("local:")
    table = steward("incident", "show", iid, "-s", uri).stdout
    assert "Paging list, frozen at" in table and "Ada" in table
    sus = run_json("suspect", "-s", uri)["suspects"]
    assert API in {s["id"] for s in sus} and RAW not in {s["id"] for s in sus}
    shown = steward("show", API, "-s", uri).stdout
    assert "SUSPECT" in shown and iid in shown
    assert run_json("show", API, "-s", uri)["suspect"][0]["incident"] == iid
    audit = json.loads(steward("audit", "-s", uri, "-f", "json", check=None).stdout)
    assert {f["artifact"] for f in audit["findings"] if f["rule"] == "suspect"} == {s["id"] for s in sus}
    # a wrong move: exit 5 and one line saying why
    bad = steward("incident", "mitigate", iid, "-s", uri, check=5)
    assert "is open" in bad.stderr and "Traceback" not in bad.stderr
    steward("incident", "ack", iid, "-s", uri)
    steward("incident", "note", iid, "rolled back to yesterday's partition", "-s", uri)
    steward("incident", "assign", iid, ADA, "-s", uri)
    steward("incident", "mitigate", iid, "--reason", "serving yesterday's features", "-s", uri)
    steward("incident", "resolve", iid, "-s", uri, check=2)  # --reason is required
    steward("incident", "link", iid, "javascript:alert(1)", "-s", uri, check=5)
    steward("incident", "link", iid, "https://wiki.corp/pm/42", "--kind", "postmortem", "-s", uri)
    done = run_json("incident", "resolve", iid, "--reason", "loader fixed; partition re-run", "-s", uri)
    assert done["status"] == "resolved" and done["assignees"] == [ADA] and len(done["notes"]) == 1
    assert run_json("suspect", "-s", uri) == {"suspects": []}
    history = run_json("incidents", "--artifact", MV2, "-s", uri)["incidents"]
    assert [(i["id"], i["relation"], i["postmortems"]) for i in history] == [
        (iid, "upstream", ["https://wiki.corp/pm/42"])]
    assert run_json("incidents", "--status", "active", "-s", uri) == {"incidents": []}
    assert f"Read incident `{iid}`" in steward("handoff", ADA, "-s", uri, "-f", "markdown").stdout


def test_read_commands_never_create_a_store(tmp_path: Path) -> None:
    missing = f"sqlite:///{tmp_path / 'none.db'}"
    steward("incidents", "-s", missing, check=6)
    steward("suspect", "-s", missing, check=6)
    assert not (tmp_path / "none.db").exists()


def test_page_through_a_webhook(uri: str, receiver: Receiver, tmp_path: Path) -> None:
    iid = run_json("incident", "open", CURATED, "--title", "nulls", "--severity", "sev1", "-s", uri)["id"]
    out = steward("incident", "page", iid, "--webhook", receiver.url, "--format", "slack", "-s", uri, "-o", "json")
    result = json.loads(out.stdout)
    assert result["ok"] and receiver.requests[0]["body"]["blocks"][0]["type"] == "header"
    assert SECRET_PATH not in out.stdout
    # the configured default, PagerDuty with its routing key from the environment
    env = {"STEWARD_PAGING_WEBHOOK": receiver.url, "STEWARD_PAGING_FORMAT": "pagerduty",
           "STEWARD_PAGERDUTY_ROUTING_KEY": "R0UT1NG"}
    steward("incident", "page", iid, "-s", uri, env=env)
    events = [r["body"] for r in receiver.requests[1:]]
    assert events and {e["routing_key"] for e in events} == {"R0UT1NG"}
    # refusals: no webhook (exit 3), not http(s) (exit 5), a receiver that keeps failing (exit 6)
    steward("incident", "page", iid, "-s", uri, env={"STEWARD_PAGING_WEBHOOK": ""}, check=3)
    steward("incident", "page", iid, "--webhook", "file:///etc/passwd", "-s", uri, check=5)
    receiver.statuses = [500]
    failed = steward("incident", "page", iid, "--webhook", receiver.url, "--attempts", "2", "--backoff", "0",
                     "-s", uri, check=6)
    assert "gave up after 2 attempt(s)" in failed.stderr and SECRET_PATH not in failed.stderr
    pages = run_json("incident", "show", iid, "-s", uri)["pages"]
    assert [p["ok"] for p in pages] == [True, True, False]


def test_token_decides_who_acts(uri: str) -> None:
    editor = mint_at(uri, "editor", person=ADA)
    viewer = mint_at(uri, "viewer", person="person:bob@corp.com")
    # A viewer's token may read but not open or change an incident; nothing is written.
    refused = steward("incident", "open", CURATED, "--title", "x", "--severity", "sev3", "-s", uri,
                      "--token", viewer, check=5)
    assert "needs editor" in refused.stderr
    assert run_json("incidents", "-s", uri) == {"incidents": []}
    steward("incident", "open", CURATED, "--title", "x", "--severity", "sev3", "-s", uri, "--token", "stw_bad_x",
            check=5)
    doc = run_json("incident", "open", CURATED, "--title", "x", "--severity", "sev3", "-s", uri,
                   env={"STEWARD_TOKEN": editor})
    assert doc["opened_by"] == ADA
    steward("incident", "ack", doc["id"], "-s", uri, "--token", viewer, check=5)
    acked = run_json("incident", "ack", doc["id"], "-s", uri, "--token", editor)
    assert acked["status_history"][-1]["by"] == ADA
