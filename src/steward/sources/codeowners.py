"""CODEOWNERS (GitHub and GitLab): parse the file, match paths, and turn matches into ownership.

Semantics follow the two hosts' documentation:

* patterns are gitignore-like (``*``, ``?``, ``**``, a leading ``/`` anchors, a trailing ``/``
  means "everything inside this directory", a pattern with an inner ``/`` is anchored, and
  ``dir/*`` matches direct children only); ``!``, ``\\#`` and ``[ ]`` ranges are not supported;
* the **last** matching pattern wins; a pattern with no owners leaves matching paths unowned;
* GitLab sections (``[Name]``, ``^[Name]`` optional, ``[Name][N]`` approvals, optionally followed
  by default owners) each pick their own last match, and a path collects the owners of every
  section it matches; an entry without owners inside a section takes the section's default owners.

Owners become node ids: ``@user`` -> ``person:@user``, ``@org/team`` -> ``team:@org/team``,
``someone@example.com`` -> ``person:someone@example.com`` (handles and e-mails lower-cased: both
hosts compare them case-insensitively). Lines that cannot be understood are skipped, as GitHub
does, and reported as :class:`~steward.sources.base.Problem` with their line number.
"""

from __future__ import annotations

import logging
import os
import posixpath
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from steward.errors import InvalidInputError
from steward.graph import NodeKind, OwnershipClaim, is_kind
from steward.refs import codeowners_owner_id
from steward.sources.base import Problem, repo_key

__all__ = [
    "CODEOWNERS_LOCATIONS",
    "CodeOwners",
    "NodeLike",
    "Rule",
    "find_codeowners",
    "link_claims",
    "parse_codeowners",
]

logger = logging.getLogger(__name__)

#: Where the file is looked for, in order: GitHub's order, then GitLab's extra location.
CODEOWNERS_LOCATIONS: tuple[str, ...] = (".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS", ".gitlab/CODEOWNERS")

_SECTION = re.compile(r"^(?P<optional>\^)?\[(?P<name>[^\]]+)\](?:\[(?P<approvals>\d+)\])?(?:\s+(?P<rest>.*))?$")
#: Patterns that match every path: their owners are the repository's default owners.
_MATCH_ALL = frozenset({"*", "**", "/", "/**", "**/*"})


def _glob_segment(segment: str) -> str:
    """Regex for one path segment: ``*`` and ``?`` stay within the segment, ``\\x`` is literal x."""
    out: list[str] = []
    escaped = False
    for ch in segment:
        if escaped:
            out.append(re.escape(ch))
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == "*":
            out.append("[^/]*")
        elif ch == "?":
            out.append("[^/]")
        else:
            out.append(re.escape(ch))
    return "".join(out)


def _compile(pattern: str) -> re.Pattern[str]:
    """Translate a CODEOWNERS pattern to a regex matched against a whole repository-relative path."""
    anchored = pattern.startswith("/")
    body = pattern[1:] if anchored else pattern
    dir_only = body.endswith("/")
    body = body.rstrip("/")
    if not body:  # "/" alone: the repository root, i.e. everything
        return re.compile(r".*", re.DOTALL)
    if "/" in body:
        anchored = True
    segments = body.split("/")
    regex = "" if anchored else "(?:.*/)?"
    for i, seg in enumerate(segments):
        last = i == len(segments) - 1
        if seg == "**":
            regex += ".*" if last else "(?:.*/)?"
            continue
        regex += _glob_segment(seg) + ("" if last else "/")
    if segments[-1] == "**":
        pass
    elif dir_only:
        regex += "/.*"
    elif pattern.endswith("/*"):
        pass  # GitHub: "docs/*" owns docs/a.md but not docs/sub/b.md
    else:
        regex += "(?:/.*)?"  # the file itself, or everything under a directory of that name
    return re.compile(regex, re.DOTALL)


def _tokens(line: str) -> list[str]:
    """Split on whitespace not escaped by a backslash (``docs/my\\ file.md`` is one token)."""
    tokens: list[str] = []
    cur: list[str] = []
    escaped = False
    for ch in line:
        if escaped:
            cur.append(ch)
            escaped = False
        elif ch == "\\":
            cur.append(ch)
            escaped = True
        elif ch.isspace():
            if cur:
                tokens.append("".join(cur))
                cur = []
        else:
            cur.append(ch)
    if cur:
        tokens.append("".join(cur))
    return tokens


