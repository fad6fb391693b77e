"""The store behind the routers: opened lazily, called only through bounded executors with deadlines.

Route handlers are ``async`` and never touch the store on the event loop: :meth:`StoreHolder.run`
runs the work in a small thread pool of its own (not the framework's), so ``/livez`` (async, no
dependencies) answers while the store is slow, frozen or gone. When the work has not finished after
``stall_after_s``, a liveness probe (``store.ping()`` in a separate pool) decides: a store that does
not answer the probe within ``probe_timeout_s`` is reported as 503 ``store_unavailable`` at once
and the breaker stays open (every data route answers 503 immediately, no more threads are tied up)
until a probe succeeds again, so Steward recovers by itself when the store comes back.
"""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Annotated, Any, TypeVar

import orjson
from fastapi import Depends, Request
from fastapi.responses import Response

from steward.errors import BackendUnavailableError, StewardError, StoreUnavailableError, TooManyRequestsError
from steward.settings import Settings
from steward.store import GraphStore, open_store

__all__ = ["CypherPool", "HolderDep", "SettingsDep", "StoreHolder", "get_holder", "get_settings", "json_response",
           "render_json"]

logger = logging.getLogger(__name__)

T = TypeVar("T")


def _as_store_unavailable(exc: BackendUnavailableError) -> StoreUnavailableError:
    if isinstance(exc, StoreUnavailableError):
        return exc
    out = StoreUnavailableError(exc.message)
    out.__cause__ = exc
    return out


