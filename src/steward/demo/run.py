"""``run_demo``: build the demo workspace, seed MLflow, and ingest everything into a store.

The CLI's ``steward demo`` calls :func:`run_demo` and then shows the analyses of what it returns.
Every run starts afresh: what a previous demo wrote in the workspace is removed, and the store is
emptied before ingesting (a store that holds anything the demo did not write is refused).
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console

from steward.demo import story
from steward.demo.build import build_repo, mlflow_seed_spec, recipe_text, write_catalog, write_lineage
from steward.demo.incident import record_past_incident
from steward.demo.reviews import POLICY_FILE, record_demo_reviews, write_policy
from steward.errors import BackendUnavailableError, ConfigError
from steward.graph import now_iso
from steward.recipe import RecipeReport, load_recipe, run_recipe
from steward.sources.base import repo_key
from steward.store import GraphStore, open_store

__all__ = ["DEMO_STATE_KEY", "DemoResult", "run_demo"]

logger = logging.getLogger(__name__)

#: Written into the store after a demo ingest: only such a store (or an empty one) is cleared.
DEMO_STATE_KEY = "steward.demo"
MARKER = ".steward-demo"
#: Everything the demo writes in its workspace (and removes before writing again).
_OURS = ("repo", "lineage.jsonl", "catalog.yaml", "recipe.yaml", "mlflow", ".gitignore", MARKER, "policy.yaml")
_SEED_SCRIPT = Path(__file__).with_name("seed_mlflow.py")
_SEED_TIMEOUT_S = 300.0
_REFUSED = 3


@dataclass
class DemoResult:
    """What the demo built and ingested, and what the CLI needs to show it."""

    workspace: Path
    store_uri: str
    recipe: Path
    report: RecipeReport
    #: The dataset whose blast radius tells the story.
    key_dataset: str
    #: The person who left and still owns things (``steward handoff``).
    leaver: str
    deployments: list[str]
    #: The MLflow tracking URI used; None when MLflow was off. A server the demo started is stopped.
    mlflow_uri: str | None
    #: ``model_version:<model>/<n>`` the ``champion`` alias points to (None without MLflow).
    champion: str | None
    #: MLflow run name -> run id (empty without MLflow).
    mlflow_runs: dict[str, str]
    #: Registered ``model_version:`` ids -> the id of the run that trained it (None: no run).
    model_versions: dict[str, str | None]
    #: Commit key of the story -> sha in the demo repository.
    commits: dict[str, str]
    #: OpenLineage run ids, in the order of ``story.OL_RUNS``.
    lineage_runs: list[str]
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    #: The past (resolved) incident the demo recorded on the key dataset.
    incident: str | None = None
    #: The audit policy with the demo's review cadences (``steward audit --policy``).
    policy: Path | None = None


def _mlflow_mode(mlflow: str) -> tuple[str, str | None]:
    """("off", None), ("auto", None), or ("url", url) from the ``mlflow`` argument and the environment."""
    value = mlflow.strip()
    if value == "off":
        return "off", None
    if value == "auto":
        env = os.environ.get("MLFLOW_TRACKING_URI", "").strip()
        if not env:
            return "auto", None
        if not re.match(r"^https?://", env):
            raise ConfigError(
                f"MLFLOW_TRACKING_URI is {env!r}, but the demo needs an MLflow tracking server (http://HOST:PORT); "
                "unset it to let the demo start one, or pass --mlflow off"
            )
        return "url", env.rstrip("/")
    if re.match(r"^https?://[^/\s]+", value):
        return "url", value.rstrip("/")
    raise ConfigError(f"--mlflow must be 'auto', 'off' or an http(s) URL of an MLflow server, not {mlflow!r}")


def _prepare_workspace(workspace: Path) -> None:
    if workspace.exists():
        if not workspace.is_dir():
            raise ConfigError(f"the demo workspace {workspace} is a file; choose a folder")
        if any(workspace.iterdir()) and not (workspace / MARKER).is_file():
            raise ConfigError(
                f"{workspace} is not empty and was not made by `steward demo`; choose a new or empty folder"
            )
        for name in _OURS:
            target = workspace / name
            if target.is_dir() and not target.is_symlink():
                shutil.rmtree(target)
            elif target.exists() or target.is_symlink():
                target.unlink()
    workspace.mkdir(parents=True, exist_ok=True)
    (workspace / MARKER).write_text("made by `steward demo`; it removes and rewrites this folder's demo files\n",
                                    encoding="utf-8")
    # Keeps a workspace made inside a git checkout (say ingest/demo-workspace) out of that checkout.
    (workspace / ".gitignore").write_text("*\n", encoding="utf-8")


def _cleared_store(store_uri: str) -> GraphStore:
    """Open the store empty: delete an embedded store's file, or retract every source's records."""
    store = open_store(store_uri, create=True)
    try:
        total = store.counts().total_nodes
        if total and store.get_state(DEMO_STATE_KEY) is None:
            raise ConfigError(
                f"the store {store.uri} holds {total} nodes that `steward demo` did not write; the demo empties "
                "its store before ingesting, so give it a store of its own (--store sqlite:///PATH)"
            )
    except BaseException:
        store.close()
        raise
    from steward.store.embedded import EmbeddedStore

    if isinstance(store, EmbeddedStore):
        path = store.path
        store.close()
        for suffix in ("", "-wal", "-shm", "-journal"):
            path.with_name(path.name + suffix).unlink(missing_ok=True)
        return open_store(store_uri, create=True)
    sources = {s for n in store.find_nodes() for s in n.sources} | {e.source for e in store.edges()}
    for source in sorted(sources):
        said = store.source_records(source)
        store.retract(source, nodes=said.nodes, edges=said.edges)
    # The repository is rebuilt each time: make the git source walk it whole again.
    git_state = f"git:{repo_key(story.REPO_URL)}:HEAD"
    for key in (git_state, f"{git_state}:inputs"):
        if store.get_state(key) is not None:
            store.set_state(key, "")
    return store


class _SaidAlready(logging.Filter):
    """Drops log records whose message starts with ``prefix`` (case-insensitive): said elsewhere."""

    def __init__(self, prefix: str) -> None:
        super().__init__()
        self.prefix = prefix.lower()

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).lower().startswith(self.prefix)


def _seed_mlflow(uri: str, workdir: Path, spec: dict[str, Any]) -> dict[str, Any]:
    """Run the seeding script with the MLflow venv's python (the real client); return what it made."""
    from steward.local.mlflow_server import ensure_mlflow_venv

    python = ensure_mlflow_venv()
    workdir.mkdir(parents=True, exist_ok=True)
    # A copy beside its files: run from the package folder, the script's siblings would shadow modules.
    script = Path(shutil.copy(_SEED_SCRIPT, workdir / _SEED_SCRIPT.name))
    spec_path, out_path = workdir / "seed-spec.json", workdir / "seeded.json"
    spec_path.write_text(json.dumps(spec, indent=2), encoding="utf-8")
    env = {**os.environ, "MLFLOW_TRACKING_URI": uri, "MLFLOW_DISABLE_TELEMETRY": "true", "DO_NOT_TRACK": "true",
           "GIT_PYTHON_REFRESH": "quiet"}
    try:
        done = subprocess.run([str(python), str(script), str(spec_path), str(out_path)], cwd=workdir, env=env,
                              capture_output=True, text=True, timeout=_SEED_TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired as exc:
        raise BackendUnavailableError(
            f"seeding MLflow at {uri} took more than {_SEED_TIMEOUT_S:.0f} s; is the server answering?"
        ) from exc
    if done.returncode == _REFUSED:
        reason = done.stderr.strip().splitlines()[-1].removeprefix("REFUSED: ")
        raise ConfigError(f"{reason}; point the demo at another MLflow server, or pass --mlflow off")
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-20:])
        raise BackendUnavailableError(f"seeding MLflow at {uri} failed (exit {done.returncode}):\n{tail}")
    seeded: dict[str, Any] = json.loads(out_path.read_text(encoding="utf-8"))
    return seeded


