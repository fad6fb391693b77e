"""The README's explorer screenshots (docs/explorer-*.png), taken in Debian's Chromium from the demo
organisation and the synthetic one the browser tests use.

    .venv/bin/python web/scripts/screenshots.py     # after bash scripts/build_web.sh
"""

import sys
import tempfile
from io import StringIO
from pathlib import Path
from urllib.parse import quote

from playwright.sync_api import sync_playwright
from rich.console import Console

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from steward.demo import run_demo, story  # noqa: E402
from steward.settings import Settings  # noqa: E402
from steward.store import open_store  # noqa: E402
from tests.e2e.test_api import LiveServer  # noqa: E402
from tests.e2e.test_browser import CHROMIUM_FLAGS  # noqa: E402
from tests.e2e.test_explorer import RAW_EVENTS, SYNTH_ROOT, synthetic_org  # noqa: E402

DOCS = ROOT / "docs"


def main() -> None:
    DOCS.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        base = Path(tmp)
        demo = f"sqlite:///{base / 'demo.db'}"
        run_demo(workspace=base / "ws", store_uri=demo, mlflow="off", console=Console(file=StringIO()))
        synth = f"sqlite:///{base / 'synth.db'}"
        with open_store(synth, create=True) as store:
            synthetic_org(store)
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1280, "height": 860})

        def ready() -> None:
            page.wait_for_load_state("networkidle")
            page.wait_for_timeout(800)

        with LiveServer(Settings(store=demo)) as server:
            page.goto(server.url + "/")
            page.get_by_role("combobox").fill("raw")
            page.get_by_role("option").first.wait_for()
            ready()
            page.screenshot(path=str(DOCS / "explorer-home.png"))
            page.goto(f"{server.url}/blast-radius/{quote(RAW_EVENTS, safe='')}")
            ready()
            page.screenshot(path=str(DOCS / "explorer-blast-radius.png"))
            page.goto(f"{server.url}/audit?severity=warning")
            ready()
            page.screenshot(path=str(DOCS / "explorer-audit.png"))
            page.goto(f"{server.url}/people/{quote(story.LEAVER, safe='')}")
            ready()
            page.locator("#handoff").scroll_into_view_if_needed()
            page.screenshot(path=str(DOCS / "explorer-handoff.png"))
        with LiveServer(Settings(store=synth)) as server:
            page.goto(f"{server.url}/blast-radius/{quote(SYNTH_ROOT, safe='')}")
            page.wait_for_selector('.graph[data-laid-out="true"] .react-flow__node', timeout=60_000)
            target = page.locator(".react-flow__node-artifact").filter(has_text="serve-").first
            target.locator("button").click()
            page.wait_for_selector("[data-testid=path] li")
            ready()
            page.locator("#graph").screenshot(path=str(DOCS / "explorer-graph-5000.png"))
        browser.close()
    for p in sorted(DOCS.glob("explorer-*.png")):
        print(p.relative_to(ROOT), p.stat().st_size)


if __name__ == "__main__":
    main()
