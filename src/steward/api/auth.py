"""Who is calling the API, and whether they may.

Every request under ``/api/v1`` and every explorer page passes :class:`AuthGate` (an ASGI
middleware, outermost, so it runs before any route, body parsing or body limit) unless the server
runs with ``auth`` off (``steward serve --no-auth``, loopback only):

- credentials: ``Authorization: Bearer <token>`` (an API token, see
  :mod:`steward.governance.tokens`, or ``STEWARD_API_TOKEN``, a producer credential), else the
  explorer's session cookie (:mod:`steward.api.sessions`). Missing, malformed, unknown, expired or
  revoked: 401 with ``WWW-Authenticate: Bearer``. Explorer pages redirect to ``/login`` instead.
- role: each route's need is discoverable from the route itself: a ``Depends(require("editor"))``
  (as a parameter or in ``dependencies=``) declares it, ``Depends(public)`` makes a route open;
  a route that declares nothing needs ``viewer`` for GET/HEAD and ``editor`` for any other method
  (so a route added later is protected even if it forgets). 403 when the caller's role falls
  short. The OpenAPI document states each operation's need as ``x-steward-role``.
- CSRF: a change (any method but GET/HEAD/OPTIONS) made with the session cookie must carry the
  session's ``X-CSRF-Token`` and, when the browser sends one, a same-origin ``Origin``
  (403 otherwise). Requests with a bearer token need neither: a browser never adds one by itself.

A refused request never reaches its route, so it changes nothing. Health probes (``/livez``,
``/readyz``), the OpenAPI document and ``/docs`` stay open: they carry no data.
"""

from __future__ import annotations

import hmac
import urllib.parse
from collections.abc import Callable, Coroutine, Iterable, Iterator
from http.cookies import SimpleCookie
from typing import Annotated, Any

import fastapi.routing
from fastapi import Depends, FastAPI, Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from starlette.datastructures import Headers
from starlette.responses import RedirectResponse
from starlette.routing import Match
from starlette.types import ASGIApp, Receive, Scope, Send

from steward.api.errors import error_response
from steward.api.sessions import COOKIE, CSRF_HEADER, Sessions
from steward.errors import ForbiddenError, StewardError, UnauthorizedError
from steward.governance.principal import Principal, Role
from steward.governance.tokens import check_token, principal_for_id

__all__ = [
    "ANONYMOUS",
    "API_PREFIX",
    "PUBLIC",
    "AuthGate",
    "PrincipalDep",
    "api_routes",
    "cookie_value",
    "current_principal",
    "install_auth",
    "public",
    "require",
    "route_need",
    "same_origin",
]

API_PREFIX = "/api/v1"
PUBLIC = "public"
ROLE_ATTR = "__steward_role__"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: The caller when the server runs with ``--no-auth`` (loopback only).
ANONYMOUS = Principal(actor="anonymous", role="admin")
#: The principal ``STEWARD_API_TOKEN`` stands for: a producer (it may only POST lineage).
ENV_PRODUCER = Principal(actor="env:STEWARD_API_TOKEN", role="producer")
#: Explorer paths that are not pages behind the log-in.
LOGIN_PAGE = "/login"


async def current_principal(request: Request) -> Principal:
    """The authenticated caller, as :class:`AuthGate` found it."""
    found = getattr(request.state, "principal", None)
    if isinstance(found, Principal):
        return found
    if not request.app.state.settings.auth:
        return ANONYMOUS
    # Only reached by a route the gate does not cover (outside /api/v1): fail closed.
    raise UnauthorizedError("a valid 'Authorization: Bearer <token>' is required")


PrincipalDep = Annotated[Principal, Depends(current_principal)]


def require(role: Role) -> Callable[..., Coroutine[Any, Any, Principal]]:
    """A dependency: the caller, who must hold ``role`` (403 otherwise). It also marks the route,
    so the gate and the OpenAPI document (``x-steward-role``) know what the route needs."""

    async def dependency(principal: PrincipalDep) -> Principal:
        if not principal.may(role):
            raise ForbiddenError(f"role {principal.role} may not do this (needs {role})")
        return principal

    setattr(dependency, ROLE_ATTR, role)
    dependency.__name__ = f"require_{role}"
    return dependency


async def public() -> None:
    """A dependency that marks a route as open to anyone (the log-in itself)."""


