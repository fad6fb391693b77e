"""The explorer's history section and as-of control in a real browser (Debian's Chromium through
Playwright) against a real server: ownership moves from Ada to Bob, and the node page shows both the
history and the owners as they were at a moment picked in the browser's own time zone."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest

from steward.graph import EdgeKey, EdgeKind, Node, NodeKind, OwnershipClaim
from steward.settings import Settings
from steward.store import open_store
from steward.store.base import utc_now
from tests.auth_helpers import mint_at
from tests.e2e.test_api import LiveServer
from tests.e2e.test_explorer import Watched, api, browser, built, log_in, seg  # noqa: F401  (fixtures)

ORDERS = "dataset:s3://lake/orders"
ZONE = "Europe/Paris"


@pytest.fixture
def moved_server(tmp_path: Path, built: None) -> Iterator[tuple[LiveServer, str]]:  # noqa: F811
    uri = f"sqlite:///{tmp_path / 'graph.db'}"
    with open_store(uri, create=True) as store:
        store.upsert(nodes=[Node(ORDERS, NodeKind.DATASET, source="catalog"),
                            Node("person:ada@acme.com", NodeKind.PERSON, source="catalog", name="Ada"),
                            Node("person:bob@acme.com", NodeKind.PERSON, source="catalog", name="Bob")],
                     claims=[OwnershipClaim(owner="person:ada@acme.com", artifact=ORDERS, role="owner",
                                            source="catalog")])
        time.sleep(1.1)  # the picker works in whole seconds: keep the moment a second clear of each write
        moment = utc_now()
        time.sleep(1.1)
        store.upsert(claims=[OwnershipClaim(owner="person:bob@acme.com", artifact=ORDERS, role="owner",
                                            source="catalog")])
        store.retract("catalog", nodes=(), edges=[EdgeKey("person:ada@acme.com", EdgeKind.OWNS, ORDERS,
                                                          "catalog|owner")])
        store.upsert(nodes=[Node(ORDERS, NodeKind.DATASET, source="catalog", props={"tier": "gold"})])
    with LiveServer(Settings(store=uri), token=mint_at(uri, "viewer", create=False)) as server:
        yield server, moment


def test_history_and_as_of_on_the_node_page(moved_server: tuple[LiveServer, str], browser: Any) -> None:  # noqa: F811
    server, moment = moved_server
    expected = api(server, f"/nodes/{ORDERS}/history")
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, timezone_id=ZONE)
    w = Watched(context.new_page(), server.url)
    try:
        log_in(w, server.token)
        w.page.goto(f"{server.url}/nodes/{seg(ORDERS)}")
        rows = w.page.get_by_test_id("history").locator("tbody tr")
        rows.first.wait_for()
        assert rows.count() == expected["total"] == len(expected["events"])
        for row, event in zip(rows.all(), expected["events"], strict=True):
            cells = row.locator("td").all_inner_texts()
            assert cells[0] == event["at"] and cells[1] == event["change"]
        assert "tier" in rows.first.locator("td").nth(3).inner_text()  # the newest: the property change
        assert "Bob" in w.page.get_by_test_id("claims").inner_text()

        # pick the moment in the browser's own zone; the page answers as the graph was then
        local = datetime.fromisoformat(moment.replace("Z", "+00:00")).astimezone(ZoneInfo(ZONE))
        w.page.get_by_test_id("as-of-input").fill(local.strftime("%Y-%m-%dT%H:%M:%S"))
        w.page.get_by_role("button", name="Show then").click()
        w.page.get_by_test_id("as-of-note").wait_for()
        as_of = parse_qs(urlsplit(w.page.url).query)["as_of"][0]
        assert as_of[:19] == moment[:19] and as_of.endswith("Z")
        then = api(server, f"/nodes/{ORDERS}", as_of=as_of)
        owners_then = sorted(e["src"] for e in then["edges"] if e["kind"] == "OWNS")
        assert owners_then == ["person:ada@acme.com"]
        owners = w.page.locator("#owners")
        owners.get_by_text("person:ada@acme.com").wait_for()
        assert "person:bob" not in owners.inner_text()
        assert "gold" not in w.page.locator("#props").inner_text()
        w.shot("node-as-of")
        w.page.reload()  # the moment is in the URL: a deep link
        w.page.get_by_test_id("as-of-note").wait_for()
        w.page.locator("#owners").get_by_text("person:ada@acme.com").wait_for()
        w.page.get_by_role("button", name="Back to now").click()
        w.page.get_by_test_id("claims").get_by_text("Bob").wait_for()
        assert "as_of" not in w.page.url
        assert w.axe() == []
    finally:
        context.close()
    assert w.problems == [], w.problems
