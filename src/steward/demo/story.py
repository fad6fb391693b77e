"""The demo's story as data: who works at Acme, what they committed, which pipelines ran.

Everything the demo writes (the git history, the OpenLineage events, the catalog, the MLflow
runs) is derived from these constants, and so are the tests' expectations: change the story here
and both follow. Times are hours before "now", so every run of the demo looks recent.

The plot, in one paragraph: raw events land in ``s3://lake/raw/events``; an Airflow DAG cleans
them into ``curated/sessions`` (owned by Alan, who has left; its backup is a team whose only
member was Alan), joins them with a CRM table nobody owns into ``features/churn``, and trains
the churn classifier; MLflow registers three trained versions and one hand-uploaded version
without lineage; Margaret owns the model and every deployment, alone. The catalog says the Data
Platform team owns the ETL job, CODEOWNERS says Grace does.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = [
    "BUS_FACTOR",
    "CHAMPION_RUN",
    "COMMITS",
    "CONFLICT_JOB",
    "DEPLOYMENTS",
    "EMPTY_TEAM",
    "KEY_DATASET",
    "LEAVER",
    "MLFLOW_EXPERIMENT",
    "MLFLOW_RUNS",
    "MODEL",
    "NO_OWNER_DATASET",
    "OL_RUNS",
    "OWNERSHIP",
    "PAST_INCIDENT",
    "PEOPLE",
    "PLAYBOOK",
    "REPO_URL",
    "TEAMS",
    "Commit",
    "DemoDeployment",
    "DemoPerson",
    "DemoTeam",
    "MlflowRun",
    "OlRun",
    "dataset",
]

REPO_URL = "git@github.com:acme/churn-models.git"
REPO_WEB = "https://github.com/acme/churn-models"
LAKE = "s3://lake"
CRM = "postgres://crm:5432"
MODEL = "churn-classifier"
MLFLOW_EXPERIMENT = "churn"
AIRFLOW = "airflow"
PRODUCER = "https://github.com/acme/churn-models/tree/main/airflow"


def dataset(namespace: str, name: str) -> str:
    """The Steward id of an OpenLineage dataset (same rule as :func:`steward.graph.dataset_id`)."""
    return f"dataset:{namespace.rstrip('/')}/{name.lstrip('/')}"


RAW_EVENTS = (LAKE, "raw/events")
CURATED_SESSIONS = (LAKE, "curated/sessions")
CUSTOMERS = (CRM, "public.customers")
FEATURES = (LAKE, "features/churn")
FEATURES_URI = f"{LAKE}/features/churn"

#: The dataset whose blast radius the demo shows.
KEY_DATASET = dataset(*RAW_EVENTS)
NO_OWNER_DATASET = dataset(*CUSTOMERS)


@dataclass(frozen=True)
class DemoPerson:
    slug: str
    name: str
    email: str
    teams: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    active: bool = True
    #: Days since the person left (``active: false``); None while they are here.
    left_days_ago: int | None = None
    #: An address used in old commits, merged into ``email`` by the repository's .mailmap.
    old_email: str | None = None
    #: Declared as a Backstage User instead of a Steward Person.
    backstage: bool = False

    @property
    def id(self) -> str:
        return f"person:{self.email}"


@dataclass(frozen=True)
class DemoTeam:
    slug: str
    name: str
    handle: str | None = None
    #: Members listed on the Team document (others join through Person.teams).
    members: tuple[str, ...] = ()
    backstage: bool = False

    @property
    def id(self) -> str:
        return f"team:{self.slug}"


PEOPLE: dict[str, DemoPerson] = {p.slug: p for p in (
    DemoPerson("ada", "Ada Lovelace", "ada@acme.example", teams=("churn-team", "ml-platform"),
               aliases=("@ada", "alovelace")),
    DemoPerson("grace", "Grace Hopper", "grace@acme.example", teams=("data-platform",),
               aliases=("@grace", "ghopper")),
    DemoPerson("alan", "Alan Turing", "alan@acme.example", teams=("data-platform",), aliases=("@aturing",),
               active=False, left_days_ago=12, old_email="alan.turing@old-acme.example"),
    DemoPerson("katherine", "Katherine Johnson", "katherine@acme.example", teams=("churn-team",),
               aliases=("@kjohnson", "kjohnson")),
    DemoPerson("margaret", "Margaret Hamilton", "margaret@acme.example", teams=("ml-platform",),
               aliases=("@mhamilton", "mhamilton")),
    DemoPerson("linus", "Linus Torvalds", "linus@acme.example", teams=("sre",), backstage=True),
)}

TEAMS: dict[str, DemoTeam] = {t.slug: t for t in (
    DemoTeam("data-platform", "Data Platform", handle="@acme/data-platform"),
    DemoTeam("churn-team", "Churn", handle="@acme/churn-team"),
    DemoTeam("ml-platform", "ML Platform", handle="@acme/ml-platform"),
    # Its only member has left: an empty team that still stewards a dataset.
    DemoTeam("legacy-reporting", "Legacy Reporting", members=("alan@acme.example",)),
    DemoTeam("sre", "Site Reliability", backstage=True),
)}

LEAVER = PEOPLE["alan"].id
EMPTY_TEAM = TEAMS["legacy-reporting"].id
BUS_FACTOR = PEOPLE["margaret"].id


@dataclass(frozen=True)
class Commit:
    """One commit of the demo repository; ``hours_ago`` fixes its author and committer date."""

    key: str
    hours_ago: float
    author: str  # a person slug
    subject: str
    files: dict[str, str]
    body: str = ""
    co_authors: tuple[str, ...] = ()
    #: Commit with the person's old address (the .mailmap maps it to the current one).
    old_email: bool = False


_ETL_V1 = '''"""Sessionise raw click events into one row per user session."""

import pandas as pd

GAP_MINUTES = 30


def sessions(events: pd.DataFrame) -> pd.DataFrame:
    events = events.sort_values(["user_id", "ts"])
    new = events.groupby("user_id")["ts"].diff() > pd.Timedelta(minutes=GAP_MINUTES)
    events["session"] = new.groupby(events["user_id"]).cumsum()
    return events.groupby(["user_id", "session"]).agg(start=("ts", "min"), end=("ts", "max"))
'''
_ETL_V2 = _ETL_V1.replace(
    "    events = events.sort_values", "    events = events[events.ts >= events.ts.max() - pd.Timedelta(days=35)]\n"
    "    events = events.sort_values",
)
_FEATURES_V1 = '''"""Churn features: session activity joined with CRM customers."""

import pandas as pd


def build(sessions: pd.DataFrame, customers: pd.DataFrame) -> pd.DataFrame:
    activity = sessions.groupby("user_id").agg(sessions=("start", "count"))
    return customers.join(activity, on="user_id").fillna({"sessions": 0})
'''
_FEATURES_V2 = _FEATURES_V1.replace(
    '    return customers.join', '    customers["tenure_days"] = (pd.Timestamp.now() - customers.signup).dt.days\n'
    '    return customers.join',
)
_TRAIN_V1 = '''"""Train the churn classifier on the feature table and register it in MLflow."""

import mlflow
from sklearn.linear_model import LogisticRegression

FEATURES = "s3://lake/features/churn"


def train(df):
    model = LogisticRegression(max_iter=200)
    model.fit(df.drop(columns=["churned"]), df["churned"])
    return model
'''
_TRAIN_V2 = _TRAIN_V1.replace("max_iter=200)", "max_iter=200, class_weight=\"balanced\")")
_TRAIN_V3 = _TRAIN_V2.replace('df.drop(columns=["churned"])', 'df.drop(columns=["churned", "user_id"])')
_SERVING = '''"""The churn API: scores a customer with the model the registry calls champion."""

import mlflow.pyfunc

MODEL_URI = "models:/churn-classifier@champion"
model = mlflow.pyfunc.load_model(MODEL_URI)


def score(features: dict) -> float:
    return float(model.predict([features])[0])
'''
_CODEOWNERS = """# Default owners of everything in the repository
*            @acme/data-platform

