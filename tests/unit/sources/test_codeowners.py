"""CODEOWNERS parsing and matching: GitHub's documented example, GitLab sections, linking."""

from __future__ import annotations

from pathlib import Path

import codeowners as reference
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from steward.graph import Node, NodeKind, NodeRecord
from steward.sources.codeowners import find_codeowners, link_claims, parse_codeowners

# The example file from GitHub's "About code owners" page (comments trimmed).
GITHUB_EXAMPLE = """\
# This is a comment.
*       @global-owner1 @global-owner2
*.js    @js-owner #This is an inline comment.
*.go docs@example.com
*.txt @octo-org/octocats
/build/logs/ @doctocat
docs/*  docs@example.com
apps/ @octocat
/docs/ @doctocat
/scripts/ @doctocat @octocat
**/logs @octocat
/apps/ @octocat
/apps/github
"""


@pytest.mark.parametrize(
    ("path", "owners"),
    [
        ("README.md", ["person:@global-owner1", "person:@global-owner2"]),
        ("src/app.js", ["person:@js-owner"]),  # later pattern beats '*'
        ("cmd/main.go", ["person:docs@example.com"]),
        ("notes/todo.txt", ["team:@octo-org/octocats"]),
        ("build/logs/today/x.log", ["person:@octocat"]),  # '**/logs' comes after '/build/logs/'
        ("docs/getting-started.md", ["person:@doctocat"]),  # '/docs/' comes after 'docs/*'
        ("docs/build-app/troubleshooting.md", ["person:@doctocat"]),
        ("scripts/deploy.sh", ["person:@doctocat", "person:@octocat"]),
        ("deeply/nested/logs/app.log", ["person:@octocat"]),
        ("lib/apps/x.py", ["person:@octocat"]),  # 'apps/' matches at any depth
        ("apps/github/readme.md", []),  # a pattern without owners leaves it unowned
        ("apps/githubber/readme.md", ["person:@octocat"]),
    ],
)
def test_github_documented_example(path: str, owners: list[str]) -> None:
    co = parse_codeowners(GITHUB_EXAMPLE)
    assert co.owners_for(path) == owners
    assert co.problems == []


def test_docs_star_matches_direct_children_only() -> None:
    co = parse_codeowners("* @all\ndocs/*  docs@example.com\n")
    assert co.owners_for("docs/getting-started.md") == ["person:docs@example.com"]
    assert co.owners_for("docs/build-app/troubleshooting.md") == ["person:@all"]


_SEGMENTS = ["apps", "github", "docs", "build", "logs", "scripts", "src", "a.js", "b.go", "c.txt", "d.md"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_SEGMENTS), min_size=1, max_size=5))
def test_agrees_with_the_codeowners_package_on_githubs_example(segments: list[str]) -> None:
    path = "/".join(segments)
    expected = [tok.lower() for _, tok in reference.CodeOwners(GITHUB_EXAMPLE).of(path)]
    ours = [oid.split(":", 1)[1] for oid in parse_codeowners(GITHUB_EXAMPLE).owners_for(path)]
    assert ours == expected


def test_last_match_wins_and_owner_kinds() -> None:
    co = parse_codeowners(
        "*.py  @Alice\n"
        "/ml/  @Acme/ML-Platform Data.Team@Example.COM @alice\n"
        "/ml/legacy.py\n"
    )
    assert co.owners_for("tools/x.py") == ["person:@alice"]
    assert co.owners_for("ml/train.py") == ["team:@acme/ml-platform", "person:data.team@example.com",
                                            "person:@alice"]
    assert co.owners_for("ml/legacy.py") == []
    assert co.owners_for("other.txt") == []
    assert co.default_owners() == []


def test_escaped_spaces_and_match_all_patterns() -> None:
    co = parse_codeowners("/ @root\nmy\\ docs/ @writer\n")
    assert co.owners_for("my docs/intro.md") == ["person:@writer"]
    assert co.owners_for("anything/else") == ["person:@root"]
    assert co.default_owners() == ["person:@root"]


def test_bad_lines_are_skipped_with_their_line_numbers() -> None:
    co = parse_codeowners(
        "* @default\n"
        "*.py not-an-owner\n"
        "!secrets/ @sec\n"
        "[Broken\n"
        "*.md @docs\n",
        path=".github/CODEOWNERS",
    )
    assert [(p.context["line"], p.context["path"]) for p in co.problems] == [
        (2, ".github/CODEOWNERS"), (3, ".github/CODEOWNERS"), (4, ".github/CODEOWNERS")]
    assert "not-an-owner" in co.problems[0].message
    assert co.owners_for("x.py") == ["person:@default"]  # the bad line did not make *.py unowned
    assert co.owners_for("README.md") == ["person:@docs"]


