"""Random organisations with containers, deployments, teams (with sub-teams), stewards, two claim
origins, inheritance and unresolved names: blast radius and chokepoints on both stores against
brute-force references written independently of the analyses (plain BFS; dominance tested by removing
each node and checking reachability)."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from steward.analysis import blast_radius, spof
from steward.graph import Edge, EdgeKind, Node, NodeKind, OwnershipClaim
from steward.store import GraphStore

PEOPLE = {"person:a@x.com": True, "person:b@x.com": True, "person:c@x.com": False}  # c has left
UNRESOLVED = "person:zed"
# t1 = {a}; t0 has no members of its own, its sub-team is t1; t2 = {c} only (nobody active)
TEAMS = {"team:t0": [], "team:t1": ["person:a@x.com"], "team:t2": ["person:c@x.com"]}
SUBTEAMS = {"team:t0": ["team:t1"]}
PRECEDENCE = ("steward", "catalog", "mlflow", "openlineage", "codeowners")
FLOW = {EdgeKind.CONSUMED_BY, EdgeKind.PRODUCED, EdgeKind.BUILT, EdgeKind.DEPLOYED_TO, EdgeKind.FEEDS}
MEMBER = {EdgeKind.RUN_OF, EdgeKind.VERSION_OF, EdgeKind.IN_REPO}


def _kind(nid: str) -> NodeKind:
    return {"dataset": NodeKind.DATASET, "run": NodeKind.RUN, "job": NodeKind.JOB, "model": NodeKind.MODEL,
            "model_version": NodeKind.MODEL_VERSION, "deployment": NodeKind.DEPLOYMENT, "commit": NodeKind.COMMIT,
            "repo": NodeKind.REPO, "person": NodeKind.PERSON, "team": NodeKind.TEAM}[nid.split(":")[0]]


def _draw_org(data: Any) -> dict[str, Any]:
    n_ds, n_runs, n_ver, n_dep = (data.draw(st.integers(lo, hi), label=lbl) for lo, hi, lbl in
                                  ((1, 7, "datasets"), (1, 6, "runs"), (1, 3, "versions"), (1, 4, "deployments")))
    ds = [f"dataset:d{i}" for i in range(n_ds)]
    runs = [f"run:r{i}" for i in range(n_runs)]
    vers = [f"model_version:m{i % 2}/{i}" for i in range(n_ver)]
    deps = [f"deployment:prod/p{i}" for i in range(n_dep)]
    commits = ["commit:c0", "commit:c1", "commit:c2"]
    edges: list[tuple[str, EdgeKind, str]] = []
    pick = data.draw
    for _ in range(pick(st.integers(0, 14), label="data edges")):
        d, r = pick(st.sampled_from(ds)), pick(st.sampled_from(runs))
        edges.append((d, EdgeKind.CONSUMED_BY, r) if pick(st.booleans()) else (r, EdgeKind.PRODUCED, d))
    for v in vers:
        if pick(st.booleans(), label="trained"):
            edges.append((pick(st.sampled_from(runs)), EdgeKind.PRODUCED, v))
        edges.append((v, EdgeKind.VERSION_OF, f"model:{v.split(':')[1].split('/')[0]}"))
    for p in deps:
        src = pick(st.sampled_from(vers + ds + deps), label="serves")
        if src != p:
            edges.append((src, EdgeKind.DEPLOYED_TO, p))
        if pick(st.booleans(), label="depends"):
            other = pick(st.sampled_from(ds + deps + vers))
            if other != p:
                edges.append((other, EdgeKind.FEEDS, p))
    for r in runs:
        if pick(st.booleans(), label="has job"):
            edges.append((r, EdgeKind.RUN_OF, f"job:j{pick(st.integers(0, 1))}"))
        if pick(st.integers(0, 3), label="built") > 0:
            edges.append((pick(st.sampled_from(commits)), EdgeKind.BUILT, r))
    edges += [("commit:c0", EdgeKind.IN_REPO, "repo:a"), ("commit:c1", EdgeKind.IN_REPO, "repo:a"),
              ("commit:c2", EdgeKind.IN_REPO, "repo:b")]
    artifacts = sorted({x for a, _, b in edges for x in (a, b)})
    # half the claims land on members and containers, where inheritance and precedence interact
    inheriting = [a for a in artifacts if a.startswith(("run:", "model_version:", "job:", "model:"))]
    owners = [*PEOPLE, *TEAMS, UNRESOLVED]
    claims = pick(st.lists(st.tuples(st.sampled_from(owners), st.sampled_from(inheriting) | st.sampled_from(artifacts),
                                     st.sampled_from(["owner", "steward"]), st.sampled_from(["catalog", "mlflow"])),
                           max_size=24), label="claims")
    return {"edges": sorted(set(edges)), "artifacts": artifacts, "claims": sorted(set(claims))}


def _reload(store: GraphStore, org: dict[str, Any], *, also: tuple[str, ...] = ()) -> None:
    """Retract what an earlier example left in the (session-long) store, from the org's sources and
    ``also``, then load ``org``."""
    for source in ("lineage", "catalog", "mlflow", *also):
        said = store.source_records(source)
        store.retract(source, nodes=said.nodes, edges=said.edges)
    _load(store, org)


def _load(store: GraphStore, org: dict[str, Any]) -> None:
    nodes = [Node(id=p, kind=NodeKind.PERSON, source="catalog", props={"active": a}) for p, a in PEOPLE.items()]
    nodes += [Node(id=t, kind=NodeKind.TEAM, source="catalog") for t in TEAMS]
    nodes += [Node(id=a, kind=_kind(a), source="lineage") for a in org["artifacts"]]
    edges = [Edge(src=a, kind=k, dst=b, source="lineage") for a, k, b in org["edges"]]
    edges += [Edge(src=m, kind=EdgeKind.MEMBER_OF, dst=t, source="catalog") for t, ms in TEAMS.items() for m in ms]
    edges += [Edge(src=s, kind=EdgeKind.MEMBER_OF, dst=t, source="catalog") for t, ss in SUBTEAMS.items() for s in ss]
    claims = [OwnershipClaim(owner=o, artifact=a, role=r, source=src, origin=src)  # type: ignore[arg-type]
              for o, a, r, src in org["claims"]]
    store.upsert(nodes=nodes, edges=edges, claims=claims)


# ---- the references ----------------------------------------------------------------------------------
def _bfs(adj: dict[str, list[str]], starts: Iterable[str], banned: str | None = None) -> dict[str, int]:
    dist = {s: 0 for s in starts if s != banned}
    queue = deque(dist)
    while queue:
        n = queue.popleft()
        for m in adj.get(n, []):
            if m not in dist and m != banned:
                dist[m] = dist[n] + 1
                queue.append(m)
    return dist


def _adj(edges: Iterable[tuple[str, EdgeKind, str]], kinds: set[EdgeKind], *, up: bool = False) -> dict[str, list[str]]:
    adj: dict[str, list[str]] = {}
    for a, k, b in edges:
        if k in kinds:
            adj.setdefault(b if up else a, []).append(a if up else b)
    return adj


def _container(org: dict[str, Any], node: str) -> str | None:
    return next((b for a, k, b in org["edges"] if a == node and k in MEMBER), None)


def _active_people(owner: str, seen: frozenset[str] = frozenset()) -> set[str]:
    if owner.startswith("person:"):
        return {owner} if PEOPLE.get(owner) else set()
    direct = {m for m in TEAMS.get(owner, []) if PEOPLE.get(m)}
    if direct:
        return direct
    return {p for sub in SUBTEAMS.get(owner, []) if sub not in seen for p in _active_people(sub, seen | {owner})}


def _effective(org: dict[str, Any], artifact: str, role: str) -> set[str]:
    parent = _container(org, artifact)
    cands = [(PRECEDENCE.index(src), 0, o) for o, a, r, src in org["claims"] if a == artifact and r == role]
    cands += [(PRECEDENCE.index(src), 1, o) for o, a, r, src in org["claims"] if a == parent and r == role]
    if not cands:
        return set()
    best = min(c[:2] for c in cands)
    return {o for rank, inh, o in cands if (rank, inh) == best}


def _reference_blast(org: dict[str, Any], root: str) -> dict[str, Any]:
    members = sorted(a for a, k, b in org["edges"] if b == root and k in MEMBER)
    adj = _adj(org["edges"], FLOW | MEMBER)
    if members:
        walked = _bfs(adj, members)
        dist = {n: d + 1 for n, d in walked.items() if n != root}
    else:
        dist = _bfs(adj, [root])
    dist[root] = 0
    listed = sorted(dist, key=lambda n: (dist[n], n))
    resp: dict[str, set[str]] = {}
    unowned = []
    for art in listed:
        owners = {p for o in _effective(org, art, "owner") for p in _active_people(o)}
        stewards = {p for o in _effective(org, art, "steward") for p in _active_people(o)}
        if not owners:
            unowned.append(art)
        for p in owners | stewards:
            resp.setdefault(p, set()).add(art)
    deployments = {n for n in listed if n.startswith("deployment:")}
    page = sorted(resp, key=lambda p: (root not in resp[p], -len(resp[p] & deployments), -len(resp[p]), p))
    return {"impacted": [(n, dist[n]) for n in listed], "page": page, "unowned": unowned}


Dominated = set[tuple[str, tuple[str, ...]]]


def _reference_chokepoints(org: dict[str, Any]) -> tuple[Dominated, Dominated]:
    edges = org["edges"]
    up = _adj(edges, FLOW, up=True)
    deployments = sorted({x for a, _, b in edges for x in (a, b) if x.startswith("deployment:")})
    at_risk: dict[str, set[str]] = {}
    for d in deployments:
        for n in _bfs(up, [d]):
            at_risk.setdefault(n, set()).add(d)
            if (c := _container(org, n)) is not None:
                at_risk.setdefault(c, set()).add(d)
    data_nodes = {n for n in at_risk if not n.startswith(("commit:", "repo:"))}
    down = {a: [b for b in bs if b in data_nodes] for a, bs in _adj(edges, FLOW).items() if a in data_nodes}
    reach_from = {n: set(_bfs(down, [n])) for n in data_nodes}
    sources = {n for n in data_nodes if not any(n in reach_from[m] and m not in reach_from[n] for m in data_nodes)}
    data: Dominated = set()
    code: Dominated = set()

    def commits_above(d: str) -> set[str]:
        return {c for c in at_risk if c.startswith("commit:") and d in at_risk[c]}

    for n, deps in at_risk.items():
        shared = deps - {n}
        if len(shared) < 2:
            continue
        if n in data_nodes:
            dominated = {d for d in shared if d not in _bfs(down, sources, banned=n)}
            if dominated:
                data.add((n, tuple(sorted(dominated))))
        elif n.startswith("commit:"):
            dominated = {d for d in shared if commits_above(d) == {n}}
            if dominated:
                code.add((n, tuple(sorted(dominated))))
        else:  # a repo: every commit upstream of the deployment is in it
            dominated = set()
            for d in shared:
                cs = commits_above(d)
                if cs and all(_container(org, c) == n for c in cs):
                    dominated.add(d)
            if dominated:
                code.add((n, tuple(sorted(dominated))))
    return data, code


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_blast_radius_and_chokepoints_match_brute_force_on_both_stores(
    embedded_store: GraphStore, neo4j_store: GraphStore, data: Any
) -> None:
    org = _draw_org(data)
    roots = data.draw(st.lists(st.sampled_from(org["artifacts"]), min_size=1, max_size=3, unique=True), label="roots")
    answers = []
    for store in (embedded_store, neo4j_store):
        _reload(store, org)
        got = []
        for root in roots:
            blast = blast_radius(store, root)
            ref = _reference_blast(org, root)
            assert [(i["id"], i["distance"]) for i in blast["impacted"]] == ref["impacted"], root
            assert [p["id"] for p in blast["page"]] == ref["page"], root
            assert blast["unowned"] == ref["unowned"], root
            for item in blast["impacted"]:
                for role in ("owner", "steward"):
                    got_eff = {o["id"] for o in item["owners"] if o["effective"] and o["role"] == role}
                    assert got_eff == _effective(org, item["id"], role), (item["id"], role)
            assert UNRESOLVED not in [p["id"] for p in blast["page"]]
            got.append(blast)
        claimed = {a for _, a, _, _ in org["claims"]}
        for art in org["artifacts"]:  # every artifact a claim decides, directly or through its container
            if art in claimed or _container(org, art) in claimed:
                entry = blast_radius(store, art, max_depth=1)["impacted"][0]
                for role in ("owner", "steward"):
                    got_eff = {o["id"] for o in entry["owners"] if o["effective"] and o["role"] == role}
                    assert got_eff == _effective(org, art, role), (art, role)
        result = spof(store)
        data_ref, code_ref = _reference_chokepoints(org)
        assert {(c["id"], tuple(c["dominates"])) for c in result["chokepoints"]} == data_ref
        assert {(c["id"], tuple(c["dominates"])) for c in result["code_chokepoints"]} == code_ref
        answers.append((got, result))
    assert answers[0] == answers[1], "the two stores disagree"
