"""Build the demo workspace with the real tools: a git repository, OpenLineage events, a catalog.

Each writer takes the story (:mod:`steward.demo.story`) and one ``now``, so every date is
relative to the moment the demo runs. Nothing here talks to a store or a server; see
:mod:`steward.demo.run` for the orchestration.
"""

from __future__ import annotations

import logging
import os
import subprocess
from collections.abc import Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from steward.demo import story
from steward.errors import ConfigError, StewardError

__all__ = [
    "EXAMPLE_HEADER",
    "build_repo",
    "mlflow_seed_spec",
    "recipe_text",
    "write_catalog",
    "write_lineage",
]

logger = logging.getLogger(__name__)


# ---- git --------------------------------------------------------------------------------------

def _git_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """An environment where the user's own git configuration cannot change what the demo makes."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update({"GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1", "GIT_TERMINAL_PROMPT": "0"})
    env.update(extra or {})
    return env


def _git(repo: Path, *args: str, env: Mapping[str, str] | None = None) -> str:
    cmd = ["git", "-C", str(repo), "-c", "commit.gpgsign=false", "-c", "core.autocrlf=false", *args]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, env=_git_env(env), check=False)
    except FileNotFoundError as exc:
        raise ConfigError("the demo needs the `git` command on PATH; install git") from exc
    if done.returncode != 0:
        raise StewardError(f"`{' '.join(cmd)}` failed (exit {done.returncode}): {done.stderr.strip()}")
    return done.stdout.strip()


def _contact(slug: str, *, old: bool = False) -> tuple[str, str]:
    p = story.PEOPLE[slug]
    return p.name, (p.old_email if old and p.old_email else p.email)


def build_repo(path: Path, now: datetime) -> dict[str, str]:
    """Create the demo repository at ``path`` (which must not exist); return commit key -> sha.

    Commits are dated ``hours_ago`` before ``now`` (author and committer), with fixed names and
    e-mails; the ``origin`` remote is set (no network is used).
    """
    path.mkdir(parents=True)
    _git(path, "init", "--quiet", "--initial-branch=main")
    _git(path, "remote", "add", "origin", story.REPO_URL)
    shas: dict[str, str] = {}
    for c in story.COMMITS:
        for rel, text in c.files.items():
            target = path / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        _git(path, "add", "--", *c.files)
        name, email = _contact(c.author, old=c.old_email)
        when = f"{int((now - timedelta(hours=c.hours_ago)).timestamp())} +0000"
        message = c.subject
        trailers = [f"Co-authored-by: {n} <{e}>" for n, e in (_contact(s, old=True) for s in c.co_authors)]
        if c.body or trailers:
            message += "\n\n" + "\n\n".join(part for part in (c.body, "\n".join(trailers)) if part)
        _git(path, "commit", "--quiet", "--no-verify", "-m", message, env={
            "GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": email, "GIT_AUTHOR_DATE": when,
            "GIT_COMMITTER_NAME": name, "GIT_COMMITTER_EMAIL": email, "GIT_COMMITTER_DATE": when,
        })
        shas[c.key] = _git(path, "rev-parse", "HEAD")
    return shas


# ---- OpenLineage ----------------------------------------------------------------------------------

def _iso(now: datetime, hours_ago: float) -> str:
    return (now - timedelta(hours=hours_ago)).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def write_lineage(path: Path, now: datetime, shas: Mapping[str, str]) -> list[str]:
    """Write the DAG's OpenLineage events (START + COMPLETE per run) to ``path`` as JSON lines.

    Made with the official client's classes and serialiser; returns the run ids, in story order.
    Raises ConfigError when ``openlineage-python`` is not installed.
    """
    try:
        from openlineage.client import event_v2
        from openlineage.client.facet_v2 import (
            job_type_job,
            ownership_dataset,
            parent_run,
            source_code_location_job,
        )
        from openlineage.client.serde import Serde
        from openlineage.client.uuid import generate_new_uuid
    except ImportError as exc:
        raise ConfigError(
            "the demo makes its OpenLineage events with the official client, which is not installed: "
            "pip install 'steward-graph[openlineage]'"
        ) from exc

    run_ids = {r.job: str(generate_new_uuid()) for r in story.OL_RUNS}
    owned_ds, owner = story.OL_DATASET_OWNER

    def ds_facets(ns_name: tuple[str, str]) -> dict[str, Any]:
        if ns_name == owned_ds:
            return {"ownership": ownership_dataset.OwnershipDatasetFacet(
                owners=[ownership_dataset.Owner(name=owner, type="MAINTAINER")])}
        return {}

    lines: list[str] = []
    for r in story.OL_RUNS:
        job_facets: dict[str, Any] = {
            "jobType": job_type_job.JobTypeJobFacet(processingType="BATCH", integration="AIRFLOW", jobType=r.job_type),
        }
        if r.code_path and r.commit:
            sha = shas[r.commit]
            job_facets["sourceCodeLocation"] = source_code_location_job.SourceCodeLocationJobFacet(
                type="git", url=f"{story.REPO_WEB}/blob/{sha}/{r.code_path}", repoUrl=story.REPO_URL,
                path=r.code_path, version=sha, branch="main",
            )
        run_facets: dict[str, Any] = {}
        if r.parent:
            run_facets["parent"] = parent_run.ParentRunFacet(
                run=parent_run.Run(runId=run_ids[r.parent]),
                job=parent_run.Job(namespace=story.AIRFLOW, name=r.parent),
            )
        job = event_v2.Job(namespace=story.AIRFLOW, name=r.job, facets=job_facets)
        run = event_v2.Run(runId=run_ids[r.job], facets=run_facets)
        inputs = [event_v2.InputDataset(namespace=ns, name=n, facets=ds_facets((ns, n))) for ns, n in r.inputs]
        outputs = [event_v2.OutputDataset(namespace=ns, name=n, facets=ds_facets((ns, n))) for ns, n in r.outputs]
        for state, hours in ((event_v2.RunState.START, r.start_hours_ago),
                             (event_v2.RunState.COMPLETE, r.end_hours_ago)):
            event = event_v2.RunEvent(eventType=state, eventTime=_iso(now, hours), producer=story.PRODUCER,
                                      run=run, job=job, inputs=inputs, outputs=outputs)
            lines.append(Serde.to_json(event))
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return [run_ids[r.job] for r in story.OL_RUNS]


# ---- catalog ----------------------------------------------------------------------------------

def _doc(kind: str, name: str, spec: dict[str, Any], *, api: str = "steward/v1",
         **metadata: Any) -> dict[str, Any]:
    return {"apiVersion": api, "kind": kind, "metadata": {"name": name, **metadata}, "spec": spec}


def served_ref(deployment: story.DemoDeployment, versions: Mapping[int, str]) -> str:
    """What a deployment's ``serves`` says: the model alias, or a version number."""
    if deployment.serves == "champion":
        return f"model:{story.MODEL}@champion"
    return f"model_version:{story.MODEL}/{versions[int(deployment.serves)]}"


