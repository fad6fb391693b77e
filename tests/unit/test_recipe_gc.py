"""A recipe run raises the cycle collector's thresholds for its duration only (``recipe._fewer_collections``):
they are put back when the run ends (also when it fails), and runs that overlap (threads of a server) put
back the thresholds from before the first of them, whichever ends last."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from steward import recipe as recipe_mod
from steward.recipe import load_recipe, run_recipe
from steward.store import open_store


@pytest.fixture
def thresholds() -> Iterator[tuple[int, int, int]]:
    before = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    try:
        yield (700, 10, 10)
    finally:
        gc.set_threshold(*before)


def test_a_run_raises_the_thresholds_and_puts_them_back(tmp_path: Path, thresholds: tuple[int, int, int],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[int, int, int]] = []
    real = recipe_mod.check_precedence  # (the first thing a run does)

    def spy(*args: object, **kwargs: object) -> None:
        seen.append(gc.get_threshold())
        real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(recipe_mod, "check_precedence", spy)
    (tmp_path / "e.jsonl").write_text("")
    (tmp_path / "r.yaml").write_text("sources:\n  - type: openlineage\n    paths: [e.jsonl]\n")
    with open_store(f"sqlite:///{tmp_path / 'g.db'}", create=True) as store:
        run_recipe(load_recipe(tmp_path / "r.yaml"), store, actor="t")
    assert seen == [(recipe_mod.GC_YOUNG, 10, recipe_mod.GC_OLDEST)]
    assert gc.get_threshold() == thresholds


def test_overlapping_runs_put_back_the_thresholds_from_before_the_first(thresholds: tuple[int, int, int]) -> None:
    raised = (recipe_mod.GC_YOUNG, 10, recipe_mod.GC_OLDEST)
    first_in, second_in, first_out = threading.Event(), threading.Event(), threading.Event()
    inside: list[tuple[int, int, int]] = []

    def first() -> None:
        with recipe_mod._fewer_collections():
            first_in.set()
            second_in.wait(10)
        first_out.set()

    t = threading.Thread(target=first)
    t.start()
    first_in.wait(10)
    with recipe_mod._fewer_collections():
        second_in.set()
        first_out.wait(10)
        inside.append(gc.get_threshold())  # the first run ended: still raised while this one goes on
    t.join(10)
    assert inside == [raised]
    assert gc.get_threshold() == thresholds


def test_a_failed_run_puts_the_thresholds_back(thresholds: tuple[int, int, int]) -> None:
    def fail() -> None:
        with recipe_mod._fewer_collections():
            assert gc.get_threshold()[0] == recipe_mod.GC_YOUNG
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        fail()
    assert gc.get_threshold() == thresholds
