"""One table from errors to HTTP: every error is ``{"error": {"code", "message"}}``.

The status comes from the error's class (:mod:`steward.errors`) and nowhere else; framework errors
(validation, unknown route or method) are mapped here once, and anything unexpected is a 500 whose
body names no internals.

Messages speak HTTP: an error's message is written for the command line too, where it may end with
advice to run a command (`steward init --store ...`, `docker compose up`) or pass a flag. An HTTP
client can do neither, so :func:`http_message` leaves that advice out (the server log keeps it).
"""

from __future__ import annotations

import logging
import re

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from steward.errors import ClientFault, StewardError

__all__ = ["HTTP_CODES", "ErrorBody", "error_body", "error_response", "http_message", "install_error_handlers",
           "responses"]

logger = logging.getLogger(__name__)

#: Codes for statuses the framework raises itself (routing, methods).
HTTP_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
              405: "method_not_allowed", 413: "too_large", 415: "unsupported_media_type",
              429: "too_many_requests"}


class ErrorDetail(BaseModel):
    code: str
    message: str


class ErrorBody(BaseModel):
    """Every error: ``{"error": {"code", "message"}}``; ``code`` names the class of :mod:`steward.errors`."""

    error: ErrorDetail


_DESCRIPTIONS = {
    400: "Not possible on this store (e.g. Cypher on the embedded store)",
    401: "No valid 'Authorization: Bearer <token>'",
    403: "Refused: the caller's role may not do this, or the analyst-query gate refused the query",
    404: "No such node",
    409: "Audit gate failed",
    413: "Body (or query) too large or too deeply nested",
    415: "Body is not JSON",
    422: "Invalid input",
    429: "Too many requests in flight; retry after Retry-After seconds",
    503: "The store is unavailable (down, frozen or damaged); retry after Retry-After seconds",
}


def responses(*statuses: int) -> dict[int | str, dict[str, object]]:
    """OpenAPI ``responses`` for these error statuses (so the document lists every status a route gives)."""
    return {s: {"model": ErrorBody, "description": _DESCRIPTIONS[s]} for s in statuses}


def error_body(code: str, message: str) -> dict[str, dict[str, str]]:
    return {"error": {"code": code, "message": message}}


#: Advice for a command line: a command in backticks, ``python -m``, or a ``--flag``.
_CLI_ADVICE = re.compile(r"`[^`]*`|\bpython -m\b|(?<![\w-])--[a-z][a-z-]*")
_SENTENCE = re.compile(r"(?<=\.)\s+(?=[A-Z(`])")


def http_message(message: str) -> str:
    """``message`` without its command-line advice: the sentences (or ``;`` clauses) that carry it."""
    kept: list[str] = []
    for sentence in _SENTENCE.split(message.strip()):
        clauses = [c for c in sentence.split("; ") if not _CLI_ADVICE.search(c)]
        if clauses:
            text = "; ".join(clauses).rstrip(" ,;:")
            kept.append(text if text.endswith(".") or len(clauses) == len(sentence.split("; ")) else text + ".")
    return " ".join(kept) or message


def error_response(exc: StewardError, *, log: bool = True) -> JSONResponse:
    """The one mapping of a StewardError to a response (``log``: a server-side one is logged as a warning)."""
    if log and not isinstance(exc, ClientFault):
        logger.warning("%s: %s", exc.code, exc.message)
    headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after is not None else None
    if exc.http_status == 401:
        headers = {**(headers or {}), "WWW-Authenticate": "Bearer"}
    return JSONResponse(error_body(exc.code, http_message(exc.message)), status_code=exc.http_status,
                        headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(StewardError)
    async def _steward(_: Request, exc: StewardError) -> JSONResponse:
        return error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        parts = []
        for e in exc.errors():
            loc = ".".join(str(p) for p in e.get("loc", ()) if p != "body")
            parts.append(f"{loc}: {e.get('msg')}" if loc else str(e.get("msg")))
        return JSONResponse(error_body("invalid_input", "; ".join(parts)[:2000]), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = HTTP_CODES.get(exc.status_code, "http_error")
        return JSONResponse(error_body(code, str(exc.detail)), status_code=exc.status_code,
                            headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        logger.exception("unexpected error")
        return JSONResponse(error_body("internal_error", f"internal error ({type(exc).__name__}); see the server log"),
                            status_code=500)
