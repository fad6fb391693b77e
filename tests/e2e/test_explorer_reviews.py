"""Reviews and on-call in the explorer (Debian's Chromium via Playwright) on the demo organisation,
served with the demo's review policy: the reviews-due page, recording a review on an artifact's page,
who is on call on the team's page and in the paging list. Expectations come from the API's answers."""

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
from tests.e2e.test_explorer import api, browser, built, open_page, seg  # noqa: F401  (fixtures)

TEAM = "team:data-platform"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, built: None) -> Iterator[LiveServer]:  # noqa: F811
    base = tmp_path_factory.mktemp("explorer-reviews")
    uri = f"sqlite:///{base / 'demo.db'}"
    result = run_demo(workspace=base / "ws", store_uri=uri, mlflow="off", console=Console(file=StringIO(), width=200))
    assert result.report.ok and result.policy is not None
    editor = mint_at(uri, "editor", person=story.PEOPLE["grace"].id)  # logs in; records as grace
    with LiveServer(Settings(store=uri, audit_policy=str(result.policy)), token=editor) as server:
        yield server


def test_reviews_due_page_lists_what_the_api_says(served: LiveServer, open_page: Any) -> None:  # noqa: F811
    w = open_page(served)
    w.page.goto(f"{served.url}/reviews/due?days=14")
    due = api(served, "/reviews/due", days=14)["due"]
    assert any(e["status"] == "overdue" for e in due)
    rows = w.page.get_by_test_id("reviews-due").locator("tbody tr")
    rows.first.wait_for()
    assert rows.count() == len(due)
    for row, item in zip(rows.all(), due, strict=True):
        cells = row.locator("td").all_inner_texts()
        assert item["name"] in cells[0] and cells[2] == item["status"]
    w.shot("reviews-due")
    assert w.axe() == []


def test_record_a_review_on_an_artifact_page(served: LiveServer, open_page: Any) -> None:  # noqa: F811
    target = story.DEPLOYMENTS[0].id
    before = api(served, "/reviews", artifact=target)["reviews"]
    w = open_page(served)
    page = w.page
    page.goto(f"{served.url}/nodes/{seg(target)}")
    table = page.get_by_test_id("reviews")
    table.locator("tbody tr").first.wait_for()
    assert table.locator("tbody tr").count() == len(before) > 0
    form = page.get_by_role("form", name="Record a review")
    form.get_by_label("Type").select_option("drift")
    form.get_by_label("Reviewed by").fill("grace@acme.example")
    form.get_by_label("Notes").fill("checked in the browser")
    form.get_by_role("button", name="Record review").click()
    page.get_by_test_id("review-said").get_by_text("Recorded").wait_for()
    page.get_by_text("checked in the browser").wait_for()
    after = api(served, "/reviews", artifact=target)["reviews"]
    assert len(after) == len(before) + 1
    assert after[0]["by"] == story.PEOPLE["grace"].id and after[0]["notes"] == "checked in the browser"
    assert after[0]["actor"] == story.PEOPLE["grace"].id  # the logged-in token's person
    assert table.locator("tbody tr").count() == len(after)
    # the drift review is no longer overdue, so the due page stops listing it
    assert not [e for e in api(served, "/reviews/due", days=0)["due"] if e["artifact"] == target
                and e["type"] == "drift"]
    # an unknown reviewer: the API's message is shown, nothing is recorded
    form.get_by_label("Reviewed by").fill("nobody@acme.example")
    form.get_by_role("button", name="Record review").click()
    page.get_by_test_id("review-said").get_by_text("no known person").wait_for()
    assert len(api(served, "/reviews", artifact=target)["reviews"]) == len(after)
    # the refusal itself (the API's 404 and the browser's console line about it) is expected
    refused = {f"HTTP 404: {served.url}/api/v1/reviews",
               "console: Failed to load resource: the server responded with a status of 404 (Not Found)"}
    assert f"HTTP 404: {served.url}/api/v1/reviews" in w.problems
    w.problems = [p for p in w.problems if p not in refused]


def test_on_call_on_the_team_page_and_in_the_paging_list(served: LiveServer, open_page: Any) -> None:  # noqa: F811
    oncall = api(served, f"/oncall/{TEAM}")["on_call"]
    assert oncall is not None
    w = open_page(served)
    page = w.page
    page.goto(f"{served.url}/teams/{seg(TEAM)}")
    now = page.get_by_test_id("oncall-now")
    now.wait_for()
    assert oncall["name"] in now.inner_text()
    page.goto(f"{served.url}/blast-radius/{seg(story.KEY_DATASET)}")
    entry = page.get_by_test_id("paging-list").locator(f'li[data-person="{oncall["person"]}"]')
    entry.get_by_test_id("on-call").wait_for()
    assert TEAM in entry.get_by_test_id("on-call").inner_text()
    blast = api(served, f"/blast-radius/{seg(story.KEY_DATASET)}")
    marked = [p["id"] for p in blast["page"] if p["on_call"]]
    assert marked == [oncall["person"]]
    assert page.get_by_test_id("on-call").count() == len(marked)
    w.shot("paging-on-call")
