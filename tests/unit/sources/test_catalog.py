"""The YAML catalog: Steward kinds and Backstage documents become people, teams, claims, deployments."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

from steward.graph import Edge, Node, OwnershipClaim
from steward.sources.base import Record, SourceContext
from steward.sources.catalog import CatalogSource, CatalogSourceConfig
from steward.store import open_store

DATA = Path(__file__).parents[2] / "data" / "catalog"
SEEN = "2026-11-02T10:00:00.000Z"


def run(base: Path, *paths: str) -> tuple[CatalogSource, list[Record]]:
    src = CatalogSource(CatalogSourceConfig(paths=list(paths)), context=SourceContext(base_dir=base, seen_at=SEEN))
    return src, list(src.records())


def nodes(recs: list[Record]) -> dict[str, Node]:
    return {r.id: r for r in recs if isinstance(r, Node)}


def edges(recs: list[Record]) -> set[tuple[str, str, str]]:
    return {(r.src, r.kind.value, r.dst) for r in recs if isinstance(r, Edge)}


def claims(recs: list[Record]) -> set[tuple[str, str, str]]:
    return {(c.owner, c.role, c.artifact) for c in recs if isinstance(c, OwnershipClaim)}


def write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(textwrap.dedent(text).lstrip())
    return p


# ---- Steward kinds ------------------------------------------------------------------------------

def test_people_teams_ownership_and_deployments() -> None:
    src, recs = run(DATA, "people.yaml")
    assert not src.report.warnings
    assert not src.report.failures
    n = nodes(recs)
    ada, bob, carol = "person:ada.lovelace@acme.com", "person:bob@acme.com", "person:carol@acme.com"
    assert n[ada].name == "Ada Lovelace"
    assert n[ada].props["active"] is True
    assert n[ada].props["aliases"] == ["ada@acme.com", "@ada", "alovelace"]
    assert n[carol].props["active"] is False
    assert n[carol].props["left_at"] == "2026-09-30"
    assert n["team:churn"].props["handle"] == "@acme/churn-team"
    assert n["team:churn"].name == "Churn modelling"
    # members given by an alias land on the declared person, not on a second node
    assert {(ada, "MEMBER_OF", "team:churn"), (bob, "MEMBER_OF", "team:churn"),
            (ada, "MEMBER_OF", "team:data")} <= edges(recs)
    assert not any(e[0] in ("person:@bob", "person:ada@acme.com") for e in edges(recs))

    prod = "deployment:prod/churn-api"
    assert n[prod].props == {"environment": "prod", "serves": "model:churn@champion",
                             "runbook": "https://wiki.acme.com/runbooks/churn-api"}
    assert ("model_version:churn@champion", "DEPLOYED_TO", prod) in edges(recs)
    assert ("model_version:churn/7", "DEPLOYED_TO", "deployment:staging/churn-shadow") in edges(recs)
    assert claims(recs) == {
        ("team:churn", "owner", "model:churn"),
        (ada, "steward", "model:churn"),
        (carol, "steward", "model:churn"),
        ("team:churn", "owner", prod),
        (bob, "steward", prod),
    }
    assert all(c.origin == "catalog" for c in recs if isinstance(c, OwnershipClaim))


def test_catalog_lands_in_the_store(tmp_path: Path) -> None:
    _, recs = run(DATA, "*.yaml")
    store = open_store(f"sqlite:///{tmp_path / 'g.db'}", create=True)
    store.upsert(nodes=[r for r in recs if isinstance(r, Node)], edges=[r for r in recs if isinstance(r, Edge)],
                 claims=[r for r in recs if isinstance(r, OwnershipClaim)])
    carol = store.get_nodes(["person:carol@acme.com"])["person:carol@acme.com"]
    assert carol.props["active"] is False
    owns = store.edges(dst=["model:churn"])
    assert {(e.src, e.props["role"]) for e in owns} == {
        ("team:churn", "owner"), ("person:ada.lovelace@acme.com", "steward"), ("person:carol@acme.com", "steward")}
    store.close()


# ---- Backstage ----------------------------------------------------------------------------------

def test_backstage_users_groups_and_annotated_components() -> None:
    src, recs = run(DATA, "backstage.yaml")
    assert not src.report.warnings
    assert not src.report.failures
    n = nodes(recs)
    jane = "person:jdoe@acme.com"
    assert n[jane].name == "Jane Doe"
    assert n[jane].props["aliases"] == ["user:jdoe"]
    assert "person:kim" in n  # no e-mail: known by the Backstage name
    assert n["team:data"].props == {"email": "data@acme.com", "parent": "team:engineering"}
    assert {(jane, "MEMBER_OF", "team:data"), ("person:kim", "MEMBER_OF", "team:data"),
            ("team:data", "MEMBER_OF", "team:engineering")} == edges(recs)  # a sub-team is a member of its parent
    assert claims(recs) == {
        ("team:data", "owner", "dataset:s3://lake/curated/sessions"),
        (jane, "owner", "dataset:s3://lake/models/churn_scores"),  # user:jdoe resolved to her e-mail
    }
    assert src.report.info["ignored_documents"] == {
        "backstage:API": 1, "backstage:Component without steward/artifact": 1}


# ---- problems -----------------------------------------------------------------------------------

BAD = """
apiVersion: steward/v1
kind: Person
metadata:
  name: ok
