"""MLflow tracking server and model registry, read over its REST API with httpx.

What it emits (ids follow :mod:`steward.sources.base`):

* ``job:mlflow/<experiment>`` per experiment, ``run:<run_id>`` per active run with
  ``Run -RUN_OF-> Job``, ``Person -LAUNCHED-> Run`` (from ``mlflow.user``), ``Run -CHILD_OF-> Run``
  (nested runs), ``Commit -BUILT-> Run`` (from the git system tags);
* ``Dataset -CONSUMED_BY-> Run`` for every logged dataset input, the dataset keyed by its source
  URI so that the same data seen through OpenLineage is the same node;
* ``model:<name>`` and ``model_version:<name>/<version>`` with ``ModelVersion -VERSION_OF-> Model``
  and ``Run -PRODUCED-> ModelVersion`` (from the version's ``run_id``, its ``runs:/`` source, or —
  MLflow 3 — the ``source_run_id`` of the ``models:/m-<id>`` LoggedModel it was registered from);
* ownership claims from ``owner`` / ``steward`` tags on experiments, registered models and versions.

No ``mlflow`` package is needed at run time. Pagination tokens are followed to the end and every
listing is de-duplicated by id, because MLflow's tokens are offsets into a table that may change
while we read it.
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any, ClassVar

import httpx
from pydantic import Field, SecretStr, field_validator

from steward.errors import BackendUnavailableError, ConfigError, StewardError
from steward.graph import EdgeKind, NodeKind, dataset_id, is_kind, make_id, to_iso
from steward.refs import parse_owner_refs, person_id
from steward.sources.base import Record, Source, SourceConfig, repo_key

__all__ = ["MlflowSource", "MlflowSourceConfig"]

logger = logging.getLogger(__name__)

_API = "/api/2.0/mlflow"
#: The smallest of MLflow's server-side caps on ``max_results`` across the searches used here
#: (registered-models/search refuses more than 1000).
MAX_PAGE_SIZE = 1000
_SCHEMA_MAX_CHARS = 4000
_RETRY_STATUS = frozenset({429, 502, 503, 504})
_RETRIES = 2
_RUNS_URI = re.compile(r"^runs:/(?P<run_id>[^/]+)(?:/|$)")
_LOGGED_MODEL_URI = re.compile(r"^models:/(?P<model_id>m-[0-9a-fA-F]+)/?$")
_OWNER_TAGS: dict[str, str] = {"owner": "owner", "owners": "owner", "steward": "steward", "stewards": "steward"}


class MlflowSourceConfig(SourceConfig):
    """Where the MLflow server is and what to read from it."""

    tracking_uri: str = Field(..., description="Base URL of the MLflow tracking server, e.g. http://mlflow:5000.")
    token_env: str | None = Field(
        None,
        description="Name of an environment variable holding a bearer token for the server "
        "(the token itself never goes into a recipe). Unset: no Authorization header.",
    )
    experiments: list[str] | None = Field(
        None, description="Only these experiment names (default: every active experiment)."
    )
    run_filter: str | None = Field(
        None,
        description="An MLflow search filter for runs (e.g. \"tags.team = 'churn'\"). With a filter the "
        "source reports itself incomplete, so runs it skipped are not removed from the graph.",
    )
    include_registry: bool = Field(True, description="Also read registered models and model versions.")
    page_size: int = Field(
        1000, ge=1, le=MAX_PAGE_SIZE,
        description=f"max_results per search request (1..{MAX_PAGE_SIZE}; every page is followed to the end).",
    )
    timeout_s: float = Field(30.0, gt=0, le=600, description="Timeout of one HTTP request, in seconds.")

    @field_validator("tracking_uri")
    @classmethod
    def _http_url(cls, value: str) -> str:
        v = value.strip().rstrip("/")
        if not re.match(r"^https?://[^/\s]+", v):
            raise ValueError(f"tracking_uri must be an http(s) URL such as http://localhost:5000, not {value!r}")
        return v

    @field_validator("token_env")
    @classmethod
    def _env_name(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", value):
            raise ValueError(
                f"token_env is the NAME of an environment variable (e.g. MLFLOW_TOKEN), not {value!r}; "
                "never put the token itself in a recipe"
            )
        return value


def _tags(items: Iterable[dict[str, Any]] | None) -> dict[str, str]:
    """MLflow's ``[{key, value}]`` tag lists (and plain dicts) as one dict."""
    if isinstance(items, dict):
        return {str(k): str(v) for k, v in items.items()}
    return {str(t["key"]): str(t.get("value", "")) for t in items or () if "key" in t}