/features/   @acme/churn-team
/train/      @ada
/serving/    @acme/ml-platform
# The catalog says the Data Platform team owns the sessions ETL; this file says Grace does.
/etl/        @grace
"""
_MAILMAP = "Alan Turing <alan@acme.example> <alan.turing@old-acme.example>\n"
_README = "# churn-models\n\nSessions ETL, churn features, the churn classifier and its API.\n"

COMMITS: tuple[Commit, ...] = (
    Commit("etl", 480, "alan", "Add the sessions ETL", {"README.md": _README, "etl/sessions.py": _ETL_V1},
           old_email=True),
    Commit("owners", 456, "grace", "Add CODEOWNERS and .mailmap", {"CODEOWNERS": _CODEOWNERS, ".mailmap": _MAILMAP}),
    Commit("features", 360, "katherine", "Build churn features", {"features/build.py": _FEATURES_V1}),
    Commit("train", 288, "ada", "Train the churn classifier", {"train/train.py": _TRAIN_V1}),
    Commit("serving", 216, "margaret", "Serve the churn model", {"serving/app.py": _SERVING}),
    Commit("weights", 144, "ada", "Balance class weights", {"train/train.py": _TRAIN_V2},
           body="Recall on churners was 0.41.", co_authors=("margaret",)),
    Commit("tenure", 96, "katherine", "Add tenure features", {"features/build.py": _FEATURES_V2}),
    Commit("late-events", 48, "grace", "Drop events older than 35 days in the sessions ETL",
           {"etl/sessions.py": _ETL_V2}, body="Alan's original windowing, finished.", co_authors=("alan",)),
    Commit("retrain", 30, "ada", "Retrain without the user id column", {"train/train.py": _TRAIN_V3}),
)


@dataclass(frozen=True)
class OlRun:
    """One OpenLineage run (START and COMPLETE events) of the demo's Airflow DAG."""

    job: str
    start_hours_ago: float
    end_hours_ago: float
    inputs: tuple[tuple[str, str], ...] = ()
    outputs: tuple[tuple[str, str], ...] = ()
    code_path: str | None = None
    #: The commit (Commit.key) whose code the run ran.
    commit: str | None = None
    job_type: str = "TASK"
    parent: str | None = None  # job name of the parent run


