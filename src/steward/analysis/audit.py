"""Ownership audit against a policy; the exit status can gate CI.

The default policy (every key may be overridden in a YAML file, see ``steward audit --help``)::

    applies_to: [Dataset, Job, Model, Deployment, Evaluation]   # kinds that must have owners
    rules:
      no-owner:            {severity: error}
      inactive-owner:      {severity: error}
      no-steward:          {severity: warning, only_at_risk: true}   # only artifacts deployments depend on
      no-lineage:          {severity: warning}   # a model version not linked to a training run and a dataset
      stale-runs:          {severity: warning, days: 30}   # a deployment whose latest upstream run is older
      owner-conflict:      {severity: warning}   # sources name different owners
      dangling-owner:      {severity: error}     # an owner no source describes
      empty-team:          {severity: warning}   # a team with no active member
      unresolved-identity: {severity: warning}   # a name that maps to no known person
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from steward.analysis.common import deployments_at_risk, parse_time
from steward.analysis.ownership import OwnershipView
from steward.errors import ConfigError
from steward.graph import EdgeKind, NodeKind
from steward.store.base import GraphStore
from steward.yamlfile import read_mapping

__all__ = ["RULES", "SEVERITY_ORDER", "Policy", "audit", "load_policy"]

Severity = Literal["error", "warning", "info"]
SEVERITY_ORDER: dict[str, int] = {"info": 0, "warning": 1, "error": 2}
RULES = (
    "no-owner", "inactive-owner", "no-steward", "no-lineage", "stale-runs", "owner-conflict",
    "dangling-owner", "empty-team", "unresolved-identity",
)


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled: bool = Field(True, description="Run this rule")
    severity: Severity = Field("warning", description="error, warning or info")
    only_at_risk: bool = Field(False, description="Only artifacts that some deployment depends on")
    days: int = Field(30, ge=1, description="stale-runs: age in days after which a run is stale")


def _default_rules() -> dict[str, Rule]:
    return {
        "no-owner": Rule(severity="error"),
        "inactive-owner": Rule(severity="error"),
        "no-steward": Rule(severity="warning", only_at_risk=True),
        "no-lineage": Rule(severity="warning"),
        "stale-runs": Rule(severity="warning", days=30),
        "owner-conflict": Rule(severity="warning"),
        "dangling-owner": Rule(severity="error"),
        "empty-team": Rule(severity="warning"),
        "unresolved-identity": Rule(severity="warning"),
    }


class Policy(BaseModel):
    model_config = ConfigDict(extra="forbid")

    applies_to: list[NodeKind] = Field(
        default_factory=lambda: [NodeKind.DATASET, NodeKind.JOB, NodeKind.MODEL, NodeKind.DEPLOYMENT,
                                 NodeKind.EVALUATION],
        description="Artifact kinds that must have owners and stewards",
    )
    rules: dict[str, Rule] = Field(default_factory=_default_rules, description="Rule settings by name")


def load_policy(path: Path | None) -> Policy:
    """The default policy, with what ``path`` sets merged over it rule by rule."""
    if path is None:
        return Policy()
    raw = read_mapping(path, what="policy", shape="a mapping with 'rules' and/or 'applies_to'")
    rules = _default_rules()
    for name, settings in (raw.get("rules") or {}).items():
        if name not in RULES:
            raise ConfigError(f"{path}: unknown rule {name!r}; rules: {', '.join(RULES)}")
        base = rules[name].model_dump()
        try:
            rules[name] = Rule.model_validate({**base, **(settings or {})})
        except ValidationError as exc:
            raise ConfigError(f"{path}: rules.{name}: {exc.errors()[0]['msg']}") from exc
    try:
        return Policy.model_validate({**{k: v for k, v in raw.items() if k != "rules"}, "rules": rules})
    except ValidationError as exc:
        loc = ".".join(str(p) for p in exc.errors()[0]["loc"])
        raise ConfigError(f"{path}: {loc}: {exc.errors()[0]['msg']}") from exc


def audit(store: GraphStore, *, policy: Policy | None = None, now: datetime | None = None) -> dict[str, Any]:
    """Findings ``{rule, severity, artifact, message}`` sorted by severity, rule, artifact; a summary per rule."""
    policy = policy or Policy()
    now = now or datetime.now(UTC)
    view = OwnershipView.load(store)
    at_risk = deployments_at_risk(store)
    findings: list[dict[str, Any]] = []

    def add(rule: str, artifact: str, message: str) -> None:
        r = policy.rules[rule]
        if r.enabled:
            findings.append({"rule": rule, "severity": r.severity, "artifact": artifact, "message": message})

    def on(rule: str) -> bool:
        return policy.rules[rule].enabled

    artifacts = store.find_nodes(kinds=policy.applies_to)
    for rec in artifacts:
        owner_claims = view.effective(rec.id, "owner")
        deps = at_risk.get(rec.id, set())
        risk_note = f"; {len(deps)} deployment(s) depend on it" if deps else ""
        if not owner_claims:
            add("no-owner", rec.id, f"{rec.kind.value} {rec.name} has no owner{risk_note}")
        elif not view.active_owners(rec.id):
            names = ", ".join(c.owner for c in owner_claims)
            add("inactive-owner", rec.id,
                f"{rec.kind.value} {rec.name} has no active owner (owners: {names}){risk_note}")
        steward_rule = policy.rules["no-steward"]
        if not view.active_stewards(rec.id) and (deps or not steward_rule.only_at_risk):
            add("no-steward", rec.id, f"{rec.kind.value} {rec.name} has no active steward (backup){risk_note}")
        if on("owner-conflict"):
            by_origin: dict[str, set[str]] = {}
            for c in view.claims(rec.id):
                if c.role == "owner":
                    by_origin.setdefault(c.origin, set()).add(c.owner)
            if len({frozenset(v) for v in by_origin.values()}) > 1:
                parts = "; ".join(f"{o}: {', '.join(sorted(v))}" for o, v in sorted(by_origin.items()))
                winner = view.effective(rec.id, "owner")[0].origin
                add("owner-conflict", rec.id, f"sources disagree on the owner of {rec.name} ({parts}); {winner} wins")

    if on("no-lineage"):
        versions = store.find_nodes(kinds=[NodeKind.MODEL_VERSION])
        if versions:
            producers = {e.dst: e.src for e in store.edges(kinds=[EdgeKind.PRODUCED], dst=[v.id for v in versions])}
            for v in versions:
                run = producers.get(v.id)
                if run is None:
                    add("no-lineage", v.id, f"model version {v.name} is not linked to a training run")
                    continue
                upstream = store.reach([run], way="up")
                if not any(n.startswith("dataset:") for n in upstream):
                    add("no-lineage", v.id, f"model version {v.name} was trained by {run}, which has no input dataset")

    if on("stale-runs"):
        days = policy.rules["stale-runs"].days
        limit = now - timedelta(days=days)
        runs_above: dict[str, list[str]] = {}  # deployment -> upstream runs, from the walks already made
        for node, deps in at_risk.items():
            if node.startswith("run:"):
                for d in deps:
                    runs_above.setdefault(d, []).append(node)
        for dep in store.find_nodes(kinds=[NodeKind.DEPLOYMENT]):
            runs = store.get_nodes(runs_above.get(dep.id, []))
            times = [t for r in runs.values()
                     if (t := parse_time(r.props.get("started_at")) or parse_time(r.props.get("ended_at")))]
            if runs and times and max(times) < limit:
                add("stale-runs", dep.id,
                    f"deployment {dep.name}: latest upstream run is from {max(times).date()}, over {days} days ago")

    if on("dangling-owner"):
        for artifact, claims in sorted(view.claims_on.items()):
            for c in claims:
                if not view.is_known(c.owner) and not _unresolved(view, c.owner):
                    add("dangling-owner", artifact,
                        f"{c.role} {c.owner} (from {c.source}) is not a known person or team")
    if on("empty-team"):
        for team in sorted(view.teams.values(), key=lambda t: t.id):
            if view.is_known(team.id) and not view.active_members(team.id):
                add("empty-team", team.id, f"team {team.name} has no active member")
    if on("unresolved-identity"):
        for person in sorted(view.people.values(), key=lambda p: p.id):
            if person.props.get("unresolved"):
                add("unresolved-identity", person.id,
                    f"{person.id} (seen in {', '.join(person.sources)}) maps to no known person; add it to a "
                    "catalog Person's aliases")

    findings.sort(key=lambda f: (-SEVERITY_ORDER[f["severity"]], f["rule"], f["artifact"], f["message"]))
    summary = Counter(f["rule"] for f in findings)
    return {
        "findings": findings,
        "summary": {rule: summary.get(rule, 0) for rule in RULES if policy.rules[rule].enabled},
        "by_severity": dict(sorted(Counter(f["severity"] for f in findings).items())),
        "audited": len(artifacts),
    }


def _unresolved(view: OwnershipView, owner: str) -> bool:
    rec = view.people.get(owner)
    return rec is not None and bool(rec.props.get("unresolved"))


def gate(result: dict[str, Any], fail_on: str | None) -> bool:
    """True when the audit passes the gate (no finding at or above ``fail_on``)."""
    if fail_on is None:
        return True
    threshold = SEVERITY_ORDER[fail_on]
    return not any(SEVERITY_ORDER[f["severity"]] >= threshold for f in result["findings"])
