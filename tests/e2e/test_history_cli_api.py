"""History and as-of as a user meets them: `steward history`, `--as-of` on show, blast-radius and audit
(real processes, real catalog files moving ownership between two ingests), and the same over HTTP."""

from __future__ import annotations

import json
import textwrap
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from pydantic import SecretStr

from steward.graph import Node, NodeKind
from steward.settings import Settings
from steward.store import open_store
from steward.store.base import utc_now
from tests.auth_helpers import bearer, mint_at
from tests.e2e.test_api import TOKEN, LiveServer
from tests.e2e.test_cli import steward

ORDERS = "dataset:s3://lake/orders"
CATALOG = """\
apiVersion: steward/v1
kind: Person
metadata: {{name: ada}}
spec: {{email: ada@acme.com}}
---
apiVersion: steward/v1
kind: Person
metadata: {{name: bob}}
spec: {{email: bob@acme.com}}
---
apiVersion: steward/v1
kind: Ownership
metadata: {{name: orders}}
spec: {{artifact: "{orders}", owners: [{owner}]}}
"""


def ingest(ws: Path, owner: str) -> None:
    (ws / "catalog.yaml").write_text(CATALOG.format(orders=ORDERS, owner=owner), encoding="utf-8")
    steward("ingest", str(ws / "recipe.yaml"), "--store", f"sqlite:///{ws / 'graph.db'}")


def live(ws: Path, *args: str) -> dict[str, Any]:
    out: dict[str, Any] = json.loads(steward(*args, "--store", f"sqlite:///{ws / 'graph.db'}", "-f", "json").stdout)
    return out


def drop(payload: dict[str, Any], *keys: str) -> Any:
    def clean(v: Any) -> Any:
        if isinstance(v, dict):
            return {k: clean(x) for k, x in v.items() if k not in keys}
        if isinstance(v, list):
            return [clean(x) for x in v]
        return v

    return clean(payload)


def settle() -> str:
    time.sleep(0.01)
    t = utc_now()
    time.sleep(0.01)
    return t


@pytest.fixture
def moved(tmp_path: Path) -> tuple[Path, list[tuple[str, dict[str, Any]]]]:
    """A store whose orders moved from Ada to Bob; the live answers taken at two moments."""
    (tmp_path / "recipe.yaml").write_text(textwrap.dedent("""\
        max_removal_share: 1.0
        sources:
          - type: catalog
            paths: [catalog.yaml]
        """), encoding="utf-8")
    taken = []
    for owner in ("ada@acme.com", "bob@acme.com"):
        ingest(tmp_path, owner)
        t = settle()
        taken.append((t, {"show": live(tmp_path, "show", ORDERS), "blast": live(tmp_path, "blast-radius", ORDERS),
                          "audit": live(tmp_path, "audit")}))
    return tmp_path, taken


def today_only(payload: dict[str, Any]) -> dict[str, Any]:
    """A live answer without what only the live view shows: incidents, playbooks and suspect marks are
    today's records, not versioned (``show`` as of a moment leaves them out)."""
    return {k: v for k, v in payload.items() if k not in ("incidents", "playbooks", "suspect")}


def test_cli_as_of_answers_what_was_true_then(moved: tuple[Path, list[tuple[str, dict[str, Any]]]]) -> None:
    ws, taken = moved
    owners = [[e["src"] for e in a["show"]["edges"] if e["kind"] == "OWNS"] for _, a in taken]
    assert owners == [["person:ada@acme.com"], ["person:bob@acme.com"]]
    for t, then in taken:
        for name, args in (("show", ("show", ORDERS)), ("blast", ("blast-radius", ORDERS)), ("audit", ("audit",))):
            got = live(ws, *args, "--as-of", t)
            assert got.pop("as_of") == t
            assert drop(got, "seen_at") == drop(today_only(then[name]), "seen_at"), (t, name)
    # the same moment written with an offset
    t0 = taken[0][0]
    there = datetime.fromisoformat(t0.replace("Z", "+00:00")).astimezone(timezone(timedelta(hours=1)))
    assert live(ws, "show", ORDERS, "--as-of", there.isoformat())["as_of"] == t0