def write_catalog(path: Path, now: datetime, versions: Mapping[int, str]) -> None:
    """The catalog: Steward Person/Team/Ownership/Deployment documents and a few Backstage ones.

    ``versions`` maps an index of ``story.MLFLOW_RUNS`` to its registered version number.
    """
    docs: list[dict[str, Any]] = []
    for p in story.PEOPLE.values():
        if p.backstage:
            docs.append(_doc("User", p.slug, {"profile": {"displayName": p.name, "email": p.email},
                                              "memberOf": list(p.teams)}, api="backstage.io/v1alpha1"))
            continue
        spec: dict[str, Any] = {"displayName": p.name, "email": p.email, "teams": list(p.teams),
                                "aliases": list(p.aliases)}
        if not p.active:
            spec["active"] = False
        if p.left_days_ago is not None:
            spec["left_at"] = (now - timedelta(days=p.left_days_ago)).date().isoformat()
        docs.append(_doc("Person", p.slug, spec))
    for t in story.TEAMS.values():
        if t.backstage:
            docs.append(_doc("Group", t.slug, {"type": "team", "profile": {"displayName": t.name}, "children": []},
                             api="backstage.io/v1alpha1"))
            continue
        tspec: dict[str, Any] = {"displayName": t.name}
        if t.handle:
            tspec["handle"] = t.handle
        if t.members:
            tspec["members"] = list(t.members)
        if t.slug == "data-platform":
            from steward.demo.reviews import rotation_spec

            tspec["rotation"] = rotation_spec(now)
        docs.append(_doc("Team", t.slug, tspec))
    for i, (artifact, (owners, stewards)) in enumerate(story.OWNERSHIP.items(), start=1):
        ospec: dict[str, Any] = {"artifact": artifact, "owners": list(owners)}
        if stewards:
            ospec["stewards"] = list(stewards)
        docs.append(_doc("Ownership", f"ownership-{i}", ospec))
    name, artifact, owner = story.BACKSTAGE_COMPONENT
    docs.append(_doc("Component", name, {"type": "pipeline", "lifecycle": "production", "owner": owner},
                     api="backstage.io/v1alpha1", annotations={"steward/artifact": artifact}))
    for d in story.DEPLOYMENTS:
        dspec: dict[str, Any] = {"environment": d.env, "serves": served_ref(d, versions), "runbook": d.runbook,
                                 "owners": list(d.owners)}
        if d.stewards:
            dspec["stewards"] = list(d.stewards)
        if d.description:
            dspec["description"] = d.description
        docs.append(_doc("Deployment", d.name, dspec))
    docs.append(_doc("Playbook", story.PLAYBOOK[0], story.PLAYBOOK[2], title=story.PLAYBOOK[1]))
    header = (
        "# The demo's catalog: people, teams, who owns what, and where models are deployed.\n"
        "# Steward's own kinds (apiVersion steward/v1) and Backstage User/Group/Component documents\n"
        "# can live side by side. Written by `steward demo`; edit and re-run `steward ingest` to see\n"
        "# the analyses change.\n"
    )
    path.write_text(header + yaml.safe_dump_all(docs, sort_keys=False, explicit_start=True), encoding="utf-8")


