"""``steward review record``, ``steward reviews [due]`` and ``steward oncall``: reviews on a schedule and
who is on call (see :mod:`steward.governance.reviews` and :mod:`steward.governance.rotations`).

Registered on :data:`steward.cli.app` when :mod:`steward.cli` imports this module (its last line).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from steward.analysis.common import parse_time
from steward.cli import FormatOpt, StoreOpt, app, emit, opened
from steward.cli_tokens import TokenOpt, acting_as
from steward.errors import ForbiddenError, InvalidInputError
from steward.governance.principal import Principal
from steward.render import Format, Table
from steward.store import GraphStore

__all__ = ["review_app", "reviews_app"]

PolicyOpt = Annotated[
    Path | None,
    typer.Option("--policy", "-p", help="Audit policy YAML whose `reviews` list holds the review cadences."),
]

review_app = typer.Typer(help="Record reviews of artifacts (drift, bias, performance, ownership re-attestation).",
                         no_args_is_help=True)
reviews_app = typer.Typer(help="Reviews recorded, and what falls due (`steward reviews due`).")
app.add_typer(review_app, name="review")
app.add_typer(reviews_app, name="reviews")


def _writer(store: GraphStore, token: str | None) -> Principal:
    """Who records: the token's person and role (an editor at least, as over HTTP), else the local operator."""
    principal = acting_as(store, token)
    if not principal.may("editor"):
        raise ForbiddenError(f"role {principal.role} may not record reviews (needs editor)")
    return principal


def _when(text: str | None, what: str) -> datetime | None:
    if text is None:
        return None
    got = parse_time(text)
    if got is None:
        raise InvalidInputError(f"{what}: {text!r} is not an ISO date or time (e.g. 2026-11-26 or 2026-11-26T09:00Z)")
    return got


def _review_rows(items: list[dict[str, Any]]) -> list[list[Any]]:
    return [[r["reviewed_at"], r["artifact"], r["type"], r["outcome"], r["by"], r.get("notes") or "", r["id"]]
            for r in items]


