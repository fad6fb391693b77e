"""A real Neo4j Community 5.26 (LTS) server for tests and local trials, without Docker.

:func:`acquire_neo4j` hands out a server, trying in this order:

1. ``env``: ``$STEWARD_TEST_NEO4J_URI`` (with ``$STEWARD_TEST_NEO4J_USER``, default ``neo4j``, and
   ``$STEWARD_TEST_NEO4J_PASSWORD``) names a server someone else runs; ``stop()`` leaves it alone.
2. ``docker``: a ``neo4j:5.26-community`` container through testcontainers, only when a Docker
   engine answers a ``/_ping`` (checked in milliseconds; no socket means no attempt at all).
3. ``local``: a Neo4j server JVM assembled from Maven Central (needs ``java`` 17+ and ``mvn``).

The local route, and why it is this one: the plain ``org.neo4j:neo4j`` artifact (the Community
DBMS) already carries the server entry point ``org.neo4j.server.CommunityEntryPoint`` (the class
the ``neo4j console`` script runs) and, through ``org.neo4j:neo4j-command-line``, the admin tool
``org.neo4j.cli.AdminTool`` (what ``neo4j-admin`` finally runs). So ``mvn dependency:copy-dependencies``
of that one artifact (runtime scope, ~210 jars, ~125 MB) gives a complete server: no tarball, no
``neo4j-harness``, no Java code of our own. :func:`fetch_neo4j` does that once into a cache folder
(``$STEWARD_CACHE_DIR/neo4j-<version>`` or ``~/.cache/steward/neo4j-<version>``) under a file lock,
and writes a marker only after Maven succeeded, so an interrupted download is redone.
:func:`start_local_neo4j` makes a fresh home folder (``conf/neo4j.conf``, ``data/``, ``logs/``,
``plugins/``, ``run/``, ``import/``), sets the initial password with ``AdminTool dbms
set-initial-password``, starts ``java ... CommunityEntryPoint --home-dir=... --config-dir=...`` in its
own process group with Bolt on a free loopback port (HTTP/HTTPS off, auth on, small heap and page
cache), and waits until the Python driver can log in and run ``RETURN 1``.

Command line (``python -m steward.local.neo4j_server --help``)::

    python -m steward.local.neo4j_server fetch               # download once, print the cache dir
    eval "$(python -m steward.local.neo4j_server start --env)"   # start, export STEWARD_TEST_NEO4J_*
    python -m steward.local.neo4j_server stop --home "$STEWARD_TEST_NEO4J_HOME"
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import importlib
import logging
import os
import re
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, cast
from urllib.parse import urlsplit

from steward.errors import BackendUnavailableError
from steward.local._common import file_lock, free_port, tail

__all__ = [
    "ADMIN_TOOL_CLASS",
    "DOCKER_IMAGE",
    "GC_FLAGS",
    "JVM_ARGS",
    "NEO4J_VERSION",
    "SERVER_ENTRY_CLASS",
    "Neo4jServer",
    "Neo4jServerError",
    "acquire_neo4j",
    "docker_engine_answers",
    "fetch_neo4j",
    "neo4j_cache_dir",
    "start_local_neo4j",
    "stop_detached",
]

logger = logging.getLogger(__name__)

#: Newest 5.26.x (LTS, runs on Java 17 and 21) that Maven Central served when this was written.
NEO4J_VERSION = "5.26.30"
#: The image the Docker route runs.
DOCKER_IMAGE = "neo4j:5.26-community"
#: Main class of the server JVM (in ``org.neo4j:neo4j``).
SERVER_ENTRY_CLASS = "org.neo4j.server.CommunityEntryPoint"
#: Main class of ``neo4j-admin`` (in ``org.neo4j:neo4j-command-line``).
ADMIN_TOOL_CLASS = "org.neo4j.cli.AdminTool"

_DEPENDENCY_PLUGIN = "org.apache.maven.plugins:maven-dependency-plugin:3.8.1"
_MARKER = ".steward-neo4j-complete"
_HOME_MARKER = ".steward-neo4j-home"
_PID_FILE = "run/steward-neo4j.pid"
_LOG_FILE = "neo4j-console.log"
_FETCH_TIMEOUT_S = 1800.0
_STOP_TIMEOUT_S = 20.0
_DEFAULT_USER = "neo4j"

#: JVM flags: a small heap for a 2-core test box, plus the module opens Neo4j's own scripts pass.
JVM_ARGS: tuple[str, ...] = (
    "-Xms256m",
    "-Xmx768m",
    "-XX:+UseSerialGC",
    "-XX:+ExitOnOutOfMemoryError",
    "-XX:-OmitStackTraceInFastThrow",
    "-XX:+DisableExplicitGC",
    "-Djdk.nio.maxCachedBufferSize=1024",
    "-Dio.netty.tryReflectionSetAccessible=true",
    "-Dlog4j2.disable.jmx=true",
    "-Dfile.encoding=UTF-8",
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "--enable-native-access=ALL-UNNAMED",
)

_POM_TEMPLATE = """<?xml version="1.0" encoding="UTF-8"?>
<!-- Written by steward.local.neo4j_server: resolves the Neo4j Community server jars. -->
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>steward.testing</groupId>
  <artifactId>neo4j-server-jars</artifactId>
  <version>{version}</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.neo4j</groupId>
      <artifactId>neo4j</artifactId>
      <version>{version}</version>
    </dependency>
  </dependencies>
