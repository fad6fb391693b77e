"""The web explorer in a real browser (Debian's Chromium driven by Playwright for Python) against a
real server (uvicorn + ``create_app``) on the demo organisation and on a synthetic one.

Every page test also checks what a user would not see but would suffer from: console errors, failed
requests, and requests leaving the server's origin. Screenshots are kept under ``tmp/artifacts/explorer``
(or ``$STEWARD_ARTIFACTS``). Expectations come from the API's own answers, never from a recorded run.
"""

from __future__ import annotations

import csv
import io
import os
import random
from collections.abc import Iterator
from io import StringIO
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import httpx
import pytest
from rich.console import Console

from steward.api.explorer_static import DIST
from steward.demo import run_demo, story
from steward.graph import Edge, EdgeKind, Node, NodeKind, OwnershipClaim
from steward.settings import Settings
from steward.store import GraphStore, open_store
from tests.auth_helpers import mint, mint_at
from tests.e2e.test_api import LiveServer
from tests.e2e.test_browser import CHROMIUM_FLAGS, chromium

playwright_sync = pytest.importorskip("playwright.sync_api")

REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(os.environ.get("STEWARD_ARTIFACTS", REPO_ROOT / "tmp" / "artifacts")) / "explorer"
AXE = REPO_ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"
RAW_EVENTS = story.dataset("s3://lake", "raw/events")
SYNTH_ROOT = "dataset:synth://lake/raw"


# ---- a synthetic organisation ------------------------------------------------------------------

def synthetic_org(store: GraphStore, *, fanout: int = 8, seed: int = 7) -> str:
    """A layered organisation downstream of one raw dataset; returns the root's id.

    raw -> 20 runs (5 jobs) -> 12 datasets each -> one run each (20 jobs) -> ``fanout`` datasets and
    one model version each (30 models, 60 deployments). Owners: teams and people, some leavers, every
    7th dataset unowned. fanout=8 gives about 2,700 nodes downstream, fanout=17 about 5,000.
    """
    rng = random.Random(seed)
    src = "synthetic"
    nodes: list[Node] = []
    edges: list[Edge] = []
    claims: list[OwnershipClaim] = []
    people = [f"person:p{i:02d}@synth.example" for i in range(40)]
    leavers = set(people[:5])
    teams = [f"team:t{i}" for i in range(8)]
    for i, p in enumerate(people):
        nodes.append(Node(id=p, kind=NodeKind.PERSON, source=src, name=f"Person {i:02d}",
                          props={"active": p not in leavers, "email": p.removeprefix("person:")}))
        edges.append(Edge(src=p, kind=EdgeKind.MEMBER_OF, dst=teams[i % len(teams)], source=src))
    for i, t in enumerate(teams):
        nodes.append(Node(id=t, kind=NodeKind.TEAM, source=src, name=f"Team {i}"))

    def dataset(key: str, n: int) -> str:
        did = f"dataset:synth://lake/{key}"
        nodes.append(Node(id=did, kind=NodeKind.DATASET, source=src, name=key))
        if n % 7:
            owner = teams[n % len(teams)] if n % 3 == 0 else people[n % len(people)]
            claims.append(OwnershipClaim(owner=owner, artifact=did, role="owner", source=src))
        return did

    def run(key: str, job: str) -> str:
        rid = f"run:{key}"
        nodes.append(Node(id=rid, kind=NodeKind.RUN, source=src, name=key))
        edges.append(Edge(src=rid, kind=EdgeKind.RUN_OF, dst=job, source=src))
        return rid

    jobs = [f"job:synth/j{i}" for i in range(25)]
    for i, j in enumerate(jobs):
        nodes.append(Node(id=j, kind=NodeKind.JOB, source=src, name=f"j{i}"))
        claims.append(OwnershipClaim(owner=people[(i * 3) % len(people)], artifact=j, role="owner", source=src))
    models = [f"model:synth-m{i}" for i in range(30)]
    for i, m in enumerate(models):
        nodes.append(Node(id=m, kind=NodeKind.MODEL, source=src, name=f"m{i}"))
        claims.append(OwnershipClaim(owner=people[(i * 7) % len(people)], artifact=m, role="owner", source=src))
    deployments = [f"deployment:synth-d{i}" for i in range(60)]
    for i, d in enumerate(deployments):
        nodes.append(Node(id=d, kind=NodeKind.DEPLOYMENT, source=src, name=f"serve-{i}",
                          props={"runbook": f"https://runbooks.synth.example/d{i}"}))
        owner = people[i % len(people)]  # a few leavers: deployments without an active owner
        claims.append(OwnershipClaim(owner=owner, artifact=d, role="owner", source=src))
        claims.append(OwnershipClaim(owner=people[(i + 13) % len(people)], artifact=d, role="steward", source=src))
    root = dataset("raw", 1)
    n = 2
    for a in range(20):
        r1 = run(f"synth-a{a}", jobs[a % 5])
        edges.append(Edge(src=root, kind=EdgeKind.CONSUMED_BY, dst=r1, source=src))
        for b in range(12):
            mid = dataset(f"mid/{a}/{b}", n)
            n += 1
            edges.append(Edge(src=r1, kind=EdgeKind.PRODUCED, dst=mid, source=src))
            r2 = run(f"synth-a{a}-b{b}", jobs[5 + (a * 12 + b) % 20])
            edges.append(Edge(src=mid, kind=EdgeKind.CONSUMED_BY, dst=r2, source=src))
            for c in range(fanout):
                out = dataset(f"out/{a}/{b}/{c}", n)
                n += 1
                edges.append(Edge(src=r2, kind=EdgeKind.PRODUCED, dst=out, source=src))
            mv = f"model_version:synth-m{(a * 12 + b) % 30}/{a * 12 + b}"
            nodes.append(Node(id=mv, kind=NodeKind.MODEL_VERSION, source=src, name=f"v{a * 12 + b}"))
            edges.append(Edge(src=r2, kind=EdgeKind.PRODUCED, dst=mv, source=src))
            edges.append(Edge(src=mv, kind=EdgeKind.VERSION_OF, dst=models[(a * 12 + b) % 30], source=src))
            if rng.random() < 0.4:
                edges.append(Edge(src=mv, kind=EdgeKind.DEPLOYED_TO, dst=rng.choice(deployments), source=src))
    store.upsert(nodes=nodes, edges=edges, claims=claims)
    return root