DAG = "churn_daily"
OL_RUNS: tuple[OlRun, ...] = (
    OlRun(DAG, 26.0, 24.0, job_type="DAG"),
    OlRun("etl.sessions", 26.0, 25.8, inputs=(RAW_EVENTS,), outputs=(CURATED_SESSIONS,),
          code_path="etl/sessions.py", commit="late-events", parent=DAG),
    OlRun("features.build", 25.5, 25.0, inputs=(CURATED_SESSIONS, CUSTOMERS), outputs=(FEATURES,),
          code_path="features/build.py", commit="tenure", parent=DAG),
    OlRun("train.churn", 24.8, 24.0, inputs=(FEATURES,), code_path="train/train.py", commit="retrain", parent=DAG),
)
#: The dataset that carries an OpenLineage ownership facet, and the owner it names.
OL_DATASET_OWNER = (RAW_EVENTS, "team:data-platform")
CONFLICT_JOB = f"job:{AIRFLOW}/etl.sessions"


@dataclass(frozen=True)
class MlflowRun:
    """A training run in MLflow; each is registered as the next version of MODEL."""

    name: str
    user: str  # the MLflow user name: an alias of a catalog person
    commit: str  # Commit.key
    start_hours_ago: float
    minutes: float
    params: dict[str, str] = field(default_factory=dict)
    auc: float = 0.0
    #: Register through an MLflow 3 LoggedModel (``models:/m-...``) instead of a ``runs:/`` URI.
    logged_model: bool = True


MLFLOW_RUNS: tuple[MlflowRun, ...] = (
    MlflowRun("baseline", "alovelace", "train", 264, 18, {"max_iter": "200"}, 0.71, logged_model=False),
    MlflowRun("balanced", "alovelace", "weights", 120, 21, {"max_iter": "200", "class_weight": "balanced"}, 0.78),
    MlflowRun("no-user-id", "mhamilton", "retrain", 24.5, 25, {"max_iter": "200", "class_weight": "balanced"}, 0.81),
)
#: Index into MLFLOW_RUNS of the run whose version gets the ``champion`` alias; the batch
#: deployment serves the version before it.
CHAMPION_RUN = 2
BATCH_RUN = 1
#: Tags on the registered model (MLflow user names and handles, resolved through catalog aliases).
MODEL_TAGS = {"owner": "mhamilton", "steward": "@ada"}
EXPERIMENT_TAGS = {"owner": "mhamilton"}
#: A version registered from a file, with no run: no lineage.
UNTRACKED_SOURCE = "s3://models/churn-classifier/hand-tuned.pkl"