def _ms(value: Any) -> str | None:
    """An epoch-milliseconds field (an int, or an int64 serialised as a string) as ISO-8601."""
    if value in (None, "", 0, "0"):
        return None
    try:
        return to_iso(int(value))
    except (TypeError, ValueError):
        return None


def _stage(value: Any) -> str | None:
    """The deprecated registry stage; MLflow writes the string "None" for no stage."""
    return str(value) if value and str(value) != "None" else None


class _Api:
    """A thin REST client: retries transient failures, translates errors once."""

    def __init__(self, client: httpx.Client, base: str) -> None:
        self._client = client
        self._base = base

    def call(self, method: str, path: str, *, params: dict[str, Any] | None = None,
             body: dict[str, Any] | None = None) -> dict[str, Any]:
        url = f"{self._base}{_API}/{path}"
        attempt = 0
        while True:
            try:
                resp = self._client.request(method, url, params=params, json=body)
            except httpx.TransportError as exc:
                # A refused connection will not heal in a second; timeouts and resets may.
                if attempt < _RETRIES and not isinstance(exc, httpx.ConnectError):
                    attempt += 1
                    time.sleep(0.5 * attempt)
                    continue
                raise BackendUnavailableError(
                    f"cannot reach the MLflow server at {self._base} ({type(exc).__name__}: {exc}); "
                    "check tracking_uri and that the server is running"
                ) from exc
            if resp.status_code in _RETRY_STATUS and attempt < _RETRIES:
                attempt += 1
                time.sleep(0.5 * attempt)
                continue
            return self._decode(resp, path)

    def _decode(self, resp: httpx.Response, path: str) -> dict[str, Any]:
        try:
            payload = resp.json()
        except ValueError:
            payload = None
        if resp.is_success:
            if not isinstance(payload, dict):
                raise StewardError(
                    f"{self._base}{_API}/{path} did not answer with JSON (HTTP {resp.status_code}); "
                    "is tracking_uri the MLflow tracking server?"
                )
            return payload
        if isinstance(payload, dict) and payload.get("error_code"):
            detail = f"HTTP {resp.status_code} {payload['error_code']}: {payload.get('message', '')}"
        else:
            detail = (f"HTTP {resp.status_code}, not an MLflow API answer; "
                      "is tracking_uri the server's base URL (without /api/...)?")
        if resp.status_code in (401, 403):
            raise ConfigError(
                f"the MLflow server at {self._base} refused {path} ({detail}); "
                "set token_env to a variable holding a valid token"
            )
        if resp.status_code in _RETRY_STATUS:
            raise BackendUnavailableError(f"the MLflow server at {self._base} is unavailable for {path} ({detail})")
        raise StewardError(f"MLflow {path} failed at {self._base}: {detail}")

    def paginate(self, method: str, path: str, items_key: str, id_of: Callable[[dict[str, Any]], str],
                 request: dict[str, Any], *, pages: list[int]) -> Iterator[dict[str, Any]]:
        """Every item of a paged search, each id once; ``pages[0]`` counts the requests made."""
        seen: set[str] = set()
        seen_tokens: set[str] = set()
        token: str | None = None
        while True:
            req = dict(request)
            if token:
                req["page_token"] = token
            is_get = method == "GET"
            payload = self.call(method, path, params=req if is_get else None, body=None if is_get else req)
            pages[0] += 1
            for item in payload.get(items_key, []) or []:
                key = id_of(item)
                if key in seen:
                    continue
                seen.add(key)
                yield item
            token = payload.get("next_page_token") or None
            if not token or token in seen_tokens:
                return
            seen_tokens.add(token)