# ---- servers and the browser -------------------------------------------------------------------

@pytest.fixture(scope="module")
def built() -> None:
    if not (DIST / "index.html").is_file():
        pytest.fail("the explorer is not built: run `bash scripts/build_web.sh` (scripts/test.sh does)", pytrace=False)


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory, built: None) -> Iterator[LiveServer]:
    base = tmp_path_factory.mktemp("explorer-demo")
    uri = f"sqlite:///{base / 'demo.db'}"
    result = run_demo(workspace=base / "ws", store_uri=uri, mlflow="off", console=Console(file=StringIO(), width=200))
    assert result.report.ok
    with LiveServer(Settings(store=uri), token=mint_at(uri, "viewer")) as server:
        yield server


@pytest.fixture(scope="module")
def synth_server(tmp_path_factory: pytest.TempPathFactory, built: None) -> Iterator[LiveServer]:
    uri = f"sqlite:///{tmp_path_factory.mktemp('explorer-synth') / 'synth.db'}"
    with open_store(uri, create=True) as store:
        synthetic_org(store)
    with LiveServer(Settings(store=uri), token=mint_at(uri, "viewer")) as server:
        yield server


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    executable = chromium()
    with playwright_sync.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield b
        b.close()


class Watched:
    """A page plus everything that went wrong on it."""

    def __init__(self, page: Any, origin: str) -> None:
        self.page = page
        self.origin = origin
        self.problems: list[str] = []
        page.on("console", lambda m: m.type == "error" and self.problems.append(f"console: {m.text}"))
        page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        page.on("requestfailed", self._failed)
        page.on("response", lambda r: r.status >= 400 and self.problems.append(f"HTTP {r.status}: {r.url}"))
        page.on("request", self._request)

    def _failed(self, request: Any) -> None:
        # ERR_ABORTED on our own origin is a cancellation, not a failure: the explorer aborts the
        # requests of a section that unmounts (AbortController in useApi), and the browser drops its
        # favicon fetch when the page navigates on. A server error shows as an HTTP status (watched
        # below); a network failure has another code.
        if request.url.startswith(self.origin + "/") and "ERR_ABORTED" in str(request.failure):
            return
        self.problems.append(f"failed: {request.url} {request.failure}")

    def _request(self, request: Any) -> None:
        url: str = request.url
        if not (url.startswith(self.origin + "/") or url.startswith(("blob:", "data:"))):
            self.problems.append(f"left the origin: {url}")

    def shot(self, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def axe(self) -> list[str]:
        """Serious and critical axe-core violations (axe from web/node_modules, injected locally)."""
        self.page.add_script_tag(path=str(AXE))
        result = self.page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
        return [f"{v['id']}: {v['help']} ({len(v['nodes'])})" for v in result["violations"]
                if v["impact"] in ("serious", "critical")]


@pytest.fixture
def open_page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    contexts: list[Any] = []
    watched: list[Watched] = []

    def make(server: LiveServer, *, login: bool = True) -> Watched:
        context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
        context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.url)
        contexts.append(context)
        w = Watched(context.new_page(), server.url)
        watched.append(w)
        if login:
            log_in(w, server.token)
        return w

    yield make
    for i, w in enumerate(watched):
        try:
            w.shot(f"{request.node.name}-end{i}")
        finally:
            w.page.context.close()
    problems = [p for w in watched for p in w.problems]
    assert problems == [], problems


