"""The explorer's incident flow in Debian's Chromium: an artifact page's history and playbook, "Open
incident", the incident page (frozen paging list, suspects, transitions, notes, links), suspect marks on
artifact and blast-radius pages, the incidents list; no console errors, no failed request, axe clean."""

from __future__ import annotations

from collections.abc import Iterator
from io import StringIO
from typing import Any

import pytest
from rich.console import Console

from steward.demo import run_demo, story
from steward.settings import Settings
from tests.auth_helpers import mint_at
from tests.e2e.test_api import LiveServer
from tests.e2e.test_explorer import api, browser, built, graph_ready, open_page, seg

__all__ = ["browser", "built", "open_page"]  # fixtures shared by import

RAW_EVENTS = story.KEY_DATASET


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory, built: None) -> Iterator[LiveServer]:
    """The offline demo served with auth on; the browser logs in with an editor's token."""
    base = tmp_path_factory.mktemp("incidents-demo")
    uri = f"sqlite:///{base / 'demo.db'}"
    result = run_demo(workspace=base / "ws", store_uri=uri, mlflow="off", console=Console(file=StringIO(), width=200))
    assert result.report.ok
    with LiveServer(Settings(store=uri), token=mint_at(uri, "editor", person=story.PEOPLE["grace"].id)) as server:
        yield server


def test_open_follow_and_resolve_an_incident_in_the_browser(demo_server: LiveServer, open_page: Any) -> None:
    w = open_page(demo_server)
    page = w.page
    page.goto(f"{demo_server.url}/nodes/{seg(RAW_EVENTS)}")
    # The demo's past incident and the catalog's playbook are on the artifact's page.
    history = page.get_by_test_id("incident-history")
    history.wait_for()
    assert story.PAST_INCIDENT["title"] in history.inner_text()
    assert story.PAST_INCIDENT["resolution"] in history.inner_text()
    assert page.locator(f'[data-playbook="playbook:{story.PLAYBOOK[0]}"]').inner_text().count("Rollback criteria") == 1
    assert page.get_by_test_id("suspect").count() == 0
    # Open an incident from the page.
    page.get_by_role("button", name="Open incident").click()
    page.get_by_label("Title").fill("Nulls in today's partition")
    page.get_by_label("Severity").select_option("sev1")
    page.get_by_label("Summary").fill("the 03:00 export wrote nulls")
    page.get_by_role("button", name="Open and freeze the paging list").click()
    page.wait_for_url("**/incidents/inc-*")
    incident_id = page.url.rsplit("/", 1)[1]
    doc = api(demo_server, f"/incidents/{incident_id}")
    status = page.get_by_test_id("incident-status")
    status.get_by_text("open", exact=True).wait_for()
    frozen = page.get_by_test_id("frozen-page").locator("li")
    assert frozen.count() == len(doc["frozen"]["page"]) > 0
    suspects = api(demo_server, "/suspects", incident=incident_id)["suspects"]
    page.get_by_test_id("suspect-list").locator("li").first.wait_for()
    assert page.get_by_test_id("suspect-list").locator("li").count() == len(suspects) > 1
    assert [p["id"] for p in doc["playbooks"]] == [f"playbook:{story.PLAYBOOK[0]}"]
    w.shot("incident-open")
    # Downstream, the artifact page and the blast radius mark it suspect.
    downstream = next(s["id"] for s in suspects if s["id"] != RAW_EVENTS)
    page.goto(f"{demo_server.url}/nodes/{seg(downstream)}")
    assert incident_id in page.get_by_test_id("suspect").inner_text()
    page.goto(f"{demo_server.url}/blast-radius/{seg(RAW_EVENTS)}")
    marked = page.get_by_test_id("blast-suspects")
    marked.wait_for()
    assert marked.locator("li").count() == len(suspects)
    graph_ready(w)  # let the layout worker finish before leaving the page
    # Work it: acknowledge, note, mitigate, resolve with a reason, link the postmortem.
    page.goto(f"{demo_server.url}/incidents/{incident_id}")
    page.get_by_role("button", name="Acknowledge").click()
    status.get_by_text("acknowledged", exact=True).wait_for()
    page.get_by_role("textbox", name="Add note").fill("rolled back to yesterday's partition")
    page.get_by_role("form", name="Add note").get_by_role("button", name="Add").click()
    page.get_by_test_id("timeline").get_by_text("note: rolled back to yesterday's partition").wait_for()
    page.get_by_role("button", name="Mark mitigated").click()
    status.get_by_text("mitigated", exact=True).wait_for()
    resolve = page.get_by_role("button", name="Resolve", exact=True)
    assert resolve.is_disabled()  # a resolution needs a reason
    page.get_by_label("Reason").fill("export fixed and partition re-run")
    resolve.click()
    status.get_by_text("resolved", exact=True).wait_for()
    page.get_by_role("textbox", name="Link (https://…)").fill("https://wiki.acme.example/pm/nulls")
    page.get_by_role("form", name="Link (https://…)").get_by_role("button", name="Add").click()
    page.get_by_test_id("links").get_by_text("https://wiki.acme.example/pm/nulls").wait_for()
    assert page.get_by_test_id("suspect-list").locator("li").count() == 0
    after = api(demo_server, f"/incidents/{incident_id}")
    assert [h["status"] for h in after["status_history"]] == ["open", "acknowledged", "mitigated", "resolved"]
    assert after["resolution"]["reason"] == "export fixed and partition re-run"
    assert after["links"][0]["kind"] == "postmortem"
    w.shot("incident-resolved")
    assert w.axe() == []
    # The list shows both incidents, newest first.
    page.goto(f"{demo_server.url}/incidents")
    rows = page.get_by_test_id("incidents").locator("tbody tr")
    rows.first.wait_for()
    assert rows.count() == 2 and incident_id in rows.first.inner_text()
    assert w.axe() == []
