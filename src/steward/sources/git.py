"""The git source: commits, their (``.mailmap``-canonical) authors and the repository's CODEOWNERS.

One streamed ``git log -z --name-status`` is parsed incrementally from the pipe (no per-commit
subprocess, no libgit bindings): that is an order of magnitude faster than walking with a git
library. Runs are incremental: the last tip walked per repository and ref is kept in the runner's
state; when it is an ancestor of the current tip only the new commits are walked (and the report
says the walk was partial), otherwise history was rewritten and everything is walked again.

Records::

    Repo    repo:<key>                   url, workdir, default_ref, head, [codeowners_path, codeowners]
    Commit  commit:<sha>                 sha, repo, subject, authored_at, committed_at, parents,
                                         paths (capped), paths_total
    Person  person:<canonical email>     emails (raw addresses seen; omitted on incremental walks)
    (Commit)-[:IN_REPO]->(Repo)
    (Person)-[:AUTHORED]->(Commit)       co_author: true for ``Co-authored-by:`` trailers
    (Person|Team)-[:OWNS {role: owner, origin: codeowners}]->(Repo)   the CODEOWNERS default owners
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from hashlib import sha256
from pathlib import Path
from typing import IO, ClassVar

from pydantic import Field, field_validator

from steward.errors import BackendUnavailableError, ConfigError
from steward.graph import EdgeKind, NodeKind, make_id, to_iso
from steward.refs import commit_author_id
from steward.sources.base import Record, Source, SourceConfig, repo_key
from steward.sources.codeowners import CODEOWNERS_LOCATIONS, find_codeowners, parse_codeowners

__all__ = ["GitSource", "GitSourceConfig"]

logger = logging.getLogger(__name__)

_RS = b"\x1e"
#: %H %P %aN %aE %ae %at %ct %s, then the Co-authored-by trailer values (separated by \x1f).
_FORMAT = (
    "%x1e%H%x00%P%x00%aN%x00%aE%x00%ae%x00%at%x00%ct%x00%s%x00"
    "%(trailers:key=Co-authored-by,valueonly,unfold,separator=%x1f)%x00"
)
_HEADER_FIELDS = 9
_RECORD_START = re.compile(rb"\A[0-9a-f]{40}(?:[0-9a-f]{24})?\x00")
_STATUS = re.compile(r"\A[ACDMRTUXB][0-9]*\Z")
_CONTACT = re.compile(r"\A\s*(?P<name>[^<>]*?)\s*<(?P<email>[^<>\s]*)>\s*\Z")
#: Settings that would change git's output format; pinned so a user's config cannot break parsing.
_PINNED_CONFIG = ("log.showSignature=false", "log.showRoot=true", "diff.relative=false", "color.ui=never")


class GitSourceConfig(SourceConfig):
    """Settings of a ``git`` source in a recipe."""

    path: str = Field(
        ..., description="Local repository path; a relative path is resolved against the recipe's folder."
    )
    ref: str = Field("HEAD", description="The branch, tag or commit to walk history from.")
    repo: str | None = Field(
        None,
        description="Repository key override (e.g. github.com/acme/churn); default: derived from the "
        "'origin' remote URL, else the folder name.",
    )
    max_commits: int | None = Field(None, ge=1, description="Walk at most this many commits per run (newest first).")
    codeowners: bool = Field(True, description="Read CODEOWNERS at the ref and claim the default owners of the repo.")
    paths_per_commit: int = Field(100, ge=0, description="Keep at most this many changed paths on each commit node.")

    @field_validator("ref")
    @classmethod
    def _ref_is_not_an_option(cls, value: str) -> str:
        if not value.strip() or value.startswith("-"):
            raise ValueError(f"not a git ref: {value!r}")
        return value.strip()


@dataclass
class _Identity:
    name: str
    emails: set[str] = field(default_factory=set)


@dataclass(frozen=True, slots=True)
class _Repo:
    workdir: Path
    bare: bool


def _scrub_url(url: str) -> str:
    """Drop credentials from a URL (``https://user:token@host/x`` -> ``https://host/x``)."""
    return re.sub(r"^([a-zA-Z][\w+.-]*://)[^@/]*@", r"\1", url.strip())


class GitSource(Source[GitSourceConfig]):
    """Ingest a local git repository: commits, canonical authors, CODEOWNERS default owners."""

    kind: ClassVar[str] = "git"
    config_class: ClassVar[type[SourceConfig]] = GitSourceConfig

    # ---- git plumbing ----------------------------------------------------------------------------
    def _git_cmd(self, cwd: Path, *args: str) -> list[str]:
        cmd = ["git", "-C", str(cwd)]
        for setting in _PINNED_CONFIG:
            cmd += ["-c", setting]
        return [*cmd, *args]

    @staticmethod
    def _env() -> dict[str, str]:
        env = dict(os.environ)
        env["GIT_TERMINAL_PROMPT"] = "0"
        env.pop("GIT_DIR", None)
        env.pop("GIT_WORK_TREE", None)
        return env

    def _run(self, cwd: Path, *args: str, input_text: str | None = None) -> subprocess.CompletedProcess[str]:
        try:
            return subprocess.run(
                self._git_cmd(cwd, *args), input=input_text, capture_output=True, text=True,
                encoding="utf-8", errors="replace", env=self._env(), check=False,
            )
        except FileNotFoundError as exc:
            raise ConfigError("the git source needs the `git` command on PATH; install git") from exc

    def _open_repo(self) -> _Repo:
        if shutil.which("git") is None:
            raise ConfigError("the git source needs the `git` command on PATH; install git")
        path = Path(self.config.path).expanduser()
        if not path.is_absolute():
            path = self.context.base_dir / path
        if not path.is_dir():
            raise ConfigError(f"git source {self.name!r}: {path} is not a directory; set 'path' to a local repository")
        probe = self._run(path, "rev-parse", "--is-bare-repository")
        if probe.returncode != 0:
            raise ConfigError(
                f"git source {self.name!r}: {path} is not a git repository ({probe.stderr.strip()}); "
                "set 'path' to a clone"
            )
        if probe.stdout.strip() == "true":
            return _Repo(path.resolve(), bare=True)
        top = self._run(path, "rev-parse", "--show-toplevel")
        return _Repo(Path(top.stdout.strip()).resolve(), bare=False)

    def _resolve_ref(self, repo: _Repo) -> str:
        ref = self.config.ref
        out = self._run(repo.workdir, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}")
        sha = out.stdout.strip()
        if out.returncode != 0 or not sha:
            raise ConfigError(
                f"git source {self.name!r}: ref {ref!r} does not name a commit in {repo.workdir} "
                "(unknown branch or tag, or an empty repository); set 'ref' to an existing branch, tag or sha"
            )
        return sha

    def _config_get(self, repo: _Repo, key: str) -> str | None:
        out = self._run(repo.workdir, "config", "--get", key)
        value = out.stdout.strip()
        return value if out.returncode == 0 and value else None

    def _abbrev_ref(self, repo: _Repo) -> str:
        out = self._run(repo.workdir, "rev-parse", "--abbrev-ref", "--verify", "--quiet", "--end-of-options",
                        self.config.ref)
        name = out.stdout.strip()
        return name if out.returncode == 0 and name and name != "HEAD" else self.config.ref

    def _is_ancestor(self, repo: _Repo, old: str, new: str) -> bool:
        out = self._run(repo.workdir, "merge-base", "--is-ancestor", old, new)
        return out.returncode == 0  # 1: not an ancestor; 128: unknown object (e.g. pruned after a force-push)

    def _codeowners(self, repo: _Repo, tip: str) -> tuple[str, str, str] | None:
        """(path, blob id, text) of the CODEOWNERS file at the tip, if there is one."""
        out = self._run(repo.workdir, "ls-tree", "-z", "--full-tree", tip, "--", *CODEOWNERS_LOCATIONS)
        if out.returncode != 0:
            self.report.warn("could not list CODEOWNERS candidates", stderr=out.stderr.strip())
            return None
        blobs: dict[str, str] = {}
        for entry in out.stdout.split("\0"):
            meta, _, name = entry.partition("\t")
            parts = meta.split()
            if len(parts) == 3 and parts[1] == "blob":
                blobs[name] = parts[2]
        chosen = find_codeowners(list(blobs))
        if chosen is None:
            return None
        blob = self._run(repo.workdir, "cat-file", "blob", blobs[chosen])
        if blob.returncode != 0:
            self.report.warn("could not read CODEOWNERS", path=chosen, stderr=blob.stderr.strip())
            return None
        return chosen, blobs[chosen], blob.stdout

    def _mailmap_fingerprint(self, repo: _Repo) -> str:
        """A hash of the .mailmap in effect, so an edited .mailmap triggers a re-walk."""
        h = sha256()
        if not repo.bare and (repo.workdir / ".mailmap").is_file():
            h.update((repo.workdir / ".mailmap").read_bytes())
        for key in ("mailmap.file", "mailmap.blob"):
            h.update((self._config_get(repo, key) or "").encode())
        if repo.bare:
            out = self._run(repo.workdir, "rev-parse", "--verify", "--quiet", "HEAD:.mailmap")
            h.update(out.stdout.strip().encode())
        return h.hexdigest()[:16]

    def _check_mailmap(self, repo: _Repo, contacts: list[str]) -> dict[str, tuple[str, str]]:
        """Canonical (name, email) for each ``Name <email>`` contact, in one ``git check-mailmap``."""
        if not contacts:
            return {}
        out = self._run(repo.workdir, "check-mailmap", "--stdin", input_text="".join(c + "\n" for c in contacts))
        lines = out.stdout.splitlines()
        if out.returncode != 0 or len(lines) != len(contacts):
            self.report.warn("git check-mailmap failed; co-authors kept as written", stderr=out.stderr.strip())
            lines = contacts
        result: dict[str, tuple[str, str]] = {}
        for contact, line in zip(contacts, lines, strict=True):
            m = _CONTACT.match(line) or _CONTACT.match(contact)
            if m:
                result[contact] = (m.group("name"), m.group("email"))
        return result

    # ---- the walk ----------------------------------------------------------------------------------
    def _stream(self, repo: _Repo, revs: list[str]) -> Iterator[bytes]:
        """Raw commit records from one streamed ``git log``; the process is reaped on exit."""
        args = ["log", "-z", "--name-status", "-M", "--diff-merges=first-parent", "--no-color",
                f"--format={_FORMAT}"]
        if self.config.max_commits is not None:
            args.append(f"--max-count={self.config.max_commits}")
        args += [*revs, "--"]
        with tempfile.TemporaryFile() as err:
            proc = subprocess.Popen(self._git_cmd(repo.workdir, *args), stdout=subprocess.PIPE, stderr=err,
                                    env=self._env())
            try:
                if proc.stdout is None:  # pragma: no cover - PIPE always gives a stream
                    raise BackendUnavailableError("git log gave no output stream")
                yield from _split_records(proc.stdout)
                rc = proc.wait()
            finally:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
                if proc.stdout is not None:
                    proc.stdout.close()
            if rc != 0:
                err.seek(0)
                msg = err.read().decode("utf-8", "replace").strip()
                raise BackendUnavailableError(f"git log failed in {repo.workdir} (exit {rc}): {msg}")

    def records(self) -> Iterator[Record]:
        repo = self._open_repo()
        tip = self._resolve_ref(repo)
        url = self._config_get(repo, "remote.origin.url")
        if self.config.repo:
            key = repo_key(self.config.repo)
        elif url:
            key = repo_key(url)
        else:
            key = repo_key(repo.workdir.name)
        repo_id = make_id(NodeKind.REPO, key)

        codeowners = self._codeowners(repo, tip) if self.config.codeowners else None
        fingerprint = f"codeowners={codeowners[1] if codeowners else '-'};mailmap={self._mailmap_fingerprint(repo)}"
        state_key = f"git:{key}:{self.config.ref}"
        last = self.context.state.get_state(state_key)
        last_inputs = self.context.state.get_state(f"{state_key}:inputs")

        reason: str | None = None
        if last is None:
            mode, revs = "full", [tip]
        elif last_inputs is not None and last_inputs != fingerprint:
            mode, revs, reason = "rewalk", [tip], "CODEOWNERS or .mailmap changed"
        elif last == tip:
            mode, revs = "incremental", []
        elif self._is_ancestor(repo, last, tip):
            mode, revs = "incremental", [tip, f"^{last}"]
        else:
            mode, revs, reason = "rewalk", [tip], f"history rewritten: {last[:12]} is not an ancestor of {tip[:12]}"
        self.report.complete = mode != "incremental"
        self.report.info.update({"repo": repo_id, "ref": self.config.ref, "tip": tip, "mode": mode,
                                 "since": last if mode == "incremental" else None, "walked": 0})
        if reason:
            self.report.info["reason"] = reason
            logger.info("git source %s: re-walking %s (%s)", self.name, key, reason)

        yield self.node(
            NodeKind.REPO, repo_id, key,
            url=_scrub_url(url) if url else None, workdir=str(repo.workdir), default_ref=self._abbrev_ref(repo),
            head=tip,
            codeowners_path=codeowners[0] if codeowners else None,
            codeowners=codeowners[2] if codeowners else None,
        )
        if codeowners:
            parsed = parse_codeowners(codeowners[2], path=codeowners[0])
            for problem in parsed.problems:
                self.report.warn(problem.message, repo=repo_id, **problem.context)
            for owner in parsed.default_owners():
                yield self.claim(owner, repo_id, "owner", origin="codeowners")

        people: dict[str, _Identity] = {}
        authored: list[tuple[str, str]] = []
        co_authored: list[tuple[str, str]] = []  # (raw contact, commit id)
        walked = 0
        for raw in (self._stream(repo, revs) if revs else iter(())):
            parsed_commit = self._parse(raw, key)
            if parsed_commit is None:
                continue
            commit_id, node_props, name, author, coauthors = parsed_commit
            walked += 1
            yield self.node(NodeKind.COMMIT, commit_id, name, **node_props)
            yield self.edge(commit_id, EdgeKind.IN_REPO, repo_id)
            if author is not None:
                pid, pname, raw_email = author
                ident = people.setdefault(pid, _Identity(pname))
                if raw_email:
                    ident.emails.add(raw_email.lower())
                authored.append((pid, commit_id))
            co_authored.extend((c, commit_id) for c in coauthors)

        # Co-authors: canonicalise through .mailmap in one call, then people and AUTHORED edges.
        canon = self._check_mailmap(repo, sorted({c for c, _ in co_authored if _CONTACT.match(c)}))
        co_edges: dict[tuple[str, str], None] = {}
        author_of = {c: p for p, c in authored}
        for contact, commit_id in co_authored:
            resolved = canon.get(contact)
            if resolved is None:
                self.report.warn("unparseable Co-authored-by trailer", commit=commit_id, value=contact)
                continue
            co_pid = commit_author_id(*resolved)
            if co_pid is None or co_pid == author_of.get(commit_id) or (co_pid, commit_id) in co_edges:
                continue
            ident = people.setdefault(co_pid, _Identity(resolved[0] or resolved[1]))
            m = _CONTACT.match(contact)
            if m and m.group("email"):
                ident.emails.add(m.group("email").lower())
            co_edges[(co_pid, commit_id)] = None

        for pid, ident in people.items():
            emails = sorted(ident.emails) if mode != "incremental" else None
            yield self.node(NodeKind.PERSON, pid, ident.name, emails=emails)
        for pid, commit_id in authored:
            yield self.edge(pid, EdgeKind.AUTHORED, commit_id)
        for pid, commit_id in co_edges:
            yield self.edge(pid, EdgeKind.AUTHORED, commit_id, co_author=True)

        self.report.info["walked"] = walked
        self.report.info["people"] = len(people)
        self.context.state.set_state(state_key, tip)
        self.context.state.set_state(f"{state_key}:inputs", fingerprint)
        logger.info("git source %s: %s walk of %s@%s: %d commits", self.name, mode, key, tip[:12], walked)

    def _parse(
        self, raw: bytes, key: str
    ) -> tuple[str, dict[str, object], str, tuple[str, str, str] | None, list[str]] | None:
        fields = raw.decode("utf-8", "replace").split("\0")
        if len(fields) < _HEADER_FIELDS:
            self.report.warn("unparseable git log record skipped", record=fields[0][:80] if fields else "")
            return None
        sha, parents, a_name, a_email, raw_email, a_time, c_time, subject, trailers = fields[:_HEADER_FIELDS]
        commit_id = make_id(NodeKind.COMMIT, sha)

        paths: list[str] = []
        total = 0
        tokens = [t.lstrip("\n") for t in fields[_HEADER_FIELDS:]]
        tokens = [t for t in tokens if t]
        i = 0
        while i < len(tokens):
            status = tokens[i]
            if not _STATUS.match(status):
                self.report.warn("unexpected name-status entry", commit=commit_id, entry=status[:80])
                break
            width = 3 if status[0] in "RC" else 2
            if i + width > len(tokens):
                break
            total += 1
            if len(paths) < self.config.paths_per_commit:
                paths.append(tokens[i + width - 1])
            i += width

        props: dict[str, object] = {
            "sha": sha, "repo": key, "subject": subject,
            "authored_at": _iso(a_time), "committed_at": _iso(c_time),
            "parents": parents.split(), "paths": paths, "paths_total": total,
        }
        pid = commit_author_id(a_name, a_email)
        author = (pid, a_name or a_email, raw_email) if pid else None
        coauthors = [t.strip() for t in trailers.split("\x1f") if t.strip()]
        return commit_id, props, f"{sha[:10]} {subject}".strip(), author, coauthors


def _iso(epoch_seconds: str) -> str | None:
    try:
        return to_iso(int(epoch_seconds) * 1000)
    except (ValueError, OverflowError, OSError):
        return None


def _split_records(stream: IO[bytes]) -> Iterator[bytes]:
    """Split the byte stream on the record separator as it arrives.

    A separator byte inside a subject or a path would split a record; a piece that does not start
    like a record (a sha and NUL) is glued back onto the one before it.
    """
    buf = bytearray()
    scan = 0
    pending: bytes | None = None

    def take(piece: bytes) -> Iterator[bytes]:
        nonlocal pending
        if pending is not None and not _RECORD_START.match(piece):
            pending += _RS + piece
            return
        if pending:
            yield pending
        pending = piece

    while chunk := stream.read(1 << 16):
        buf += chunk
        while (i := buf.find(_RS, scan)) >= 0:
            piece = bytes(buf[:i])
            del buf[: i + 1]
            scan = 0
            yield from take(piece)
        scan = len(buf)
    yield from take(bytes(buf))
    if pending:
        yield pending
