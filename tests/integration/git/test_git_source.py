"""The git source against real repositories built with the git CLI."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from steward.errors import ConfigError
from steward.graph import Edge, EdgeKind, Node, NodeKind, to_iso
from steward.sources.codeowners import link_claims

# Fixtures from this folder's conftest.py (not importable under --import-mode=importlib):
# make_repo(name) -> GitRepo, run_source(path, **config) -> Run, state -> DictState.
MakeRepo = Any
RunSource = Any
DictState = Any


def commit_ids(run: Any) -> list[str]:
    return [n.id for n in run.nodes if n.kind is NodeKind.COMMIT]


def in_repo(run: Any) -> list[tuple[str, str]]:
    return [(e.src, e.dst) for e in run.records if isinstance(e, Edge) and e.kind is EdgeKind.IN_REPO]


def test_full_walk_emits_repo_commits_and_links(make_repo: MakeRepo, run_source: RunSource) -> None:
    repo = make_repo("Churn-Model")
    first = repo.commit("Add training script", {"train.py": "print(1)\n", "README.md": "hi\n"})
    second = repo.commit("Tune learning rate", {"train.py": "print(2)\n"})

    run = run_source(repo.path)

    repo_node = run.nodes_of("Repo")["repo:churn-model"]
    assert repo_node.props["workdir"] == str(repo.path.resolve())
    assert repo_node.props["default_ref"] == "main"
    assert "url" not in repo_node.props  # no remote
    commits = run.nodes_of("Commit")
    assert list(commits) == [f"commit:{second}", f"commit:{first}"]  # newest first
    tuned = commits[f"commit:{second}"]
    assert tuned.name == f"{second[:10]} Tune learning rate"
    assert tuned.props["subject"] == "Tune learning rate"
    assert tuned.props["paths"] == ["train.py"]
    assert tuned.props["parents"] == [first]
    assert tuned.props["authored_at"] == to_iso(repo.epoch_of(2) * 1000)
    assert sorted(commits[f"commit:{first}"].props["paths"]) == ["README.md", "train.py"]  # type: ignore[arg-type]
    assert {(e.src, e.dst) for e in run.edges_of("IN_REPO")} == {(c, "repo:churn-model") for c in commits}
    assert {(e.src, e.dst) for e in run.edges_of("AUTHORED")} == {("person:ada@example.com", c) for c in commits}
    assert run.report.complete is True
    assert run.report.info["mode"] == "full"
    assert run.report.info["walked"] == 2
    assert run.report.counts["Commit"] == 2


def test_renames_merges_and_path_cap(make_repo: MakeRepo, run_source: RunSource) -> None:
    repo = make_repo("proj")
    repo.commit("init", {f"src/m{i}.py": f"# module {i}\n" * 20 for i in range(5)})
    repo.move("src/m0.py", "src/renamed.py")
    renamed = repo.commit("rename")
    repo.git("checkout", "-q", "-b", "feature")
    repo.commit("feature work", {"feature.txt": "f\n"})
    repo.git("checkout", "-q", "main")
    repo.commit("main work", {"main.txt": "m\n"})
    repo.git("merge", "-q", "--no-ff", "-m", "merge feature", "feature", env=repo.identity_env(repo.epoch_of(99)))
    merge = repo.head()

    run = run_source(repo.path, paths_per_commit=2)

    commits = run.nodes_of("Commit")
    assert commits[f"commit:{renamed}"].props["paths"] == ["src/renamed.py"]
    merge_node = commits[f"commit:{merge}"]
    assert len(merge_node.props["parents"]) == 2  # type: ignore[arg-type]
    assert merge_node.props["paths"] == ["feature.txt"]  # diff against the first parent only
    init = next(n for n in commits.values() if n.props["subject"] == "init")
    assert len(init.props["paths"]) == 2  # type: ignore[arg-type]
    assert init.props["paths_total"] == 5
    assert run.report.info["walked"] == 5


def test_mailmap_merges_two_emails_into_one_person(make_repo: MakeRepo, run_source: RunSource) -> None:
    repo = make_repo("proj")
    old = repo.commit("old laptop", {"a.txt": "1\n"}, author=("ada l", "Ada@Old.Example.org"))
    new = repo.commit("new laptop", {"a.txt": "2\n"}, author=("Ada Lovelace", "ada@example.com"))
    other = repo.commit("someone else", {"b.txt": "1\n"}, author=("Bob", "bob@example.com"))
    repo.commit("mailmap", {".mailmap": "Ada Lovelace <ada@example.com> <ada@old.example.org>\n"})

    run = run_source(repo.path)

    people = run.nodes_of("Person")
    assert set(people) == {"person:ada@example.com", "person:bob@example.com"}
    ada = people["person:ada@example.com"]
    assert ada.name == "Ada Lovelace"
    assert ada.props["emails"] == ["ada@example.com", "ada@old.example.org"]
    by_person = Counter(e.src for e in run.edges_of("AUTHORED"))
    assert by_person == {"person:ada@example.com": 3, "person:bob@example.com": 1}
    authored = {(e.src, e.dst) for e in run.edges_of("AUTHORED")}
    assert ("person:ada@example.com", f"commit:{old}") in authored
    assert ("person:ada@example.com", f"commit:{new}") in authored
    assert ("person:bob@example.com", f"commit:{other}") in authored


def test_co_authored_by_trailers_are_authors_too(make_repo: MakeRepo, run_source: RunSource) -> None:
    repo = make_repo("proj")
    repo.write({".mailmap": "Grace Hopper <grace@example.com> <grace@navy.example.mil>\n"})
    sha = repo.commit(
        "Pair on the feature store\n\nBody text.\n\n"
        "Co-authored-by: Grace H <grace@navy.example.mil>\n"
        "co-authored-by: Linus <linus@example.com>\n"
        "Co-authored-by: Ada Lovelace <ada@example.com>\n"
        "Co-authored-by: not a contact\n",
        {"fs.py": "x\n"},
    )

    run = run_source(repo.path)

    cid = f"commit:{sha}"
    edges = {(e.src, e.props.get("co_author", False)) for e in run.edges_of("AUTHORED") if e.dst == cid}
    assert edges == {
        ("person:ada@example.com", False),  # the author is not repeated as her own co-author
        ("person:grace@example.com", True),  # canonicalised through .mailmap
        ("person:linus@example.com", True),
    }
    assert run.nodes_of("Person")["person:grace@example.com"].name == "Grace Hopper"
    assert any("Co-authored-by" in w.message for w in run.report.warnings)


def test_incremental_run_walks_only_new_commits(
    make_repo: MakeRepo, run_source: RunSource, state: DictState
) -> None:
    repo = make_repo("proj")
    for i in range(3):
        repo.commit(f"c{i}", {"f.txt": f"{i}\n"})
    first = run_source(repo.path)
    assert first.report.info["walked"] == 3
    new = [repo.commit(f"n{i}", {"f.txt": f"n{i}\n"}, author=("Bob", "bob@example.com")) for i in range(2)]

    second = run_source(repo.path)

    assert second.report.info["mode"] == "incremental"
    assert second.report.info["walked"] == 2
    assert second.report.complete is False
    assert commit_ids(second) == [f"commit:{s}" for s in reversed(new)]
    assert set(second.nodes_of("Person")) == {"person:bob@example.com"}
    assert "emails" not in second.nodes_of("Person")["person:bob@example.com"].props
    assert state.get_state("git:proj:HEAD") == new[-1]

    third = run_source(repo.path)
    assert third.report.info["walked"] == 0
    assert commit_ids(third) == []
    assert third.report.complete is False


@pytest.mark.parametrize("prune", [False, True], ids=["old-tip-kept", "old-tip-pruned"])
def test_rewritten_history_is_walked_again(make_repo: MakeRepo, run_source: RunSource, prune: bool) -> None:
    repo = make_repo("proj")
    a = repo.commit("a", {"f.txt": "a\n"})
    b = repo.commit("b", {"f.txt": "b\n"})
    c = repo.commit("c", {"f.txt": "c\n"})
    assert run_source(repo.path).report.info["walked"] == 3
    repo.git("reset", "-q", "--hard", a)  # a force-push: b and c are gone from the branch
    d = repo.commit("d", {"f.txt": "d\n"})
    repo.git("commit", "-q", "--amend", "-m", "d amended", env=repo.identity_env(repo.epoch_of(99)))
    d2 = repo.head()
    if prune:
        repo.git("reflog", "expire", "--expire=now", "--all")
        repo.git("gc", "-q", "--prune=now")

    run = run_source(repo.path)

    assert run.report.info["mode"] == "rewalk"
    assert run.report.complete is True
    ids = commit_ids(run)
    assert sorted(ids) == sorted(f"commit:{s}" for s in (a, d2))
    assert len(ids) == len(set(ids))
    assert not {f"commit:{s}" for s in (b, c, d)} & set(ids)


def test_remote_url_gives_the_repo_key_and_is_scrubbed(make_repo: MakeRepo, run_source: RunSource) -> None:
    repo = make_repo("local-folder")
    repo.git("remote", "add", "origin", "https://deploy:s3cr3t@GitHub.com/Acme/Churn.git")
    sha = repo.commit("x", {"x": "1\n"})

    run = run_source(repo.path)

    node = run.nodes_of("Repo")["repo:github.com/acme/churn"]
    assert node.props["url"] == "https://GitHub.com/Acme/Churn.git"
    assert "s3cr3t" not in str(node.props)
    assert commit_ids(run) == [f"commit:{sha}"]
    assert ("commit:" + sha, "repo:github.com/acme/churn") in in_repo(run)

    overridden = run_source(repo.path, repo="gitlab.example.com/ml/churn")
    assert ("commit:" + sha, "repo:gitlab.example.com/ml/churn") in in_repo(overridden)


def test_relative_path_ref_and_max_commits(make_repo: MakeRepo, run_source: RunSource, tmp_path: Path) -> None:
    repo = make_repo("proj")
    shas = [repo.commit(f"c{i}", {"f.txt": f"{i}\n"}) for i in range(4)]
    repo.git("tag", "v1", shas[1])

    tagged = run_source("proj", base_dir=tmp_path, ref="v1")
    assert commit_ids(tagged) == [f"commit:{shas[1]}", f"commit:{shas[0]}"]
    assert tagged.nodes_of("Repo")["repo:proj"].props["default_ref"] == "v1"

    capped = run_source(repo.path, max_commits=2)
    assert commit_ids(capped) == [f"commit:{shas[3]}", f"commit:{shas[2]}"]


def test_codeowners_default_owners_and_linking(make_repo: MakeRepo, run_source: RunSource) -> None:
    repo = make_repo("proj")
    codeowners = (
        "# default owners\n"
        "*            @Acme/Platform ada@example.com\n"
        "/pipelines/  @acme/ml-eng\n"
        "/pipelines/legacy/\n"
        "*.sql        dba\n"  # not an owner: line skipped with a warning
    )
    repo.commit("owners", {".github/CODEOWNERS": codeowners, "CODEOWNERS": "* @ignored\n",
                           "pipelines/train.py": "x\n", "pipelines/legacy/old.py": "y\n"})

    run = run_source(repo.path)

    node = run.nodes_of("Repo")["repo:proj"]
    assert node.props["codeowners_path"] == ".github/CODEOWNERS"  # GitHub's order: .github/ first
    assert node.props["codeowners"] == codeowners
    assert {(c.owner, c.artifact, c.role, c.origin) for c in run.claims} == {
        ("team:@acme/platform", "repo:proj", "owner", "codeowners"),
        ("person:ada@example.com", "repo:proj", "owner", "codeowners"),
    }
    assert [w.context.get("line") for w in run.report.warnings] == [5]

    workdir = str(node.props["workdir"])
    jobs = [
        Node(id="job:train", kind=NodeKind.JOB, source="test", props={"code_path": f"{workdir}/pipelines/train.py"}),
        Node(id="job:old", kind=NodeKind.JOB, source="test", props={"code_path": "/pipelines/legacy/old.py"}),
        Node(id="job:report", kind=NodeKind.JOB, source="test", props={"code_path": "reports/weekly.ipynb",
                                                                       "code_repo": "proj"}),
    ]
    claims, _ = link_claims([node], jobs, source="codeowners", seen_at="2026-11-01T00:00:00.000Z")
    assert sorted((c.owner, c.artifact) for c in claims) == [
        ("person:ada@example.com", "job:report"),
        ("team:@acme/ml-eng", "job:train"),
        ("team:@acme/platform", "job:report"),
    ]


def test_changed_codeowners_forces_a_rewalk(make_repo: MakeRepo, run_source: RunSource) -> None:
    repo = make_repo("proj")
    repo.commit("owners", {"CODEOWNERS": "* @alice\n"})
    repo.commit("work", {"a.txt": "1\n"})
    run_source(repo.path)
    repo.commit("hand over", {"CODEOWNERS": "* @bob\n"})

    run = run_source(repo.path)

    assert run.report.info["mode"] == "rewalk"
    assert run.report.complete is True  # so the runner can retract @alice's stale claim
    assert [c.owner for c in run.claims] == ["person:@bob"]
    assert run.report.info["walked"] == 3


def test_errors_are_config_errors(make_repo: MakeRepo, run_source: RunSource, tmp_path: Path,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigError, match="is not a directory"):
        run_source(tmp_path / "missing")
    plain = tmp_path / "plain"
    plain.mkdir()
    with pytest.raises(ConfigError, match="not a git repository"):
        run_source(plain)
    empty = make_repo("empty")
    with pytest.raises(ConfigError, match="empty repository"):
        run_source(empty.path)
    empty.commit("x", {"x": "1\n"})
    with pytest.raises(ConfigError, match="ref 'no-such-branch' does not name a commit"):
        run_source(empty.path, ref="no-such-branch")
    monkeypatch.setenv("PATH", str(tmp_path / "no-bin"))
    with pytest.raises(ConfigError, match="needs the `git` command"):
        run_source(empty.path)