@dataclass(frozen=True)
class DemoDeployment:
    env: str
    name: str
    #: "champion" (served through the alias), or an index into MLFLOW_RUNS.
    serves: str | int
    owners: tuple[str, ...]
    stewards: tuple[str, ...] = ()
    runbook: str = ""
    description: str = ""

    @property
    def id(self) -> str:
        return f"deployment:{self.env}/{self.name}"


DEPLOYMENTS: tuple[DemoDeployment, ...] = (
    DemoDeployment("prod", "churn-api", "champion", ("margaret@acme.example",),
                   runbook="https://runbooks.acme.example/churn-api", description="Online churn scores for the CRM"),
    DemoDeployment("staging", "churn-api", CHAMPION_RUN, ("margaret@acme.example",),
                   runbook="https://runbooks.acme.example/churn-api#staging"),
    DemoDeployment("prod", "churn-batch", BATCH_RUN, ("margaret@acme.example",), stewards=("user:linus",),
                   runbook="https://runbooks.acme.example/churn-batch", description="Nightly churn scores"),
)

#: Catalog Ownership documents: artifact -> (owners, stewards). References as people write them.
OWNERSHIP: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    KEY_DATASET: (("team:data-platform",), ("grace@acme.example",)),
    dataset(*CURATED_SESSIONS): (("alan@acme.example",), ("team:legacy-reporting",)),
    dataset(*FEATURES): (("@kjohnson",), ("ada@acme.example",)),
    CONFLICT_JOB: (("team:data-platform",), ()),
    f"job:{AIRFLOW}/features.build": (("team:churn-team",), ()),
    f"model:{MODEL}": (("margaret@acme.example",), ()),
}
#: Declared through a Backstage Component annotated with ``steward/artifact``.
BACKSTAGE_COMPONENT = ("churn-daily-dag", f"job:{AIRFLOW}/{DAG}", "group:data-platform")

#: A catalog Playbook: what to do when event data is corrupted or late (applies to every dataset and job,
#: and to the production deployments through their environment).
PLAYBOOK: tuple[str, str, dict[str, object]] = ("corrupted-events", "Corrupted or late event data", {
    "description": "The lake's event data is wrong or late: stop it spreading into models and scores.",
    "applies_to": {"kinds": ["Dataset", "Job"], "tags": ["prod"]},
    "owners": ["team:data-platform"],
    "failure_modes": [
        {"text": "A partition lands with nulls or duplicated sessions", "owners": ["team:data-platform"]},
        "The upstream export is late and the daily DAG trains on yesterday's data",
    ],
    "rollback_criteria": ["More than 1% nulls in a partition: serve the previous champion and pause the daily DAG"],
    "data_integrity_checks": [
        {"text": "Row counts within 5% of the same weekday last week", "owners": ["grace@acme.example"]},
        "No session without a customer id",
    ],
    "communication": [{"text": "#churn-incidents first, then the CRM team (consumers of churn-api)",
                       "owners": ["margaret@acme.example"]}],
})
#: A past incident the demo records (opened, worked and resolved through Steward, with a postmortem).
PAST_INCIDENT: dict[str, str] = {
    "artifact": KEY_DATASET,
    "title": "Duplicated sessions in raw/events",
    "severity": "sev2",
    "summary": "A replayed export doubled one day of sessions; the nightly scores drifted.",
    "note": "Duplicates traced to a replayed export; deduplicating the partition.",
    "mitigation": "Served the previous champion while the partition was rebuilt",
    "resolution": "Partition deduplicated and the export made idempotent",
    "postmortem": "https://wiki.acme.example/postmortems/raw-events-duplicates",
}