@dataclass(frozen=True, slots=True)
class Rule:
    """One pattern line: its owners (node ids), where it is, and which section it belongs to."""

    pattern: str
    owners: tuple[str, ...]
    line: int
    section: str | None
    regex: re.Pattern[str] = field(repr=False, compare=False)

    def matches(self, relpath: str) -> bool:
        return self.regex.fullmatch(relpath) is not None

    @property
    def matches_everything(self) -> bool:
        return self.pattern in _MATCH_ALL


@dataclass
class _Section:
    name: str | None
    default_owners: tuple[str, ...] = ()
    rules: list[Rule] = field(default_factory=list)


@dataclass
class CodeOwners:
    """A parsed CODEOWNERS file. ``owners_for`` answers "who owns this path"."""

    path: str
    rules: list[Rule]
    problems: list[Problem]
    _sections: list[_Section] = field(repr=False)

    def matching_rules(self, relpath: str) -> list[Rule]:
        """The winning rule of every section that matches ``relpath`` (last match per section)."""
        rel = _normalise(relpath)
        won: list[Rule] = []
        for section in self._sections:
            for rule in reversed(section.rules):
                if rule.matches(rel):
                    won.append(rule)
                    break
        return won

    def owners_for(self, relpath: str) -> list[str]:
        """Owner ids of a repository-relative path, in file order, de-duplicated; [] if unowned."""
        return _dedupe(o for rule in self.matching_rules(relpath) for o in rule.owners)

    def default_owners(self) -> list[str]:
        """Owners of the repository root pattern(s) (``*``, ``/``, ``**``): the last one per section."""
        out: list[str] = []
        for section in self._sections:
            root_rules = [r for r in section.rules if r.matches_everything]
            if root_rules:
                out.extend(root_rules[-1].owners)
        return _dedupe(out)


