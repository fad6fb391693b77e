"""Change requests in the explorer, in Debian's Chromium: people log in with their tokens on the log-in page
(a real session cookie and CSRF token), propose owners on an artifact's page, and approve or reject on the changes page.
The requester's own approval is tried in the browser and refused."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from steward.analysis.ownership import OwnershipView
from steward.settings import Settings
from steward.store import open_store
from tests.auth_helpers import mint
from tests.contract.test_ownership_changes import ANN, ED, EVE, FEATURES, MODEL, SUE, build
from tests.e2e.test_api import LiveServer
from tests.e2e.test_explorer import Watched, browser, built, log_in  # noqa: F401  (fixtures)

playwright_sync = pytest.importorskip("playwright.sync_api")


class Org:
    def __init__(self, server: LiveServer, uri: str, tokens: dict[str, str]) -> None:
        self.server, self.uri, self.tokens = server, uri, tokens

    def owners(self, artifact: str, role: str = "owner") -> list[str]:
        with open_store(self.uri) as store:
            return sorted({c.owner for c in OwnershipView.load(store, scope=[artifact]).effective(artifact, role)})


@pytest.fixture
def org(tmp_path: Path, built: None) -> Iterator[Org]:  # noqa: F811
    uri = f"sqlite:///{tmp_path / 'graph.db'}"
    with open_store(uri, create=True) as store:
        build(store)
        tokens = {"ann": mint(store, "admin", person=ANN), "ed": mint(store, "editor", person=ED),
                  "eve": mint(store, "editor", person=EVE)}
    with LiveServer(Settings(store=uri)) as server:
        yield Org(server, uri, tokens)


@pytest.fixture
def logged_in(browser: Any) -> Iterator[Any]:  # noqa: F811
    contexts: list[Any] = []
    watched: list[Watched] = []

    def make(org: Org, who: str) -> Watched:
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        contexts.append(context)
        page = context.new_page()
        w = Watched(page, org.server.url)
        watched.append(w)
        log_in(w, org.tokens[who])  # through the explorer's own form: a session cookie and its CSRF token
        return w

    yield make
    for w in watched:
        w.page.context.close()
    # the refusals the test provokes on purpose are the only failed requests
    problems = [p for w in watched for p in w.problems if "HTTP 403" not in p and "status of 403" not in p]
    assert problems == [], problems


def test_propose_refuse_self_approval_approve_and_set_directly(org: Org, logged_in: Any) -> None:
    url = org.server.url
    ed = logged_in(org, "ed")
    page = ed.page
    page.goto(f"{url}/nodes/{quote(MODEL, safe='')}")
    form = page.get_by_role("form", name="Change owners")
    form.get_by_label("Owners").fill("ed@corp.com")
    form.get_by_label("Reason").fill("I maintain churn now")
    form.get_by_role("button", name="Set owners").click()
    status = form.get_by_role("status")
    status.wait_for()
    assert "Change request filed" in status.inner_text()
    assert org.owners(MODEL) == ["team:ml"]  # a request changes nothing yet

    # the attack: ed approves his own request from the changes page
    form.get_by_role("link").click()
    page.wait_for_selector('[data-testid="changes"]')
    row = page.locator("tr[data-change]")
    assert row.count() == 1
    change_id = row.get_attribute("data-change")
    assert change_id and change_id.startswith("chg-")
    row.get_by_label(f"Reason for {change_id}").fill("looks fine to me")
    row.get_by_role("button", name="Approve").click()
    alert = row.get_by_role("alert")
    alert.wait_for()
    assert "own request" in alert.inner_text()
    assert org.owners(MODEL) == ["team:ml"]

    # eve owns the model through team:ml: she approves on the changes page (open ones by default)
    eve = logged_in(org, "eve")
    eve.page.goto(f"{url}/changes")
    eve_row = eve.page.locator(f'tr[data-change="{change_id}"]')
    eve_row.get_by_label(f"Reason for {change_id}").fill("agreed in standup")
    eve_row.get_by_role("button", name="Approve").click()
    eve.page.get_by_text("No open changes.").wait_for()
    assert org.owners(MODEL) == [ED]
    eve.page.get_by_label("Status").select_option("applied")
    applied = eve.page.locator(f'tr[data-change="{change_id}"]')
    applied.wait_for()
    assert "applied" in applied.inner_text() and f"by {EVE}" in applied.inner_text()
    assert "status=applied" in eve.page.url  # the filter is in the URL (a deep link)
    eve.shot("changes-applied")

    # an admin sets the features dataset's owner directly; the page reloads its claims
    ann = logged_in(org, "ann")
    ann.page.goto(f"{url}/nodes/{quote(FEATURES, safe='')}")
    form = ann.page.get_by_role("form", name="Change owners")
    form.get_by_label("Owners").fill("@sue")
    form.get_by_label("Reason").fill("leo moves team")
    form.get_by_role("button", name="Set owners").click()
    form.get_by_role("status").wait_for()
    assert "Applied" in form.get_by_role("status").inner_text()
    claims = ann.page.locator('[data-testid="claims"]')
    claims.get_by_text("steward").first.wait_for()
    assert org.owners(FEATURES) == [SUE]
    ann.shot("changes-set-directly")


def test_reject_with_a_reason(org: Org, logged_in: Any) -> None:
    from steward.governance.changes import set_ownership
    from steward.governance.principal import Principal

    with open_store(org.uri) as store:
        filed = set_ownership(store, Principal(ED, "editor", person=ED), MODEL, stewards=[ED], reason="backup")
    cid = filed["change"]["id"]
    eve = logged_in(org, "eve")
    eve.page.goto(f"{org.server.url}/changes?status=open")
    row = eve.page.locator(f'tr[data-change="{cid}"]')
    reject = row.get_by_role("button", name="Reject")
    assert reject.is_disabled()  # a reason is required
    row.get_by_label(f"Reason for {cid}").fill("ed is not on the team")
    reject.click()
    eve.page.get_by_text("No open changes.").wait_for()
    with open_store(org.uri) as store:
        doc = store.get_record("change", cid)
    assert doc is not None and doc.doc["status"] == "rejected" and doc.doc["decided_by"] == EVE
    assert org.owners(MODEL, "steward") == ["person:leo@corp.com"]


def test_apply_a_leavers_handoff_from_the_person_page(org: Org, logged_in: Any) -> None:
    from tests.contract.test_ownership_changes import LEO

    ann = logged_in(org, "ann")
    ann.page.goto(f"{org.server.url}/people/{quote(LEO, safe='')}")
    form = ann.page.get_by_role("form", name="Apply the handoff")
    button = form.get_by_role("button", name="File the transfers")
    assert button.is_disabled()  # a successor and a reason are required
    form.get_by_label("Successor").fill("@sue")
    form.get_by_label("Reason").fill("leo leaves on Friday")
    button.click()
    status = form.get_by_test_id("handoff-applied")
    status.wait_for()
    filed = int(status.inner_text().split()[0])
    assert filed >= 1 and "change request" in status.inner_text()
    with open_store(org.uri) as store:
        from steward.governance.changes import list_changes

        requests = list_changes(store, status="open")
    assert len(requests) == filed and all((r.get("handoff") or {}).get("from") == LEO for r in requests)
    assert all(r["requested_by"] == ANN for r in requests)
    form.get_by_role("link", name="Open change requests").click()
    ann.page.wait_for_selector('[data-testid="changes"]')
    assert ann.page.locator("tr[data-change]").count() == filed
    assert "→" in ann.page.locator("tr[data-change]").first.inner_text()
    ann.shot("handoff-applied")
