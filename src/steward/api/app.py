"""``create_app(settings)``: the FastAPI application."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from steward import __version__
from steward.api.auth import install_auth
from steward.api.deps import CypherPool, StoreHolder
from steward.api.docs import install_docs
from steward.api.errors import install_error_handlers
from steward.api.explorer_static import install_explorer
from steward.api.limits import BodyLimits
from steward.api.routes import (
    analyses,
    changes,
    explorer,
    health,
    history,
    incidents,
    lineage,
    nodes,
    reviews,
    session,
)
from steward.api.routes import log as log_routes
from steward.settings import Settings

__all__ = ["create_app"]

API_PREFIX = "/api/v1"
#: Largest body per route: the OpenLineage receiver takes batches; everything else is small JSON.
MAX_BODY_BYTES = 1024 * 1024


def create_app(settings: Settings | None = None, *, warm_up: bool = False) -> FastAPI:
    """The application. ``warm_up``: once started, read what answers reuse off the request path
    (``steward serve`` does; see :meth:`StoreHolder.warm_up`)."""
    settings = settings or Settings()
    holder = StoreHolder(settings)
    cypher_pool = CypherPool(holder, workers=max(1, settings.cypher_workers))

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if warm_up:
            holder.warm_up()
        yield
        cypher_pool.close()
        holder.close()

    app = FastAPI(
        docs_url=None,
        redoc_url=None,
        title="Steward",
        version=__version__,
        description="Lineage and ownership for ML platforms: blast radius, root cause, single points of "
        "failure, ownership audits, and an OpenLineage receiver.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.store_holder = holder
    app.state.cypher_pool = cypher_pool
    lineage_path = f"{API_PREFIX}/lineage"
    app.add_middleware(
        BodyLimits,
        max_bytes=lambda path: lineage.MAX_BATCH_BYTES if path == lineage_path else MAX_BODY_BYTES,
        body_paths=frozenset({lineage_path, f"{API_PREFIX}/cypher", f"{API_PREFIX}/session"}),
        gzip_paths=frozenset({lineage_path}),
    )
    install_auth(app)  # after the other middleware: the gate runs first
    install_error_handlers(app)
    install_docs(app)
    app.include_router(health.router)
    app.include_router(history.router, prefix=API_PREFIX)  # before nodes: /nodes/{id}/history
    app.include_router(nodes.router, prefix=API_PREFIX)
    app.include_router(analyses.router, prefix=API_PREFIX)
    app.include_router(lineage.router, prefix=API_PREFIX)
    app.include_router(explorer.router, prefix=API_PREFIX)
    app.include_router(incidents.router, prefix=API_PREFIX)
    app.include_router(session.router, prefix=API_PREFIX)
    app.include_router(changes.router, prefix=API_PREFIX)
    app.include_router(log_routes.router, prefix=API_PREFIX)
    app.include_router(reviews.router, prefix=API_PREFIX)
    install_explorer(app)
    return app
