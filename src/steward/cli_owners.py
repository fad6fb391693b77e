"""``steward owners set`` and ``steward changes list|show|approve|reject``: ownership changed through
Steward (:mod:`steward.governance.changes`), acting as ``--token``/``STEWARD_TOKEN``'s person and
role, else as the local operator (admin). ``steward handoff PERSON --apply`` calls :func:`apply_handoff`.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from steward.cli_tokens import TokenOpt, acting_as
from steward.governance import changes
from steward.render import Format, Table

__all__ = ["apply_handoff", "changes_app", "owners_app", "register"]

owners_app = typer.Typer(help="Set owners and stewards through Steward (origin `steward`; logged).",
                         no_args_is_help=True)
changes_app = typer.Typer(help="Change requests: list, show, approve (applies the change) or reject.",
                          no_args_is_help=True)

StoreOpt = Annotated[str | None, typer.Option("--store", "-s", envvar="STEWARD_STORE", show_envvar=True,
                                              help="Store URI (see steward --help).")]
FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="Output: table, json, markdown or csv.")]
ReasonOpt = Annotated[str, typer.Option("--reason", help="Why (required; written to the log).", show_default=False)]


def register(app: typer.Typer) -> None:
    """Add ``owners`` and ``changes`` to the ``steward`` command."""
    app.add_typer(owners_app, name="owners")
    app.add_typer(changes_app, name="changes")


def _cli() -> Any:
    from steward import cli  # the root command's helpers (store opening, output); imported late: cli imports us

    return cli


def _change_table(docs: list[dict[str, Any]], title: str) -> Table:
    rows = [[d["id"], d.get("status"), d.get("artifact"), d.get("owners"), d.get("stewards"), d.get("requested_by"),
             d.get("decided_by"), d.get("reason")] for d in docs]
    return Table(title, ["id", "status", "artifact", "owners", "stewards", "requested by", "decided by", "reason"],
                 rows, empty="no changes")


def _outcome(out: dict[str, Any], fmt: Format) -> None:
    doc = out["change"]
    verb = {"applied": "applied", "open": "filed as a change request (an owner or an admin approves it)",
            "rejected": "rejected"}[out["status"]]
    title = f"Change {doc['id']} on {doc['artifact']}: {verb}"
    if doc.get("stale"):
        title += " (ownership had changed since it was filed; applied as asked)"
    _cli().emit({"status": out["status"], "change": doc, "change_id": doc["id"]}, [_change_table([doc], title)], fmt)


@owners_app.command("set")
def set_cmd(
    artifact: Annotated[str, typer.Argument(help="The artifact (id or unambiguous search term).")],
    owner: Annotated[list[str] | None, typer.Option("--owner", help="An owner: person or team (id, alias, "
                                                    "e-mail, @handle); repeat for more.")] = None,
    steward: Annotated[list[str] | None, typer.Option("--steward", help="A steward; repeat for more.")] = None,
    clear_owners: Annotated[bool, typer.Option("--clear-owners", help="Drop the steward-origin owners (the next "
                                               "origin by precedence answers).")] = False,
    clear_stewards: Annotated[bool, typer.Option("--clear-stewards", help="Likewise for stewards.")] = False,
    reason: ReasonOpt = "",
    store: StoreOpt = None,
    token: TokenOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Set ARTIFACT's owners and/or stewards. Applied at once for an admin (the local operator is one) or
    an editor who owns it; a change request for any other editor."""
    from steward.errors import InvalidInputError

    if (owner and clear_owners) or (steward and clear_stewards):
        raise InvalidInputError("give --owner or --clear-owners, not both (likewise for stewards)")
    owners = [] if clear_owners else (owner or None)
    stewards = [] if clear_stewards else (steward or None)
    with _cli().opened(store) as st:
        out = changes.set_ownership(st, acting_as(st, token), artifact, owners=owners, stewards=stewards,
                                    reason=reason)
    _outcome(out, fmt)


@changes_app.command("list")
def list_cmd(
    status: Annotated[str | None, typer.Option("--status", help="open, applied or rejected.")] = None,
    artifact: Annotated[str | None, typer.Option("--artifact", help="Only changes to this artifact.")] = None,
    store: StoreOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Change requests and applied changes, newest first."""
    from steward.lookup import resolve_node

    with _cli().opened(store) as st:
        target = resolve_node(st, artifact).id if artifact else None
        docs = changes.list_changes(st, status=status, artifact=target)
    _cli().emit({"changes": docs}, [_change_table(docs, "Changes" + (f" ({status})" if status else ""))], fmt)


@changes_app.command("show")
def show_cmd(change_id: Annotated[str, typer.Argument(help="A change id (chg-...).")], store: StoreOpt = None,
             fmt: FormatOpt = Format.table) -> None:
    """One change record: what was asked, by whom, why, and its decision."""
    with _cli().opened(store) as st:
        doc = changes.get_change(st, change_id)
    rows = [[k, v] for k, v in doc.items()]
    _cli().emit(doc, [Table(f"Change {change_id}", ["field", "value"], rows)], fmt)


@changes_app.command("approve")
def approve_cmd(change_id: Annotated[str, typer.Argument(help="A change id (chg-...).")], reason: ReasonOpt = "",
                store: StoreOpt = None, token: TokenOpt = None, fmt: FormatOpt = Format.table) -> None:
    """Approve an open change request and apply it (an owner of the artifact or an admin; not its requester)."""
    with _cli().opened(store) as st:
        out = changes.approve(st, acting_as(st, token), change_id, reason=reason)
    _outcome(out, fmt)


@changes_app.command("reject")
def reject_cmd(change_id: Annotated[str, typer.Argument(help="A change id (chg-...).")], reason: ReasonOpt = "",
               store: StoreOpt = None, token: TokenOpt = None, fmt: FormatOpt = Format.table) -> None:
    """Reject an open change request (an owner of the artifact or an admin; the requester may withdraw it)."""
    with _cli().opened(store) as st:
        out = changes.reject(st, acting_as(st, token), change_id, reason=reason)
    _outcome(out, fmt)


def apply_handoff(store: str | None, token: str | None, person: str, *, to: str | None, only: list[str] | None,
                  reason: str | None, fmt: Format) -> None:
    """``steward handoff PERSON --apply --to SUCCESSOR``: one change request per artifact of the checklist."""
    from steward.errors import InvalidInputError

    if not to:
        raise InvalidInputError("--apply needs --to SUCCESSOR")
    with _cli().opened(store) as st:
        result = changes.handoff_apply(st, acting_as(st, token), person, to=to, only=only, reason=reason)
    rows = [[d["id"], d["artifact"], d.get("owners"), d.get("stewards")] for d in result["requests"]]
    _cli().emit(result, [
        Table(f"Handoff {result['person']} -> {result['successor']}: change requests filed (an owner of each "
              "artifact or an admin approves them: steward changes approve ID)",
              ["change", "artifact", "owners asked", "stewards asked"], rows, empty="no request filed"),
        Table("Skipped", ["artifact", "why"], [[s["artifact"], s["why"]] for s in result["skipped"]],
              empty="nothing skipped"),
    ], fmt)