def log_in(w: Watched, token: str | None, *, at: str = "/login") -> None:
    """Log in through the explorer's own form, as a person does."""
    assert token, "the server has no token to log in with"
    w.page.goto(w.origin + at)
    w.page.get_by_label("API token").fill(token)
    w.page.get_by_role("button", name="Log in").click()
    w.page.get_by_test_id("who").wait_for()
    w.page.wait_for_load_state("networkidle")  # the landing page's requests finish before the test navigates


def seg(node_id: str) -> str:
    return quote(node_id, safe="")


def api(server: LiveServer, path: str, **params: Any) -> Any:
    response = server.get(f"{server.url}/api/v1{path}", params=params, timeout=60)
    response.raise_for_status()
    return response.json()


def graph_ready(w: Watched) -> None:
    w.page.wait_for_selector('.graph[data-laid-out="true"] .react-flow__node', timeout=60_000)


# ---- serving ------------------------------------------------------------------------------------

def test_pages_deep_links_and_cache_headers_without_shadowing_the_api(demo_server: LiveServer) -> None:
    url = demo_server.url
    index = demo_server.get(f"{url}/")
    assert index.status_code == 200 and '<div id="root">' in index.text
    assert index.headers["cache-control"] == "no-store"
    for page in (f"/blast-radius/{seg(RAW_EVENTS)}", "/spof", "/audit", f"/people/{seg(story.LEAVER)}",
                 f"/nodes/{RAW_EVENTS}", "/teams/team:ml"):
        r = demo_server.get(url + page)
        assert r.status_code == 200 and r.text == index.text, page
        # without credentials a page is the log-in, coming back here after it
        anonymous = httpx.get(url + page)
        assert anonymous.status_code == 303, page
        assert anonymous.headers["location"] == "/login?" + urlencode({"next": page}), page
    assert httpx.get(f"{url}/login").text == index.text  # the log-in form itself is open
    asset = next(p for p in (DIST / "assets").iterdir() if p.suffix == ".js")
    r = httpx.get(f"{url}/assets/{asset.name}")
    assert r.status_code == 200 and "immutable" in r.headers["cache-control"]
    assert httpx.get(f"{url}/assets/nope.js").status_code == 404
    # The API, its schema, docs and health checks are never answered by the explorer's index.
    missing = demo_server.get(f"{url}/api/v1/no-such-endpoint")
    assert missing.status_code == 404 and missing.headers["content-type"].startswith("application/json")
    assert httpx.get(f"{url}/openapi.json").json()["info"]["title"] == "Steward"
    assert httpx.get(f"{url}/livez").json() == {"status": "ok"}
    assert "swagger" in httpx.get(f"{url}/docs").text.lower()
    assert httpx.get(f"{url}/anything-else").status_code == 404


