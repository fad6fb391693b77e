"""The error tree and its one mapping: every class's HTTP status (through the real app's handlers)
and CLI exit code (through the real ``steward`` entry point), walked from the root so that a new
class without a row here fails."""

from __future__ import annotations

import json
import subprocess
import sys

import httpx
import pytest
from fastapi import FastAPI

import steward.errors as errors_module
from steward.api.errors import install_error_handlers
from steward.errors import ClientFault, StewardError

#: class -> (HTTP status, exit code, JSON code)
EXPECTED: dict[str, tuple[int, int, str]] = {
    "StewardError": (500, 1, "steward_error"),
    "ClientFault": (400, 5, "bad_request"),
    "InvalidInputError": (422, 5, "invalid_input"),
    "QueryRefusedError": (403, 5, "query_refused"),
    "QueryTimeoutError": (422, 5, "query_timeout"),
    "PayloadTooLargeError": (413, 5, "too_large"),
    "UnsupportedMediaTypeError": (415, 5, "unsupported_media_type"),
    "NotFoundError": (404, 4, "not_found"),
    "UnauthorizedError": (401, 5, "unauthorized"),
    "ForbiddenError": (403, 5, "forbidden"),
    "ConflictError": (409, 5, "conflict"),
    "TooManyRequestsError": (429, 5, "too_many_requests"),
    "UnsupportedError": (400, 3, "unsupported"),
    "ConfigError": (500, 3, "config_error"),
    "BackendUnavailableError": (503, 6, "backend_unavailable"),
    "StoreUnavailableError": (503, 6, "store_unavailable"),
    "StartingError": (503, 6, "starting"),
    "SafetyLimitError": (409, 7, "safety_limit"),
}


def _tree() -> list[type[StewardError]]:
    out: list[type[StewardError]] = []
    stack: list[type[StewardError]] = [StewardError]
    while stack:
        cls = stack.pop()
        if cls not in out and cls.__module__ == "steward.errors":
            out.append(cls)
            stack.extend(cls.__subclasses__())
    return out


def test_every_class_of_the_tree_is_in_the_table_and_exported() -> None:
    names = {cls.__name__ for cls in _tree()}
    assert names == set(EXPECTED)
    assert names == set(errors_module.__all__)
    for cls in _tree():
        status, exit_code, code = EXPECTED[cls.__name__]
        assert (cls.http_status, cls.exit_code, cls.code) == (status, exit_code, code), cls
        # client faults are exactly the 4xx that are the caller's doing; 5xx never are
        assert issubclass(cls, ClientFault) == (400 <= status < 500 and cls.__name__ != "SafetyLimitError"), cls
    statuses = {s for s, _, _ in EXPECTED.values()}
    assert {401, 403, 409, 413, 415, 429} <= statuses


@pytest.mark.anyio
async def test_every_class_maps_to_its_status_over_http() -> None:
    app = FastAPI()
    install_error_handlers(app)
    classes = {cls.__name__: cls for cls in _tree()}

    @app.get("/raise/{name}")
    async def _raise(name: str) -> None:
        raise classes[name](f"a {name}")

    @app.get("/boom")
    async def _boom() -> None:
        raise RuntimeError("secret internals")

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        for name, (status, _, code) in EXPECTED.items():
            resp = await client.get(f"/raise/{name}")
            assert resp.status_code == status, name
            assert resp.json() == {"error": {"code": code, "message": f"a {name}"}}, name
            if status in (429, 503):
                assert int(resp.headers["retry-after"]) > 0, name
            if status == 401:
                assert resp.headers["www-authenticate"] == "Bearer"
        boom = await client.get("/boom")
        assert boom.status_code == 500
        assert boom.json()["error"]["code"] == "internal_error"
        assert "secret internals" not in boom.text


def test_every_class_maps_to_its_exit_code_on_the_cli() -> None:
    """The real entry point (``steward.cli.main``) in a child process, one command raising each class."""
    program = """
import json, sys
import steward.errors as E
from steward import cli
names = json.loads(sys.argv[1])
codes = {}
for name in names:
    @cli.app.command(name="raise-" + name.lower())
    def _cmd(_name: str = name) -> None:
        raise getattr(E, _name)("a " + _name)
for name in names + ["unexpected"]:
    if name == "unexpected":
        @cli.app.command(name="raise-unexpected")
        def _boom() -> None:
            raise RuntimeError("boom")
    sys.argv = ["steward", "raise-" + name.lower()]
    try:
        cli.main()
    except SystemExit as exc:
        codes[name] = exc.code
print(json.dumps(codes))
"""
    out = subprocess.run([sys.executable, "-c", program, json.dumps(list(EXPECTED))], capture_output=True,
                         text=True, check=True, timeout=60)
    codes = json.loads(out.stdout.strip().splitlines()[-1])
    for name, (_, exit_code, _) in EXPECTED.items():
        assert codes[name] == exit_code, name
    assert codes["unexpected"] == 1
    assert "Traceback" not in out.stderr
    assert "internal error: RuntimeError: boom" in out.stderr
