"""A real MLflow tracking server for tests and local trials, from a dedicated virtualenv.

MLflow is large (~850 MB) and pins many packages, so it never goes into the project's own
environment: :func:`ensure_mlflow_venv` builds a separate virtualenv once (default
``~/.cache/steward/mlflow-<version>-venv``, or ``$STEWARD_MLFLOW_VENV``), guarded by a file lock
so parallel test processes install it only once, and marks it complete only after ``pip`` has
succeeded. :func:`start_mlflow_server` runs ``mlflow server`` from that venv on a free loopback
port with a SQLite backend in a work folder and waits for ``GET /health``.

Command line: ``python -m steward.local.mlflow_server install`` (prints the venv's python) and
``python -m steward.local.mlflow_server start --workdir DIR`` (serves until Ctrl-C).
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from steward.errors import BackendUnavailableError
from steward.local._common import file_lock, free_port, tail

__all__ = [
    "MLFLOW_VERSION",
    "MlflowServer",
    "MlflowServerError",
    "ensure_mlflow_venv",
    "mlflow_venv_dir",
    "start_mlflow_server",
]

logger = logging.getLogger(__name__)

#: The MLflow release the test server runs (the one SOURCES.md was checked against).
MLFLOW_VERSION = "3.17.2"
_MARKER = ".steward-mlflow-installed"
_INSTALL_TIMEOUT_S = 1800.0


class MlflowServerError(BackendUnavailableError, RuntimeError):
    """The MLflow venv could not be installed or the server did not come up."""


def mlflow_venv_dir() -> Path:
    """Where the MLflow virtualenv lives: ``$STEWARD_MLFLOW_VENV`` or the per-user cache."""
    override = os.environ.get("STEWARD_MLFLOW_VENV")
    if override:
        return Path(override).expanduser().resolve()
    return Path.home() / ".cache" / "steward" / f"mlflow-{MLFLOW_VERSION}-venv"


def _venv_python(venv: Path) -> Path:
    return venv / "bin" / "python"






def _run_logged(cmd: list[str], what: str) -> None:
    logger.info("%s: %s", what, " ".join(cmd))
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=_INSTALL_TIMEOUT_S, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise MlflowServerError(f"{what} failed: {exc}") from exc
    if done.returncode != 0:
        raise MlflowServerError(
            f"{what} failed (exit {done.returncode}); last output:\n{tail(done.stdout + done.stderr)}"
        )


def ensure_mlflow_venv() -> Path:
    """Create the MLflow virtualenv if it is not complete yet; return its python.

    Idempotent and safe across processes: the install runs under a lock, a half-built venv
    (no marker) is removed and rebuilt, and the marker is written only after ``pip`` succeeded.
    """
    venv = mlflow_venv_dir()
    marker = venv / _MARKER
    python = _venv_python(venv)
    if marker.is_file() and python.exists():
        return python
    with file_lock(venv.with_name(venv.name + ".lock")):
        if marker.is_file() and python.exists():  # another process finished while we waited
            return python
        if venv.exists():
            logger.warning("removing incomplete MLflow venv at %s", venv)
            shutil.rmtree(venv)
        logger.warning("installing mlflow==%s into %s (one time, about 1-2 minutes)", MLFLOW_VERSION, venv)
        _run_logged([sys.executable, "-m", "venv", str(venv)], "creating the MLflow virtualenv")
        _run_logged(
            [str(python), "-m", "pip", "install", "--disable-pip-version-check", "--quiet",
             f"mlflow=={MLFLOW_VERSION}"],
            f"pip install mlflow=={MLFLOW_VERSION}",
        )
        marker.write_text(f"mlflow=={MLFLOW_VERSION}\n", encoding="utf-8")
    return python




def _server_env() -> dict[str, str]:
    env = dict(os.environ)
    # No phoning home from a test server (the machines may have no internet at all).
    env.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    env.setdefault("DO_NOT_TRACK", "true")
    # MLflow 3 otherwise forks a pool of background job runners (huey) the tests never use.
    env.setdefault("MLFLOW_SERVER_ENABLE_JOB_EXECUTION", "false")
    return env


@dataclass
class MlflowServer:
    """A running ``mlflow server``; ``uri`` is its tracking URI (``http://127.0.0.1:PORT``)."""

    uri: str
    workdir: Path
    process: subprocess.Popen[bytes]
    python: Path

    @property
    def log_path(self) -> Path:
        return self.workdir / "mlflow-server.log"

    def log_tail(self, lines: int = 40) -> str:
        try:
            return tail(self.log_path.read_text(encoding="utf-8", errors="replace"), lines)
        except OSError:
            return "(no log)"

    def stop(self, timeout: float = 15.0) -> None:
        """Stop the server and every worker it forked (they share its process group)."""
        if self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=timeout)


def start_mlflow_server(workdir: Path, *, timeout: float = 90) -> MlflowServer:
    """Start ``mlflow server`` on a free loopback port with its store in ``workdir``.

    Returns once ``GET /health`` answers 200; raises :class:`MlflowServerError` (a RuntimeError)
    with the tail of the server log if it exits or is not ready within ``timeout`` seconds.
    """
    python = ensure_mlflow_venv()
    workdir = workdir.resolve()
    (workdir / "artifacts").mkdir(parents=True, exist_ok=True)
    port = free_port()
    uri = f"http://127.0.0.1:{port}"
    cmd = [
        str(python.parent / "mlflow"), "server",
        "--backend-store-uri", f"sqlite:///{workdir / 'mlflow.db'}",
        "--artifacts-destination", str(workdir / "artifacts"),
        "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
    ]
    log = (workdir / "mlflow-server.log").open("ab")
    try:
        process = subprocess.Popen(
            cmd, cwd=workdir, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            env=_server_env(), start_new_session=True,
        )
    finally:
        log.close()
    server = MlflowServer(uri=uri, workdir=workdir, process=process, python=python)
    started = time.monotonic()
    deadline = started + timeout
    with httpx.Client(timeout=2.0) as client:
        while True:
            if process.poll() is not None:
                raise MlflowServerError(
                    f"mlflow server exited with status {process.returncode} before it was ready; "
                    f"log {server.log_path}:\n{server.log_tail()}"
                )
            try:
                if client.get(f"{uri}/health").status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                server.stop()
                raise MlflowServerError(
                    f"mlflow server at {uri} was not healthy within {timeout:.0f} s; "
                    f"log {server.log_path}:\n{server.log_tail()}"
                )
            time.sleep(0.5)
    logger.info("mlflow server ready at %s after %.1f s", uri, time.monotonic() - started)
    return server


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m steward.local.mlflow_server",
        description=f"Install (once) and run a local MLflow {MLFLOW_VERSION} tracking server in its own virtualenv.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("install", help="create the MLflow virtualenv if needed and print its python")
    start = sub.add_parser("start", help="start a server and keep it running until Ctrl-C")
    start.add_argument("--workdir", type=Path, required=True, help="folder for mlflow.db, artifacts and the log")
    start.add_argument("--timeout", type=float, default=90.0, help="seconds to wait for /health (default 90)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # not one line per /health poll
    if args.command == "install":
        print(ensure_mlflow_venv())
        return 0
    server = start_mlflow_server(args.workdir, timeout=args.timeout)
    print(f"MLflow tracking server: {server.uri} (log: {server.log_path}); Ctrl-C stops it", flush=True)

    def _terminate(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    # The server runs in its own process group, so a TERM to this process must stop it explicitly.
    signal.signal(signal.SIGTERM, _terminate)
    try:
        server.process.wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