def test_explorer_endpoints_answer_from_the_store(demo_server: LiveServer) -> None:
    overview = api(demo_server, "/explorer/overview")
    assert overview["counts"]["nodes"]["Dataset"] >= 4
    assert {"catalog", "git", "openlineage"} <= {s["source"] for s in overview["sources"]}
    blast = api(demo_server, f"/blast-radius/{RAW_EVENTS}")
    impacted = {i["id"] for i in blast["impacted"]}
    down = api(demo_server, f"/explorer/neighbours/{RAW_EVENTS}", direction="down", limit=1)
    assert down["total"] >= 1 and len(down["items"]) == 1 and down["items"][0]["id"] in impacted
    leaver = api(demo_server, f"/explorer/owned/{story.LEAVER}")
    assert leaver["node"]["active"] is False
    handoff_items = api(demo_server, f"/handoff/{story.LEAVER}")["items"]
    assert {a["id"] for a in leaver["owns"]} == {i["artifact"]["id"] for i in handoff_items}
    table = api(demo_server, "/explorer/audit")
    plain = api(demo_server, "/audit")
    def keys(result: Any) -> list[tuple[str, str]]:
        return [(f["rule"], f["artifact"]) for f in result["findings"]]

    assert keys(table) == keys(plain)
    assert "rules" in table["policy"]


# ---- the flows ----------------------------------------------------------------------------------

def test_incident_flow_search_page_list_expand_path_copy_csv(demo_server: LiveServer, open_page: Any) -> None:
    w = open_page(demo_server)
    page = w.page
    page.goto(demo_server.url + "/")
    page.get_by_role("combobox").fill("raw/events")
    page.get_by_role("option").filter(has_text="raw/events").first.wait_for()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/blast-radius/{seg(RAW_EVENTS)}")
    blast = api(demo_server, f"/blast-radius/{RAW_EVENTS}")
    # The paging list comes first and in the API's order.
    page.get_by_test_id("paging-list").wait_for()
    shown = page.locator("[data-testid=paging-list] > li").evaluate_all("els => els.map(e => e.dataset.person)")
    assert shown == [p["id"] for p in blast["page"]] and shown
    label = page.get_by_test_id("completeness").inner_text()
    assert label.startswith("Truncated" if blast["truncated"] else "Complete")
    impacted = [i for i in blast["impacted"] if i["id"] != blast["root"]["id"]]
    assert f"{len(impacted)} impacted" in label
    assert page.locator("#paging").bounding_box()["y"] < page.locator("#graph").bounding_box()["y"]
    # Drill down: the farthest node, the path from the root highlighted and explained.
    graph_ready(w)
    far = max(blast["impacted"], key=lambda i: (i["distance"], i["id"]))
    page.locator(f'.react-flow__node[data-id="{far["id"]}"] button').click()
    page.wait_for_url("**sel=**")
    path_names = page.get_by_test_id("path").locator("li").all_inner_texts()
    names = {i["id"]: i["name"] for i in blast["impacted"]} | {blast["root"]["id"]: blast["root"]["name"]}
    assert path_names == [names[p] for p in far["path"]]
    assert page.locator(".react-flow__edge.on-path").count() == len(far["path"]) - 1
    for owner in far["owners"]:
        assert owner["name"] in page.get_by_test_id("side-panel").inner_text()
    # Expand: its upstream neighbours outside the closure join the graph.
    ups = api(demo_server, f"/explorer/neighbours/{far['path'][1]}", direction="up")["items"]
    outside = [u["id"] for u in ups if u["id"] not in {i["id"] for i in blast["impacted"]} and u["id"] != RAW_EVENTS]
    page.locator(f'.react-flow__node[data-id="{far["path"][1]}"] button').click()
    page.get_by_role("button", name="Expand up- and downstream").click()
    graph_ready(w)
    for nid in outside:
        page.locator(f'.react-flow__node[data-id="{nid}"]').wait_for()
    w.shot("incident-blast-radius")
    # Copy for chat: the clipboard holds the paging list in order.
    page.get_by_role("button", name="Copy for chat").click()
    page.get_by_text("Copied").wait_for()
    copied = page.evaluate("() => navigator.clipboard.readText()")
    positions = [copied.index(f"<{p['id']}>") for p in blast["page"]]
    assert positions == sorted(positions)
    # CSV: one row per person, in order.
    with page.expect_download() as dl:
        page.get_by_role("button", name="CSV").click()
    rows = list(csv.DictReader(io.StringIO(Path(dl.value.path()).read_text())))
    assert [r["id"] for r in rows] == [p["id"] for p in blast["page"]]
    assert [int(r["rank"]) for r in rows] == list(range(1, len(rows) + 1))
    assert w.axe() == []


