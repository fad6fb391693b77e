"""The HTTP API: ``create_app(settings)`` builds a FastAPI app; nothing is global."""

from steward.api.app import create_app

__all__ = ["create_app"]
