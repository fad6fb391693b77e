"""The test-server tool itself: readiness, failure reporting, clean stop."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from steward.local.mlflow_server import MlflowServerError, start_mlflow_server

pytestmark = pytest.mark.mlflow


def test_a_server_not_ready_in_time_is_stopped_and_reported(tmp_path: Path) -> None:
    with pytest.raises(MlflowServerError, match="not healthy within") as caught:
        start_mlflow_server(tmp_path, timeout=0.2)
    assert isinstance(caught.value, RuntimeError)
    assert str(tmp_path / "mlflow-server.log") in caught.value.message


def test_the_session_server_is_healthy(mlflow_uri: str) -> None:
    resp = httpx.get(f"{mlflow_uri}/health", timeout=10)
    assert resp.status_code == 200