def test_audit_filters_survive_a_reload_and_export_csv(demo_server: LiveServer, open_page: Any) -> None:
    w = open_page(demo_server)
    page = w.page
    page.goto(demo_server.url + "/audit")
    findings = api(demo_server, "/audit")["findings"]
    table = page.get_by_test_id("findings")
    table.locator("tbody tr").first.wait_for()
    assert table.locator("tbody tr").count() == len(findings)
    rule = sorted({f["rule"] for f in findings})[0]
    expected = [f for f in findings if f["rule"] == rule]
    page.locator("select[name=rule]").select_option(rule)
    page.wait_for_url(f"**rule={rule}**")
    assert table.locator("tbody tr").count() == len(expected)
    assert set(table.locator("tbody tr").evaluate_all("els => els.map(e => e.dataset.rule)")) == {rule}
    page.reload()
    table.locator("tbody tr").first.wait_for()
    assert table.locator("tbody tr").count() == len(expected)
    assert page.locator("select[name=rule]").input_value() == rule
    with page.expect_download() as dl:
        page.get_by_role("button", name="Export CSV").click()
    rows = list(csv.DictReader(io.StringIO(Path(dl.value.path()).read_text())))
    assert sorted(r["artifact"] for r in rows) == sorted(f["artifact"] for f in expected)
    assert {r["rule"] for r in rows} == {rule}
    # Owner and team filters come from the explorer's audit table (findings with their owners).
    table_rows = api(demo_server, "/explorer/audit")["findings"]
    owner = sorted({o for f in table_rows for o in f["owners"]})[0]
    page.locator("select[name=rule]").select_option("")
    page.locator("select[name=owner]").select_option(owner)
    page.wait_for_url(f"**owner={quote(owner, safe='')}**")
    assert table.locator("tbody tr").count() == sum(owner in f["owners"] for f in table_rows) > 0
    w.shot("audit")
    assert w.axe() == []


def test_spof_page_shows_bus_factor_in_the_apis_order(demo_server: LiveServer, open_page: Any) -> None:
    w = open_page(demo_server)
    w.page.goto(demo_server.url + "/spof")
    spof = api(demo_server, "/spof")
    bars = w.page.get_by_test_id("bus-factor").locator("li .bar-label")
    bars.first.wait_for()
    assert bars.all_inner_texts() == [b["name"] for b in spof["bus_factor"]]
    for sole in spof["sole_owner"]:
        w.page.locator("#sole").get_by_text(sole["name"], exact=True).first.wait_for()
    w.shot("spof")
    assert w.axe() == []


