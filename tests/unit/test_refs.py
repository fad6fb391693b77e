"""One parser module for every source's owner syntax: each dialect, one table."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from steward.errors import InvalidInputError
from steward.refs import codeowners_owner_id, commit_author_id, normalise_ref, parse_owner_refs, person_id


def _catalog_member(ref: str) -> str:
    return normalise_ref(ref, default_kind="person")


def _git(author: str) -> str | None:
    name, _, email = author.partition("|")
    return commit_author_id(name, email)


# (dialect, parser, input, expected node id(s); None = not an owner)
CASES: list[tuple[str, Callable[[str], object], str, object]] = [
    # catalog / OpenLineage references (owner position: a bare name is a team)
    ("catalog", normalise_ref, "Alice@X.com", "person:alice@x.com"),
    ("catalog", normalise_ref, "person:Alice@X.com", "person:alice@x.com"),
    ("catalog", normalise_ref, "team:data", "team:data"),
    ("catalog", normalise_ref, "@alice", "person:@alice"),
    ("catalog", normalise_ref, "@acme/churn-team", "team:@acme/churn-team"),
    ("catalog", normalise_ref, "user:jdoe", "person:jdoe"),
    ("catalog", normalise_ref, "user:default/jdoe", "person:jdoe"),
    ("catalog", normalise_ref, "user:ops/jdoe", "person:ops/jdoe"),
    ("catalog", normalise_ref, "group:default/data", "team:data"),
    ("catalog", normalise_ref, "Group:data", "team:data"),
    ("catalog", normalise_ref, "data", "team:data"),
    ("catalog", normalise_ref, "default/data", "team:data"),
    # catalog member lists: a bare name is a person
    ("catalog-member", _catalog_member, "jdoe", "person:jdoe"),
    # CODEOWNERS tokens: handles lower-cased, roles and junk are not owners
    ("codeowners", codeowners_owner_id, "@Alice", "person:@alice"),
    ("codeowners", codeowners_owner_id, "@Acme/ML-Team", "team:@acme/ml-team"),
    ("codeowners", codeowners_owner_id, "Ada@Example.com", "person:ada@example.com"),
    ("codeowners", codeowners_owner_id, "@@developer", None),
    ("codeowners", codeowners_owner_id, "#comment", None),
    ("codeowners", codeowners_owner_id, "jdoe", None),
    # MLflow owner/steward tags: lists, slugged team names
    ("mlflow", parse_owner_refs, "ada@Example.com", ["person:ada@example.com"]),
    ("mlflow", parse_owner_refs, "@jdoe", ["person:@jdoe"]),
    ("mlflow", parse_owner_refs, "@Acme/ML", ["team:@acme/ml"]),
    ("mlflow", parse_owner_refs, "team:ML Platform; group:x", ["team:ml-platform", "team:x"]),
    ("mlflow", parse_owner_refs, "user:jdoe, person:jdoe,jdoe", ["person:jdoe"]),
    ("mlflow", parse_owner_refs, " , ;", []),
    # a tool's user name
    ("person", person_id, " Ada@Example.com ", "person:ada@example.com"),
    ("person", person_id, "JDoe", "person:JDoe"),
    # git authors, written "name|email"
    ("git", _git, "Ada|Ada@Example.COM", "person:ada@example.com"),
    ("git", _git, "Ada Lovelace|", "person:Ada Lovelace"),
    ("git", _git, " | ", None),
]


@pytest.mark.parametrize(("dialect", "parse", "text", "expected"), CASES,
                         ids=[f"{c[0]}:{c[2]}" for c in CASES])
def test_owner_references(dialect: str, parse: Callable[[str], object], text: str, expected: object) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize("ref", ["", "  ", "component:web", "@", "@a/b/c", "user:"])
def test_catalog_reference_refused(ref: str) -> None:
    with pytest.raises(InvalidInputError):
        normalise_ref(ref)
