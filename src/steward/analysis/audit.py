"""Ownership audit against a policy; the exit status can gate CI.

The default policy (every key may be overridden in a YAML file, see ``steward audit --help``)::

    applies_to: [Dataset, Job, Model, Deployment, Evaluation]   # kinds that must have owners
    rules:
      no-owner:            {severity: error}
      inactive-owner:      {severity: error}
      no-steward:          {severity: warning, only_at_risk: true}   # only artifacts deployments depend on
      no-lineage:          {severity: warning}   # a model version not linked to a training run and a dataset
      stale-runs:          {severity: warning, days: 30}   # a deployed model version whose latest training run is older
      owner-conflict:      {severity: warning}   # sources name different owners
      dangling-owner:      {severity: error}     # an owner no source describes
      empty-team:          {severity: warning}   # a team with no active member
      unresolved-identity: {severity: warning}   # a name that maps to no known person
      unresolved-owner:    {severity: warning}   # an artifact whose effective owner or steward is such a name
      unknown-reference:   {severity: error}     # a deployment serves or depends on something no source describes
      handoff-pending:     {severity: warning}   # a leaver's handoff transfer (change request) not yet decided
      suspect:             {severity: warning}   # under an unresolved incident, or downstream of one
      review-overdue:      {severity: warning}   # a review the policy's `reviews` cadence asks for is overdue
      attestation-expired: {severity: warning}   # an ownership re-attestation the cadence asks for is overdue
    reviews: []   # review cadences (steward.governance.reviews.ReviewCadence), e.g.
                  # - {type: drift, every_days: 30, kinds: [ModelVersion], environments: [production]}
                  # - {type: ownership, every_days: 90, at_risk: true}
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from steward.analysis.atrisk import load_at_risk
from steward.analysis.bulk import without_cycle_collection
from steward.analysis.common import parse_time
from steward.analysis.ownership import OwnershipView, load_whole_view
from steward.errors import ConfigError
from steward.governance.cadence import ReviewCadence
from steward.graph import MEMBER_EDGE, STUB_PROP, EdgeKind, NodeKind, is_kind, kind_of_id, parse_id
from steward.store.base import GraphStore
from steward.yamlfile import read_mapping

__all__ = ["RULES", "SEVERITY_ORDER", "Policy", "audit", "load_policy"]

Severity = Literal["error", "warning", "info"]
SEVERITY_ORDER: dict[str, int] = {"info": 0, "warning": 1, "error": 2}
RULES = (
    "no-owner", "inactive-owner", "no-steward", "no-lineage", "stale-runs", "owner-conflict",
    "dangling-owner", "empty-team", "unresolved-identity", "unresolved-owner", "unknown-reference",
    "handoff-pending",
    "suspect",
    "review-overdue", "attestation-expired",
)


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled: bool = Field(True, description="Run this rule")
    severity: Severity = Field("warning", description="error, warning or info")
    only_at_risk: bool = Field(False, description="Only artifacts that some deployment depends on")
    days: int = Field(30, ge=1, le=36_500, description="stale-runs: age in days after which a training run is stale")


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
        "unresolved-owner": Rule(severity="warning"),
        "unknown-reference": Rule(severity="error"),
        "handoff-pending": Rule(severity="warning"),
        "suspect": Rule(severity="warning"),
        "review-overdue": Rule(severity="warning"),
        "attestation-expired": Rule(severity="warning"),
    }


class Policy(BaseModel):
    model_config = ConfigDict(extra="forbid")

    applies_to: list[NodeKind] = Field(
        default_factory=lambda: [NodeKind.DATASET, NodeKind.JOB, NodeKind.MODEL, NodeKind.DEPLOYMENT,
                                 NodeKind.EVALUATION],
        description="Artifact kinds that must have owners and stewards",
    )
    rules: dict[str, Rule] = Field(default_factory=_default_rules, description="Rule settings by name")
    reviews: list[ReviewCadence] = Field(default_factory=list, description="Review cadences (none by default)")


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


@without_cycle_collection
def audit(store: GraphStore, *, policy: Policy | None = None, now: datetime | None = None) -> dict[str, Any]:
    """Findings ``{rule, severity, artifact, message}`` sorted by severity, rule, artifact; a summary per rule."""
    policy = policy or Policy()
    now = now or datetime.now(UTC)
    # members (runs, model versions, commits) are asked about when the policy audits their kind;
    # otherwise only those with claims of their own (the rules over claims)
    view = load_whole_view(store, all_members=any(k in MEMBER_EDGE for k in policy.applies_to))
    at_risk = load_at_risk(store)  # bits per node: the per-node sets only if the reviews ask for them
    findings: list[dict[str, Any]] = []
    last: dict[str, str] = {}  # rule -> the artifact of its last finding
    unordered: set[str] = set()  # rules whose findings did not come in (artifact, message) order

    def add(rule: str, artifact: str, message: str) -> None:
        r = policy.rules[rule]
        if r.enabled:
            prev = last.get(rule)
            if prev is not None and prev >= artifact:
                unordered.add(rule)
            last[rule] = artifact
            findings.append({"rule": rule, "severity": r.severity, "artifact": artifact, "message": message})

    def on(rule: str) -> bool:
        return policy.rules[rule].enabled

    artifacts = store.node_summaries(kinds=policy.applies_to)
    ownership = _ownership_memo(view, on("owner-conflict"))
    risk_count = at_risk.count_by_id()
    kind_text = {k: k.value for k in NodeKind}
    steward_rule = policy.rules["no-steward"]
    for aid, kind, name in artifacts:
        has_owner, owner_names, active_owner, active_steward, conflict = ownership(aid)
        deps = risk_count.get(aid, 0)
        risk_note = f"; {deps} deployment(s) depend on it" if deps else ""
        what = kind_text[kind]
        if not has_owner:
            add("no-owner", aid, f"{what} {name} has no owner{risk_note}")
        elif not active_owner:
            add("inactive-owner", aid,
                f"{what} {name} has no active owner (owners: {owner_names}){risk_note}")
        if not active_steward and (deps or not steward_rule.only_at_risk):
            add("no-steward", aid, f"{what} {name} has no active steward (backup){risk_note}")
        if conflict is not None:
            parts, winner = conflict
            add("owner-conflict", aid, f"sources disagree on the owner of {name} ({parts}); {winner} wins")

    if on("no-lineage"):
        versions = store.node_summaries(kinds=[NodeKind.MODEL_VERSION])
        if versions:
            producers = {e.dst: e.src for e in store.edges(kinds=[EdgeKind.PRODUCED], dst=[v for v, _, _ in versions])}
            for vid, _kind, vname in versions:
                run = producers.get(vid)
                if run is None:
                    add("no-lineage", vid, f"model version {vname} is not linked to a training run")
                    continue
                upstream = store.reach([run], way="up")
                if not any(is_kind(n, NodeKind.DATASET) for n in upstream):
                    add("no-lineage", vid, f"model version {vname} was trained by {run}, which has no input dataset")

    if on("stale-runs"):
        days = policy.rules["stale-runs"].days
        for version, run, trained, serving in _deployed_training(store):
            if trained < now - timedelta(days=days):
                age = (now - trained).days
                add("stale-runs", version,
                    f"model version {parse_id(version)[1]} serves {', '.join(serving)}; its latest training run {run} "
                    f"is from {trained.date()}, {age} days ago (over {days})")

    dangling: dict[str, bool] = {}  # owner -> neither known nor an unresolved name (asked once per owner)
    unresolved: dict[str, bool] = {}  # owner -> an unresolved name
    if on("dangling-owner"):
        for artifact, claims in sorted(view.claims_on.items()):
            for c in claims:
                bad = dangling.get(c.owner)
                if bad is None:
                    bad = dangling[c.owner] = not view.is_known(c.owner) and not view.ids.is_unresolved(c.owner)
                if bad:
                    add("dangling-owner", artifact,
                        f"{c.role} {c.named_as} (from {c.source}) is not a known person or team")
    if on("unresolved-owner"):
        for owner in {c.owner for claims in view.claims_on.values() for c in claims}:
            unresolved[owner] = view.ids.is_unresolved(owner)
        for artifact in sorted(view.claims_on):
            # an artifact with no container has only its own claims to choose from: none unresolved, none to report
            if artifact not in view.parent_of and not any(unresolved[c.owner] for c in view.claims_on[artifact]):
                continue
            for c in view.unresolved(artifact):
                add("unresolved-owner", artifact,
                    f"{c.role} {c.named_as} (from {c.source}) maps to no known person, so it cannot be paged; "
                    "add it to a catalog Person's aliases")
    if on("empty-team"):
        for team in sorted(view.ids.teams.values(), key=lambda t: t.id):
            if view.is_known(team.id) and view.ids.canonical(team.id) == team.id and not view.expand(team.id):
                add("empty-team", team.id, f"team {team.name} has no active member (nor any sub-team with one)")
    if on("unresolved-identity"):
        for pid in view.ids.unresolved_people():
            person = view.ids.people[pid]
            add("unresolved-identity", pid,
                f"{pid} (seen in {', '.join(person.sources)}) maps to no known person; add it to a "
                "catalog Person's aliases")
    if on("unknown-reference"):
        needed = store.edges(kinds=[EdgeKind.DEPLOYED_TO, EdgeKind.FEEDS])
        known = store.get_nodes({e.src for e in needed})
        for e in needed:
            if e.src not in known or known[e.src].props.get(STUB_PROP):
                what = "serves" if e.kind is EdgeKind.DEPLOYED_TO else "depends on"
                add("unknown-reference", e.dst, f"{parse_id(e.dst)[1]} {what} {e.src}, which no source describes")

    if on("handoff-pending"):
        for change in store.get_records("change"):  # change requests: steward.governance.changes
            doc = change.doc
            handing = doc.get("handoff")
            if doc.get("status") == "open" and isinstance(handing, dict):
                add("handoff-pending", str(doc.get("artifact")),
                    f"handoff from {handing.get('from')} to {handing.get('to')} awaits approval (change {change.id}, "
                    f"requested by {doc.get('requested_by')})")

    if on("suspect"):
        from steward.incidents.core import suspect_index  # incidents build on the analyses

        for artifact, marks in sorted(suspect_index(store).items()):
            said = "; ".join(f"{m['incident']} ({m['severity']}, {m['status']}): {m['title']}"
                             + ("" if m["distance"] == 0 else f", {m['distance']} step(s) downstream of {m['root']}")
                             for m in marks)
            add("suspect", artifact, f"suspect while incident(s) are unresolved: {said}")
    review_rules = [r for r in ("review-overdue", "attestation-expired") if on(r)]
    if policy.reviews and review_rules:
        from steward.governance.reviews import review_findings

        for f in review_findings(store, policy.reviews, now=now, at_risk=at_risk.as_sets(),
                                 rules=review_rules):
            findings.append({**f, "severity": policy.rules[f["rule"]].severity})

    # sorted by (severity, rule, artifact, message): a rule has one severity, so per rule by (artifact,
    # message) -- each rule's findings mostly come in artifact order already, which a stable sort sees
    by_rule: dict[str, list[dict[str, Any]]] = {}
    for f in findings:
        by_rule.setdefault(f["rule"], []).append(f)
    findings = []
    for rule in sorted(by_rule, key=lambda r: (-SEVERITY_ORDER[by_rule[r][0]["severity"]], r)):
        fs = by_rule[rule]
        findings += sorted(fs, key=lambda f: (f["artifact"], f["message"])) if rule in unordered else fs
    summary = {rule: len(fs) for rule, fs in by_rule.items()}
    severities: Counter[str] = Counter()
    for fs in by_rule.values():
        severities[fs[0]["severity"]] += len(fs)
    return {
        "findings": findings,
        "summary": {rule: summary.get(rule, 0) for rule in RULES if policy.rules[rule].enabled},
        "by_severity": dict(sorted(severities.items())),
        "audited": len(artifacts),
    }


Ownership = tuple[bool, str, bool, bool, tuple[str, str] | None]


def _ownership_memo(view: OwnershipView, conflicts: bool) -> Callable[[str], Ownership]:
    """artifact -> (has an effective owner claim, the effective owners' ids joined, has an active
    owner, has an active steward, (sources' owners, winning origin) when sources disagree on the
    owner and ``conflicts``). Computed once per claim signature: an artifact with no container
    (nothing to inherit) answers like any other whose own claims name the same (owner, role,
    origin, source) in the same order, as the view ranks and picks claims by those alone (most
    artifacts have no claim at all, or one from the same few teams). Members are asked one by one."""
    memo: dict[tuple[tuple[str, str, str, str], ...], Ownership] = {}

    def compute(artifact: str) -> Ownership:
        owner_claims = view.effective(artifact, "owner")
        conflict = None
        if conflicts:
            by_origin: dict[str, set[str]] = {}
            for c in view.claims(artifact):
                if c.role == "owner":
                    by_origin.setdefault(c.origin, set()).add(c.owner)
            if len({frozenset(v) for v in by_origin.values()}) > 1:
                parts = "; ".join(f"{o}: {', '.join(sorted(v))}" for o, v in sorted(by_origin.items()))
                conflict = (parts, view.effective(artifact, "owner")[0].origin)
        return (bool(owner_claims), ", ".join(c.owner for c in owner_claims), bool(view.active_owners(artifact)),
                bool(view.active_stewards(artifact)), conflict)

    claims_on, parent_of = view.claims_on, view.parent_of

    def ownership(artifact: str) -> Ownership:
        if artifact in parent_of:
            return compute(artifact)
        own = claims_on.get(artifact)
        sig = () if own is None else tuple((c.owner, c.role, c.origin, c.source) for c in own)
        got = memo.get(sig)
        if got is None:
            got = memo[sig] = compute(artifact)
        return got

    return ownership


def _deployed_training(store: GraphStore) -> list[tuple[str, str, datetime, list[str]]]:
    """(model version, its latest training run, when it ran, the deployments it serves) for every
    deployed model version with a dated training run."""
    served: dict[str, list[str]] = {}
    for e in store.edges(kinds=[EdgeKind.DEPLOYED_TO]):
        if kind_of_id(e.src) is NodeKind.MODEL_VERSION:
            served.setdefault(e.src, []).append(e.dst)
    if not served:
        return []
    producers: dict[str, list[str]] = {}
    for e in store.edges(kinds=[EdgeKind.PRODUCED], dst=sorted(served)):
        if kind_of_id(e.src) is NodeKind.RUN:
            producers.setdefault(e.dst, []).append(e.src)
    runs = store.get_nodes(sorted({r for rs in producers.values() for r in rs}))
    out = []
    for version in sorted(producers):
        dated = [(t, r) for r in producers[version] if r in runs
                 and (t := parse_time(runs[r].props.get("ended_at")) or parse_time(runs[r].props.get("started_at")))]
        if dated:
            when, run = max(dated)
            out.append((version, run, when, sorted(set(served[version]))))
    return out


def gate(result: dict[str, Any], fail_on: str | None) -> bool:
    """True when the audit passes the gate (no finding at or above ``fail_on``)."""
    if fail_on is None:
        return True
    threshold = SEVERITY_ORDER[fail_on]
    return not any(SEVERITY_ORDER[f["severity"]] >= threshold for f in result["findings"])
