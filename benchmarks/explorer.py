"""The explorer's blast-radius page on a 5,000-node closure, in Debian's Chromium (not a test).

Measures, per cold page load (a fresh browser context each time):
- time to the paging list visible (navigation start -> first paging entry in the DOM),
- time to the graph laid out (ELK in a web worker) and drawn (first React Flow node),
- the longest main-thread task (PerformanceObserver ``longtask``, buffered) during the load,
- the time to expand one collapsed group ("show N more") until the new layout is drawn,
next to the API's own answer time for the same blast radius (the page cannot beat it) measured in
the same run. Writes ``benchmarks/results/explorer.md`` (and .json).

    .venv/bin/python benchmarks/explorer.py               # 7 loads (~1 min)
    .venv/bin/python benchmarks/explorer.py --runs 3 --fanout 8
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from steward.api.explorer_static import DIST  # noqa: E402
from steward.settings import Settings  # noqa: E402
from steward.store import open_store  # noqa: E402
from tests.e2e.test_api import LiveServer  # noqa: E402
from tests.e2e.test_browser import CHROMIUM_FLAGS  # noqa: E402
from tests.e2e.test_explorer import synthetic_org  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"

# Installed before any page script: when the paging list and the first graph node appear, and
# every long task (main thread busy > 50 ms).
PROBE = """
window.__bench = {longtasks: [], paging: null, drawn: null};
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) window.__bench.longtasks.push(e.duration);
}).observe({type: 'longtask', buffered: true});
new MutationObserver(() => {
  const b = window.__bench;
  if (b.paging === null && document.querySelector('[data-testid=paging-list] > li')) b.paging = performance.now();
  const drawn = '.graph[data-laid-out="true"] .react-flow__node';
  if (b.drawn === null && document.querySelector(drawn)) b.drawn = performance.now();
}).observe(document, {childList: true, subtree: true, attributes: true});
"""


def measure(browser: Any, url: str) -> dict[str, float]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.add_init_script(PROBE)
    page.goto(url)
    page.wait_for_function("() => window.__bench.paging !== null && window.__bench.drawn !== null", timeout=120_000)
    page.wait_for_timeout(300)  # let a trailing long task be reported
    b = page.evaluate("() => window.__bench")
    laid = page.evaluate("() => performance.getEntriesByName('steward:graph-laid-out').map(e => e.startTime)")
    items = int(page.locator(".graph").get_attribute("data-items") or 0)
    longest = max(b["longtasks"], default=0.0)
    # One "show more": click the first collapsed group and wait for the new layout to be drawn.
    before = items
    group = page.locator(".react-flow__node-collapsed button").first
    t0 = time.perf_counter()
    group.click()
    page.wait_for_function(
        f"() => Number(document.querySelector('.graph').dataset.items) > {before} && "
        "document.querySelector('.graph').dataset.laidOut === 'true'", timeout=120_000)
    more_ms = (time.perf_counter() - t0) * 1000
    context.close()
    return {"paging_ms": b["paging"], "laid_out_ms": laid[0] if laid else float("nan"), "drawn_ms": b["drawn"],
            "longest_task_ms": longest, "long_tasks": len(b["longtasks"]), "items": items, "show_more_ms": more_ms}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--fanout", type=int, default=17, help="17 gives a closure of about 5,000 nodes")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    if not (DIST / "index.html").is_file():
        sys.exit("the explorer is not built: bash scripts/build_web.sh")
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        uri = f"sqlite:///{Path(tmp) / 'synth.db'}"
        with open_store(uri, create=True) as store:
            root = synthetic_org(store, fanout=args.fanout)
            nodes = store.counts().total_nodes
        # Loopback and about rendering, not access: auth off (the token check is one indexed read per request).
        with LiveServer(Settings(store=uri, auth=False)) as server, sync_playwright() as pw:
            api_url = f"{server.url}/api/v1/blast-radius/{quote(root, safe='')}?limit=1000000"
            api_ms = []
            body: dict[str, Any] = {}
            for _ in range(args.runs):
                t0 = time.perf_counter()
                body = httpx.get(api_url, timeout=120).raise_for_status().json()
                api_ms.append((time.perf_counter() - t0) * 1000)
            browser = pw.chromium.launch(executable_path=args.chromium, args=CHROMIUM_FLAGS)
            page_url = f"{server.url}/blast-radius/{quote(root, safe='')}"
            measure(browser, page_url)  # warm-up (server caches, Chromium's code cache)
            runs = [measure(browser, page_url) for _ in range(args.runs)]
            browser.close()
    load = os.getloadavg()
    commit = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], capture_output=True, text=True,
                            cwd=ROOT, check=False).stdout.strip()
    version = subprocess.run([args.chromium, "--version"], capture_output=True, text=True, check=False).stdout.strip()

    def med(key: str) -> float:
        return statistics.median(r[key] for r in runs)

    def mx(key: str) -> float:
        return max(r[key] for r in runs)

    api_med = statistics.median(api_ms)
    result = {
        "nodes": nodes, "impacted": len(body.get("impacted", [])), "page": len(body.get("page", [])),
        "runs": runs, "api_ms": api_ms, "loadavg": load, "chromium": version, "commit": commit,
        "at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "explorer.json").write_text(json.dumps(result, indent=1) + "\n")
    lines = [
        "# Explorer: the blast-radius page of a large closure",
        "",
        f"Synthetic organisation of {nodes:,} nodes; the root's blast radius has {result['impacted']:,} impacted "
        f"artifacts and {result['page']} people to page. {args.runs} cold loads (a fresh browser context each, "
        f"after one warm-up) in {version}, headless, on {os.cpu_count()} cores (load average "
        f"{load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}); Python {platform.python_version()}; "
        f"{result['at']}, commit {commit}.",
        "",
        "| | median | max |",
        "|---|---:|---:|",
        f"| API `GET /blast-radius` alone (same closure, reference), ms | {api_med:,.0f} | {max(api_ms):,.0f} |",
        f"| paging list visible (from navigation start), ms | {med('paging_ms'):,.0f} | {mx('paging_ms'):,.0f} |",
        f"| graph laid out (ELK in a web worker), ms | {med('laid_out_ms'):,.0f} | {mx('laid_out_ms'):,.0f} |",
        f"| graph drawn (first node on screen), ms | {med('drawn_ms'):,.0f} | {mx('drawn_ms'):,.0f} |",
        f"| longest main-thread task during the load, ms | {med('longest_task_ms'):,.0f} | "
        f"{mx('longest_task_ms'):,.0f} |",
        f"| long tasks (> 50 ms) during the load | {med('long_tasks'):,.0f} | {mx('long_tasks'):,.0f} |",
        f"| \"show N more\" on one collapsed group until re-laid out, ms | {med('show_more_ms'):,.0f} | "
        f"{mx('show_more_ms'):,.0f} |",
        f"| graph items drawn (nodes + collapsed groups) | {med('items'):,.0f} | {mx('items'):,.0f} |",
        "",
        f"Ratio: paging list visible / API answer = {med('paging_ms') / api_med:.2f} (the page waits for the same "
        "answer, then renders it).",
        "",
        f"Command: `python benchmarks/explorer.py --runs {args.runs} --fanout {args.fanout}` "
        f"(wall time {(time.perf_counter() - started) / 60:.1f} min).",
        "",
    ]
    (RESULTS / "explorer.md").write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