class StoreHolder:
    """Opens the store on first use, so the service starts (and /livez answers) while the store is down."""

    def __init__(
        self,
        settings: Settings,
        *,
        workers: int = 8,
        max_pending: int = 256,
        stall_after_s: float = 1.0,
        probe_timeout_s: float = 2.0,
        request_timeout_s: float | None = None,
        store: GraphStore | None = None,
    ) -> None:
        """``store``: serve this already-open store instead of opening ``settings.store`` (tests, embedding)."""
        self._settings = settings
        self._store: GraphStore | None = store
        self._lock = threading.Lock()
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="steward-store")
        self._probe_executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="steward-probe")
        self._max_pending = max_pending
        self._pending = 0
        self.stall_after_s = stall_after_s
        self.probe_timeout_s = probe_timeout_s
        self.request_timeout_s = request_timeout_s or settings.request_timeout_s
        self._probe: Future[None] | None = None
        self._probe_started = 0.0
        self._probe_lock = threading.Lock()
        self._healthy_at = 0.0
        self._down: str | None = None
        self._warmed: threading.Event | None = None  # set once the start-up warm-up is over

    # ---- the store -----------------------------------------------------------------------------
    def get(self) -> GraphStore:
        """The store, opened if needed (blocking: call it from a worker thread, not the event loop)."""
        with self._lock:
            if self._store is None:
                try:
                    self._store = open_store(self._settings.store, settings=self._settings)
                except BackendUnavailableError as exc:
                    raise _as_store_unavailable(exc) from exc
            return self._store

    def warm_up(self) -> threading.Thread | None:
        """For an embedded store, open it and read what every answer reuses (the traversal index; people,
        teams and claims) in a thread of its own, so the first requests find them ready (``/readyz`` waits
        for it). The service answers meanwhile; a store that cannot be opened is left to the first request
        to report. For a server store, load its topology snapshot (:meth:`_load_topology`)."""
        if self._store is None and not self._settings.store.startswith("sqlite:"):
            return self._load_topology()
        warmed = self._warmed = threading.Event()

        def work() -> None:
            from steward.analysis.blast import prepare
            from steward.analysis.bulk import collector_paused

            started = time.monotonic()
            try:
                # (no cyclic collection while the rows are read: on 285k OWNS edges it roughly doubled the read)
                with collector_paused():
                    prepare(self.get())
                # What was just read lives as long as the process (until a commit changes it): out of the
                # cyclic collector's way, whose every full pass would otherwise walk it again, in the
                # middle of some answer (~150 ms with every OWNS edge of a 1.39M-node store held).
                gc.collect()
                gc.freeze()
                logger.info("warm-up done in %.2f s: ready", time.monotonic() - started)
            except Exception:
                logger.debug("warming up the store failed; the first request will say why", exc_info=True)
            finally:
                warmed.set()

        thread = threading.Thread(target=work, name="steward-warm-up", daemon=True)
        thread.start()
        return thread

    def _load_topology(self) -> threading.Thread:
        """For a server store (Neo4j), load its topology snapshot in a thread of its own, so walks answer
        from it from the start instead of from the second walk's background load on. Readiness does not
        wait for it (the walks meanwhile run on the server, with the same answers); a store that cannot be
        opened is left to the first request to report."""

        def work() -> None:
            try:
                topology = getattr(self.get(), "topology", None)
                if topology is not None and topology.refresh_now():
                    logger.info("topology snapshot loaded: %s", topology.info())
            except Exception:
                logger.debug("loading the topology snapshot at start failed", exc_info=True)

        thread = threading.Thread(target=work, name="steward-topology", daemon=True)
        thread.start()
        return thread

    @property
    def warming(self) -> bool:
        """The start-up warm-up is still reading (``/readyz`` answers 503 ``starting`` meanwhile, so a load
        balancer sends requests only to a process whose first answers are as fast as its later ones)."""
        return self._warmed is not None and not self._warmed.is_set()

    @property
    def store_uri(self) -> str:
        return self._store.uri if self._store is not None else self._settings.store

    @property
    def down(self) -> str | None:
        """Why the store was last found unavailable (None while it answers)."""
        return self._down

    def call(self, fn: Callable[[GraphStore], T]) -> T:
        try:
            return fn(self.get())
        except BackendUnavailableError as exc:
            self._down = exc.message
            raise _as_store_unavailable(exc) from exc

    # ---- liveness ------------------------------------------------------------------------------
    def _ping(self) -> None:
        self.get().ping()

    def _start_probe(self) -> Future[None]:
        with self._probe_lock:
            if self._probe is None or self._probe.done():
                self._probe = self._probe_executor.submit(self._ping)
                self._probe_started = time.monotonic()
            return self._probe

    async def probe(self) -> str | None:
        """None when the store answers a ping within ``probe_timeout_s``, else why not."""
        if self._down is None and time.monotonic() - self._healthy_at < 0.5:
            return None
        probe = self._start_probe()
        # A probe still hanging from an earlier request already tells: no need to wait again.
        wait = max(0.0, self.probe_timeout_s - (time.monotonic() - self._probe_started))
        try:
            await asyncio.wait_for(asyncio.shield(asyncio.wrap_future(probe)), wait)
        except TimeoutError:
            self._down = f"the store ({self._settings.store}) did not answer within {self.probe_timeout_s:g}s"
            return self._down
        except StewardError as exc:
            self._down = exc.message
            return self._down
        except Exception as exc:
            self._down = f"the store failed a liveness check: {type(exc).__name__}"
            logger.warning("liveness check failed", exc_info=exc)
            return self._down
        self._down = None
        self._healthy_at = time.monotonic()
        return None

    # ---- running work --------------------------------------------------------------------------
    async def run_json(self, fn: Callable[[GraphStore], Any], *,
                       render: Callable[[Any], bytes] | None = None) -> Response:
        """``fn(store)`` rendered as a JSON response (by ``render``, default :func:`render_json`), both in
        the store pool."""
        out = render or render_json
        return json_response(await self.run(lambda store: out(fn(store))))

    async def run(self, fn: Callable[[GraphStore], T], *, timeout_s: float | None = None) -> T:
        """``fn(store)`` in the store pool, answering 503 fast when the store is down or frozen."""
        if self._down is not None:
            why = await self.probe()  # one shared probe in flight at a time; recovers when it succeeds
            if why is not None:
                raise StoreUnavailableError(why)
        if self._pending >= self._max_pending:
            raise TooManyRequestsError(f"the server is busy ({self._pending} requests waiting for the store)")
        self._pending += 1
        try:
            future = self._executor.submit(self.call, fn)
            wrapped = asyncio.wrap_future(future)
            done, _ = await asyncio.wait({wrapped}, timeout=self.stall_after_s)
            if not done:
                why = await self.probe()
                if why is not None:
                    wrapped.add_done_callback(_swallow)
                    raise StoreUnavailableError(why)
                remaining = (timeout_s or self.request_timeout_s) - self.stall_after_s
                done, _ = await asyncio.wait({wrapped}, timeout=max(remaining, 0.1))
                if not done:
                    wrapped.add_done_callback(_swallow)
                    raise StoreUnavailableError(
                        f"the store did not finish this request within {timeout_s or self.request_timeout_s:g}s")
            return wrapped.result()
        finally:
            self._pending -= 1

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
        self._probe_executor.shutdown(wait=False, cancel_futures=True)
        with self._lock:
            if self._store is not None:
                self._store.close()
                self._store = None


