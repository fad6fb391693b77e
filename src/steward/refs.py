"""References to people and teams, as each source writes them, turned into node ids.

One module for every source's owner syntax, so the rules sit side by side:

* :func:`normalise_ref` -- the catalog's (and OpenLineage's) references: e-mails, ``@handle``,
  ``@org/team``, Backstage ``user:``/``group:`` entity refs, ``person:``/``team:`` ids, bare names.
* :func:`codeowners_owner_id` -- a CODEOWNERS owner token: ``@user``, ``@org/team``, an e-mail.
* :func:`parse_owner_refs` -- an MLflow ``owner``/``steward`` tag value: a comma- or
  semicolon-separated list.
* :func:`person_id` -- a user name or e-mail as written by a tool (MLflow's ``user_id``).
* :func:`commit_author_id` -- a git commit's author (name, e-mail).

Each dialect keeps the syntax its source documents; the differences (case of handles, slugged team
names in MLflow tags) are deliberate and pinned by ``tests/unit/test_refs.py``.
"""

from __future__ import annotations

import re
from typing import Literal

from steward.errors import InvalidInputError
from steward.graph import NodeKind, is_email, make_id

__all__ = [
    "codeowners_owner_id",
    "commit_author_id",
    "normalise_ref",
    "parse_owner_refs",
    "person_id",
]

_CODEOWNERS_EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+$")
_CODEOWNERS_HANDLE = re.compile(r"^@[\w.-]+(?:/[\w.-]+)*$")


# ---- catalog / OpenLineage ---------------------------------------------------------------------

def _without_default_namespace(name: str) -> str:
    """``default/data`` -> ``data``; another namespace stays (``ops/data``)."""
    ns, sep, rest = name.partition("/")
    if sep and ns.lower() == "default" and rest:
        return rest
    return name


def normalise_ref(ref: str, *, default_kind: Literal["team", "person"] = "team") -> str:
    """Turn a reference to a person or a team into a node id.

    ``alice@x.com`` -> ``person:alice@x.com`` (e-mails lower-cased); ``person:...``/``team:...`` are
    kept; ``@alice`` -> ``person:@alice``; ``@org/team`` -> ``team:@org/team``; Backstage entity refs
    ``user:[namespace/]jdoe`` -> ``person:jdoe`` and ``group:[namespace/]data`` -> ``team:data`` (the
    ``default`` namespace is dropped). A bare name takes ``default_kind``: ``team`` in an owner
    position (Backstage's default kind for ``spec.owner``), ``person`` in a member list.

    Raises InvalidInputError for an empty reference or one of another kind (``component:x``).
    """
    r = ref.strip()
    if not r:
        raise InvalidInputError("empty person/team reference")
    if r.startswith("@"):
        body = r[1:]
        if not body or body.startswith("/") or body.endswith("/") or body.count("/") > 1:
            raise InvalidInputError(f"not a valid @handle: {ref!r} (expected '@user' or '@org/team')")
        return f"team:{r}" if "/" in body else f"person:{r}"
    if is_email(r):
        return f"person:{r.lower()}"
    prefix, sep, rest = r.partition(":")
    if sep:
        kind = prefix.lower()
        rest = rest.strip()
        if not rest:
            raise InvalidInputError(f"reference {ref!r} has no name after {prefix!r}")
        if kind in ("person", "team"):
            return f"{kind}:{rest.lower() if is_email(rest) else rest}"
        if kind in ("user", "group"):
            name = _without_default_namespace(rest)
            target = "person" if kind == "user" else "team"
            return f"{target}:{name.lower() if is_email(name) else name}"
        raise InvalidInputError(
            f"reference {ref!r} is of kind {prefix!r}; expected a person or team: an e-mail, '@handle', "
            "'user:name', 'group:name', 'person:...' or 'team:...'"
        )
    return f"{default_kind}:{_without_default_namespace(r)}"


# ---- CODEOWNERS --------------------------------------------------------------------------------

def codeowners_owner_id(token: str) -> str | None:
    """The node id for a CODEOWNERS owner token, or None when the token is not an owner."""
    if token.startswith("@@"):  # GitLab role owners (@@developer): no node to give them
        return None
    if _CODEOWNERS_HANDLE.match(token):
        return f"team:{token.lower()}" if "/" in token else f"person:{token.lower()}"
    if _CODEOWNERS_EMAIL.match(token):
        return f"person:{token.lower()}"
    return None


# ---- MLflow ------------------------------------------------------------------------------------

def person_id(user: str) -> str:
    """``person:<e-mail lower-cased>`` for an e-mail, else ``person:<name as written>``."""
    user = user.strip()
    if is_email(user):
        return make_id(NodeKind.PERSON, user.lower())
    return make_id(NodeKind.PERSON, user)


def parse_owner_refs(value: str) -> list[str]:
    """Owner ids from an ``owner``/``steward`` tag value (comma- or semicolon-separated).

    ``ada@Example.com`` -> ``person:ada@example.com``; ``@jdoe`` -> ``person:@jdoe``;
    ``@acme/ml`` -> ``team:@acme/ml``; ``team:ML Platform`` / ``group:x`` -> ``team:ml-platform`` /
    ``team:x``; ``user:jdoe`` / ``person:jdoe`` / ``jdoe`` -> ``person:jdoe``.
    """
    out: list[str] = []
    for raw in re.split(r"[,;]", value):
        ref = raw.strip()
        if not ref:
            continue
        prefix, sep, rest = ref.partition(":")
        rest = rest.strip()
        if sep and prefix.lower() in ("team", "group") and rest:
            owner = make_id(NodeKind.TEAM, re.sub(r"\s+", "-", rest.lower()))
        elif sep and prefix.lower() in ("user", "person") and rest:
            owner = person_id(rest)
        elif ref.startswith("@") and "/" in ref:
            owner = make_id(NodeKind.TEAM, ref.lower())
        else:
            owner = person_id(ref)
        if owner not in out:
            out.append(owner)
    return out


# ---- git ---------------------------------------------------------------------------------------

def commit_author_id(name: str, email: str) -> str | None:
    """``person:<lower-case email>``; by name when a commit has no e-mail; None when it has neither."""
    if email.strip():
        return make_id(NodeKind.PERSON, email.strip().lower())
    if name.strip():
        return make_id(NodeKind.PERSON, name.strip())
    return None