setattr(public, ROLE_ATTR, PUBLIC)


def _declared(dependant: Dependant) -> Iterable[str]:
    for dep in dependant.dependencies:
        role = getattr(dep.call, ROLE_ATTR, None)
        if isinstance(role, str):
            yield role
        yield from _declared(dep)


def api_routes(app: FastAPI) -> Iterator[tuple[APIRoute, Any]]:
    """Every APIRoute of the app with its effective view (full path, the include's dependencies):
    FastAPI's route contexts where it has them (routers included lazily), else the routes as they are."""
    contexts = getattr(fastapi.routing, "iter_route_contexts", None)
    if contexts is None:
        for route in app.routes:
            if isinstance(route, APIRoute):
                yield route, route
        return
    for context in contexts(app.routes):
        if isinstance(context.original_route, APIRoute):
            yield context.original_route, context


def route_need(route: Any, method: str) -> frozenset[str]:
    """What a route needs: the roles it declares (``public`` for an open route), else ``viewer`` for
    a read and ``editor`` for a change. ``route`` is an APIRoute or, for a route of an included
    router, its :class:`fastapi.routing.RouteContext` (whose dependant has the include's too)."""
    dependant = getattr(route, "dependant", None)
    declared = frozenset(_declared(dependant)) if isinstance(dependant, Dependant) else frozenset()
    if PUBLIC in declared:
        return frozenset({PUBLIC})
    if declared:
        return declared
    return frozenset({"viewer" if method.upper() in SAFE_METHODS else "editor"})


def need_label(need: frozenset[str]) -> str:
    return "+".join(sorted(need))


def _is_page(path: str) -> bool:
    from steward.api.explorer_static import PAGES

    if path == "/":
        return True
    head = path.lstrip("/").split("/", 1)[0]
    return head in PAGES


def same_origin(headers: Headers) -> bool:
    """The browser's ``Origin`` (when it sends one) names this server; ``Sec-Fetch-Site`` (when sent) too."""
    origin = headers.get("origin")
    if origin is not None:
        host = headers.get("host", "")
        parsed = urllib.parse.urlsplit(origin)
        if origin == "null" or not parsed.netloc or parsed.netloc.lower() != host.lower():
            return False
    site = headers.get("sec-fetch-site")
    return site is None or site in ("same-origin", "none")


def cookie_value(headers: Headers, name: str) -> str | None:
    raw = headers.get("cookie")
    if not raw:
        return None
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(raw)
    except Exception:  # a malformed Cookie header is no session
        return None
    morsel = jar.get(name)
    return morsel.value if morsel is not None else None


