"""Limits on every request body, enforced before any route (or the framework) parses it.

A POST/PUT/PATCH body must be JSON (``application/json`` or ``*+json``; anything else is 415, which
also keeps browsers' cross-site form posts out), at most ``max_bytes`` for its path (413), and
nested at most ``MAX_DEPTH`` levels (413: a body nested 100 000 deep would otherwise exhaust
Python's recursion while decoding). Gzip bodies (the OpenLineage receiver) are checked after
decompression by the route, with :func:`check_json_depth`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from itertools import accumulate

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from steward.api.errors import error_response
from steward.errors import PayloadTooLargeError, StewardError, UnsupportedMediaTypeError

__all__ = ["MAX_DEPTH", "BodyLimits", "check_json_depth", "is_json_type"]

MAX_DEPTH = 64
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.S)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_STEP = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}


def check_json_depth(raw: bytes, *, limit: int = MAX_DEPTH, where: str = "request body") -> None:
    """Refuse (413) JSON nested deeper than ``limit`` without decoding it (strings are skipped)."""
    brackets = _STRING.sub(b"", raw).translate(None, _NOT_BRACKETS)
    if len(brackets) <= limit:
        return
    if max(accumulate(_STEP[b] for b in brackets), default=0) > limit:
        raise PayloadTooLargeError(f"{where}: JSON nested more than {limit} levels deep")


def is_json_type(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


def loads_json(raw: bytes, *, where: str = "request body") -> object:
    check_json_depth(raw, where=where)
    return json.loads(raw)


class BodyLimits:
    """Pure ASGI middleware: content type, size and nesting of request bodies."""

    def __init__(self, app: ASGIApp, *, max_bytes: Callable[[str], int], body_paths: frozenset[str],
                 gzip_paths: frozenset[str]) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.body_paths = body_paths
        self.gzip_paths = gzip_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # Only the routes that take a body; any other method or path is the router's (404/405).
        if scope["type"] != "http" or scope["method"] not in ("POST", "PUT", "PATCH") or \
                scope["path"] not in self.body_paths:
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        path: str = scope["path"]
        limit = self.max_bytes(path)
        try:
            if not is_json_type(headers.get("content-type", "")):
                raise UnsupportedMediaTypeError(
                    f"the body must be JSON (Content-Type: application/json), not {headers.get('content-type')!r}")
            declared = headers.get("content-length")
            if declared is not None and declared.isdigit() and int(declared) > limit:
                raise PayloadTooLargeError(f"body over {limit} bytes")
            chunks: list[bytes] = []
            size = 0
            more = True
            while more:
                message = await receive()
                if message["type"] == "http.disconnect":
                    return
                chunk = message.get("body", b"")
                size += len(chunk)
                if size > limit:
                    raise PayloadTooLargeError(f"body over {limit} bytes")
                chunks.append(chunk)
                more = bool(message.get("more_body", False))
            body = b"".join(chunks)
            encoded = headers.get("content-encoding", "").strip().lower() not in ("", "identity")
            if not (encoded and path in self.gzip_paths):
                check_json_depth(body)
        except StewardError as exc:
            await error_response(exc)(scope, receive, send)
            return

        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)