spec:
  email: ok@acme.com
---
kind: Person
metadata:
  name: no-api-version
spec:
  email: x@acme.com
---
apiVersion: steward/v1
kind: Person
metadata:
  name: no-email
spec:
  displayName: Nobody
---
apiVersion: steward/v1
kind: Ownership
metadata:
  name: typo
spec:
  artifact: model:churn
  owners: [churn]
  stewrads: [bob@acme.com]
---
apiVersion: steward/v1
kind: Person
metadata:
  name: wrong-type
spec:
  email: y@acme.com
  aliases:
    - "@y"
    - 42
---
apiVersion: steward/v1
kind: Deployment
metadata:
  name: bad-serves
spec:
  environment: prod
  serves: churn
---
apiVersion: steward/v1
kind: Ownership
metadata:
  name: owner-is-a-component
spec:
  artifact: model:churn
  owners: [component:web]
---
apiVersion: steward/v1
kind: Ownership
metadata:
  name: owns-a-person
spec:
  artifact: person:ok@acme.com
  owners: [team:x]
---
apiVersion: steward/v1
kind: Widget
metadata:
  name: what
---
apiVersion: steward/v1
kind: Team
metadata: {}
---
- just
- a list
---
apiVersion: acme/v9
kind: Person
metadata:
  name: foreign