def test_a_leavers_page_has_the_handoff_checklist(demo_server: LiveServer, open_page: Any) -> None:
    w = open_page(demo_server)
    page = w.page
    page.goto(f"{demo_server.url}/people/{seg(story.LEAVER)}")
    handoff = api(demo_server, f"/handoff/{story.LEAVER}")
    rows = page.get_by_test_id("handoff").locator("tbody tr")
    rows.first.wait_for()
    assert rows.count() == len(handoff["items"]) > 0
    for row, item in zip(rows.all(), handoff["items"], strict=True):
        cells = row.locator("td").all_inner_texts()
        assert item["artifact"]["name"] in cells[0]
        assert cells[2] == (item["successor"]["name"] if item["successor"] else "nobody")
    assert "left / inactive" in page.locator("h1").inner_text()
    page.get_by_role("button", name="Copy checklist").click()
    page.get_by_text("Copied").wait_for()
    assert page.evaluate("() => navigator.clipboard.readText()") == handoff["checklist"]
    w.shot("handoff")


def test_upstream_timeline_is_newest_first_and_names_runs_by_their_job(demo_server: LiveServer,
                                                                       open_page: Any) -> None:
    train = api(demo_server, "/search", q="train.churn", kind="Job")["results"][0]["id"]
    changes = api(demo_server, f"/upstream/{train}", days=30)["changes"]
    runs = [c["id"] for c in changes if c["id"].startswith("run:")]
    assert runs
    w = open_page(demo_server)
    w.page.goto(f"{demo_server.url}/upstream/{seg(train)}")
    items = w.page.locator("#changes ol > li")
    items.first.wait_for()
    assert items.count() == len(changes)
    times = items.locator("time").evaluate_all("els => els.map(e => e.getAttribute('datetime'))")
    assert times == [c["at"] for c in changes] and times == sorted(times, reverse=True)
    for run in runs:
        job = next(i for i in api(demo_server, f"/explorer/neighbours/{run}", direction="down")["items"]
                   if i["edge"] == "RUN_OF")
        w.page.locator("#changes").get_by_role("link", name=f"{job['name']} run").first.wait_for()
    w.shot("upstream")


def test_upstream_graph_draws_the_lineage_and_highlights_why_a_node_is_upstream(demo_server: LiveServer,
                                                                                  open_page: Any) -> None:
    train = api(demo_server, "/search", q="train.churn", kind="Job")["results"][0]["id"]
    upstream = api(demo_server, f"/upstream/{train}", days=30)["upstream"]
    far = max(upstream, key=lambda u: (u["distance"], u["id"]))
    w = open_page(demo_server)
    w.page.goto(f"{demo_server.url}/upstream/{seg(train)}?sel={seg(far['id'])}")
    graph_ready(w)
    drawn = w.page.locator("#upstream-graph .react-flow__node")
    assert drawn.count() >= min(len(upstream), 25)
    steps = w.page.get_by_test_id("upstream-path").locator("li")
    assert steps.count() == len(far["path"])  # the root, then each hop to the selected node
    w.shot("upstream-graph")


def test_a_node_page_shows_every_claim_effective_or_overridden(demo_server: LiveServer, open_page: Any) -> None:
    conflict = next(f["artifact"] for f in api(demo_server, "/audit")["findings"] if f["rule"] == "owner-conflict")
    claims = api(demo_server, f"/explorer/owners/{conflict}")
    assert {c["effective"] for c in claims["owners"]} == {True, False}
    w = open_page(demo_server)
    w.page.goto(f"{demo_server.url}/nodes/{seg(conflict)}")
    rows = w.page.get_by_test_id("claims").locator("tbody tr")
    rows.first.wait_for()
    assert rows.count() == len(claims["owners"])
    for row, claim in zip(rows.all(), claims["owners"], strict=True):
        cells = row.locator("td").all_inner_texts()
        assert cells[0].strip() == claim["name"] and cells[1] == claim["role"]
        assert cells[3].startswith("effective" if claim["effective"] else "overridden")
    w.shot("node-conflict")
    assert w.axe() == []