class MlflowSource(Source[MlflowSourceConfig]):
    """Runs, datasets, commits, people and the model registry of one MLflow tracking server."""

    kind: ClassVar[str] = "mlflow"
    config_class: ClassVar[type[SourceConfig]] = MlflowSourceConfig

    # ---- plumbing ---------------------------------------------------------------------------
    def _token(self) -> SecretStr | None:
        name = self.config.token_env
        if not name:
            return None
        value = os.environ.get(name)
        if not value:
            raise ConfigError(
                f"token_env names the environment variable {name}, but it is not set (or empty); "
                f"export {name}=<token> before ingesting, or remove token_env"
            )
        return SecretStr(value)

    def _client(self) -> httpx.Client:
        headers = {"Accept": "application/json", "User-Agent": "steward-mlflow-source"}
        token = self._token()
        if token is not None:
            headers["Authorization"] = f"Bearer {token.get_secret_value()}"
        return httpx.Client(headers=headers, timeout=self.config.timeout_s, follow_redirects=True)

    def records(self) -> Iterator[Record]:
        self._pages = [0]
        self._emitted: set[str] = set()
        self._logged_models: dict[str, str | None] = {}
        if self.config.run_filter:
            self.report.complete = False
        with self._client() as client:
            api = _Api(client, self.config.tracking_uri)
            yield from self._experiments_and_runs(api)
            if self.config.include_registry:
                yield from self._registry(api)
        self.report.info["http_requests"] = self._pages[0]
        self.report.info["tracking_uri"] = self.config.tracking_uri
        logger.info("read %s runs and %s model versions from %s in %d requests",
                    self.report.info.get("runs", 0), self.report.info.get("model_versions", 0),
                    self.config.tracking_uri, self._pages[0])

    def _once(self, node_id: str) -> bool:
        """True the first time a node id is seen in this run (nodes are emitted once)."""
        if node_id in self._emitted:
            return False
        self._emitted.add(node_id)
        return True

    def _person(self, person_id: str, name: str) -> Iterator[Record]:
        if self._once(person_id):
            yield self.node(NodeKind.PERSON, person_id, name=name)

    def _owners(self, artifact: str, tags: dict[str, str], **context: Any) -> Iterator[Record]:
        for key, value in tags.items():
            role = _OWNER_TAGS.get(key.strip().lower())
            if role is None:
                continue
            refs = parse_owner_refs(value)
            if not refs:
                self.report.warn(f"empty {key!r} tag", artifact=artifact, **context)
            for owner in refs:
                if is_kind(owner, NodeKind.PERSON):
                    yield from self._person(owner, owner.partition(":")[2])
                elif self._once(owner):
                    yield self.node(NodeKind.TEAM, owner)
                yield self.claim(owner, artifact, "owner" if role == "owner" else "steward")

    # ---- tracking ---------------------------------------------------------------------------
    def _experiments_and_runs(self, api: _Api) -> Iterator[Record]:
        wanted = set(self.config.experiments) if self.config.experiments is not None else None
        experiments = [
            e for e in api.paginate(
                "POST", "experiments/search", "experiments", lambda e: str(e["experiment_id"]),
                {"max_results": self.config.page_size, "view_type": "ACTIVE_ONLY"}, pages=self._pages,
            )
            if wanted is None or e.get("name") in wanted
        ]
        if wanted is not None:
            for missing in sorted(wanted - {str(e.get("name")) for e in experiments}):
                self.report.warn("experiment not found (or deleted) on the server", experiment=missing)
        self.report.info["experiments"] = len(experiments)
        run_total = 0
        for exp in experiments:
            exp_id, exp_name = str(exp["experiment_id"]), str(exp.get("name") or exp["experiment_id"])
            job = make_id(NodeKind.JOB, f"mlflow/{exp_name}")
            yield self.node(NodeKind.JOB, job, name=exp_name, experiment_id=exp_id, source_system="mlflow")
            yield from self._owners(job, _tags(exp.get("tags")), experiment=exp_name)
            request: dict[str, Any] = {
                "experiment_ids": [exp_id], "max_results": self.config.page_size, "run_view_type": "ACTIVE_ONLY",
            }
            if self.config.run_filter:
                request["filter"] = self.config.run_filter
            runs = api.paginate(
                "POST", "runs/search", "runs", lambda r: str(r["info"]["run_id"]), request, pages=self._pages,
            )
            for run in runs:
                run_total += 1
                yield from self._run(run, exp_name, job)
        self.report.info["runs"] = run_total

    def _run(self, run: dict[str, Any], exp_name: str, job: str) -> Iterator[Record]:
        info = run.get("info", {})
        run_id = str(info["run_id"])
        rid = make_id(NodeKind.RUN, run_id)
        tags = _tags(run.get("data", {}).get("tags"))
        user = (tags.get("mlflow.user") or info.get("user_id") or "").strip()
        repo_url = tags.get("mlflow.source.git.repoURL", "").strip()
        code_repo = repo_key(repo_url) if repo_url else None
        sha = tags.get("mlflow.source.git.commit", "").strip()
        yield self.node(
            NodeKind.RUN, rid, name=str(info.get("run_name") or tags.get("mlflow.runName") or run_id),
            experiment=exp_name, experiment_id=str(info.get("experiment_id", "")) or None,
            status=info.get("status"), started_at=_ms(info.get("start_time")), ended_at=_ms(info.get("end_time")),
            user=user or None, code_path=tags.get("mlflow.source.name") or None, code_repo=code_repo,
            git_commit=sha or None, git_branch=tags.get("mlflow.source.git.branch") or None,
            source_system="mlflow",
        )
        self._emitted.add(rid)
        yield self.edge(rid, EdgeKind.RUN_OF, job)
        if user:
            person = person_id(user)
            yield from self._person(person, user)
            yield self.edge(person, EdgeKind.LAUNCHED, rid)
        if sha:
            commit = make_id(NodeKind.COMMIT, sha.lower())
            if self._once(commit):
                yield self.node(NodeKind.COMMIT, commit, name=sha[:12], sha=sha, repo=code_repo)
            yield self.edge(commit, EdgeKind.BUILT, rid)
        parent = tags.get("mlflow.parentRunId", "").strip()
        if parent:
            yield self.edge(rid, EdgeKind.CHILD_OF, make_id(NodeKind.RUN, parent))
        for dataset_input in (run.get("inputs") or {}).get("dataset_inputs", []) or []:
            yield from self._dataset_input(dataset_input, rid, run_id)

    def _dataset_input(self, dataset_input: dict[str, Any], rid: str, run_id: str) -> Iterator[Record]:
        ds = dataset_input.get("dataset") or {}
        name, digest = str(ds.get("name") or ""), str(ds.get("digest") or "")
        source_type = str(ds.get("source_type") or "")
        did = self._dataset_key(ds, run_id)
        if did is None:
            return
        schema = ds.get("schema")
        if isinstance(schema, str) and len(schema) > _SCHEMA_MAX_CHARS:
            schema = None
        if self._once(did):
            yield self.node(
                NodeKind.DATASET, did, digest=digest or None, source_type=source_type or None,
                schema=schema or None, mlflow_name=name or None, source_system="mlflow",
            )
        context = _tags(dataset_input.get("tags")).get("mlflow.data.context")
        yield self.edge(did, EdgeKind.CONSUMED_BY, rid, context=context or None, digest=digest or None)

    def _dataset_key(self, ds: dict[str, Any], run_id: str) -> str | None:
        """The dataset's node id: its source URI when MLflow recorded one, else a name@digest key."""
        name, digest = str(ds.get("name") or ""), str(ds.get("digest") or "")
        source_type = str(ds.get("source_type") or "")
        raw = ds.get("source")
        try:
            source = json.loads(raw) if isinstance(raw, str) and raw else {}
        except ValueError:
            source = {}
            self.report.warn("dataset source is not JSON", run_id=run_id, dataset=name, source=str(raw)[:200])
        if not isinstance(source, dict):
            source = {}
        for field in ("uri", "url", "path"):
            value = source.get(field)
            if isinstance(value, str) and value.strip().rstrip("/"):
                uri = value.strip()
                if source_type in ("hugging_face", "huggingface", "hf") and "://" not in uri:
                    uri = f"hf://datasets/{uri}"
                return dataset_id(uri, "")
        for field in ("delta_table_name", "table_name"):
            value = source.get(field)
            if isinstance(value, str) and value.strip():
                return make_id(NodeKind.DATASET, f"{source_type or 'table'}:{value.strip()}")
        if not name and not digest:
            self.report.warn("dataset input without source, name or digest: skipped", run_id=run_id)
            return None
        self.report.warn(
            "dataset has no source URI; keyed by MLflow name and digest, so it will not join other sources",
            run_id=run_id, dataset=name, source_type=source_type,
        )
        return make_id(NodeKind.DATASET, f"mlflow-dataset:{name or '?'}@{digest or '?'}")

    # ---- registry ---------------------------------------------------------------------------
    def _registry(self, api: _Api) -> Iterator[Record]:
        aliases_by_version: dict[tuple[str, str], list[str]] = {}
        models = 0
        for rm in api.paginate(
            "GET", "registered-models/search", "registered_models", lambda m: str(m["name"]),
            {"max_results": self.config.page_size}, pages=self._pages,
        ):
            models += 1
            name = str(rm["name"])
            mid = make_id(NodeKind.MODEL, name)
            aliases = sorted(
                (str(a["alias"]), str(a["version"])) for a in rm.get("aliases", []) or [] if "alias" in a
            )
            for alias, version in aliases:
                aliases_by_version.setdefault((name, version), []).append(alias)
            yield self.node(
                NodeKind.MODEL, mid, name=name, aliases=[f"{a}={v}" for a, v in aliases],
                description=rm.get("description") or None, created_at=_ms(rm.get("creation_timestamp")),
                updated_at=_ms(rm.get("last_updated_timestamp")), source_system="mlflow",
            )
            yield from self._owners(mid, _tags(rm.get("tags")), model=name)
        versions = 0
        for mv in api.paginate(
            "GET", "model-versions/search", "model_versions", lambda v: f"{v['name']}/{v['version']}",
            {"max_results": self.config.page_size}, pages=self._pages,
        ):
            versions += 1
            yield from self._model_version(api, mv, aliases_by_version)
        self.report.info["registered_models"] = models
        self.report.info["model_versions"] = versions

    def _model_version(self, api: _Api, mv: dict[str, Any],
                       aliases_by_version: dict[tuple[str, str], list[str]]) -> Iterator[Record]:
        name, version = str(mv["name"]), str(mv["version"])
        vid = make_id(NodeKind.MODEL_VERSION, f"{name}/{version}")
        source = str(mv.get("source") or "")
        run_id = str(mv.get("run_id") or "")
        logged_model = _LOGGED_MODEL_URI.match(source)
        model_id = str(mv.get("model_id") or "") or (logged_model.group("model_id") if logged_model else "")
        if not run_id and (m := _RUNS_URI.match(source)):
            run_id = m.group("run_id")
        if not run_id and model_id:
            run_id = self._logged_model_run(api, model_id, model=name, version=version) or ""
        yield self.node(
            NodeKind.MODEL_VERSION, vid, name=f"{name} v{version}", model=name, version=version,
            status=mv.get("status") or None, created_at=_ms(mv.get("creation_timestamp")),
            updated_at=_ms(mv.get("last_updated_timestamp")), source_uri=source or None,
            run_id=run_id or None, logged_model_id=model_id or None, stage=_stage(mv.get("current_stage")),
            description=mv.get("description") or None, aliases=sorted(aliases_by_version.get((name, version), [])),
            user=mv.get("user_id") or None, source_system="mlflow",
        )
        yield self.edge(vid, EdgeKind.VERSION_OF, make_id(NodeKind.MODEL, name))
        if run_id:
            yield self.edge(make_id(NodeKind.RUN, run_id), EdgeKind.PRODUCED, vid)
        yield from self._owners(vid, _tags(mv.get("tags")), model=name, version=version)

    def _logged_model_run(self, api: _Api, model_id: str, **context: Any) -> str | None:
        """The training run of an MLflow 3 LoggedModel (cached; a missing model is a warning)."""
        if model_id not in self._logged_models:
            try:
                payload = api.call("GET", f"logged-models/{model_id}")
            except StewardError as exc:
                if isinstance(exc, BackendUnavailableError | ConfigError):
                    raise
                self.report.warn(f"cannot read logged model {model_id}: {exc.message}", model_id=model_id, **context)
                payload = {}
            info = (payload.get("model") or {}).get("info") or {}
            self._logged_models[model_id] = str(info.get("source_run_id") or "") or None
        return self._logged_models[model_id]