</project>
"""

_CONF_TEMPLATE = """# Written by steward.local.neo4j_server for a throwaway test server.
server.default_listen_address=127.0.0.1
server.default_advertised_address=127.0.0.1
server.bolt.enabled=true
server.bolt.listen_address=127.0.0.1:{port}
server.bolt.advertised_address=127.0.0.1:{port}
server.bolt.tls_level=DISABLED
server.http.enabled=false
server.https.enabled=false
dbms.security.auth_enabled=true
dbms.security.auth_minimum_password_length=1
server.memory.pagecache.size={pagecache}
dbms.memory.transaction.total.max=512m
dbms.usage_report.enabled=false
db.tx_log.preallocate=false
db.tx_log.rotation.retention_policy=2 files
db.logs.query.enabled=OFF
# Stop in ~0.5 s instead of ~10 s (the Bolt server otherwise waits 5 s twice at shutdown).
internal.server.bolt.connection_shutdown_wait_time=0s
internal.server.bolt.thread_pool_shutdown_wait_time=0s
# Configured safe (defence in depth behind Steward's analyst-query gate; see the README's security model):
# LOAD CSV reads no file URLs, and only from the (empty) import folder;
dbms.security.allow_csv_import_from_file_urls=false
server.directories.import=import
# only schema-introspection procedures exist (and those the driver needs to route);
dbms.security.procedures.allowlist={procedures}
# no transaction runs for ever or takes the heap;
db.transaction.timeout={tx_timeout}
db.memory.transaction.max=384m
# Bolt keep-alives during every request, so a client notices a frozen server within seconds.
server.bolt.connection_keep_alive=2s
server.bolt.connection_keep_alive_for_requests=ALL
server.bolt.connection_keep_alive_streaming_scheduling_interval=1s
"""
#: The procedures the test server loads (``dbms.security.procedures.allowlist``).
PROCEDURE_ALLOWLIST = "db.labels,db.relationshipTypes,db.propertyKeys,db.schema.*,dbms.components,dbms.routing.*"
#: ``db.transaction.timeout`` of the test server: generous, as the benchmarks write large batches.
TRANSACTION_TIMEOUT = "300s"
_PASSWORD_FILE = "run/steward-neo4j.password"


class Neo4jServerError(BackendUnavailableError, RuntimeError):
    """No Neo4j server could be had; the message says exactly why."""


class _Container(Protocol):
    """The part of testcontainers' ``Neo4jContainer`` this module uses."""

    username: str
    password: str

    def start(self) -> object: ...

    def stop(self) -> None: ...

    def get_connection_url(self) -> str: ...


# Servers started by this process and not detached: stopped at interpreter exit.
_LIVE: set[Neo4jServer] = set()
_LIVE_LOCK = threading.Lock()


@dataclass(eq=False)
class Neo4jServer:
    """A Neo4j server to talk Bolt to. ``how`` is ``"env"``, ``"docker"`` or ``"local"``."""

    uri: str
    user: str
    password: str
    how: str
    start_seconds: float
    home: Path | None = None
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    _on_stop: Callable[[], None] | None = field(default=None, repr=False)
    _stopped: bool = field(default=False, repr=False)

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    @property
    def log_path(self) -> Path | None:
        return self.home / _LOG_FILE if self.home is not None else None

    def log_tail(self, lines: int = 40) -> str:
        """The end of the server's console output and ``logs/neo4j.log`` (local servers only)."""
        if self.home is None:
            return "(no log)"
        return _home_log_tail(self.home, lines)

    def detach(self) -> None:
        """Leave the server running when this Python process exits (the CLI ``start`` does this)."""
        with _LIVE_LOCK:
            _LIVE.discard(self)

    def stop(self, timeout: float = _STOP_TIMEOUT_S) -> None:
        """Stop the server; idempotent. Does nothing for ``env`` servers.

        Local: SIGTERM to the server's process group, SIGKILL after ``timeout`` seconds, wait for
        it, then remove the temporary home folder. Docker: stop the container.
        """
        if self._stopped:
            return
        self._stopped = True
        self.detach()
        if self._on_stop is not None:
            try:
                self._on_stop()
            except Exception as exc:  # a failing container stop must not mask the test result
                logger.warning("stopping the Neo4j container failed: %s", exc)
        if self.process is not None:
            _terminate_group(self.process, timeout)
        if self.how == "local" and self.home is not None:
            shutil.rmtree(self.home, ignore_errors=True)


