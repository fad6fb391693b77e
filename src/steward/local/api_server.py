"""``steward serve`` in a process of its own, on a free loopback port, as it is deployed.

For benchmarks and tests that need the API beside them without sharing their interpreter (a server
in the measuring process would share its GIL). The environment names the store and credentials.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from types import TracebackType

import httpx

from steward.local._common import free_port

__all__ = ["ServeProcess"]


class ServeProcess:
    """Start ``python -m steward.cli serve --port P`` with ``env`` and wait until ``probe`` answers 200.

    ``ready_s`` is how long that took (process start to the first 200). A server that exits or does
    not answer within ``timeout`` seconds is stopped and :class:`RuntimeError` names the end of its
    standard error (kept in a temporary file, never a pipe: a long run's log would fill a pipe and
    block the server).
    """

    def __init__(self, env: Mapping[str, str], *, probe: str = "/readyz", timeout: float = 60.0,
                 args: tuple[str, ...] = ()) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._stderr = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 - closed by stop()
        started = time.monotonic()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "steward.cli", "serve", "--port", str(self.port), *args], env=dict(env),
            stdout=subprocess.DEVNULL, stderr=self._stderr, text=True)
        deadline = started + timeout
        while True:
            try:
                if httpx.get(f"{self.url}{probe}", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                self._end()
                tail = self.stderr_tail()
                self._stderr.close()
                raise RuntimeError(f"steward serve did not become ready: {tail}")
            time.sleep(0.05)
        self.ready_s = time.monotonic() - started

    def stop(self) -> None:
        self._end()
        self._stderr.close()

    def _end(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)

    def stderr_tail(self, chars: int = 2000) -> str:
        """The end of what the server wrote to its standard error so far."""
        self._stderr.flush()
        self._stderr.seek(0)
        return self._stderr.read()[-chars:]

    def __enter__(self) -> ServeProcess:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
