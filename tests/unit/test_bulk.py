"""The cyclic collector is paused while a whole-graph analysis runs and restored after, also when
the analysis raises, when uses nest, and when the collector was off to begin with."""

from __future__ import annotations

import gc

import pytest

from steward.analysis.bulk import collector_paused, without_cycle_collection


def test_paused_inside_and_restored_after_even_on_errors() -> None:
    assert gc.isenabled()
    seen = []

    @without_cycle_collection
    def analysis(fail: bool) -> int:
        seen.append(gc.isenabled())
        with collector_paused():  # nested: still paused after the inner block
            pass
        seen.append(gc.isenabled())
        if fail:
            raise ValueError("boom")
        return 7

    assert analysis(False) == 7
    with pytest.raises(ValueError, match="boom"):
        analysis(True)
    assert seen == [False, False, False, False]
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off() -> None:
    gc.disable()
    try:
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()
