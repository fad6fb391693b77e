"""Real git repositories for the git source tests, built with the ``git`` CLI in ``tmp_path``.

Every command runs with a throw-away global config and fixed author/committer dates, so the
repositories (and their shas) do not depend on the machine's git settings.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from steward.graph import Edge, Node, OwnershipClaim
from steward.sources.base import Record, SourceContext, SourceReport
from steward.sources.git import GitSource, GitSourceConfig

BASE_EPOCH = 1_700_000_000


@pytest.fixture(autouse=True)
def isolated_git_config(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the machine's ~/.gitconfig and /etc/gitconfig out of both the helper and the source."""
    home = tmp_path_factory.mktemp("git-home")
    (home / ".gitconfig").write_text("[init]\n\tdefaultBranch = main\n")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(home / ".gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for var in ("GIT_DIR", "GIT_WORK_TREE", "GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_AUTHOR_DATE",
                "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL", "GIT_COMMITTER_DATE"):
        monkeypatch.delenv(var, raising=False)


class GitRepo:
    """A repository under construction: write files, commit as someone at a deterministic time."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.tick = 0
        path.mkdir(parents=True, exist_ok=True)
        self.git("init", "-q", "-b", "main")

    def git(self, *args: str, env: dict[str, str] | None = None, input_text: str | None = None) -> str:
        full_env = {**os.environ, **(env or {})}
        out = subprocess.run(["git", "-C", str(self.path), *args], env=full_env, input=input_text,
                             capture_output=True, text=True, check=False)
        if out.returncode != 0:
            raise RuntimeError(f"git {' '.join(args)} failed: {out.stderr}")
        return out.stdout.strip()

    def write(self, files: dict[str, str | None]) -> None:
        """Write (or, with None, delete) files relative to the work tree."""
        for rel, text in files.items():
            target = self.path / rel
            if text is None:
                target.unlink()
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)

    def commit(
        self,
        message: str,
        files: dict[str, str | None] | None = None,
        *,
        author: tuple[str, str] = ("Ada Lovelace", "ada@example.com"),
        allow_empty: bool = False,
    ) -> str:
        """Commit the given file changes (all staged changes) and return the new sha."""
        if files:
            self.write(files)
        self.git("add", "-A")
        self.tick += 1
        env = self.identity_env(self.epoch_of(self.tick), author)
        self.git("commit", "-q", *(["--allow-empty"] if allow_empty else []), "-m", message, env=env)
        return self.head()

    @staticmethod
    def epoch_of(tick: int) -> int:
        """The (author and committer) time of the tick-th commit made through :meth:`commit`."""
        return BASE_EPOCH + tick * 3600

    @staticmethod
    def identity_env(epoch: int, author: tuple[str, str] = ("Ada Lovelace", "ada@example.com")) -> dict[str, str]:
        """Environment for a git command that creates a commit: who and when, fixed."""
        when = f"@{epoch} +0000"
        return {"GIT_AUTHOR_NAME": author[0], "GIT_AUTHOR_EMAIL": author[1], "GIT_AUTHOR_DATE": when,
                "GIT_COMMITTER_NAME": "CI Bot", "GIT_COMMITTER_EMAIL": "ci@example.com", "GIT_COMMITTER_DATE": when}

    def head(self) -> str:
        return self.git("rev-parse", "HEAD")

    def move(self, old: str, new: str) -> None:
        self.git("mv", old, new)


class DictState:
    """The runner's state door, kept in memory across runs of one test."""

    def __init__(self) -> None:
        self.values: dict[str, str] = {}

    def get_state(self, key: str) -> str | None:
        return self.values.get(key)

    def set_state(self, key: str, value: str) -> None:
        self.values[key] = value


class Run:
    """What one run of the source produced, sorted by record type."""

    def __init__(self, records: list[Record], report: SourceReport) -> None:
        self.records = records
        self.report = report
        self.nodes = [r for r in records if isinstance(r, Node)]
        self.edges = [r for r in records if isinstance(r, Edge)]
        self.claims = [r for r in records if isinstance(r, OwnershipClaim)]

    def nodes_of(self, kind: str) -> dict[str, Node]:
        return {n.id: n for n in self.nodes if n.kind.value == kind}

    def edges_of(self, kind: str) -> list[Edge]:
        return [e for e in self.edges if e.kind.value == kind]


RunSource = Callable[..., Run]


@pytest.fixture
def make_repo(tmp_path: Path) -> Callable[[str], GitRepo]:
    def make(name: str = "proj") -> GitRepo:
        return GitRepo(tmp_path / name)

    return make


@pytest.fixture
def state() -> DictState:
    return DictState()


@pytest.fixture
def run_source(state: DictState, tmp_path: Path) -> RunSource:
    """Run a GitSource to completion with a state shared by every call in the test."""

    def run(path: Path | str, *, base_dir: Path | None = None, **config: Any) -> Run:
        source = GitSource(GitSourceConfig(path=str(path), **config),
                           context=SourceContext(base_dir=base_dir or tmp_path, state=state))
        records = list(source.records())
        return Run(records, source.report)

    return run