# ---- MLflow seed spec -----------------------------------------------------------------------------

def mlflow_seed_spec(now: datetime, shas: Mapping[str, str]) -> dict[str, Any]:
    """What ``seed_mlflow.py`` logs: the story's training runs with real commit shas."""

    def ms(hours_ago: float) -> int:
        return int((now - timedelta(hours=hours_ago)).timestamp() * 1000)

    return {
        "experiment": story.MLFLOW_EXPERIMENT,
        "experiment_tags": dict(story.EXPERIMENT_TAGS),
        "model": story.MODEL,
        "model_tags": dict(story.MODEL_TAGS),
        "dataset_uri": story.FEATURES_URI,
        "repo_url": story.REPO_URL,
        "code_path": "train/train.py",
        "untracked_source": story.UNTRACKED_SOURCE,
        "champion_run": story.CHAMPION_RUN,
        "runs": [
            {"name": r.name, "user": r.user, "commit": shas[r.commit], "params": r.params, "auc": r.auc,
             "start_ms": ms(r.start_hours_ago), "end_ms": ms(r.start_hours_ago - r.minutes / 60.0),
             "logged_model": r.logged_model}
            for r in story.MLFLOW_RUNS
        ],
    }


# ---- the recipe -------------------------------------------------------------------------------

#: The top of ``ingest/demo.yaml`` (``recipe_text("demo-workspace/", header=EXAMPLE_HEADER)``).
EXAMPLE_HEADER = """\
# The demo's ingestion recipe, commented, to copy for your own platform.
#
# Its paths point at the workspace that `steward demo --workspace ingest/demo-workspace` builds
# (relative paths are resolved against this file's folder). The demo itself ingests the same
# recipe, written as ingest/demo-workspace/recipe.yaml. To run this one yourself, MLflow must be
# up: the demo stops the server it started, and its data stays in the workspace:
#
#   python -m steward.local.mlflow_server start --workdir ingest/demo-workspace/mlflow
#   MLFLOW_TRACKING_URI=<the URL it prints> steward ingest ingest/demo.yaml
#
# Secrets and endpoints never go into a recipe: ${NAME} is read from the environment.

"""


def recipe_text(prefix: str = "", *, mlflow: bool = True, header: str = "") -> str:
    """The demo's ingestion recipe, commented. ``prefix`` is prepended to the workspace paths
    (``""`` for the copy inside the workspace, ``"demo-workspace/"`` for ``ingest/demo.yaml``)."""
    text = header + f"""\
# Ownership precedence: when sources name different owners of one artifact, the first origin in
# this list that names any owner wins (the audit still reports the disagreement).
precedence: [steward, catalog, mlflow, openlineage, codeowners]
# Refuse to delete more than half of what a source said last time in one run (a safety net against
# a source that suddenly returns nothing); `steward ingest --force` overrides it.
max_removal_share: 0.5
sources:
  # People, teams, declared owners and stewards, and deployments (what serves which model version).
  - type: catalog
    paths: [{prefix}catalog.yaml]
  # Commits and their .mailmap-canonical authors (with Co-authored-by trailers), and CODEOWNERS:
  # its owners are linked to every job and run whose code lives in this repository.
  - type: git
    path: {prefix}repo
  # OpenLineage events as the client's file transport writes them (one JSON event per line);
  # Airflow, Spark and dbt can also POST them to `steward serve` at /api/v1/lineage.
  - type: openlineage
    paths: [{prefix}lineage.jsonl]
"""
    if mlflow:
        text += """\
  # Experiments, runs (their dataset inputs, git commit and user), registered models, versions and
  # aliases, read over MLflow's REST API. The URL comes from the environment, never from this file.
  - type: mlflow
    tracking_uri: ${MLFLOW_TRACKING_URI}
    # Only the demo's experiment (leave out to read every active experiment of the server).
    experiments: [churn]
"""
    return text
