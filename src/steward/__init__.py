"""Steward: lineage and ownership graph for ML platforms.

The public surface: the graph records (:mod:`steward.graph`), the store door
(:func:`steward.store.open_store`, :class:`steward.store.GraphStore`) and the error tree
(:mod:`steward.errors`).
"""

from steward.errors import (
    BackendUnavailableError,
    ConfigError,
    InvalidInputError,
    NotFoundError,
    StewardError,
)

__version__ = "0.1.0"

__all__ = [
    "BackendUnavailableError",
    "ConfigError",
    "InvalidInputError",
    "NotFoundError",
    "StewardError",
    "__version__",
]
