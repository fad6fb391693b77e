"""Paging through a webhook, against a real HTTP receiver on loopback (a server thread, not a mock):
delivery, retries after 5xx with backoff, giving up, no retry on 4xx, the idempotency key stable
across retries, and the three payload shapes (Steward, Slack blocks, PagerDuty Events API v2)."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from steward.errors import InvalidInputError
from steward.governance.principal import Principal
from steward.incidents import PagingError, get_incident, open_incident, page_incident
from steward.incidents.paging import PD_SEVERITY
from steward.store import GraphStore
from tests.contract.test_analyses import CURATED, build

OPS = Principal(actor="local:ops", role="admin")
SECRET_PATH = "/hooks/T000/B000/s3cr3t-path"


@dataclass
class Receiver:
    """A loopback HTTP server that answers POSTs with scripted statuses (the last one repeats)."""

    statuses: list[int] = field(default_factory=lambda: [200])
    requests: list[dict[str, Any]] = field(default_factory=list)
    location: str | None = None
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}{SECRET_PATH}"

    def start(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                receiver.requests.append({"path": self.path, "headers": dict(self.headers),
                                          "body": json.loads(body)})
                n = len(receiver.requests) - 1
                status = receiver.statuses[min(n, len(receiver.statuses) - 1)]
                self.send_response(status)
                if receiver.location:
                    self.send_header("Location", receiver.location)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(json.dumps({"status": status}).encode())

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    r.start()
    yield r
    r.stop()


@pytest.fixture
def incident(embedded_store: GraphStore) -> dict[str, Any]:
    build(embedded_store)
    return open_incident(embedded_store, CURATED, title="nulls in sessions", severity="sev1", actor=OPS,
                         summary_text="the 03:00 load wrote nulls")


def _page(store: GraphStore, doc: dict[str, Any], url: str, shape: str = "steward", **kw: Any) -> dict[str, Any]:
    sleeps: list[float] = kw.pop("sleeps", [])
    return page_incident(store, doc["id"], url=url, shape=shape, actor=OPS, backoff_s=0.01, timeout_s=5,
                         sleep=sleeps.append, **kw)


def test_steward_payload_is_delivered_recorded_and_the_url_kept_secret(store: GraphStore,
                                                                        receiver: Receiver) -> None:
    build(store)
    doc = open_incident(store, CURATED, title="nulls in sessions", severity="sev2", actor=OPS)
    result = _page(store, doc, receiver.url)
    assert result["ok"] and [r["attempts"] for r in result["requests"]] == [1]
    (req,) = receiver.requests
    assert req["path"] == SECRET_PATH and req["headers"]["Content-Type"] == "application/json"
    body = req["body"]
    assert body["type"] == "steward.incident.page" and body["incident"]["id"] == doc["id"]
    assert body["page"] == doc["frozen"]["page"] and body["artifact"]["id"] == CURATED
    assert req["headers"]["Idempotency-Key"] == result["requests"][0]["idempotency_key"]
    stored = get_incident(store, doc["id"])
    assert stored["pages"][-1]["ok"] is True and stored["pages"][-1]["format"] == "steward"
    entry = store.log_lines()[-1].data()
    assert entry["type"] == "incident.page" and entry["subject"] == CURATED and entry["ok"] is True
    assert entry["paged"] == [p["id"] for p in doc["frozen"]["page"]]
    everything = json.dumps(stored) + "".join(ln.entry for ln in store.log_lines())
    assert "s3cr3t" not in everything and "127.0.0.1" in stored["pages"][-1]["target"]


def test_retries_after_server_errors_with_backoff_and_one_idempotency_key(
    embedded_store: GraphStore, incident: dict[str, Any], receiver: Receiver,
) -> None:
    receiver.statuses = [500, 502, 200]
    sleeps: list[float] = []
    result = _page(embedded_store, incident, receiver.url, sleeps=sleeps)
    assert result["ok"] and result["requests"][0]["attempts"] == 3
    assert len(receiver.requests) == 3 and sleeps == [0.01, 0.02]  # exponential
    keys = {r["headers"]["Idempotency-Key"] for r in receiver.requests}
    assert len(keys) == 1  # the same key on every retry...
    again = _page(embedded_store, incident, receiver.url)
    assert {again["requests"][0]["idempotency_key"]} == keys  # ...and on a re-page of the same incident


def test_gives_up_with_a_clear_error_and_records_the_failure(
    embedded_store: GraphStore, incident: dict[str, Any], receiver: Receiver,
) -> None:
    receiver.statuses = [503]
    with pytest.raises(PagingError, match=r"gave up after 3 attempt\(s\).*HTTP 503") as err:
        _page(embedded_store, incident, receiver.url, attempts=3)
    assert err.value.exit_code == 6 and len(receiver.requests) == 3
    last = get_incident(embedded_store, incident["id"])["pages"][-1]
    assert last["ok"] is False and last["requests"][0]["status"] == 503
    assert embedded_store.log_lines()[-1].data()["ok"] is False


def test_client_errors_are_not_retried(embedded_store: GraphStore, incident: dict[str, Any],
                                       receiver: Receiver) -> None:
    receiver.statuses = [400, 200]
    with pytest.raises(PagingError, match=r"refused.*HTTP 400"):
        _page(embedded_store, incident, receiver.url)
    assert len(receiver.requests) == 1


def test_redirects_are_not_followed(embedded_store: GraphStore, incident: dict[str, Any], receiver: Receiver) -> None:
    receiver.statuses = [307]
    receiver.location = "http://127.0.0.1:9/elsewhere"
    with pytest.raises(PagingError, match="HTTP 307"):
        _page(embedded_store, incident, receiver.url)
    assert len(receiver.requests) == 1


def test_connection_errors_are_retried_then_reported(embedded_store: GraphStore, incident: dict[str, Any]) -> None:
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    sleeps: list[float] = []
    with pytest.raises(PagingError, match=r"gave up after 2 attempt\(s\).*ConnectError"):
        _page(embedded_store, incident, f"http://127.0.0.1:{port}/hook", attempts=2, sleeps=sleeps)
    assert sleeps == [0.01]


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://127.0.0.1/x", "gopher://127.0.0.1:70/",
                                 "javascript:alert(1)", "127.0.0.1:8080/hook", "http:///nohost"])
def test_non_http_urls_are_refused_before_any_request(embedded_store: GraphStore, incident: dict[str, Any],
                                                      url: str) -> None:
    size = embedded_store.log_size()
    with pytest.raises(InvalidInputError, match="http"):
        _page(embedded_store, incident, url)
    assert embedded_store.log_size() == size


def test_slack_blocks(embedded_store: GraphStore, incident: dict[str, Any], receiver: Receiver) -> None:
    _page(embedded_store, incident, receiver.url, "slack")
    (req,) = receiver.requests
    msg = req["body"]
    assert isinstance(msg["text"], str) and msg["text"]  # the notification fallback
    blocks = msg["blocks"]
    assert 1 <= len(blocks) <= 50
    assert blocks[0]["type"] == "header" and blocks[0]["text"]["type"] == "plain_text"
    assert len(blocks[0]["text"]["text"]) <= 150 and "SEV1" in blocks[0]["text"]["text"]
    for b in blocks:
        assert b["type"] in {"header", "section", "divider", "context"}
        if b["type"] == "section":
            assert b["text"]["type"] == "mrkdwn" and 0 < len(b["text"]["text"]) <= 3000
            assert len(b.get("fields", [])) <= 10
            assert all(f["type"] == "mrkdwn" and len(f["text"]) <= 2000 for f in b.get("fields", []))
        if b["type"] == "context":
            assert 1 <= len(b["elements"]) <= 10
    who = next(b for b in blocks if b["type"] == "section" and b["text"]["text"].startswith("*Who to page*"))
    for person in incident["frozen"]["page"]:
        assert person["name"] in who["text"]["text"]


def test_pagerduty_events_one_per_target(embedded_store: GraphStore, incident: dict[str, Any],
                                         receiver: Receiver) -> None:
    with pytest.raises(InvalidInputError, match="routing key"):
        _page(embedded_store, incident, receiver.url, "pagerduty")
    _page(embedded_store, incident, receiver.url, "pagerduty", routing_key="R0UT1NGKEY0000000000000000000000")
    page = incident["frozen"]["page"]
    assert len(page) >= 2 and len(receiver.requests) == len(page)
    events = [r["body"] for r in receiver.requests]
    for event, person in zip(events, page, strict=True):
        assert event["routing_key"] == "R0UT1NGKEY0000000000000000000000"
        assert event["event_action"] == "trigger"
        assert event["dedup_key"] == f"steward/{incident['id']}/{person['id']}" and len(event["dedup_key"]) <= 255
        p = event["payload"]
        assert p["summary"] and len(p["summary"]) <= 1024 and person["name"] in p["summary"]
        assert p["source"] == CURATED and p["severity"] == PD_SEVERITY["sev1"] == "critical"
        assert p["severity"] in {"critical", "error", "warning", "info"}
        assert p["custom_details"]["target"] == person["id"]
    first_keys = [r["headers"]["Idempotency-Key"] for r in receiver.requests]
    assert len(set(first_keys)) == len(page)  # one key per target...
    _page(embedded_store, incident, receiver.url, "pagerduty", routing_key="R0UT1NGKEY0000000000000000000000")
    second = receiver.requests[len(page):]
    assert [r["headers"]["Idempotency-Key"] for r in second] == first_keys  # ...stable across re-pages
    assert [r["body"]["dedup_key"] for r in second] == [e["dedup_key"] for e in events]