def _terminate_group(process: subprocess.Popen[bytes], timeout: float) -> None:
    pgid = process.pid  # started with start_new_session=True, so pid == pgid
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pgid, signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            logger.warning("Neo4j (pid %d) did not stop within %.0f s; killing it", pgid, timeout)
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pgid, signal.SIGKILL)
            process.wait(timeout=timeout)
    # Anything the JVM may have forked and left behind in its group.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


@atexit.register
def _stop_live_servers() -> None:
    with _LIVE_LOCK:
        live = list(_LIVE)
    for server in live:
        with contextlib.suppress(Exception):
            server.stop(timeout=10.0)


# --------------------------------------------------------------------------------------------
# helpers




def _read_tail(path: Path, lines: int) -> str:
    try:
        return tail(path.read_text(encoding="utf-8", errors="replace"), lines)
    except OSError:
        return ""


def _home_log_tail(home: Path, lines: int = 40) -> str:
    parts = []
    for path in (home / _LOG_FILE, home / "logs" / "neo4j.log"):
        text = _read_tail(path, lines)
        if text.strip():
            parts.append(f"--- {path.name} ---\n{text}")
    return "\n".join(parts) if parts else "(no log output)"




def _port_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(0.5)
        return s.connect_ex((host, port)) == 0


def _check_login(uri: str, user: str, password: str, timeout: float = 5.0) -> None:
    """Log in and run ``RETURN 1``; raises the driver's exception if that fails."""
    from neo4j import GraphDatabase

    with GraphDatabase.driver(uri, auth=(user, password), connection_timeout=timeout,
                              max_connection_pool_size=1) as driver:
        driver.verify_connectivity()
        records, _, _ = driver.execute_query("RETURN 1 AS one")
        if not records or records[0]["one"] != 1:
            raise RuntimeError("RETURN 1 gave no 1")


def _wait_ready(
    uri: str, user: str, password: str, timeout: float, *, started: float,
    process: subprocess.Popen[bytes] | None = None, port: int | None = None,
) -> str | None:
    """Poll until a login works; returns None when ready, else a sentence saying why not."""
    from neo4j.exceptions import AuthError

    deadline = started + timeout
    last = "no attempt"
    while True:
        if process is not None and process.poll() is not None:
            return f"the server exited with status {process.returncode} before it answered on {uri}"
        if port is None or _port_open(port):
            try:
                _check_login(uri, user, password)
                return None
            except AuthError as exc:  # the server is up but refuses us: waiting will not help
                return f"{uri} refused the login for user {user!r}: {exc}"
            except Exception as exc:
                last = f"{type(exc).__name__}: {exc}"
        else:
            last = "Bolt port not open yet"
        if time.monotonic() > deadline:
            return f"server did not answer on {uri} within {timeout:.0f}s (last error: {last})"
        time.sleep(0.25)


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


# --------------------------------------------------------------------------------------------
# fetch (Maven Central)


def neo4j_cache_dir() -> Path:
    """``$STEWARD_CACHE_DIR/neo4j-<version>``, else ``~/.cache/steward/neo4j-<version>``."""
    base = os.environ.get("STEWARD_CACHE_DIR")
    root = Path(base).expanduser() if base else Path.home() / ".cache" / "steward"
    return (root / f"neo4j-{NEO4J_VERSION}").resolve()




def _cache_complete(cache: Path) -> bool:
    return (cache / _MARKER).is_file() and (cache / "lib" / f"neo4j-{NEO4J_VERSION}.jar").is_file()