GITLAB_EXAMPLE = """\
* @default-owner

[Documentation] @docs-team
docs/
README.md @tech-writer
*.md

^[Database][2] @database-team
*.sql
/db/legacy/ @dba-alice

[documentation]
/guides/ @guide-team
"""


def test_gitlab_sections_collect_owners_from_every_matching_section() -> None:
    co = parse_codeowners(GITLAB_EXAMPLE, path=".gitlab/CODEOWNERS")
    assert co.problems == []
    # default section + Documentation (entry without owners takes the section's default owners)
    assert co.owners_for("docs/index.md") == ["person:@default-owner", "person:@docs-team"]
    # within a section the last match wins: '*.md' (section default) after 'README.md @tech-writer'
    assert co.owners_for("README.md") == ["person:@default-owner", "person:@docs-team"]
    assert co.owners_for("db/schema.sql") == ["person:@default-owner", "person:@database-team"]
    assert co.owners_for("db/legacy/old.sql") == ["person:@default-owner", "person:@dba-alice"]
    # sections with the same name (any case) are one section
    assert co.owners_for("guides/start.txt") == ["person:@default-owner", "person:@guide-team"]
    assert {r.section for r in co.rules} == {None, "Documentation", "Database"}
    assert co.owners_for("src/main.go") == ["person:@default-owner"]


def test_gitlab_default_owners_span_sections() -> None:
    co = parse_codeowners("* @a\n[Security] @sec\n*\n[Ops]\n* @ops @a\n")
    assert co.default_owners() == ["person:@a", "person:@sec", "person:@ops"]


def test_find_codeowners_uses_githubs_order(tmp_path: Path) -> None:
    assert find_codeowners(tmp_path) is None
    for rel in ("docs/CODEOWNERS", ".gitlab/CODEOWNERS"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("* @x\n")
    assert find_codeowners(tmp_path) == "docs/CODEOWNERS"
    (tmp_path / "CODEOWNERS").write_text("* @x\n")
    assert find_codeowners(str(tmp_path)) == "CODEOWNERS"
    (tmp_path / ".github").mkdir()
    (tmp_path / ".github" / "CODEOWNERS").write_text("* @x\n")
    assert find_codeowners(tmp_path) == ".github/CODEOWNERS"
    assert find_codeowners({".gitlab/CODEOWNERS", "src/a.py"}) == ".gitlab/CODEOWNERS"
    assert find_codeowners(["src/CODEOWNERS"]) is None


def _repo(key: str, text: str | None, workdir: str) -> NodeRecord:
    props: dict[str, str | int | float | bool | list[str] | None] = {"workdir": workdir}
    if text is not None:
        props.update(codeowners=text, codeowners_path="CODEOWNERS")
    return NodeRecord(id=f"repo:{key}", kind=NodeKind.REPO, name=key, props=props, sources=("git",),
                      seen_at="2026-11-01T00:00:00.000Z")


def _job(name: str, **props: str) -> Node:
    return Node(id=f"job:{name}", kind=NodeKind.JOB, source="mlflow", props=dict(props))


def test_link_claims_picks_the_repo_and_relative_path() -> None:
    churn = _repo("github.com/acme/churn", "* @acme/ml\n/pipelines/ @bob\n", "/src/churn")
    infra = _repo("github.com/acme/infra", "* @acme/sre\n", "/src/infra")
    no_owners = _repo("github.com/acme/docs", None, "/src/docs")
    jobs = [
        _job("train", code_path="/src/churn/pipelines/train.py"),  # under churn's workdir
        _job("deploy", code_path="/deploy.sh", code_repo="https://github.com/Acme/Infra.git"),
        _job("docs", code_path="build.py", code_repo="github.com/acme/docs"),  # repo without CODEOWNERS
        _job("lost", code_path="/elsewhere/x.py"),  # two candidate repos, none containing it
        _job("no-code"),
    ]
    claims, problems = link_claims([churn, infra, no_owners], jobs, source="codeowners",
                                   seen_at="2026-11-01T00:00:00.000Z")
    assert sorted((c.artifact, c.owner) for c in claims) == [
        ("job:deploy", "team:@acme/sre"),
        ("job:train", "person:@bob"),
    ]
    assert all(c.role == "owner" and c.origin == "codeowners" and c.source == "codeowners" for c in claims)
    assert [p.context["artifact"] for p in problems] == ["job:lost"]


def test_link_claims_with_a_single_repo_strips_the_leading_slash() -> None:
    repo = _repo("proj", "* @all\n/ml/ @ml\n", "/checkout/proj")
    claims, problems = link_claims([repo], [_job("a", code_path="/ml/train.py"), _job("b", code_path="x.py")],
                                   source="codeowners", seen_at="2026-11-01T00:00:00.000Z")
    assert problems == []
    assert sorted((c.artifact, c.owner) for c in claims) == [("job:a", "person:@ml"), ("job:b", "person:@all")]