class AuthGate:
    """The ASGI middleware described in the module doc. Reads ``scope["app"]`` for its settings,
    store holder, sessions and routes."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._needs: dict[tuple[int, str], frozenset[str]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        api = path == API_PREFIX or path.startswith(API_PREFIX + "/")
        page = not api and _is_page(path)
        fastapi_app: FastAPI = scope["app"]
        if not (api or page) or not fastapi_app.state.settings.auth:
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        method: str = scope["method"]
        try:
            need = self._need(fastapi_app, scope) if api else frozenset({"viewer"})
            if PUBLIC in need:
                await self.app(scope, receive, send)
                return
            principal, by_cookie = await self._authenticate(fastapi_app, headers)
            if by_cookie and method not in SAFE_METHODS:
                session = fastapi_app.state.sessions.get(cookie_value(headers, COOKIE))
                given = headers.get(CSRF_HEADER, "")
                if session is None or not hmac.compare_digest(given.encode(), session.csrf.encode()):
                    raise ForbiddenError("a change made with the session cookie needs its X-CSRF-Token header")
                if not same_origin(headers):
                    raise ForbiddenError("cross-origin change refused (Origin does not match this server)")
            missing = [r for r in sorted(need) if not principal.may(r)]  # type: ignore[arg-type]
            if missing:
                raise ForbiddenError(f"role {principal.role} may not do this (needs {missing[0]})")
        except UnauthorizedError as exc:
            if page:
                raw = scope.get("raw_path")  # as sent: an id stays one encoded segment
                target = raw.decode("latin-1") if isinstance(raw, bytes) else path
                if scope.get("query_string"):
                    target += "?" + scope["query_string"].decode("latin-1")
                url = f"{LOGIN_PAGE}?{urllib.parse.urlencode({'next': target})}"
                await RedirectResponse(url, status_code=303, headers={"Cache-Control": "no-store"})(
                    scope, receive, send)
                return
            await error_response(exc)(scope, receive, send)
            return
        except StewardError as exc:
            await error_response(exc)(scope, receive, send)
            return
        scope.setdefault("state", {})["principal"] = principal
        await self.app(scope, receive, send)

    def _need(self, fastapi_app: FastAPI, scope: Scope) -> frozenset[str]:
        method = scope["method"]
        for original, route in api_routes(fastapi_app):
            match, _ = route.matches(scope)
            if match == Match.FULL:
                key = (id(original), method)
                if key not in self._needs:
                    self._needs[key] = route_need(route, method)
                return self._needs[key]
        # No such route (404) or method (405): still only for an authenticated reader to learn.
        return frozenset({"viewer"})

    async def _authenticate(self, fastapi_app: FastAPI, headers: Headers) -> tuple[Principal, bool]:
        """The caller and whether they came with the session cookie; UnauthorizedError if no one valid."""
        holder = fastapi_app.state.store_holder
        authorization = headers.get("authorization")
        if authorization is not None:
            scheme, _, given = authorization.partition(" ")
            given = given.strip()
            if scheme.lower() != "bearer" or not given:
                raise UnauthorizedError("a valid 'Authorization: Bearer <token>' is required")
            env = fastapi_app.state.settings.api_token
            if env is not None and env.get_secret_value() and hmac.compare_digest(
                    given.encode("utf-8", "surrogatepass"), env.get_secret_value().encode("utf-8", "surrogatepass")):
                return ENV_PRODUCER, False
            check = await holder.run(lambda store: check_token(store, given))
            if check.principal is None:
                raise UnauthorizedError(f"the bearer token is not valid ({check.reason})")
            return check.principal, False
        sessions: Sessions = fastapi_app.state.sessions
        session_id = cookie_value(headers, COOKIE)
        session = sessions.get(session_id)
        if session is None:
            raise UnauthorizedError("a valid 'Authorization: Bearer <token>' (or a log-in session) is required")
        token_id = session.token_id
        principal = await holder.run(lambda store: principal_for_id(store, token_id))
        if principal is None:
            sessions.drop_token(token_id)
            raise UnauthorizedError("the session's token has expired or was revoked; log in again")
        return principal, True


def install_auth(app: FastAPI) -> None:
    """Add the gate (call it after every other middleware, so it runs first), the session store, and
    the OpenAPI document's ``x-steward-role`` per operation and its security schemes."""
    app.state.sessions = Sessions()
    app.add_middleware(AuthGate)
    plain_openapi = app.openapi

    def openapi() -> dict[str, Any]:
        schema = plain_openapi()  # cached by FastAPI (rebuilt when routes change); decorated each time
        schema.setdefault("components", {}).setdefault("securitySchemes", {}).update({
            "bearer": {"type": "http", "scheme": "bearer",
                       "description": "An API token (`steward token create`), or STEWARD_API_TOKEN (producer)"},
            "session": {"type": "apiKey", "in": "cookie", "name": COOKIE,
                        "description": "The explorer's log-in session (changes also need X-CSRF-Token)"},
        })
        has_error_body = "ErrorBody" in schema["components"].get("schemas", {})
        error_content: dict[str, Any] = {"content": {"application/json": {"schema": {
            "$ref": "#/components/schemas/ErrorBody"}}}} if has_error_body else {}
        for _, route in api_routes(app):
            path = route.path_format
            if not route.include_in_schema or path is None:
                continue
            api = path == API_PREFIX or path.startswith(API_PREFIX + "/")
            for method in sorted(route.methods or ()):
                op = schema.get("paths", {}).get(path, {}).get(method.lower())
                if op is None:
                    continue
                need = route_need(route, method) if api else frozenset({PUBLIC})
                op["x-steward-role"] = need_label(need)
                if PUBLIC not in need:
                    op["security"] = [{"bearer": []}, {"session": []}]
                    responses = op.setdefault("responses", {})
                    for status, text in (("401", "No valid credentials (missing, unknown, expired or revoked token)"),
                                         ("403", "The caller's role may not do this")):
                        responses.setdefault(status, {"description": text, **error_content})
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
