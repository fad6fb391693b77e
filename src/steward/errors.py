"""The exception tree, written down once.

    StewardError                  root; ``code`` names it in JSON errors, ``exit_code`` is the CLI status
    ├── ConfigError               bad settings, recipe, store URI or a missing optional dependency
    ├── NotFoundError             an id or a file that does not exist
    ├── InvalidInputError         input that cannot be accepted (malformed event, bad id, refused query)
    ├── BackendUnavailableError   the store (or a source system) cannot be reached
    └── SafetyLimitError          an operation refused because it would remove too much

Lower-level exceptions (driver, sqlite, HTTP) are translated once at the boundary with
``raise ... from exc``; the CLI maps ``exit_code`` and the HTTP API maps ``http_status``.
"""

from __future__ import annotations

__all__ = [
    "BackendUnavailableError",
    "ConfigError",
    "InvalidInputError",
    "NotFoundError",
    "SafetyLimitError",
    "StewardError",
]


class StewardError(Exception):
    """Root of every error Steward raises on purpose."""

    code = "steward_error"
    http_status = 500
    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ConfigError(StewardError):
    code = "config_error"
    http_status = 400
    exit_code = 3


class NotFoundError(StewardError):
    code = "not_found"
    http_status = 404
    exit_code = 4


class InvalidInputError(StewardError):
    code = "invalid_input"
    http_status = 422
    exit_code = 5


class BackendUnavailableError(StewardError):
    code = "backend_unavailable"
    http_status = 503
    exit_code = 6


class SafetyLimitError(StewardError):
    code = "safety_limit"
    http_status = 409
    exit_code = 7