def render_json(payload: Any) -> bytes:
    """The response body, rendered in the worker thread (a large result never blocks the event loop);
    the same JSON as ``--format json`` on the CLI."""
    return json.dumps(payload, ensure_ascii=False, allow_nan=False, separators=(",", ":"), default=str).encode()


#: orjson: datetimes and dataclasses go to ``default`` (``str``), as :func:`render_json` writes them.
_FAST_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


def render_json_fast(payload: Any) -> bytes:
    """:func:`render_json`'s bytes, several times faster (orjson), for answers made of strings, integers,
    booleans, None, lists and dicts with string keys, as the blast radius is (there are no floats in it:
    one would be written in another form of the same number, and NaN as null where render_json refuses
    it). A key that is not a string, an integer past 64 bits or a lone surrogate falls back to
    :func:`render_json`, which decides."""
    try:
        return orjson.dumps(payload, default=str, option=_FAST_OPTIONS)
    except orjson.JSONEncodeError:
        return render_json(payload)


def json_response(body: bytes, status_code: int = 200) -> Response:
    return Response(content=body, status_code=status_code, media_type="application/json")


def _swallow(fut: asyncio.Future[Any]) -> None:
    if not fut.cancelled():
        fut.exception()  # retrieved: an abandoned call's late error is not "never retrieved"


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_holder(request: Request) -> StoreHolder:
    holder: StoreHolder = request.app.state.store_holder
    return holder


SettingsDep = Annotated[Settings, Depends(get_settings)]
HolderDep = Annotated[StoreHolder, Depends(get_holder)]


class CypherPool:
    """Analyst queries in a pool of their own: ``workers`` run at once, as many again may wait, more
    are refused with 429; each is given up client-side ``grace_s`` after its server-side timeout."""

    def __init__(self, holder: StoreHolder, *, workers: int, grace_s: float = 2.0) -> None:
        self._holder = holder
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="steward-cypher")
        self._capacity = 2 * workers
        self._in_use = 0
        self.grace_s = grace_s

    async def run(self, fn: Callable[[GraphStore], T], *, timeout_s: float) -> T:
        from steward.errors import QueryTimeoutError

        if self._holder.down is not None:
            why = await self._holder.probe()
            if why is not None:
                raise StoreUnavailableError(why)
        if self._in_use >= self._capacity:
            raise TooManyRequestsError(f"{self._in_use} analyst queries are running or waiting; try again shortly")
        self._in_use += 1
        try:
            wrapped = asyncio.wrap_future(self._executor.submit(self._holder.call, fn))
            done, _ = await asyncio.wait({wrapped}, timeout=timeout_s + self.grace_s)
            if not done:
                wrapped.add_done_callback(_swallow)
                why = await self._holder.probe()
                if why is not None:
                    raise StoreUnavailableError(why)
                raise QueryTimeoutError(f"the query ran over the {timeout_s:g}s timeout and was given up")
            return wrapped.result()
        finally:
            self._in_use -= 1

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
