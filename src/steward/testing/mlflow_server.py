"""Deprecated alias of :mod:`steward.local.mlflow_server` (``python -m steward.testing.mlflow_server`` still works)."""

from __future__ import annotations

import sys

from steward.local import mlflow_server as _impl

if __name__ == "__main__":
    raise SystemExit(_impl.main())
sys.modules[__name__] = _impl