def test_keyboard_only_search_and_graph_selection(demo_server: LiveServer, open_page: Any) -> None:
    w = open_page(demo_server)
    page = w.page
    page.goto(demo_server.url + "/")
    # the search box takes the focus once the app has rendered (after it checked the session): keys
    # typed before that go nowhere, so wait for the focus, as a person waits for the page
    page.wait_for_function("() => document.activeElement?.getAttribute('role') === 'combobox'")
    page.keyboard.type("raw/events")  # the search box has the focus on the home page
    page.get_by_role("option").first.wait_for()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/blast-radius/{seg(RAW_EVENTS)}")
    graph_ready(w)
    # Every graph node is a focusable button; Enter selects it.
    first = page.locator(".react-flow__node-artifact button").first
    first.focus()
    assert page.evaluate("() => document.activeElement.classList.contains('gnode-button')")
    page.keyboard.press("Enter")
    page.wait_for_url("**sel=**")
    page.get_by_role("button", name="Expand up- and downstream").wait_for()
    page.keyboard.press("Tab")
    # The keyboard focus is visible: the focused element draws the :focus-visible outline.
    style = page.evaluate("() => { const s = getComputedStyle(document.activeElement); "
                          "return [s.outlineStyle, s.outlineWidth, document.activeElement.outerHTML.slice(0, 120)]; }")
    assert style[:2] == ["solid", "3px"], style[2]


def test_deep_links_open_cold(demo_server: LiveServer, open_page: Any) -> None:
    blast = api(demo_server, f"/blast-radius/{RAW_EVENTS}")
    far = max(blast["impacted"], key=lambda i: (i["distance"], i["id"]))
    team = api(demo_server, "/search", q="team:", kind="Team")["results"][0]
    pages = {
        f"/blast-radius/{seg(RAW_EVENTS)}?sel={seg(far['id'])}&depth=5": "Blast radius of",
        f"/upstream/{seg(far['id'])}": "Upstream of",
        f"/nodes/{seg(RAW_EVENTS)}": "raw/events",
        f"/people/{seg(story.LEAVER)}": api(demo_server, f"/explorer/owned/{story.LEAVER}")["node"]["name"],
        # a team named by its CODEOWNERS handle opens as the team the catalog declares
        f"/teams/{seg(team['id'])}": api(demo_server, f"/explorer/owned/{team['id']}")["node"]["name"],
        "/spof": "Single points of failure",
        "/audit": "Audit",
    }
    for url, heading in pages.items():
        w = open_page(demo_server)  # a fresh context: nothing cached, nothing in memory
        w.page.goto(demo_server.url + url)
        w.page.locator("main h1").filter(has_text=heading).wait_for()
        w.page.wait_for_load_state("networkidle")
        assert not w.page.get_by_role("alert").count(), url
    w = open_page(demo_server)
    w.page.goto(f"{demo_server.url}/blast-radius/{seg(RAW_EVENTS)}?sel={seg(far['id'])}")
    graph_ready(w)
    assert w.page.get_by_test_id("path").locator("li").count() == len(far["path"])


def test_a_large_closure_collapses_and_shows_more(synth_server: LiveServer, open_page: Any) -> None:
    w = open_page(synth_server)
    page = w.page
    blast = api(synth_server, f"/blast-radius/{SYNTH_ROOT}", limit=1_000_000)
    assert len(blast["impacted"]) > 2000
    page.goto(f"{synth_server.url}/blast-radius/{seg(SYNTH_ROOT)}")
    page.get_by_test_id("paging-list").wait_for()
    shown = page.locator("[data-testid=paging-list] > li").evaluate_all("els => els.map(e => e.dataset.person)")
    assert shown == [p["id"] for p in blast["page"]]
    graph_ready(w)
    items = int(page.locator(".graph").get_attribute("data-items") or 0)
    assert items < 200, "a closure of thousands is drawn collapsed"
    groups = page.locator(".react-flow__node-collapsed")
    assert groups.count() > 0
    first = groups.first.inner_text()
    groups.first.locator("button").click()
    page.wait_for_function(f"() => Number(document.querySelector('.graph').dataset.items) > {items}")
    graph_ready(w)
    assert first  # e.g. "215 more Dataset (hop 3)"
    unowned_marks = page.locator(".react-flow__node .unowned-mark").count()
    assert (unowned_marks > 0) == bool(blast["unowned"])
    w.shot("synthetic-blast-radius")