"""


def test_bad_documents_are_reported_with_file_document_and_line(tmp_path: Path) -> None:
    f = write(tmp_path, "bad.yaml", BAD)
    src, recs = run(tmp_path, "bad.yaml")
    assert set(nodes(recs)) == {"person:ok@acme.com"}  # the one good document still counts
    assert not src.report.failures
    by_doc = {w.context["document"]: w for w in src.report.warnings}
    assert sorted(by_doc) == list(range(2, 13))
    assert all(w.context["file"] == str(f) for w in by_doc.values())
    lines = BAD.lstrip().splitlines()

    def line_of(doc: int) -> str:
        return lines[by_doc[doc].context["line"] - 1]

    assert "apiVersion: missing" in by_doc[2].message
    assert "spec.email: missing" in by_doc[3].message
    assert "spec.stewrads: unknown key (allowed: artifact, owners, stewards)" in by_doc[4].message
    assert line_of(4).strip().startswith("stewrads:")  # the line points at the typo
    assert "spec.aliases[1]: expected a string, got int" in by_doc[5].message
    assert line_of(5).strip() == "- 42"
    assert "spec.serves" in by_doc[6].message
    assert "model:<name>@<alias>" in by_doc[6].message
    assert "spec.owners[0]" in by_doc[7].message
    assert "'component'" in by_doc[7].message
    assert "not an artifact" in by_doc[8].message
    assert "'Widget' is not a steward/v1 kind" in by_doc[9].message
    assert "metadata.name: missing" in by_doc[10].message
    assert "expected a mapping" in by_doc[11].message
    assert "apiVersion 'acme/v9' is not supported" in by_doc[12].message
    assert all(f"{f}:{w.context['line']}: document {d} skipped" in w.message for d, w in by_doc.items())


def test_yaml_syntax_error_fails_the_file_and_nothing_of_it_is_used(tmp_path: Path) -> None:
    shutil.copy(DATA / "people.yaml", tmp_path / "good.yaml")
    broken = write(tmp_path, "broken.yaml", """
        apiVersion: steward/v1
        kind: Person
        metadata:
          name: dan
        spec:
          email: dan@acme.com
        ---
        apiVersion: steward/v1
        kind: Person
        metadata: {name: eve
        spec:
          email: eve@acme.com
        """)
    src, recs = run(tmp_path, "*.yaml")
    [failure] = src.report.failures
    assert failure.context["file"] == str(broken)
    assert failure.context["line"] in (11, 12)  # where the unclosed flow mapping is detected
    assert "YAML syntax error" in failure.message
    assert "person:dan@acme.com" not in nodes(recs)
    assert "person:bob@acme.com" in nodes(recs)  # other files are still read
    assert src.report.complete is False


def test_missing_paths_and_duplicates(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", """
        apiVersion: steward/v1
        kind: Team
        metadata: {name: data}
        ---
        apiVersion: steward/v1
        kind: Team
        metadata: {name: data}
        spec: {handle: "@acme/data"}
        """)
    src, recs = run(tmp_path, "a.yaml", "missing.yaml", "more/*.yml")
    assert [f.message for f in src.report.failures] == ["missing.yaml: no such file", "more/*.yml: matched no files"]
    [dup] = src.report.warnings
    assert "team:data is also defined" in dup.message
    assert dup.context["document"] == 2
    assert [r.props.get("handle") for r in recs if isinstance(r, Node)] == [None, "@acme/data"]


# ---- deployments depend on any artifact; teams nest -------------------------------------------------

def test_a_deployment_serves_and_depends_on_any_artifact(tmp_path: Path) -> None:
    write(tmp_path, "deps.yaml", """
        apiVersion: steward/v1
        kind: Deployment
        metadata: {name: revenue-dashboard}
        spec:
          environment: prod
          serves: dataset:s3://lake/gold/rev
          depends_on: [deployment:prod/churn-api, "model:churn@champion", model_version:churn/3, model:ranker]
        ---
        apiVersion: steward/v1
        kind: Deployment
        metadata: {name: bad}
        spec:
          environment: prod
          depends_on: [person:ada@x.com]
        """)
    src, recs = run(tmp_path, "deps.yaml")
    dash = "deployment:prod/revenue-dashboard"
    assert edges(recs) == {
        ("dataset:s3://lake/gold/rev", "DEPLOYED_TO", dash),
        ("deployment:prod/churn-api", "FEEDS", dash),
        ("model_version:churn@champion", "FEEDS", dash),  # resolved through the registry's alias
        ("model_version:churn/3", "FEEDS", dash),
        ("model:ranker", "FEEDS", dash),
    }
    (warning,) = src.report.warnings
    assert "deps.yaml:" in warning.message and "spec.depends_on[0]" in warning.message


def test_team_hierarchy_from_steward_and_backstage_documents(tmp_path: Path) -> None:
    write(tmp_path, "teams.yaml", """
        apiVersion: steward/v1
        kind: Team
        metadata: {name: ml}
        spec: {children: [ml-ranking]}
        ---
        apiVersion: steward/v1
        kind: Team
        metadata: {name: ml-churn}
        spec: {parent: ml, members: [ada@x.com]}
        ---
        apiVersion: backstage.io/v1alpha1
        kind: Group
        metadata: {name: platform}
        spec: {type: department, children: [infra], parent: engineering}
        """)
    _, recs = run(tmp_path, "teams.yaml")
    assert edges(recs) == {
        ("team:ml-ranking", "MEMBER_OF", "team:ml"),
        ("team:ml-churn", "MEMBER_OF", "team:ml"),
        ("person:ada@x.com", "MEMBER_OF", "team:ml-churn"),
        ("team:infra", "MEMBER_OF", "team:platform"),
        ("team:platform", "MEMBER_OF", "team:engineering"),
    }
