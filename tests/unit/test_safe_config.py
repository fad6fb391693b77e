"""The Neo4j servers Steward ships configured (docker-compose, the Maven-assembled test server) are
configured safe, and compose requires the API token (issue 10). The live effect on the test server
is checked in tests/e2e/test_security.py."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from steward.local import neo4j_server

ROOT = Path(__file__).resolve().parents[2]

SAFE = {
    "dbms.security.allow_csv_import_from_file_urls": "false",
    "server.directories.import": None,  # set (confined), value per deployment
    "dbms.security.procedures.allowlist": None,
    "db.transaction.timeout": None,
    "db.memory.transaction.max": None,
}


def _compose_env_name(setting: str) -> str:
    return "NEO4J_" + setting.replace("_", "__").replace(".", "_")


def test_compose_configures_neo4j_safe_and_requires_the_token() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    env = compose["services"]["neo4j"]["environment"]
    for setting, value in SAFE.items():
        name = _compose_env_name(setting)
        assert name in env, setting
        if value is not None:
            assert str(env[name]) == value, setting
    assert "*" not in env[_compose_env_name("dbms.security.procedures.allowlist")].replace("db.schema.*", "").replace(
        "dbms.routing.*", "")
    token = compose["services"]["steward"]["environment"]["STEWARD_API_TOKEN"]
    assert token.startswith("${STEWARD_API_TOKEN:?"), "compose must refuse to start without a token"


def test_the_test_server_is_configured_safe() -> None:
    conf = neo4j_server._CONF_TEMPLATE.format(port=7687, procedures=neo4j_server.PROCEDURE_ALLOWLIST,
                                              tx_timeout=neo4j_server.TRANSACTION_TIMEOUT, pagecache="128m")
    lines = dict(line.split("=", 1) for line in conf.splitlines() if "=" in line and not line.startswith("#"))
    for setting, value in SAFE.items():
        assert setting in lines, setting
        if value is not None:
            assert lines[setting] == value
    assert lines["server.directories.import"] == "import"
    assert lines["db.transaction.timeout"] != "0s"


def test_the_local_server_memory_comes_from_the_environment_and_is_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("STEWARD_NEO4J_PAGECACHE", raising=False)
    assert neo4j_server._memory_setting("STEWARD_NEO4J_PAGECACHE", "128m") == "128m"
    monkeypatch.setenv("STEWARD_NEO4J_PAGECACHE", "2G")
    assert neo4j_server._memory_setting("STEWARD_NEO4J_PAGECACHE", "128m") == "2g"
    for bad in ("lots", "2 g", "-1g", "0m", "2g\nserver.bolt.enabled=false"):
        monkeypatch.setenv("STEWARD_NEO4J_PAGECACHE", bad)
        with pytest.raises(neo4j_server.Neo4jServerError, match="STEWARD_NEO4J_PAGECACHE"):
            neo4j_server._memory_setting("STEWARD_NEO4J_PAGECACHE", "128m")


def test_the_local_server_collector_comes_from_the_environment_and_is_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("STEWARD_NEO4J_GC", raising=False)
    monkeypatch.setenv("STEWARD_NEO4J_HEAP", "1g")
    args = neo4j_server._jvm_args()
    assert "-XX:+UseSerialGC" in args and "-Xmx1g" in args
    assert [a for a in args if a.startswith("-Xmx")] == ["-Xmx1g"]
    for name, flag in (("parallel", "-XX:+UseParallelGC"), ("G1", "-XX:+UseG1GC"), ("serial", "-XX:+UseSerialGC")):
        monkeypatch.setenv("STEWARD_NEO4J_GC", name)
        args = neo4j_server._jvm_args()
        # exactly one collector flag, the one asked for (two would stop the JVM from starting)
        assert [a for a in args if a in neo4j_server.GC_FLAGS.values()] == [flag]
    for bad in ("zgc", "-XX:+UseZGC", "parallel -Xmx99g", "serial,parallel"):
        monkeypatch.setenv("STEWARD_NEO4J_GC", bad)
        with pytest.raises(neo4j_server.Neo4jServerError, match="STEWARD_NEO4J_GC"):
            neo4j_server._jvm_args()
