"""Settings from the environment (prefix ``STEWARD_``); built by the CLI or the app factory, never global."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings", "default_store_uri"]


def default_store_uri() -> str:
    """``sqlite:///$XDG_DATA_HOME/steward/graph.db`` (``~/.local/share/steward/graph.db``)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return f"sqlite:///{Path(base) / 'steward' / 'graph.db'}"


class Settings(BaseSettings):
    """Everything Steward reads from the environment."""

    model_config = SettingsConfigDict(env_prefix="STEWARD_", extra="ignore")

    store: str = Field(default_factory=default_store_uri, description="Store URI: sqlite:///PATH or neo4j://, bolt://")
    neo4j_user: str = Field("neo4j", description="Neo4j user name")
    neo4j_password: SecretStr | None = Field(None, description="Neo4j password")
    neo4j_database: str | None = Field(None, description="Neo4j database (default: the server's default)")
    neo4j_snapshot: bool = Field(True, description="Walks (reach, blast radius) on Neo4j answer from a topology "
                                 "snapshot held in the process while the server's version stamp says it is current "
                                 "(0: every walk runs on the server)")
    api_token: SecretStr | None = Field(
        None, description="A static producer credential: 'Authorization: Bearer <this>' may POST /api/v1/lineage "
        "(and nothing else); API tokens from `steward token create --role producer` do the same, per person"
    )
    auth: bool = Field(True, description="Every /api/v1 route and explorer page needs a token (off only with "
                       "`steward serve --no-auth`, on a loopback address)")
    audit_policy: str | None = Field(None, description="Audit policy YAML used by the HTTP API")
    cypher_timeout_s: float = Field(10.0, description="Timeout for analyst Cypher queries, seconds")
    cypher_row_cap: int = Field(1000, description="Rows returned at most by analyst Cypher queries")
    cypher_max_bytes: int = Field(4 * 1024 * 1024, description="Bytes of JSON returned at most by analyst Cypher")
    cypher_workers: int = Field(2, description="Analyst Cypher queries run at once (more wait, then 429)")
    request_timeout_s: float = Field(60.0, description="A data request that takes longer answers 503")
    log_key: Path | None = Field(
        None, description="The governance log's signing key (Ed25519, PEM PKCS#8; `steward log keygen`): a file kept "
        "outside the store and readable only by the service. Without it the log's checkpoints are not signed")
    paging_webhook: SecretStr | None = Field(
        None, description="Default webhook for `steward incident page` and POST /api/v1/incidents/{id}/page "
        "(a secret: Slack and PagerDuty URLs authorise whoever holds them)")
    paging_format: str = Field("steward", description="Default paging payload: steward, slack or pagerduty")
    pagerduty_routing_key: SecretStr | None = Field(None, description="PagerDuty Events API v2 routing key")