def test_cli_refuses_bad_moments_and_moments_before_history(moved: tuple[Path, Any]) -> None:
    ws, _ = moved
    store = f"sqlite:///{ws / 'graph.db'}"
    bad = steward("show", ORDERS, "--as-of", "last tuesday", "--store", store, check=5)
    assert "not an ISO 8601 moment" in bad.stderr
    early = steward("blast-radius", ORDERS, "--as-of", "2001-01-01", "--store", store, check=5)
    assert "before this store's history began" in early.stderr
    steward("audit", "--as-of", "2001-01-01T00:00:00Z", "--store", store, check=5)


def test_cli_history_lists_changes_newest_first(moved: tuple[Path, Any]) -> None:
    ws, taken = moved
    result = live(ws, "history", ORDERS)
    owns = [(e["change"], e["edge"]["src"]) for e in result["events"] if e["what"] == "edge"]
    assert owns == [("removed", "person:ada@acme.com"), ("added", "person:bob@acme.com"),
                    ("added", "person:ada@acme.com")]
    removed = result["events"][0]
    assert taken[0][0] < removed["at"] < taken[1][0] and removed["by"]["sources"] == ["catalog"]
    page = live(ws, "history", ORDERS, "--limit", "1", "--offset", "1")
    assert page["events"] == result["events"][1:2] and page["next_offset"] == 2
    text = steward("history", ORDERS, "--store", f"sqlite:///{ws / 'graph.db'}", "--limit", "2").stdout
    assert "removed" in text and "person:ada@acme.com -[OWNS (owner)]-> dataset:s3://lake/orders" in text
    assert "--offset 2" in text
    missing = steward("history", "dataset:s3://nothing/here", "--store", f"sqlite:///{ws / 'graph.db'}", check=4)
    assert "nothing" in missing.stderr


def test_http_as_of_and_history(moved: tuple[Path, list[tuple[str, dict[str, Any]]]]) -> None:
    ws, taken = moved
    uri = f"sqlite:///{ws / 'graph.db'}"
    token = mint_at(uri, "viewer", create=False)
    with LiveServer(Settings(store=uri, api_token=SecretStr(TOKEN))) as server, \
            httpx.Client(base_url=server.url, headers=bearer(token)) as c:
        for t, then in taken:
            got = c.get(f"/api/v1/nodes/{ORDERS}", params={"as_of": t}).json()
            assert got.pop("as_of") == t and drop(got, "seen_at") == drop(today_only(then["show"]), "seen_at")
            got = c.get(f"/api/v1/blast-radius/{ORDERS}", params={"as_of": t}).json()
            assert got.pop("as_of") == t and got == then["blast"]
            got = c.get("/api/v1/audit", params={"as_of": t}).json()
            assert got.pop("as_of") == t and got == then["audit"]
        bad = c.get(f"/api/v1/blast-radius/{ORDERS}", params={"as_of": "soon"})
        assert bad.status_code == 422 and "ISO 8601" in bad.text
        early = c.get("/api/v1/audit", params={"as_of": "2001-01-01"})
        assert early.status_code == 422 and "before this store's history began" in early.text
        hist = c.get(f"/api/v1/nodes/{quote(ORDERS)}/history", params={"limit": 2})
        assert hist.status_code == 200, hist.text
        body = hist.json()
        assert body["id"] == ORDERS and len(body["events"]) == 2 and body["next_offset"] == 2
        assert body["events"][0]["change"] == "removed"
        assert c.get("/api/v1/nodes/dataset:s3://nothing/history").status_code == 404
        assert c.get(f"/api/v1/nodes/{ORDERS}/history", params={"limit": 0}).status_code == 422
        # a node whose own id ends in /history is still the node at its own address
        with open_store(uri) as s:
            s.upsert(nodes=[Node(f"{ORDERS}/history", NodeKind.DATASET, source="x")])
        assert c.get(f"/api/v1/nodes/{ORDERS}/history").json()["id"] == f"{ORDERS}/history"
        assert c.get(f"/api/v1/nodes/{ORDERS}/history/history").json()["events"][0]["change"] == "added"
