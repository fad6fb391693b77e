"""The lean reads SPOF and audit use at scale (issue 12), on both stores, against what they replace:
``node_summaries`` / ``edge_triples`` against the generic definitions over ``find_nodes`` /
``get_nodes`` / ``edges``; ``load_whole_view`` against ``OwnershipView.load``; and the audit's
ownership rules (computed once per claim signature) against a reference that asks the view about
every artifact one by one -- on random organisations with containers, inheritance, two claim
origins, sub-teams, people who left and unresolved names (tests/contract/test_reference.py)."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from steward.analysis import audit, spof
from steward.analysis.audit import Policy
from steward.analysis.common import deployments_at_risk
from steward.analysis.ownership import OwnershipView, load_whole_view
from steward.graph import CONTAINER_EDGES, FLOW_EDGES, LINEAGE_EDGES, EdgeKind, NodeKind
from steward.store import GraphStore
from tests.contract.test_reference import _draw_org, _reload

KIND_SETS = [None, [NodeKind.DATASET, NodeKind.JOB, NodeKind.MODEL, NodeKind.DEPLOYMENT], [NodeKind.RUN],
             [NodeKind.MODEL_VERSION]]


def _reference_ownership_findings(store: GraphStore, policy: Policy) -> list[dict[str, Any]]:
    """The audit's per-artifact rules as they were written before the signature memo: one artifact at a time."""
    view = OwnershipView.load(store)
    at_risk = deployments_at_risk(store)
    out = []

    def add(rule: str, artifact: str, message: str) -> None:
        out.append({"rule": rule, "severity": policy.rules[rule].severity, "artifact": artifact, "message": message})

    for rec in store.find_nodes(kinds=policy.applies_to):
        owner_claims = view.effective(rec.id, "owner")
        deps = at_risk.get(rec.id, set())
        risk_note = f"; {len(deps)} deployment(s) depend on it" if deps else ""
        if not owner_claims:
            add("no-owner", rec.id, f"{rec.kind.value} {rec.name} has no owner{risk_note}")
        elif not view.active_owners(rec.id):
            names = ", ".join(c.owner for c in owner_claims)
            add("inactive-owner", rec.id,
                f"{rec.kind.value} {rec.name} has no active owner (owners: {names}){risk_note}")
        if not view.active_stewards(rec.id) and (deps or not policy.rules["no-steward"].only_at_risk):
            add("no-steward", rec.id, f"{rec.kind.value} {rec.name} has no active steward (backup){risk_note}")
        by_origin: dict[str, set[str]] = {}
        for c in view.claims(rec.id):
            if c.role == "owner":
                by_origin.setdefault(c.origin, set()).add(c.owner)
        if len({frozenset(v) for v in by_origin.values()}) > 1:
            parts = "; ".join(f"{o}: {', '.join(sorted(v))}" for o, v in sorted(by_origin.items()))
            winner = view.effective(rec.id, "owner")[0].origin
            add("owner-conflict", rec.id, f"sources disagree on the owner of {rec.name} ({parts}); {winner} wins")
    return out


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_lean_reads_and_the_audit_memo_match_their_references_on_both_stores(
    embedded_store: GraphStore, neo4j_store: GraphStore, data: Any
) -> None:
    org = _draw_org(data)
    applies_to = data.draw(st.sampled_from([*KIND_SETS[1:], [NodeKind.RUN, NodeKind.MODEL_VERSION, NodeKind.JOB]]),
                           label="applies_to")
    answers = []
    for store in (embedded_store, neo4j_store):
        _reload(store, org)
        for kinds in KIND_SETS:
            assert store.node_summaries(kinds=kinds) == GraphStore.node_summaries(store, kinds=kinds)
            some = [*org["artifacts"][::2], "dataset:absent"]
            assert store.node_summaries(kinds=kinds, ids=some) == GraphStore.node_summaries(store, kinds=kinds,
                                                                                            ids=some)
        assert store.node_summaries(ids=[]) == []
        for edge_kinds in (sorted(CONTAINER_EDGES), sorted(FLOW_EDGES), sorted(LINEAGE_EDGES), [EdgeKind.OWNS]):
            assert store.edge_triples(kinds=edge_kinds) == GraphStore.edge_triples(store, kinds=edge_kinds)
            src = org["artifacts"][1::2]
            assert store.edge_triples(kinds=edge_kinds, src=src) == GraphStore.edge_triples(store, kinds=edge_kinds,
                                                                                           src=src)
        for way in ("up", "down"):
            starts = [*org["artifacts"][::3], "dataset:absent"]
            for walk_kinds in (sorted(LINEAGE_EDGES - CONTAINER_EDGES), sorted(LINEAGE_EDGES)):
                assert store.reached_by(starts, way=way, kinds=walk_kinds) == GraphStore.reached_by(  # type: ignore[arg-type]
                    store, starts, way=way, kinds=walk_kinds)  # type: ignore[arg-type]
        whole = OwnershipView.load(store)
        assert load_whole_view(store) == whole
        claimed_only = load_whole_view(store, all_members=False)
        assert claimed_only.parent_of == {m: c for m, c in whole.parent_of.items() if m in whole.claims_on}
        claimed_only.parent_of = whole.parent_of
        assert claimed_only == whole
        policy = Policy(applies_to=applies_to)
        result = audit(store, policy=policy)
        mine = [f for f in result["findings"]
                if f["rule"] in ("no-owner", "inactive-owner", "no-steward", "owner-conflict")]
        ref = _reference_ownership_findings(store, policy)
        key = lambda f: (f["rule"], f["artifact"], f["message"])  # noqa: E731
        assert sorted(mine, key=key) == sorted(ref, key=key)
        answers.append((result, spof(store)))
    assert answers[0] == answers[1], "the two stores disagree"
