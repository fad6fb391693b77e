"""The web explorer's built assets (package data ``steward/web_dist``), served at ``/``.

Deep links (``/blast-radius/{id}``, ``/people/{id}``...) answer ``index.html`` so a pasted URL opens
cold; only the explorer's own page prefixes do, so ``/api/v1``, ``/docs``, ``/openapi.json`` and the
health checks are never shadowed, whatever order routers are added in. Hashed files under
``/assets`` are cached for a year; ``index.html`` is never cached (it names the current hashes).
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse, HTMLResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

__all__ = ["DIST", "PAGES", "install_explorer"]

DIST = Path(__file__).resolve().parent.parent / "web_dist"
#: The explorer's page prefixes; each answers index.html (the browser routes from the URL).
PAGES = ("blast-radius", "upstream", "nodes", "spof", "audit", "people", "teams", "changes", "incidents", "reviews")
NO_STORE = {"Cache-Control": "no-store"}
IMMUTABLE = "public, max-age=31536000, immutable"

_NOT_BUILT = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Steward</title></head>
<body><main><h1>Steward</h1><p>The explorer's assets are not built in this installation.
Build them with <code>bash scripts/build_web.sh</code> (needs Node), or install a wheel that ships them.
The API is at <a href="/docs">/docs</a>.</p></main></body></html>"""


class _HashedAssets(StaticFiles):
    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if response.status_code == 200:
            response.headers["Cache-Control"] = IMMUTABLE
        return response


def install_explorer(app: FastAPI, dist: Path = DIST) -> None:
    """Serve the explorer from ``dist``; a page explaining how to build it when it is absent."""
    index = dist / "index.html"
    assets = dist / "assets"
    if assets.is_dir():
        app.mount("/assets", _HashedAssets(directory=assets), name="explorer-assets")

    def page() -> Response:
        if not index.is_file():
            return HTMLResponse(_NOT_BUILT, headers=NO_STORE)
        return FileResponse(index, media_type="text/html", headers=NO_STORE)

    app.add_api_route("/", page, methods=["GET"], include_in_schema=False)
    app.add_api_route("/login", page, methods=["GET"], include_in_schema=False)  # open: the log-in form
    for prefix in PAGES:
        app.add_api_route(f"/{prefix}", page, methods=["GET"], include_in_schema=False)
        app.add_api_route(f"/{prefix}/{{rest:path}}", page, methods=["GET"], include_in_schema=False)
    favicon = dist / "favicon.svg"
    if favicon.is_file():

        def icon() -> Response:
            return FileResponse(favicon, headers={"Cache-Control": "public, max-age=86400"})

        app.add_api_route("/favicon.svg", icon, methods=["GET"], include_in_schema=False)