def fetch_neo4j(cache_dir: Path | None = None) -> Path:
    """Make sure the server jars are in ``cache_dir/lib`` (downloading them once); return ``cache_dir``.

    Safe across processes (file lock) and against interruption (the marker is written last).
    Raises :class:`Neo4jServerError` if ``mvn`` is missing or fails.
    """
    cache = (cache_dir or neo4j_cache_dir()).expanduser().resolve()
    if _cache_complete(cache):
        return cache
    with file_lock(cache.with_name(cache.name + ".lock")):
        if _cache_complete(cache):  # another process finished while we waited
            return cache
        mvn = os.environ.get("STEWARD_MVN") or shutil.which("mvn")
        if not mvn:
            raise Neo4jServerError("mvn not found (Maven is needed once, to fetch the Neo4j jars)")
        lib = cache / "lib"
        (cache / _MARKER).unlink(missing_ok=True)
        shutil.rmtree(lib, ignore_errors=True)
        cache.mkdir(parents=True, exist_ok=True)
        (cache / "pom.xml").write_text(_POM_TEMPLATE.format(version=NEO4J_VERSION), encoding="utf-8")
        cmd = [
            mvn, "-q", "-B", "-f", str(cache / "pom.xml"),
            f"{_DEPENDENCY_PLUGIN}:copy-dependencies",
            f"-DoutputDirectory={lib}", "-DincludeScope=runtime",
        ]
        logger.warning("fetching Neo4j %s jars from Maven Central into %s (one time, about 1-2 minutes)",
                       NEO4J_VERSION, cache)
        started = time.monotonic()
        try:
            done = subprocess.run(cmd, cwd=cache, capture_output=True, text=True, timeout=_FETCH_TIMEOUT_S,
                                  check=False, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired as exc:
            raise Neo4jServerError(f"maven failed: no result within {_FETCH_TIMEOUT_S:.0f} s") from exc
        except OSError as exc:
            raise Neo4jServerError(f"maven failed: {exc}") from exc
        if done.returncode != 0:
            raise Neo4jServerError(
                f"maven failed (exit {done.returncode}): {' '.join(cmd)}\n{tail(done.stdout + done.stderr)}"
            )
        jars = sorted(p.name for p in lib.glob("*.jar"))
        if f"neo4j-{NEO4J_VERSION}.jar" not in jars:
            raise Neo4jServerError(f"maven failed: neo4j-{NEO4J_VERSION}.jar is not in {lib} after the copy")
        (cache / _MARKER).write_text(f"org.neo4j:neo4j:{NEO4J_VERSION}\n" + "\n".join(jars) + "\n",
                                     encoding="utf-8")
        logger.warning("fetched %d jars in %.0f s", len(jars), time.monotonic() - started)
    return cache


# --------------------------------------------------------------------------------------------
# local server


def _find_java() -> str:
    """``$STEWARD_NEO4J_JAVA``, else ``$JAVA_HOME/bin/java``, else ``java`` on PATH; must be 17+."""
    candidate = os.environ.get("STEWARD_NEO4J_JAVA")
    if not candidate:
        java_home = os.environ.get("JAVA_HOME")
        if java_home and (Path(java_home) / "bin" / "java").is_file():
            candidate = str(Path(java_home) / "bin" / "java")
    if not candidate:
        candidate = shutil.which("java")
    if not candidate:
        raise Neo4jServerError("java not found (Neo4j 5.26 needs Java 17 or 21 on PATH or in $JAVA_HOME)")
    try:
        done = subprocess.run([candidate, "-version"], capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise Neo4jServerError(f"java not usable ({candidate}): {exc}") from exc
    match = re.search(r'version "(\d+)(?:\.(\d+))?', done.stderr + done.stdout)
    if not match:
        raise Neo4jServerError(f"java not usable ({candidate}): cannot read its version from {done.stderr!r}")
    major = int(match.group(1))
    if major == 1 and match.group(2):
        major = int(match.group(2))
    if major < 17:
        raise Neo4jServerError(f"java {major} found at {candidate}, but Neo4j {NEO4J_VERSION} needs Java 17 or 21")
    if major not in (17, 21):
        logger.warning("java %d at %s: Neo4j %s supports Java 17 and 21; trying anyway", major, candidate,
                       NEO4J_VERSION)
    return candidate


def _memory_setting(name: str, default: str) -> str:
    """A memory size for the local server from the environment (``STEWARD_NEO4J_HEAP``, default 768m;
    ``STEWARD_NEO4J_PAGECACHE``, default 128m: a small test box), e.g. ``2g`` for a benchmark that
    sizes the server for its store as production would."""
    value = os.environ.get(name, "").strip().lower() or default
    if not re.fullmatch(r"[1-9][0-9]*[kmg]", value):
        raise Neo4jServerError(f"{name}={value!r} is not a memory size such as 512m or 2g")
    return value


#: ``STEWARD_NEO4J_GC``: the local server's garbage collector. ``serial`` (the default) keeps a
#: throwaway test server small; ``g1`` is what Neo4j's own packaging runs; ``parallel`` is the JVM's
#: throughput collector. On the 2-core benchmark box the parallel one wrote Steward's ingest 3-17%
#: faster than the serial one, and bare UNWIND MERGE/CREATE 13-27% (benchmarks/results/neo4j-ingest-*.md).
GC_FLAGS: dict[str, str] = {"serial": "-XX:+UseSerialGC", "g1": "-XX:+UseG1GC", "parallel": "-XX:+UseParallelGC"}


def _gc_setting() -> str:
    """The local server's collector from ``STEWARD_NEO4J_GC`` (one of :data:`GC_FLAGS`; default serial)."""
    value = os.environ.get("STEWARD_NEO4J_GC", "").strip().lower() or "serial"
    if value not in GC_FLAGS:
        raise Neo4jServerError(f"STEWARD_NEO4J_GC={value!r} is not one of {', '.join(sorted(GC_FLAGS))}")
    return value


def _jvm_args() -> list[str]:
    """:data:`JVM_ARGS` with the heap (``STEWARD_NEO4J_HEAP``) and collector (``STEWARD_NEO4J_GC``) set."""
    heap, gc = _memory_setting("STEWARD_NEO4J_HEAP", "768m"), GC_FLAGS[_gc_setting()]
    return [f"-Xmx{heap}" if a.startswith("-Xmx") else gc if a in GC_FLAGS.values() else a for a in JVM_ARGS]


def _make_home(port: int, base: Path | None) -> Path:
    home = Path(tempfile.mkdtemp(prefix="steward-neo4j-", dir=base)).resolve()
    for sub in ("conf", "data", "logs", "plugins", "run", "import"):
        (home / sub).mkdir()
    (home / "conf" / "neo4j.conf").write_text(
        _CONF_TEMPLATE.format(port=port, procedures=PROCEDURE_ALLOWLIST, tx_timeout=TRANSACTION_TIMEOUT,
                              pagecache=_memory_setting("STEWARD_NEO4J_PAGECACHE", "128m")),
        encoding="utf-8")
    (home / _HOME_MARKER).write_text(f"steward test Neo4j {NEO4J_VERSION}\n", encoding="utf-8")
    return home


def _neo4j_env(home: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["NEO4J_HOME"] = str(home)
    env["NEO4J_CONF"] = str(home / "conf")
    return env


def _set_initial_password(java: str, lib: Path, home: Path, password: str) -> None:
    cmd = [java, "-Xmx256m", "-XX:+UseSerialGC", "-cp", f"{lib}/*", ADMIN_TOOL_CLASS,
           "dbms", "set-initial-password", password]
    try:
        done = subprocess.run(cmd, cwd=home, env=_neo4j_env(home), capture_output=True, text=True,
                              timeout=120, check=False, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise Neo4jServerError(f"neo4j-admin dbms set-initial-password failed: {exc}") from exc
    if done.returncode != 0:
        raise Neo4jServerError(
            f"neo4j-admin dbms set-initial-password failed (exit {done.returncode}):\n"
            f"{tail(done.stdout + done.stderr)}"
        )


def _launch(java: str, jvm: Sequence[str], lib: Path, home: Path) -> subprocess.Popen[bytes]:
    classpath = os.pathsep.join([f"{home / 'plugins'}/*", f"{home / 'conf'}/*", f"{lib}/*"])
    cmd = [java, *jvm, "-cp", classpath, SERVER_ENTRY_CLASS,
           f"--home-dir={home}", f"--config-dir={home / 'conf'}"]
    with (home / _LOG_FILE).open("ab") as log:
        process = subprocess.Popen(
            cmd, cwd=home, env=_neo4j_env(home), stdout=log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True,
        )
    (home / _PID_FILE).write_text(f"{process.pid}\n", encoding="utf-8")
    return process


def start_local_neo4j(
    *,
    cache_dir: Path | None = None,
    port: int | None = None,
    password: str | None = None,
    timeout: float = 180,
    home_base: Path | None = None,
) -> Neo4jServer:
    """Start a Neo4j server JVM from the Maven Central jars (fetching them first if needed).

    ``port`` defaults to a free loopback port (retried if another process grabs it first),
    ``password`` to a random one, the user is always ``neo4j``. The server lives in a new temp
    folder (under ``home_base`` if given) that ``stop()`` removes. Raises :class:`Neo4jServerError`
    with the log tail if the server exits or does not answer within ``timeout`` seconds.
    """
    java = _find_java()
    jvm = _jvm_args()  # a bad STEWARD_NEO4J_HEAP or STEWARD_NEO4J_GC is refused before anything is made
    if port is not None and not _port_free(port):
        raise Neo4jServerError(f"port {port} on 127.0.0.1 is already in use")
    lib = fetch_neo4j(cache_dir) / "lib"
    password = password or f"steward-{secrets.token_hex(8)}"
    attempts = 1 if port is not None else 3
    for attempt in range(1, attempts + 1):
        bolt_port = port if port is not None else free_port()
        uri = f"bolt://127.0.0.1:{bolt_port}"
        started = time.monotonic()
        home = _make_home(bolt_port, home_base)
        try:
            _set_initial_password(java, lib, home, password)
        except Neo4jServerError:
            shutil.rmtree(home, ignore_errors=True)
            raise
        password_file = home / _PASSWORD_FILE
        password_file.write_text(password, encoding="utf-8")
        password_file.chmod(0o600)
        process = _launch(java, jvm, lib, home)
        server = Neo4jServer(uri=uri, user=_DEFAULT_USER, password=password, how="local",
                             start_seconds=0.0, home=home, process=process)
        with _LIVE_LOCK:
            _LIVE.add(server)
        logger.info("started Neo4j %s (pid %d) in %s, waiting for %s", NEO4J_VERSION, process.pid, home, uri)
        why = _wait_ready(uri, _DEFAULT_USER, password, timeout, started=started, process=process, port=bolt_port)
        if why is None:
            server.start_seconds = time.monotonic() - started
            logger.info("Neo4j ready at %s after %.1f s", uri, server.start_seconds)
            return server
        log = server.log_tail()
        server.stop(timeout=10.0)
        if attempt < attempts and process.returncode is not None and "already in use" in log:
            logger.warning("Bolt port %d was taken before Neo4j bound it; retrying on another port", bolt_port)
            continue
        raise Neo4jServerError(f"{why}; log tail:\n{log}")
    raise AssertionError("unreachable")


def restart_local_neo4j(home: Path, *, password: str | None = None, timeout: float = 180,
                        cache_dir: Path | None = None) -> Neo4jServer:
    """Start a server again on an EXISTING home folder made by :func:`start_local_neo4j` (same port,
    same data), e.g. after it was killed. ``stop()`` of the result removes the home as usual."""
    home = home.resolve()
    if not (home / _HOME_MARKER).is_file():
        raise Neo4jServerError(f"{home} is not a home folder made by this tool")
    conf = (home / "conf" / "neo4j.conf").read_text(encoding="utf-8")
    found = re.search(r"^server\.bolt\.listen_address=127\.0\.0\.1:(\d+)$", conf, re.M)
    if found is None:
        raise Neo4jServerError(f"{home}/conf/neo4j.conf names no Bolt port")
    port = int(found.group(1))
    try:
        old_pid = int((home / _PID_FILE).read_text().strip())
    except (OSError, ValueError):
        old_pid = None
    if old_pid is not None and _pid_alive(old_pid) and _is_our_server(old_pid):
        raise Neo4jServerError(f"the server of {home} is still running (pid {old_pid}); stop it first")
    if not _port_free(port):
        raise Neo4jServerError(f"port {port} on 127.0.0.1 is already in use")
    if password is None:
        try:
            password = (home / _PASSWORD_FILE).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise Neo4jServerError(f"no password given and none saved in {home}") from exc
    java = _find_java()
    jvm = _jvm_args()
    lib = fetch_neo4j(cache_dir) / "lib"
    uri = f"bolt://127.0.0.1:{port}"
    started = time.monotonic()
    process = _launch(java, jvm, lib, home)
    server = Neo4jServer(uri=uri, user=_DEFAULT_USER, password=password, how="local",
                         start_seconds=0.0, home=home, process=process)
    with _LIVE_LOCK:
        _LIVE.add(server)
    why = _wait_ready(uri, _DEFAULT_USER, password, timeout, started=started, process=process, port=port)
    if why is not None:
        log = server.log_tail()
        server.detach()
        _terminate_group(process, 10.0)
        raise Neo4jServerError(f"{why}; log tail:\n{log}")
    server.start_seconds = time.monotonic() - started
    return server


# --------------------------------------------------------------------------------------------
# docker


def _docker_ping_unix(path: str, timeout: float) -> bool:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(timeout)
        s.connect(path)
        s.sendall(b"GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n")
        answer = s.recv(256)
    return answer.split(b"\r\n", 1)[0].split()[1:2] == [b"200"]


def docker_engine_answers(timeout: float = 2.0) -> bool:
    """True if a Docker engine answers a ping; fast and quiet when there is none."""
    host = os.environ.get("DOCKER_HOST", "")
    try:
        if not host:
            candidates = [Path("/var/run/docker.sock"), Path.home() / ".docker" / "run" / "docker.sock"]
            if runtime := os.environ.get("XDG_RUNTIME_DIR"):
                candidates.append(Path(runtime) / "docker.sock")
            return any(p.exists() and _docker_ping_unix(str(p), timeout) for p in candidates)
        if host.startswith("unix://"):
            return _docker_ping_unix(urlsplit(host).path, timeout)
        docker = importlib.import_module("docker")  # tcp://, ssh://, TLS: let the docker SDK do it
        client = docker.from_env(timeout=max(1, int(timeout)))
        try:
            return bool(client.ping())
        finally:
            client.close()
    except Exception as exc:  # no engine, no SDK, refused, timed out: all mean "no Docker"
        logger.debug("no Docker engine: %s", exc)
        return False


def _start_docker_neo4j(timeout: float) -> Neo4jServer:
    container_cls: Callable[..., _Container] | None = None
    for module_name in ("testcontainers.community.neo4j", "testcontainers.neo4j"):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                module = importlib.import_module(module_name)
        except ImportError:
            continue
        container_cls = cast("Callable[..., _Container]", module.Neo4jContainer)
        break
    if container_cls is None:
        raise Neo4jServerError("testcontainers is not installed (pip install testcontainers)")
    password = f"steward-{secrets.token_hex(8)}"
    started = time.monotonic()
    container = container_cls(image=DOCKER_IMAGE, password=password)
    container.start()
    uri = container.get_connection_url()
    server = Neo4jServer(uri=uri, user=container.username, password=password, how="docker",
                         start_seconds=0.0, _on_stop=container.stop)
    with _LIVE_LOCK:
        _LIVE.add(server)
    why = _wait_ready(uri, server.user, password, timeout, started=started)
    if why is not None:
        server.stop()
        raise Neo4jServerError(f"Neo4j container: {why}")
    server.start_seconds = time.monotonic() - started
    return server


# --------------------------------------------------------------------------------------------
# public entry point


def acquire_neo4j(*, cache_dir: Path | None = None, timeout: float = 180) -> Neo4jServer:
    """A Neo4j server for the tests: from the environment, else Docker, else a local JVM.

    Raises :class:`Neo4jServerError` (a ``RuntimeError``) saying why when no route works.
    """
    uri = os.environ.get("STEWARD_TEST_NEO4J_URI")
    if uri:
        user = os.environ.get("STEWARD_TEST_NEO4J_USER") or _DEFAULT_USER
        password = os.environ.get("STEWARD_TEST_NEO4J_PASSWORD", "")
        started = time.monotonic()
        why = _wait_ready(uri, user, password, timeout, started=started)
        if why is not None:
            raise Neo4jServerError(f"STEWARD_TEST_NEO4J_URI is set but not usable: {why}")
        return Neo4jServer(uri=uri, user=user, password=password, how="env",
                           start_seconds=time.monotonic() - started)
    docker_failure = ""
    if docker_engine_answers():
        try:
            return _start_docker_neo4j(timeout)
        except Exception as exc:
            docker_failure = f"Docker route failed ({type(exc).__name__}: {exc}); "
            logger.warning("%sfalling back to a local Neo4j from Maven Central", docker_failure)
    try:
        return start_local_neo4j(cache_dir=cache_dir, timeout=timeout)
    except Neo4jServerError as exc:
        if docker_failure:
            raise Neo4jServerError(docker_failure + str(exc)) from exc
        raise


# --------------------------------------------------------------------------------------------
# command line


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    stat = Path(f"/proc/{pid}/stat")
    with contextlib.suppress(OSError):
        if stat.read_text().rsplit(")", 1)[1].split()[0] == "Z":
            return False
    return True


def _is_our_server(pid: int) -> bool:
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return True  # no /proc (macOS): trust the caller
    return SERVER_ENTRY_CLASS.encode() in cmdline


def stop_detached(pid: int, timeout: float = _STOP_TIMEOUT_S) -> bool:
    """Stop a server started by ``start`` (possibly in another process); True if one was running."""
    if not _pid_alive(pid):
        return False
    if not _is_our_server(pid):
        raise Neo4jServerError(f"pid {pid} is not a Neo4j server ({SERVER_ENTRY_CLASS}); not killing it")
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while _pid_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)
    while _pid_alive(pid) and time.monotonic() < deadline + 10:
        time.sleep(0.1)
    return True


def _cmd_start(args: argparse.Namespace) -> int:
    if args.home is not None:
        server = restart_local_neo4j(args.home, password=args.password, timeout=args.timeout,
                                     cache_dir=args.cache_dir)
    else:
        server = start_local_neo4j(cache_dir=args.cache_dir, port=args.port, password=args.password,
                                   timeout=args.timeout)
    server.detach()
    values = {
        "STEWARD_TEST_NEO4J_URI": server.uri,
        "STEWARD_TEST_NEO4J_USER": server.user,
        "STEWARD_TEST_NEO4J_PASSWORD": server.password,
        "STEWARD_TEST_NEO4J_PID": str(server.pid),
        "STEWARD_TEST_NEO4J_HOME": str(server.home),
    }
    for key, value in values.items():
        print(f"export {key}={shlex.quote(value)};" if args.env else f"{key}={value}")
    print(f"Neo4j {NEO4J_VERSION} ready in {server.start_seconds:.1f}s; stop it with:\n"
          f"  python -m steward.local.neo4j_server stop --home {shlex.quote(str(server.home))}",
          file=sys.stderr)
    return 0


def _cmd_stop(args: argparse.Namespace) -> int:
    home: Path | None = args.home.resolve() if args.home else None
    pid: int | None = args.pid
    if home is not None:
        if not (home / _HOME_MARKER).is_file():
            print(f"{home} is not a home folder made by this tool", file=sys.stderr)
            return 2
        if pid is None:
            try:
                pid = int((home / _PID_FILE).read_text().strip())
            except (OSError, ValueError):
                pid = None
    stopped = stop_detached(pid) if pid is not None else False
    print(f"stopped Neo4j pid {pid}" if stopped else f"no running Neo4j (pid {pid})", file=sys.stderr)
    if home is not None and not args.keep_home:
        shutil.rmtree(home, ignore_errors=True)
        print(f"removed {home}", file=sys.stderr)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m steward.local.neo4j_server",
        description=(
            f"Fetch (once, from Maven Central) and run a local Neo4j Community {NEO4J_VERSION} server "
            "without Docker. Typical use:\n"
            '  eval "$(python -m steward.local.neo4j_server start --env)"\n'
            "  pytest   # the suite uses STEWARD_TEST_NEO4J_URI/USER/PASSWORD\n"
            '  python -m steward.local.neo4j_server stop --home "$STEWARD_TEST_NEO4J_HOME"'
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress (to stderr)")
    sub = parser.add_subparsers(dest="command", required=True)
    fetch = sub.add_parser("fetch", help="download the server jars if needed and print the cache dir")
    fetch.add_argument("--cache-dir", type=Path, default=None, help=f"default {neo4j_cache_dir()}")
    start = sub.add_parser(
        "start", help="start a server, print its connection settings, leave it running",
        epilog="environment: STEWARD_NEO4J_HEAP (default 768m) and STEWARD_NEO4J_PAGECACHE (default 128m) size "
               "the JVM, e.g. 2g; STEWARD_NEO4J_GC picks its collector: serial (default), g1 or parallel; "
               "STEWARD_NEO4J_JAVA names the java binary (Java 17 or 21)")
    start.add_argument("--cache-dir", type=Path, default=None, help=f"default {neo4j_cache_dir()}")
    start.add_argument("--port", type=int, default=None, help="Bolt port on 127.0.0.1 (default: a free one)")
    start.add_argument("--password", default=None, help="password for user neo4j (default: random)")
    start.add_argument("--timeout", type=float, default=180.0, help="seconds to wait for it (default 180)")
    start.add_argument("--home", type=Path, default=None,
                       help="start again on this EXISTING home folder (same port and data), e.g. after a crash")
    start.add_argument("--env", action="store_true",
                       help="print 'export VAR=...;' lines for eval \"$(...)\" (messages go to stderr)")
    stop = sub.add_parser("stop", help="stop a server started with 'start' and remove its home folder")
    which = stop.add_mutually_exclusive_group(required=True)
    which.add_argument("--home", type=Path, help="the STEWARD_TEST_NEO4J_HOME that 'start' printed")
    which.add_argument("--pid", type=int, help="the STEWARD_TEST_NEO4J_PID that 'start' printed")
    stop.add_argument("--keep-home", action="store_true", help="do not remove the home folder (with --home)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(message)s", stream=sys.stderr)
    try:
        if args.command == "fetch":
            print(fetch_neo4j(args.cache_dir))
            return 0
        if args.command == "start":
            return _cmd_start(args)
        return _cmd_stop(args)
    except Neo4jServerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
