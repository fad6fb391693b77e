"""Seed an MLflow tracking server with the demo's experiment, runs and registered model.

Runs with the python of the dedicated MLflow virtualenv (it imports the real ``mlflow`` client and
pandas, never ``steward``): ``MLFLOW_TRACKING_URI=http://... python seed_mlflow.py SPEC.json OUT.json``.
SPEC.json is written by :mod:`steward.demo.build` (the story); OUT.json gets what was created
(run ids, version numbers, the champion), which the demo reads back.

Re-seeding is safe: objects this script made before carry the tag ``steward.demo = true`` and are
replaced (the demo's old runs are deleted, the registered model is re-created, so versions start at
1 again). An experiment or registered model of the same name *without* that tag belongs to
somebody else: the script refuses (exit status 3) rather than touch it.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import mlflow  # type: ignore[import-not-found, unused-ignore]
import mlflow.data  # type: ignore[import-not-found, unused-ignore]
import pandas as pd  # type: ignore[import-not-found, import-untyped, unused-ignore]
from mlflow import MlflowClient  # type: ignore[import-not-found, unused-ignore]
from mlflow.exceptions import MlflowException  # type: ignore[import-not-found, unused-ignore]

DEMO_TAG = "steward.demo"
REFUSED = 3


class Refused(Exception):
    """Something of the demo's name exists on the server and was not made by the demo."""


def _features() -> Any:
    return pd.DataFrame({
        "user_id": [101, 102, 103, 104, 105, 106],
        "sessions": [14, 2, 9, 0, 21, 5],
        "tenure_days": [410, 35, 220, 12, 980, 64],
        "churned": [0, 1, 0, 1, 0, 1],
    })


def _experiment(client: Any, name: str, tags: dict[str, str]) -> str:
    exp = client.get_experiment_by_name(name)
    if exp is None:
        return str(client.create_experiment(name, tags={**tags, DEMO_TAG: "true"}))
    if exp.tags.get(DEMO_TAG) != "true":
        raise Refused(f"the MLflow server already has an experiment {name!r} that the demo did not create")
    if exp.lifecycle_stage != "active":
        client.restore_experiment(exp.experiment_id)
    for key, value in tags.items():
        client.set_experiment_tag(exp.experiment_id, key, value)
    # The demo's earlier runs: deleted, so an ACTIVE_ONLY search sees only this seeding's runs.
    token = None
    while True:
        page = client.search_runs([exp.experiment_id], max_results=1000, page_token=token)
        for run in page:
            client.delete_run(run.info.run_id)
        token = page.token
        if not token:
            break
    return str(exp.experiment_id)


def _fresh_model(client: Any, name: str, tags: dict[str, str]) -> None:
    try:
        existing = client.get_registered_model(name)
    except MlflowException:
        existing = None
    if existing is not None:
        if existing.tags.get(DEMO_TAG) != "true":
            raise Refused(f"the MLflow server already has a registered model {name!r} that the demo did not create")
        client.delete_registered_model(name)
    client.create_registered_model(name, tags={**tags, DEMO_TAG: "true"},
                                   description="Predicts which customers churn in the next 30 days.")


def seed(spec: dict[str, Any]) -> dict[str, Any]:
    client = MlflowClient()
    exp_id = _experiment(client, spec["experiment"], spec["experiment_tags"])
    model = spec["model"]
    _fresh_model(client, model, spec["model_tags"])
    df = _features()
    data = mlflow.data.from_pandas(df, source=spec["dataset_uri"], name="churn-features", targets="churned")
    runs: dict[str, str] = {}
    versions: list[str] = []
    for r in spec["runs"]:
        tags = {
            "mlflow.user": r["user"],
            "mlflow.source.name": spec["code_path"],
            "mlflow.source.type": "JOB",
            "mlflow.source.git.commit": r["commit"],
            "mlflow.source.git.repoURL": spec["repo_url"],
            "mlflow.source.git.branch": "main",
            DEMO_TAG: "true",
        }
        created = client.create_run(exp_id, start_time=r["start_ms"], tags=tags, run_name=r["name"])
        run_id = created.info.run_id
        with mlflow.start_run(run_id=run_id):
            mlflow.log_params(r["params"])
            mlflow.log_input(data, context="training")
            mlflow.log_metric("val_auc", r["auc"])
        client.set_terminated(run_id, status="FINISHED", end_time=r["end_ms"])
        runs[r["name"]] = run_id
        if r["logged_model"]:
            # MLflow 3: a LoggedModel trained by the run, registered by its models:/ URI.
            lm = mlflow.initialize_logged_model(name=model, source_run_id=run_id, experiment_id=exp_id)
            mlflow.finalize_logged_model(lm.model_id, "READY")
            mv = client.create_model_version(model, source=f"models:/{lm.model_id}", model_id=lm.model_id)
        else:
            mv = client.create_model_version(model, source=f"runs:/{run_id}/model", run_id=run_id)
        versions.append(str(mv.version))
    untracked = client.create_model_version(model, source=spec["untracked_source"],
                                            description="Hand-tuned pickle uploaded from a laptop; no run.")
    champion = versions[spec["champion_run"]]
    client.set_registered_model_alias(model, "champion", champion)
    return {"experiment_id": exp_id, "runs": runs, "versions": versions,
            "untracked_version": str(untracked.version), "champion": champion}


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print("usage: seed_mlflow.py SPEC.json OUT.json", file=sys.stderr)
        return 2
    with open(argv[1], encoding="utf-8") as fh:
        spec = json.load(fh)
    try:
        out = seed(spec)
    except Refused as exc:
        print(f"REFUSED: {exc}", file=sys.stderr)
        return REFUSED
    with open(argv[2], "w", encoding="utf-8") as fh:
        json.dump(out, fh, indent=2)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
