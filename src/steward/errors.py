"""The exception tree, written down once, with its HTTP status and CLI exit code per class.

    StewardError                     500  exit 1  steward_error: a fault of Steward itself (a bug, its own
    │                                              statement refused by the store)
    ├── ClientFault                  400  exit 5  bad_request: the caller's request is at fault (4xx)
    │   ├── InvalidInputError        422  exit 5  invalid_input: input that cannot be accepted
    │   │   ├── QueryRefusedError    403  exit 5  query_refused: an analyst query the gate does not allow
    │   │   ├── QueryTimeoutError    422  exit 5  query_timeout: an analyst query ran over its timeout
    │   │   ├── PayloadTooLargeError 413  exit 5  too_large: a body over its size or nesting limit
    │   │   └── UnsupportedMediaTypeError 415 exit 5 unsupported_media_type
    │   ├── NotFoundError            404  exit 4  not_found
    │   ├── UnauthorizedError        401  exit 5  unauthorized: no valid bearer token
    │   ├── ForbiddenError           403  exit 5  forbidden
    │   ├── ConflictError            409  exit 5  conflict: the target is not in a state that allows it
    │   │                                          (e.g. deciding a change request already decided)
    │   ├── TooManyRequestsError     429  exit 5  too_many_requests: a bounded pool is full
    │   └── UnsupportedError         400  exit 3  unsupported: this store cannot do that (e.g. Cypher on the
    │                                              embedded store); also a ConfigError
    ├── ConfigError                  500  exit 3  config_error: bad settings, recipe, store URI, credentials, a
    │                                              missing optional dependency (on a server: its own config)
    ├── BackendUnavailableError      503  exit 6  backend_unavailable: a source system cannot be reached
    │   └── StoreUnavailableError    503  exit 6  store_unavailable: the store is down, frozen or damaged
    └── SafetyLimitError             409  exit 7  safety_limit: refused because it would remove too much

Lower-level exceptions (driver, sqlite, HTTP) are translated once at the boundary with
``raise ... from exc``; the CLI maps ``exit_code`` and the HTTP API maps ``http_status``; nothing
else decides a status. ``retry_after`` (seconds) is sent as ``Retry-After`` on 429 and 503.
"""

from __future__ import annotations

__all__ = [
    "BackendUnavailableError",
    "ClientFault",
    "ConfigError",
    "ConflictError",
    "ForbiddenError",
    "InvalidInputError",
    "NotFoundError",
    "PayloadTooLargeError",
    "QueryRefusedError",
    "QueryTimeoutError",
    "SafetyLimitError",
    "StartingError",
    "StewardError",
    "StoreUnavailableError",
    "TooManyRequestsError",
    "UnauthorizedError",
    "UnsupportedError",
    "UnsupportedMediaTypeError",
]


class StewardError(Exception):
    """Root of every error Steward raises on purpose. Raised as is, it is Steward's own fault (500)."""

    code = "steward_error"
    http_status = 500
    exit_code = 1
    retry_after: int | None = None

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ClientFault(StewardError):
    """The caller's request is at fault: always a 4xx, never logged as a server fault."""

    code = "bad_request"
    http_status = 400
    exit_code = 5


class InvalidInputError(ClientFault):
    code = "invalid_input"
    http_status = 422
    exit_code = 5


class QueryRefusedError(InvalidInputError):
    """An analyst Cypher query that is not on the allow-list (writes, LOAD CSV, procedures, admin...)."""

    code = "query_refused"
    http_status = 403


class QueryTimeoutError(InvalidInputError):
    """An analyst query that ran over its timeout and was stopped (the query is too heavy, not the server)."""

    code = "query_timeout"
    http_status = 422


class PayloadTooLargeError(InvalidInputError):
    code = "too_large"
    http_status = 413


class UnsupportedMediaTypeError(InvalidInputError):
    code = "unsupported_media_type"
    http_status = 415


class NotFoundError(ClientFault):
    code = "not_found"
    http_status = 404
    exit_code = 4


class UnauthorizedError(ClientFault):
    code = "unauthorized"
    http_status = 401


class ForbiddenError(ClientFault):
    code = "forbidden"
    http_status = 403


class ConflictError(ClientFault):
    """The target's current state does not allow it (a change request already decided)."""

    code = "conflict"
    http_status = 409


class TooManyRequestsError(ClientFault):
    code = "too_many_requests"
    http_status = 429
    retry_after = 1


class ConfigError(StewardError):
    """A configuration fault: the CLI user's (exit 3) or, behind the HTTP API, the server's own (500)."""

    code = "config_error"
    http_status = 500
    exit_code = 3


class UnsupportedError(ConfigError, ClientFault):
    """The configured store cannot do what was asked (e.g. Cypher on the embedded store)."""

    code = "unsupported"
    http_status = 400
    exit_code = 3


class BackendUnavailableError(StewardError):
    code = "backend_unavailable"
    http_status = 503
    exit_code = 6
    retry_after = 5


class StoreUnavailableError(BackendUnavailableError):
    """The graph store is down, frozen, refusing work or damaged."""

    code = "store_unavailable"


class StartingError(BackendUnavailableError):
    """The service is up but still reading what its answers reuse (``steward serve``'s start-up warm-up):
    ``/readyz`` says so until it is done; the routes answer meanwhile, slower."""

    code = "starting"
    retry_after = 1


class SafetyLimitError(StewardError):
    code = "safety_limit"
    http_status = 409
    exit_code = 7