@review_app.command("record")
def record(
    artifact: Annotated[str, typer.Argument(help="The artifact reviewed: an id or an unambiguous search term.")],
    review_type: Annotated[str, typer.Option("--type", "-t",
                                             help="drift, bias, performance, ownership or custom.")],
    by: Annotated[str, typer.Option("--by", help="Who reviewed it: an e-mail, person:<email> or an alias.")],
    outcome: Annotated[str, typer.Option("--outcome", help="pass, fail or waived.")] = "pass",
    notes: Annotated[str | None, typer.Option("--notes", help="What was checked, and what was found.")] = None,
    at: Annotated[str | None, typer.Option("--at", help="When the review happened (ISO; default now).")] = None,
    store: StoreOpt = None,
    token: TokenOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Record a review of ARTIFACT (an ownership review re-attests its owners). Logged as review.record."""
    from steward.governance.reviews import record_review

    with opened(store) as st:
        result = record_review(st, artifact, review_type=review_type, by=by, outcome=outcome, notes=notes,
                               principal=_writer(st, token), reviewed_at=_when(at, "--at"))
    emit(result, [Table("Review recorded", ["at", "artifact", "type", "outcome", "by", "notes", "id"],
                        _review_rows([result]))], fmt)


@reviews_app.callback(invoke_without_command=True)
def reviews_list(
    ctx: typer.Context,
    artifact: Annotated[str | None, typer.Option("--artifact", "-a", help="Only this artifact's reviews.")] = None,
    store: StoreOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Reviews recorded, newest first."""
    if ctx.invoked_subcommand is not None:
        return
    from steward.governance.reviews import list_reviews

    with opened(store) as st:
        items = list_reviews(st, artifact)
    emit({"reviews": items}, [Table("Reviews (newest first)", ["at", "artifact", "type", "outcome", "by", "notes",
                                                               "id"], _review_rows(items),
                                    empty="no reviews recorded")], fmt)


@reviews_app.command("due")
def reviews_due_cmd(
    days: Annotated[float, typer.Option("--days", min=0, help="List what falls due within this many days.")] = 14,
    policy: PolicyOpt = None,
    now: Annotated[str | None, typer.Option("--now", help="Answer as of this moment (ISO; default now).")] = None,
    store: StoreOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Reviews overdue, failed, never done, or due within --days, by the policy's `reviews` cadences."""
    from steward.analysis.audit import load_policy
    from steward.governance.reviews import reviews_due

    pol = load_policy(policy)
    with opened(store) as st:
        result = reviews_due(st, pol.reviews, now=_when(now, "--now") or datetime.now(UTC), days=days)

    def last(e: dict[str, Any]) -> str:
        r = e["last_review"]
        return f"{r['outcome']} {str(r['reviewed_at'])[:10]} by {r['by']}" if r else "never"

    def when(e: dict[str, Any]) -> str:
        if e["due"] is None:
            return "now (never reviewed)"
        if e["days_overdue"] is not None:
            return f"{str(e['due'])[:10]} ({e['days_overdue']} days overdue)"
        return f"{str(e['due'])[:10]} (in {e['days_left']} days)"

    note = None if pol.reviews else "the policy asks for no reviews: add a `reviews` list to the file given by --policy"
    emit(result, [Table(f"Reviews due within {days:g} days", ["status", "artifact", "type", "due", "last review"],
                        [[e["status"], e["artifact"], e["type"], when(e), last(e)] for e in result["due"]],
                        empty="nothing due", note=note)], fmt)


@app.command("oncall")
def oncall_cmd(
    team: Annotated[str, typer.Argument(help="The team: team:<slug>, its handle or an alias.")],
    at: Annotated[str | None, typer.Option("--at", help="Who is on call at this moment (ISO; default now).")] = None,
    store: StoreOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Who is on call for TEAM now (or --at a moment), by the rotation its catalog Team declares."""
    from steward.governance.rotations import on_call

    with opened(store) as st:
        result = on_call(st, team, _when(at, "--at") or datetime.now(UTC))
    if result["rotation"] is None:
        raise InvalidInputError(f"team {result['team']['id']} declares no on-call rotation "
                                "(add spec.rotation to its catalog Team)")

    def row(label: str, s: dict[str, Any] | None) -> list[Any]:
        if s is None:
            return [label, "-", "", "", "", ""]
        cover = f" (covering for {s['covering_for']})" if s.get("covering_for") else ""
        return [label, s["person"] + cover, s.get("name") or "", s.get("contact") or "", s["starts"], s["ends"]]

    emit(result, [Table(f"On call for {result['team']['id']} at {result['at']}",
                        ["shift", "person", "name", "contact", "from", "until"],
                        [row("now", result["on_call"]), row("next", result["next"])])], fmt)


def demo_reviews(console: Any, store_uri: str, policy: Path) -> None:
    """The demo's section: overdue reviews and expired attestations, and who is on call for data-platform."""
    from steward.analysis.audit import audit, load_policy
    from steward.cli import _heading
    from steward.governance.rotations import on_call

    now = datetime.now(UTC)
    with opened(store_uri) as st:
        findings = [f for f in audit(st, policy=load_policy(policy), now=now)["findings"]
                    if f["rule"] in ("review-overdue", "attestation-expired")]
        shift = on_call(st, "team:data-platform", now)["on_call"]
    _heading(console, "Reviews and on-call")
    emit(None, [
        Table(f"Overdue reviews (cadences in {policy})", ["rule", "artifact", "message"],
              [[f["rule"], f["artifact"], f["message"]] for f in findings], empty="nothing overdue"),
        Table("On call for team:data-platform now", ["person", "name", "until"],
              [[shift["person"], shift.get("name"), shift["ends"]]] if shift else [], empty="nobody"),
    ], Format.table)
