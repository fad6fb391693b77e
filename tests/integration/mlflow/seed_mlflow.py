"""Seed a real MLflow tracking server with the MLflow client API; write what was created as JSON.

Runs with the python of the dedicated MLflow virtualenv (``steward.local.mlflow_server``), never
with the project's: ``MLFLOW_TRACKING_URI=http://... python seed_mlflow.py OUT.json BULK_RUNS PREFIX``.
Every experiment and model name starts with PREFIX, so seeding a shared server
(``STEWARD_TEST_MLFLOW_URI``) twice does not collide. The tests read OUT.json, so every
expectation is derived from what was really logged here.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import mlflow
import mlflow.data
import numpy as np
import pandas as pd
from mlflow import MlflowClient

LAUNCHER = "Ada.Lovelace@Example.com"
TEAMMATE = "jdoe"
REPO_URL = "git@github.com:Acme/Churn.git"
TRAIN_URI = "s3://lake/curated/sessions"
EVAL_URI = "s3://lake/curated/sessions_eval/"  # trailing slash on purpose: the id drops it
MODEL = "{p}churn-classifier"
MODEL_OWNER_TAG = "Ada.Lovelace@Example.com, @jdoe"
MODEL_STEWARD_TAG = "team:ML Platform"
EXPERIMENT_OWNER_TAG = "team:churn"
VERSION_STEWARD_TAG = "grace@example.com"
RUNS_URI_MODEL = "{p}churn-baseline"
NO_RUN_MODEL = "{p}legacy-scorer"
EMPTY_MODEL = "{p}empty-model"
VENDOR_MODEL = "{p}vendor-scorer"
TRAIN_EXPERIMENT = "{p}churn-training"
BULK_EXPERIMENT = "{p}bulk-sweep"


class Constant(mlflow.pyfunc.PythonModel):  # type: ignore[misc]
    def predict(self, context: Any, model_input: Any, params: Any = None) -> Any:
        return [0] * len(model_input)


def main(out_path: str, bulk_runs: int, prefix: str) -> None:
    client = MlflowClient()
    model, runs_uri_model, no_run_model, empty_model, vendor_model, train_exp, bulk_exp = (
        n.format(p=prefix)
        for n in (MODEL, RUNS_URI_MODEL, NO_RUN_MODEL, EMPTY_MODEL, VENDOR_MODEL, TRAIN_EXPERIMENT, BULK_EXPERIMENT)
    )
    out: dict[str, Any] = {"launcher": LAUNCHER, "teammate": TEAMMATE, "repo_url": REPO_URL,
                           "train_uri": TRAIN_URI, "eval_uri": EVAL_URI, "model": model,
                           "owner_tag": MODEL_OWNER_TAG, "steward_tag": MODEL_STEWARD_TAG}
    sessions = pd.DataFrame({"user_id": [1, 2, 3], "minutes": [3.5, 7.0, 1.25], "churned": [0, 1, 0]})

    exp_id = mlflow.set_experiment(train_exp).experiment_id
    out["experiment"] = {"name": train_exp, "id": exp_id}
    mlflow.set_experiment_tag("owner", EXPERIMENT_OWNER_TAG)
    out["experiment_owner_tag"] = EXPERIMENT_OWNER_TAG
    git = {"mlflow.source.git.commit": "a" * 40, "mlflow.source.git.repoURL": REPO_URL,
           "mlflow.source.git.branch": "main", "mlflow.source.name": "train/churn.py"}
    with mlflow.start_run(run_name="tune", tags={"mlflow.user": LAUNCHER}) as parent:
        mlflow.set_tags(git)
        train = mlflow.data.from_pandas(sessions, source=TRAIN_URI, name="sessions", targets="churned")
        mlflow.log_input(train, context="training")
        evald = mlflow.data.from_pandas(sessions.head(2), source=EVAL_URI, name="sessions-eval")
        mlflow.log_input(evald, context="eval")
        children = []
        for i in range(2):
            with mlflow.start_run(run_name=f"trial-{i}", nested=True, tags={"mlflow.user": TEAMMATE}) as child:
                mlflow.log_param("lr", 0.1 * (i + 1))
                mlflow.log_input(train, context="training")
                children.append(child.info.run_id)
        info = mlflow.pyfunc.log_model(name="model", python_model=Constant(), pip_requirements=["mlflow"])
        logged_model_id = info.model_id
    out["parent_run"] = parent.info.run_id
    out["child_runs"] = children
    out["train_digest"] = train.digest
    out["logged_model_id"] = logged_model_id
    out["git"] = git

    # A run whose code has a commit but no remote: the commit's repo is unknown.
    with mlflow.start_run(run_name="local-commit", tags={"mlflow.user": TEAMMATE}) as local:
        mlflow.set_tag("mlflow.source.git.commit", "b" * 40)
        # No source URI at all: MLflow records a "code" source; Steward falls back to name@digest.
        mlflow.log_input(mlflow.data.from_numpy(np.arange(6).reshape(3, 2), name="in-memory"), context="training")
    out["local_commit_run"] = local.info.run_id

    # A deleted run: ACTIVE_ONLY search must not return it.
    with mlflow.start_run(run_name="deleted") as deleted:
        pass
    client.delete_run(deleted.info.run_id)
    out["deleted_run"] = deleted.info.run_id

    # More runs than one page of the test's page_size.
    bulk_id = mlflow.set_experiment(bulk_exp).experiment_id
    out["bulk_experiment"] = {"name": bulk_exp, "id": bulk_id}
    out["bulk_runs"] = []
    for i in range(bulk_runs):
        with mlflow.start_run(run_name=f"sweep-{i}") as r:
            out["bulk_runs"].append(r.info.run_id)

    # Registry: a model registered from an MLflow 3 LoggedModel, aliases and ownership tags.
    v1 = mlflow.register_model(f"models:/{logged_model_id}", model)
    v2 = mlflow.register_model(f"models:/{logged_model_id}", model)
    client.set_registered_model_alias(model, "champion", v1.version)
    client.set_registered_model_alias(model, "challenger", v2.version)
    client.set_registered_model_tag(model, "owner", MODEL_OWNER_TAG)
    client.set_registered_model_tag(model, "steward", MODEL_STEWARD_TAG)
    client.set_model_version_tag(model, v1.version, "steward", VERSION_STEWARD_TAG)
    out["version_steward_tag"] = VERSION_STEWARD_TAG
    out["versions"] = {v1.version: {"run_id": v1.run_id, "source": v1.source},
                       v2.version: {"run_id": v2.run_id, "source": v2.source}}
    out["aliases"] = {"champion": v1.version, "challenger": v2.version}

    # A LoggedModel trained by the second trial, registered by model id only (MLflow fills the
    # version's run_id from the LoggedModel's source_run_id).
    lm = mlflow.initialize_logged_model(name="trial-model", source_run_id=children[1], experiment_id=exp_id)
    mlflow.finalize_logged_model(lm.model_id, "READY")
    v3 = client.create_model_version(model, source=f"models:/{lm.model_id}", model_id=lm.model_id)
    out["versions"][v3.version] = {"run_id": v3.run_id, "source": v3.source}
    out["trial_model"] = {"version": v3.version, "source_run_id": children[1]}

    # An external LoggedModel with no training run, registered: a version without lineage.
    ext = mlflow.create_external_model(name="vendor", experiment_id=exp_id)
    client.create_registered_model(vendor_model)
    xv = client.create_model_version(vendor_model, source=f"models:/{ext.model_id}", model_id=ext.model_id)
    out["vendor_model"] = {"name": vendor_model, "version": xv.version, "reported_run_id": xv.run_id or "",
                           "logged_model_id": ext.model_id}

    # An older-style version registered from a runs:/ URI.
    client.create_registered_model(runs_uri_model)
    rv = client.create_model_version(runs_uri_model, source=f"runs:/{children[0]}/model", run_id=children[0])
    out["runs_uri_model"] = {"name": runs_uri_model, "version": rv.version, "run_id": children[0],
                             "reported_run_id": rv.run_id}

    # A version with no run at all.
    client.create_registered_model(no_run_model)
    nv = client.create_model_version(no_run_model, source="s3://models/legacy/scorer")
    out["no_run_model"] = {"name": no_run_model, "version": nv.version, "reported_run_id": nv.run_id}

    client.create_registered_model(empty_model)
    out["empty_model"] = empty_model

    out["active_runs"] = {
        train_exp: [out["parent_run"], *children, out["local_commit_run"]],
        bulk_exp: list(out["bulk_runs"]),
    }
    with open(out_path, "w", encoding="utf-8") as fh:
        json.dump(out, fh, indent=2)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), sys.argv[3])
