"""Whole-graph analyses (SPOF, audit) build millions of small tuples and records at a million
nodes, none of them in reference cycles. CPython's cyclic collector, triggered by allocation
counts, then walks every live object again and again: a third or more of such an analysis's time
(benchmarks/results/spofaudit.md). :func:`collector_paused` holds it off for the length of one
analysis; reference counting still frees everything as usual, and the collector runs again after
(the process's other threads see it paused meanwhile, for seconds at most)."""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import ParamSpec, TypeVar

__all__ = ["collector_paused", "without_cycle_collection"]

P = ParamSpec("P")
R = TypeVar("R")

_lock = threading.Lock()
_holders = 0
_was_enabled = False


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while the block runs (nested and concurrent uses count:
    the last one out restores it as the first one in found it)."""
    global _holders, _was_enabled
    with _lock:
        if _holders == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _holders += 1
    try:
        yield
    finally:
        with _lock:
            _holders -= 1
            if _holders == 0 and _was_enabled:
                gc.enable()


def without_cycle_collection(fn: Callable[P, R]) -> Callable[P, R]:
    """Run ``fn`` with the cyclic collector paused (:func:`collector_paused`)."""

    @wraps(fn)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        with collector_paused():
            return fn(*args, **kwargs)

    return run
