"""``steward token create|list|revoke``, and the ``--token`` option other commands reuse.

Use in another command (the principal the change is logged under)::

    from steward.cli_tokens import TokenOpt, acting_as

    def my_command(..., token: TokenOpt = None) -> None:
        with opened(store) as st:
            principal = acting_as(st, token)
"""

from __future__ import annotations

from typing import Annotated

import typer

from steward.governance.principal import ROLES, Principal, Role
from steward.governance.tokens import cli_principal, create_token, list_tokens, revoke_token
from steward.graph import NodeKind
from steward.render import Format, Table
from steward.store import GraphStore

__all__ = ["TokenOpt", "acting_as", "app"]

TokenOpt = Annotated[
    str | None,
    typer.Option("--token", envvar="STEWARD_TOKEN", show_envvar=True,
                 help="Act as this API token's person and role (else: the local operator, admin)."),
]

app = typer.Typer(help="API tokens: a person and a role behind a secret (shown once, stored as a hash).",
                  no_args_is_help=True)


def acting_as(store: GraphStore, token: str | None) -> Principal:
    """Who a CLI command acts as: the token's principal (exit 5 when it is not valid), else the local operator."""
    return cli_principal(store, token)


def _person(store: GraphStore, text: str) -> str:
    from steward.errors import InvalidInputError
    from steward.lookup import resolve_node

    rec = resolve_node(store, text)
    if rec.kind is not NodeKind.PERSON:
        raise InvalidInputError(f"{text!r} is {rec.id}, not a person; tokens are issued to people")
    return rec.id


@app.command("create")
def create(
    person: Annotated[str, typer.Option("--person", help="The person (id, @handle, alias or e-mail).",
                                        show_default=False)],
    role: Annotated[str, typer.Option("--role", help=f"One of {', '.join(ROLES)}.", show_default=False)],
    expires: Annotated[float | None, typer.Option("--expires", help="Expire after this many days.")] = None,
    name: Annotated[str | None, typer.Option("--name", help="What the token is for.")] = None,
    store: Annotated[str | None, typer.Option("--store", "-s", envvar="STEWARD_STORE", help="Store URI.")] = None,
    token: TokenOpt = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="table or json.")] = Format.table,
) -> None:
    """Issue a token and print it ONCE (only its hash is kept). Needs admin (the local operator is)."""
    from steward.cli import emit, opened
    from steward.errors import InvalidInputError

    if role not in ROLES:
        raise InvalidInputError(f"unknown role {role!r}; one of {', '.join(ROLES)}")
    with opened(store) as st:
        actor = acting_as(st, token)
        issued = create_token(st, person=_person(st, person), role=_role(role), actor=actor,
                              expires_days=expires, name=name)
    if fmt is Format.json:
        emit({**issued.info.to_json(), "token": issued.plaintext}, [], fmt)
        return
    info = issued.info
    typer.echo(issued.plaintext)
    typer.echo(f"token {info.id} for {info.person} as {info.role}"
               + (f", expires {info.expires_at}" if info.expires_at else ", no expiry")
               + ". It is shown only now: Steward keeps its hash, not the token.", err=True)


def _role(text: str) -> Role:
    for r in ROLES:
        if r == text:
            return r
    raise AssertionError(text)  # checked by the caller


@app.command("list")
def list_cmd(
    store: Annotated[str | None, typer.Option("--store", "-s", envvar="STEWARD_STORE", help="Store URI.")] = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="table, json, markdown or csv.")] = Format.table,
) -> None:
    """Every token: id, person, role, status (active, expired, revoked). Never a secret."""
    from steward.cli import emit, opened

    with opened(store) as st:
        tokens = list_tokens(st)
    payload = {"tokens": [t.to_json() for t in tokens]}
    emit(payload, [Table("Tokens", ["id", "person", "role", "name", "status", "created", "expires", "revoked"],
                         [[t.id, t.person, t.role, t.name or "", t.status(), t.created_at, t.expires_at or "",
                           t.revoked_at or ""] for t in tokens])], fmt)


@app.command("revoke")
def revoke(
    token_id: Annotated[str, typer.Argument(help="The token's id (from `steward token list`).", show_default=False)],
    reason: Annotated[str | None, typer.Option("--reason", help="Why (kept in the log).")] = None,
    store: Annotated[str | None, typer.Option("--store", "-s", envvar="STEWARD_STORE", help="Store URI.")] = None,
    token: TokenOpt = None,
) -> None:
    """Revoke a token: from the next request on, it (and every explorer session opened with it) is refused."""
    from steward.cli import opened

    with opened(store) as st:
        actor = acting_as(st, token)
        before = {t.id: t for t in list_tokens(st)}.get(token_id)
        info = revoke_token(st, token_id, actor=actor, reason=reason)
    if before is not None and before.revoked_at is not None:
        typer.echo(f"token {info.id} was already revoked ({info.revoked_at})")
    else:
        typer.echo(f"revoked token {info.id} of {info.person} ({info.role})")