def _dedupe(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _normalise(relpath: str) -> str:
    rel = relpath.replace("\\", "/") if os.sep == "\\" else relpath
    trailing = rel.endswith("/")
    rel = posixpath.normpath(rel.lstrip("/")) if rel.strip("/") else ""
    if rel == ".":
        rel = ""
    return rel + "/" if trailing and rel else rel


def parse_codeowners(text: str, *, path: str = "CODEOWNERS") -> CodeOwners:
    """Parse a GitHub or GitLab CODEOWNERS text; problems (with line numbers) land in ``.problems``."""
    problems: list[Problem] = []
    default = _Section(None)
    sections: list[_Section] = [default]
    by_name: dict[str, _Section] = {}
    current = default
    rules: list[Rule] = []

    def warn(line_no: int, message: str) -> None:
        problems.append(Problem(f"{path}:{line_no}: {message}", {"path": path, "line": line_no}))

    def owners_of(tokens: Sequence[str], line_no: int) -> tuple[str, ...] | None:
        """Owner ids of the tokens; None (line skipped, as GitHub does) if any is not an owner."""
        out: list[str] = []
        for tok in tokens:
            if tok.startswith("#"):  # inline comment
                break
            oid = codeowners_owner_id(tok)
            if oid is None:
                warn(line_no, f"{tok!r} is not an owner (expected @user, @org/team or an e-mail); line skipped")
                return None
            out.append(oid)
        return tuple(_dedupe(out))

    for line_no, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith(("[", "^[")):
            m = _SECTION.match(line)
            if m is None:
                warn(line_no, f"malformed section header {line!r}; expected [Name], ^[Name] or [Name][N]")
                continue
            name = m.group("name").strip()
            section_owners = owners_of(_tokens(m.group("rest") or ""), line_no) or ()
            key = name.lower()  # GitLab merges sections of the same name, case-insensitively
            existing = by_name.get(key)
            if existing is None:
                existing = by_name[key] = _Section(name, section_owners)
                sections.append(existing)
            elif section_owners:
                existing.default_owners = section_owners
            current = existing
            continue
        tokens = _tokens(line)
        pattern = tokens[0]
        if pattern.startswith("!"):
            warn(line_no, f"negated pattern {pattern!r} is not supported in CODEOWNERS; line skipped")
            continue
        owners = owners_of(tokens[1:], line_no)
        if owners is None:
            continue
        if not owners and current.name is not None:
            owners = current.default_owners
        rule = Rule(pattern=pattern, owners=owners, line=line_no, section=current.name, regex=_compile(pattern))
        current.rules.append(rule)
        rules.append(rule)
    return CodeOwners(path=path, rules=rules, problems=problems, _sections=sections)


def find_codeowners(workdir_or_tree: str | os.PathLike[str] | Collection[str]) -> str | None:
    """Which CODEOWNERS file applies: a working directory (checked on disk) or a tree's file list.

    Returns the repository-relative path (``.github/CODEOWNERS`` ...) or None. GitHub's order is
    used (``.github/``, root, ``docs/``), then GitLab's ``.gitlab/``.
    """
    if isinstance(workdir_or_tree, str | os.PathLike):
        root = Path(workdir_or_tree)
        return next((loc for loc in CODEOWNERS_LOCATIONS if (root / loc).is_file()), None)
    present = set(workdir_or_tree)
    return next((loc for loc in CODEOWNERS_LOCATIONS if loc in present), None)


class NodeLike(Protocol):
    """What :func:`link_claims` needs of a node: ``graph.Node`` and ``graph.NodeRecord`` both fit."""

    @property
    def id(self) -> str: ...

    @property
    def props(self) -> Mapping[str, Any]: ...


def _relative(code_path: str, workdir: str | None) -> str:
    p = code_path.strip()
    if p.startswith("file://"):
        p = p[len("file://"):]
    if workdir and p.startswith("/"):
        root = posixpath.normpath(workdir)
        norm = posixpath.normpath(p)
        if norm == root:
            return ""
        if norm.startswith(root.rstrip("/") + "/"):
            rel = norm[len(root.rstrip("/")) + 1:]
            return rel + "/" if p.endswith("/") else rel
    return _normalise(p)


def _under(code_path: str, workdir: str | None) -> bool:
    if not workdir or not code_path.startswith("/"):
        return False
    root = posixpath.normpath(workdir).rstrip("/")
    norm = posixpath.normpath(code_path)
    return norm == root or norm.startswith(root + "/")


def link_claims(
    repos: Sequence[NodeLike],
    artifacts: Sequence[NodeLike],
    *,
    source: str,
    seen_at: str,
) -> tuple[list[OwnershipClaim], list[Problem]]:
    """Owner claims (``origin="codeowners"``) for artifacts that say which code they run.

    An artifact (a Job or Run node) with a ``code_path`` prop (and optionally ``code_repo``, a
    repo key or URL) is matched against the CODEOWNERS text kept on its Repo node (props
    ``codeowners`` / ``codeowners_path`` / ``workdir``, as the git source writes them). Without
    ``code_repo`` the repository is the only one with a CODEOWNERS file, or the one whose
    ``workdir`` contains an absolute ``code_path``.
    """
    problems: list[Problem] = []
    parsed: dict[str, tuple[CodeOwners, str | None]] = {}
    for repo in repos:
        text = repo.props.get("codeowners")
        if not isinstance(text, str) or not is_kind(repo.id, NodeKind.REPO):
            continue
        key = repo.id[len("repo:"):]
        co_path = repo.props.get("codeowners_path")
        co = parse_codeowners(text, path=co_path if isinstance(co_path, str) else "CODEOWNERS")
        for p in co.problems:
            problems.append(Problem(p.message, {**p.context, "repo": repo.id}))
        workdir = repo.props.get("workdir")
        parsed[key] = (co, workdir if isinstance(workdir, str) else None)

    claims: list[OwnershipClaim] = []
    seen: set[tuple[str, str]] = set()
    for art in artifacts:
        code_path = art.props.get("code_path")
        if not isinstance(code_path, str) or not code_path.strip():
            continue
        code_repo = art.props.get("code_repo")
        chosen: str | None
        if isinstance(code_repo, str) and code_repo.strip():
            chosen = repo_key(code_repo)
            if chosen not in parsed:
                continue  # that repository has no CODEOWNERS (or was not ingested): nothing to say
        elif len(parsed) == 1:
            chosen = next(iter(parsed))
        elif parsed:
            containing = [k for k, (_, wd) in parsed.items() if _under(code_path, wd)]
            if len(containing) != 1:
                problems.append(Problem(
                    f"{art.id}: code_path {code_path!r} could belong to {len(parsed)} repositories with "
                    "CODEOWNERS; set code_repo to choose one",
                    {"artifact": art.id, "code_path": code_path},
                ))
                continue
            chosen = containing[0]
        else:
            continue
        co, workdir = parsed[chosen]
        rel = _relative(code_path, workdir)
        for owner in co.owners_for(rel):
            if (owner, art.id) in seen:
                continue
            seen.add((owner, art.id))
            try:
                claims.append(OwnershipClaim(owner=owner, artifact=art.id, role="owner", source=source,
                                             seen_at=seen_at, origin="codeowners"))
            except InvalidInputError as exc:
                problems.append(Problem(f"{art.id}: {exc.message}", {"artifact": art.id}))
                break
    logger.debug("codeowners linked %d claims (%d problems)", len(claims), len(problems))
    return claims, problems
