"""Read-modify-write of governance records is a compare-and-set under the store's write lock, on both
stores: two people deciding one change request, or changing one incident, at the same moment cannot
both win. The races are forced (both read before either writes), so without the check both would
apply and these tests fail."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from steward.errors import ConflictError
from steward.governance import changes
from steward.governance.changes import approve, get_change, reject, set_ownership
from steward.incidents import core as incidents
from steward.store import GraphStore
from steward.store.base import Record
from tests.contract.test_ownership_changes import ADMIN, BOB_P, ED_P, MODEL, OTHER_ADMIN, org  # noqa: F401
from tests.contract.test_ownership_changes import log as log_entries


def test_a_record_written_with_an_expectation_that_no_longer_holds_writes_nothing(store: GraphStore) -> None:
    store.upsert(records=[Record("change", "c1", {"status": "open", "n": 1})])
    size = store.log_size()
    store.upsert(records=[Record("change", "c1", {"status": "applied", "n": 2})], log=[{"type": "t.first"}],
                 expect={("change", "c1"): {"status": "open"}})
    with pytest.raises(ConflictError, match="changed while"):
        store.upsert(records=[Record("change", "c1", {"status": "rejected", "n": 3})], log=[{"type": "t.second"}],
                     expect={("change", "c1"): {"status": "open"}})
    with pytest.raises(ConflictError, match="does not exist"):
        store.upsert(records=[Record("change", "c2", {})], expect={("change", "c2"): {"status": None}})
    assert store.get_record("change", "c1") == Record("change", "c1", {"status": "applied", "n": 2})
    assert store.get_record("change", "c2") is None
    assert [ln.data()["type"] for ln in store.log_lines(size)] == ["t.first"]


def _race(monkeypatch: pytest.MonkeyPatch, module: Any, reader: str, *calls: Any) -> list[Any]:
    """Run ``calls`` in threads that all finish reading (``module.reader``) before any of them writes."""
    barrier = threading.Barrier(len(calls), timeout=60)
    original = getattr(module, reader)

    def read_then_wait(*args: Any, **kw: Any) -> Any:
        got = original(*args, **kw)
        barrier.wait()
        return got

    monkeypatch.setattr(module, reader, read_then_wait)
    results: list[Any] = [None] * len(calls)

    def run(i: int) -> None:
        try:
            results[i] = calls[i]()
        except Exception as exc:
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    monkeypatch.setattr(module, reader, original)
    return results


def test_two_approvals_at_once_apply_the_request_once(org: GraphStore, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    cid = set_ownership(org, ED_P, MODEL, owners=["ed@corp.com"], reason="I maintain it now")["change"]["id"]
    size = org.log_size()
    results = _race(monkeypatch, changes, "get_change",
                    lambda: approve(org, ADMIN, cid, reason="yes"), lambda: approve(org, OTHER_ADMIN, cid, reason="ok"))
    conflicts = [r for r in results if isinstance(r, ConflictError)]
    applied = [r for r in results if isinstance(r, dict) and r.get("status") == "applied"]
    assert len(conflicts) == 1 and len(applied) == 1, results
    assert [e["type"] for e in log_entries(org)[size:]] == ["change.approve", "ownership.set"]
    assert get_change(org, cid)["status"] == "applied"


def test_an_approval_and_a_rejection_at_once_decide_once(org: GraphStore, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    cid = set_ownership(org, ED_P, MODEL, owners=["ed@corp.com"], reason="mine")["change"]["id"]
    size = org.log_size()
    results = _race(monkeypatch, changes, "get_change",
                    lambda: approve(org, OTHER_ADMIN, cid, reason="yes"), lambda: reject(org, ADMIN, cid, reason="no"))
    assert sum(isinstance(r, ConflictError) for r in results) == 1, results
    decided = [e["type"] for e in log_entries(org)[size:] if e["type"].startswith("change.")]
    assert len(decided) == 1


def test_two_notes_at_once_on_one_incident_lose_nothing(org: GraphStore, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    doc = incidents.open_incident(org, MODEL, title="drift", severity="sev3", actor=ADMIN)
    results = _race(monkeypatch, incidents, "get_incident",
                    lambda: incidents.add_note(org, doc["id"], "first", actor=ADMIN),
                    lambda: incidents.add_note(org, doc["id"], "second", actor=BOB_P))
    assert sum(isinstance(r, ConflictError) for r in results) == 1, results
    kept = incidents.get_incident(org, doc["id"])
    assert len(kept["notes"]) == 1  # the loser wrote nothing and was told to retry; nothing was silently lost
    incidents.add_note(org, doc["id"], "retried", actor=ADMIN)
    assert len(incidents.get_incident(org, doc["id"])["notes"]) == 2