def test_the_explorer_on_neo4j(neo4j_store: GraphStore, neo4j_settings: Settings, built: None,
                               open_page: Any) -> None:
    """The pages only talk to the API, so the Neo4j store serves them the same way."""
    root = synthetic_org(neo4j_store, fanout=2)
    with LiveServer(neo4j_settings, token=mint(neo4j_store, "viewer")) as server:
        blast = api(server, f"/blast-radius/{root}")
        w = open_page(server)
        w.page.goto(f"{server.url}/blast-radius/{seg(root)}")
        w.page.get_by_test_id("paging-list").wait_for()
        shown = w.page.locator("[data-testid=paging-list] > li").evaluate_all("els => els.map(e => e.dataset.person)")
        assert shown == [p["id"] for p in blast["page"]] and shown
        graph_ready(w)  # (navigating on while the layout worker loads would abort its request)
        far = max((i for i in blast["impacted"] if i["kind"] == "Deployment"), key=lambda i: (i["distance"], i["id"]))
        w.page.goto(f"{server.url}/blast-radius/{seg(root)}?sel={seg(far['id'])}")
        graph_ready(w)
        assert w.page.get_by_test_id("path").locator("li").count() == len(far["path"])
        w.page.goto(f"{server.url}/audit")
        w.page.get_by_test_id("findings").locator("tbody tr").first.wait_for()
        assert w.page.get_by_test_id("findings").locator("tbody tr").count() == len(api(server, "/audit")["findings"])
        w.shot("neo4j-audit")


# ---- logging in ----------------------------------------------------------------------------------

def test_log_in_with_a_token_log_out_and_a_revoked_token_ends_the_session(demo_server: LiveServer,
                                                                           open_page: Any) -> None:
    uri = demo_server.server.config.app.state.settings.store
    token = mint_at(uri, "viewer", person=story.LEAVER)
    w = open_page(demo_server, login=False)
    page = w.page
    # A page without a session is the log-in form, which comes back to the page afterwards.
    page.goto(demo_server.url + "/audit?rule=sole-owner")
    page.wait_for_url("**/login?next=*")
    page.get_by_label("API token").fill(token + "x")
    page.get_by_role("button", name="Log in").click()
    assert "not valid" in page.get_by_test_id("login-error").inner_text()
    assert sorted(w.problems) == [  # the refused log-in, and only it (the browser logs it too)
        f"HTTP 401: {demo_server.url}/api/v1/session",
        "console: Failed to load resource: the server responded with a status of 401 (Unauthorized)"]
    w.problems.clear()
    page.get_by_label("API token").fill(token)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/audit?rule=sole-owner")
    assert page.get_by_test_id("who").inner_text().startswith(f"{story.LEAVER} (viewer)")
    page.get_by_test_id("findings").wait_for()
    # The session cookie: HttpOnly (no script reads it), SameSite=Strict (no other site sends it).
    cookie = next(c for c in page.context.cookies() if c["name"] == "steward_session")
    assert cookie["httpOnly"] is True and cookie["sameSite"] == "Strict"
    assert "steward_session" not in page.evaluate("document.cookie")
    # Revoked: the very next request of the session is refused, and the page is the log-in again.
    with open_store(uri) as store:
        from tests.auth_helpers import revoke

        revoke(store, token)
    page.reload()
    page.wait_for_url("**/login?next=*")
    # Log out: the session ends on the server, not only in the browser.
    log_in(w, mint_at(uri, "viewer", person=story.LEAVER), at="/login?next=/spof")
    page.wait_for_url("**/spof")
    session_cookie = next(c for c in page.context.cookies() if c["name"] == "steward_session")["value"]
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/login")
    replayed = httpx.get(f"{demo_server.url}/api/v1/spof", cookies={"steward_session": session_cookie})
    assert replayed.status_code == 401, "a logged-out session id must not work again"
    page.goto(demo_server.url + "/spof")
    page.wait_for_url("**/login?next=*")