def run_demo(*, workspace: Path, store_uri: str, mlflow: str = "auto", console: Console) -> DemoResult:
    """Build the demo in ``workspace`` and ingest it into ``store_uri`` (emptied first).

    ``mlflow``: ``auto`` uses ``$MLFLOW_TRACKING_URI`` when set, else starts a local MLflow server
    (installing its virtualenv the first time, about 1-2 minutes) and stops it after ingesting;
    ``off`` skips MLflow (the model versions then have no lineage); an ``http(s)://`` URL uses
    that server. Raises ConfigError for a bad argument, a foreign store or workspace, or a missing
    ``openlineage-python``; BackendUnavailableError when MLflow cannot be started or seeded.
    """
    started = time.monotonic()
    mode, uri = _mlflow_mode(mlflow)
    workspace = workspace.expanduser().resolve()
    _prepare_workspace(workspace)
    now = datetime.now(UTC).replace(microsecond=0)
    notes: list[str] = []

    def say(text: str) -> None:
        console.print(text, highlight=False, soft_wrap=True)

    say(f"Building the demo in {workspace}")
    shas = build_repo(workspace / "repo", now)
    say(f"  git repository: {len(shas)} commits over {max(c.hours_ago for c in story.COMMITS) / 24:.0f} days, "
        f"CODEOWNERS, .mailmap, remote {story.REPO_URL}")
    lineage_runs = write_lineage(workspace / "lineage.jsonl", now, shas)
    say(f"  OpenLineage: {2 * len(lineage_runs)} events of the {story.DAG} DAG -> lineage.jsonl")

    versions = {i: str(i + 1) for i in range(len(story.MLFLOW_RUNS))}  # what a fresh registry numbers them
    seeded: dict[str, Any] = {}
    server = None
    try:
        if mode != "off":
            if uri is None:
                from steward.local.mlflow_server import MLFLOW_VERSION, mlflow_venv_dir, start_mlflow_server

                venv = mlflow_venv_dir()
                # The demo announces the install on its console; the installer's own log line (to stderr,
                # as any caller's) would say it a second time, so the demo drops that one line.
                installer_log = logging.getLogger(start_mlflow_server.__module__)
                said = _SaidAlready("installing mlflow")
                if not (venv / "bin" / "mlflow").exists():
                    say(f"  installing MLflow {MLFLOW_VERSION} into {venv} (one time, about 1-2 minutes)")
                    installer_log.addFilter(said)
                say("  starting a local MLflow server (about 15 s)")
                try:
                    server = start_mlflow_server(workspace / "mlflow")
                finally:
                    installer_log.removeFilter(said)
                uri = server.uri
            else:
                say(f"  using the MLflow server at {uri}")
            seeded = _seed_mlflow(uri, workspace / "mlflow", mlflow_seed_spec(now, shas))
            versions = {i: v for i, v in enumerate(seeded["versions"])}
            say(f"  MLflow: experiment {story.MLFLOW_EXPERIMENT!r}, {len(seeded['runs'])} training runs, "
                f"model {story.MODEL!r} versions {', '.join(seeded['versions'])} and {seeded['untracked_version']} "
                f"(no run), champion -> {seeded['champion']}")
        write_catalog(workspace / "catalog.yaml", now, versions)
        say(f"  catalog: {len(story.PEOPLE)} people, {len(story.TEAMS)} teams, {len(story.OWNERSHIP) + 1} ownership "
            f"declarations, {len(story.DEPLOYMENTS)} deployments -> catalog.yaml")
        recipe_path = workspace / "recipe.yaml"
        recipe_path.write_text(recipe_text(mlflow=uri is not None, header=(
            "# The demo's recipe (written by `steward demo`); ingest/demo.yaml is the same, commented for copying.\n"
        )), encoding="utf-8")
        env = dict(os.environ)
        if uri is not None:
            env["MLFLOW_TRACKING_URI"] = uri
        recipe = load_recipe(recipe_path, env=env)
        store = _cleared_store(store_uri)
        try:
            # Marked before ingesting, so a failed ingest still leaves a store the next demo may clear.
            store.set_state(DEMO_STATE_KEY, now_iso())
            say(f"Ingesting into {store.uri}")
            report = run_recipe(recipe, store)
            incident = record_past_incident(store)
            reviews = record_demo_reviews(store, now)
            say(f"  reviews: {reviews} past reviews recorded; cadences in {write_policy(workspace)}")
            store_uri_clean = store.uri
        finally:
            store.close()
    finally:
        if server is not None:
            server.stop()

    if mode == "off":
        notes.append(
            "MLflow was off: the deployed model versions have no training runs, so the blast radius of "
            f"{story.KEY_DATASET} stops at the training job and the audit lists those versions as no-lineage. "
            "Run `steward demo --mlflow auto` for the whole story."
        )
    elif server is not None:
        notes.append(
            f"The demo's MLflow server has been stopped; its data stays in {workspace / 'mlflow'}. To ingest "
            f"ingest/demo.yaml again, start it with `python -m steward.local.mlflow_server start --workdir "
            f"{workspace / 'mlflow'}` and set MLFLOW_TRACKING_URI to the URL it prints."
        )
    else:
        notes.append(f"Seeded the MLflow server at {uri}: experiment {story.MLFLOW_EXPERIMENT!r} and registered "
                     f"model {story.MODEL!r} (tagged {DEMO_STATE_KEY}=true; a re-run replaces them).")
    if not report.ok:
        failed = [f"{o.report.source}: {f.message}" for o in report.outcomes for f in o.report.failures]
        notes.append("Some sources failed: " + "; ".join(failed))
    if report.unresolved:
        notes.append("Unresolved identities: " + ", ".join(report.unresolved))
    champion = seeded.get("champion")
    model_versions: dict[str, str | None] = {}
    if seeded:
        for run, version in zip(story.MLFLOW_RUNS, seeded["versions"], strict=True):
            model_versions[f"model_version:{story.MODEL}/{version}"] = f"run:{seeded['runs'][run.name]}"
        model_versions[f"model_version:{story.MODEL}/{seeded['untracked_version']}"] = None
    return DemoResult(
        workspace=workspace, store_uri=store_uri_clean, recipe=recipe_path, report=report,
        key_dataset=story.KEY_DATASET, leaver=story.LEAVER, deployments=[d.id for d in story.DEPLOYMENTS],
        mlflow_uri=uri if mode != "off" else None,
        champion=f"model_version:{story.MODEL}/{champion}" if champion else None,
        mlflow_runs=dict(seeded.get("runs", {})), model_versions=model_versions, commits=shas,
        lineage_runs=lineage_runs, notes=notes,
        seconds=time.monotonic() - started, incident=incident, policy=workspace / POLICY_FILE,
    )
