"""``steward incident ...``, ``steward incidents`` and ``steward suspect``: incidents from the command line.

Registered on :data:`steward.cli.app` when :mod:`steward.cli` imports this module (its last lines).
Commands that change an incident act as ``--token``'s person (``STEWARD_TOKEN``), else as the local
operator; every change is written with its log entry in one transaction.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from steward import cli
from steward.cli import FormatOpt, StoreOpt, emit, opened
from steward.errors import ConfigError, ForbiddenError
from steward.governance.principal import Principal
from steward.governance.tokens import cli_principal
from steward.render import Format, Table
from steward.settings import Settings
from steward.store import GraphStore

__all__ = ["incident_app"]

incident_app = typer.Typer(help="Open, follow and page an incident on an artifact.", no_args_is_help=True,
                           rich_markup_mode=None)
cli.app.add_typer(incident_app, name="incident")

TokenOpt = Annotated[str | None, typer.Option(
    "--token", envvar="STEWARD_TOKEN", show_envvar=True,
    help="Act as this API token's person and role (default: the local operator).")]
IncidentArg = Annotated[str, typer.Argument(help="The incident id (inc-...).", show_default=False)]


def actor(store: GraphStore, token: str | None) -> Principal:
    """The CLI's caller for a change: the token's principal (which must be an editor), or the local operator."""
    principal = cli_principal(store, token)
    if not principal.may("editor"):
        raise ForbiddenError(f"role {principal.role} may not change incidents (needs editor)")
    return principal


def _incident_tables(doc: dict[str, Any]) -> list[Table]:
    art = doc["artifact"]
    frozen = doc["frozen"]
    fields = [["title", doc["title"]], ["severity", doc["severity"]], ["status", doc["status"]],
              ["artifact", f"{art['kind']} {art['id']}"], ["opened", f"{doc['opened_at']} by {doc['opened_by']}"],
              ["assignees", doc["assignees"] or "-"], ["summary", doc.get("summary") or "-"]]
    if doc.get("resolution"):
        r = doc["resolution"]
        fields.append(["resolution", f"{r['reason']} ({r['at']} by {r['by']})"])
    tables = [
        Table(f"Incident {doc['id']}", ["field", "value"], fields),
        Table(f"Paging list, frozen at {frozen['at']}", ["person", "name", "contact", "roles", "deployments hit"],
              [[p["id"], p["name"], p.get("contact") or "-", p["roles"], len(p["deployments"])]
               for p in frozen["page"]], empty="nobody active owned it or anything downstream"),
        Table(f"Blast radius, frozen: {frozen['counts']['impacted']} downstream", ["distance", "kind", "id"],
              [[i["distance"], i["kind"], i["id"]] for i in frozen["impacted"]]),
        Table("Timeline", ["at", "by", "what"],
              sorted([[h["at"], h["by"], h["status"] + (f": {h['reason']}" if h.get("reason") else "")]
                      for h in doc["status_history"]]
                     + [[n["at"], n["by"], f"note: {n['text']}"] for n in doc["notes"]]
                     + [[p["at"], p["by"], f"paged via {p['format']} to {p['target']}: "
                         + ("delivered" if p["ok"] else "FAILED")] for p in doc.get("pages", [])])),
        Table("Links", ["kind", "url", "title"], [[ln["kind"], ln["url"], ln.get("title") or ""]
                                                   for ln in doc["links"]]),
        Table("Playbooks", ["id", "name", "why"], [[p["id"], p["name"], "; ".join(p.get("matched_by", []))]
                                                   for p in doc["playbooks"]], empty="no playbook applies"),
    ]
    return tables


def _show(doc: dict[str, Any], fmt: Format) -> None:
    emit(doc, _incident_tables(doc), fmt)


def _changed(doc: dict[str, Any], fmt: Format, what: str) -> None:
    """After a change: one line for a person (``steward incident show`` has the rest), the record otherwise."""
    if fmt is Format.table:
        typer.echo(f"incident {doc['id']} ({doc['status']}): {what}")
    else:
        _show(doc, fmt)


@incident_app.command("open")
def open_cmd(
    artifact: Annotated[str, typer.Argument(help="The artifact that broke: a node id or an unambiguous search term.",
                                            show_default=False)],
    title: Annotated[str, typer.Option("--title", "-t", help="What broke, in a line.")],
    severity: Annotated[str, typer.Option("--severity", help="sev1 (worst) .. sev4.")],
    summary: Annotated[str | None, typer.Option("--summary", help="More about it.")] = None,
    store: StoreOpt = None,
    fmt: FormatOpt = Format.table,
    token: TokenOpt = None,
) -> None:
    """Open an incident on ARTIFACT: freeze its blast radius and paging list, mark what is downstream
    suspect, attach the playbooks that apply."""
    from steward.incidents import open_incident
    from steward.lookup import resolve_node

    with opened(store) as st:
        doc = open_incident(st, resolve_node(st, artifact).id, title=title, severity=severity, summary_text=summary,
                            actor=actor(st, token))
    _show(doc, fmt)


@incident_app.command("show")
def show_cmd(incident: IncidentArg, store: StoreOpt = None, fmt: FormatOpt = Format.table) -> None:
    """One incident: status, frozen paging list and blast radius, timeline, links, playbooks."""
    from steward.incidents import get_incident

    with opened(store) as st:
        doc = get_incident(st, incident)
    _show(doc, fmt)


def _move(action: str, incident: str, reason: str | None, store: str | None, fmt: Format, token: str | None) -> None:
    from steward.incidents import transition

    with opened(store) as st:
        doc = transition(st, incident, action, actor=actor(st, token), reason=reason)
    _changed(doc, fmt, f"{action} by {doc['status_history'][-1]['by']}")


ReasonOpt = Annotated[str | None, typer.Option("--reason", "-r", help="Why (kept in the timeline and the log).")]


@incident_app.command("ack")
def ack_cmd(incident: IncidentArg, reason: ReasonOpt = None, store: StoreOpt = None, fmt: FormatOpt = Format.table,
            token: TokenOpt = None) -> None:
    """Acknowledge an open incident (someone is on it)."""
    _move("ack", incident, reason, store, fmt, token)


@incident_app.command("mitigate")
def mitigate_cmd(incident: IncidentArg, reason: ReasonOpt = None, store: StoreOpt = None,
                 fmt: FormatOpt = Format.table, token: TokenOpt = None) -> None:
    """Mark an acknowledged incident mitigated (the harm has stopped)."""
    _move("mitigate", incident, reason, store, fmt, token)


@incident_app.command("resolve")
def resolve_cmd(
    incident: IncidentArg,
    reason: Annotated[str, typer.Option("--reason", "-r", help="The resolution (required).")],
    store: StoreOpt = None, fmt: FormatOpt = Format.table, token: TokenOpt = None,
) -> None:
    """Resolve an acknowledged or mitigated incident; what was suspect is no longer."""
    _move("resolve", incident, reason, store, fmt, token)


@incident_app.command("note")
def note_cmd(incident: IncidentArg, text: Annotated[str, typer.Argument(help="The note.", show_default=False)],
             store: StoreOpt = None, fmt: FormatOpt = Format.table, token: TokenOpt = None) -> None:
    """Add a note to the incident's timeline."""
    from steward.incidents import add_note

    with opened(store) as st:
        doc = add_note(st, incident, text, actor=actor(st, token))
    _changed(doc, fmt, f"note added by {doc['notes'][-1]['by']}")


@incident_app.command("assign")
def assign_cmd(
    incident: IncidentArg,
    people: Annotated[list[str], typer.Argument(help="People or teams (person:..., team:..., e-mail).",
                                                show_default=False)],
    remove: Annotated[bool, typer.Option("--remove", help="Unassign them instead.")] = False,
    store: StoreOpt = None, fmt: FormatOpt = Format.table, token: TokenOpt = None,
) -> None:
    """Assign people or teams to the incident (or --remove them)."""
    from steward.incidents import assign

    with opened(store) as st:
        doc = assign(st, incident, people, actor=actor(st, token), remove=remove)
    _changed(doc, fmt, f"assignees: {', '.join(doc['assignees']) or 'nobody'}")


@incident_app.command("link")
def link_cmd(
    incident: IncidentArg,
    url: Annotated[str, typer.Argument(help="An http(s) URL.", show_default=False)],
    kind: Annotated[str, typer.Option("--kind", "-k", help="postmortem, ticket, dashboard, runbook, chat, other.")]
    = "other",
    title: Annotated[str | None, typer.Option("--title", help="A label for the link.")] = None,
    store: StoreOpt = None, fmt: FormatOpt = Format.table, token: TokenOpt = None,
) -> None:
    """Link a postmortem, a ticket, a dashboard... to the incident."""
    from steward.incidents import add_link

    with opened(store) as st:
        doc = add_link(st, incident, url, kind=kind, title=title, actor=actor(st, token))
    _changed(doc, fmt, f"{kind} link added: {doc['links'][-1]['url']}")


@incident_app.command("page")
def page_cmd(
    incident: IncidentArg,
    webhook: Annotated[str | None, typer.Option(
        "--webhook", help="Where to POST (a secret; default STEWARD_PAGING_WEBHOOK).")] = None,
    shape: Annotated[str | None, typer.Option(
        "--format", help="steward, slack or pagerduty (default STEWARD_PAGING_FORMAT, else steward).")] = None,
    routing_key: Annotated[str | None, typer.Option(
        "--routing-key", help="PagerDuty routing key (default STEWARD_PAGERDUTY_ROUTING_KEY).")] = None,
    attempts: Annotated[int, typer.Option(min=1, max=10, help="Tries per request (5xx and connection errors "
                                                               "are retried with exponential backoff).")] = 4,
    backoff: Annotated[float, typer.Option(min=0.0, max=60.0, help="First wait between tries, seconds.")] = 0.5,
    store: StoreOpt = None,
    output: Annotated[Format, typer.Option("--output", "-o", help="table or json.")] = Format.table,
    token: TokenOpt = None,
) -> None:
    """POST the incident's frozen paging list to a webhook (Steward JSON, Slack blocks or PagerDuty v2 events)."""
    from steward.incidents import page_incident

    settings = Settings()
    url = webhook or (settings.paging_webhook.get_secret_value() if settings.paging_webhook else None)
    if not url:
        raise ConfigError("no webhook: pass --webhook URL or set STEWARD_PAGING_WEBHOOK")
    key = routing_key or (settings.pagerduty_routing_key.get_secret_value() if settings.pagerduty_routing_key
                          else None)
    with opened(store) as st:
        result = page_incident(st, incident, url=url, shape=shape or settings.paging_format, actor=actor(st, token),
                               routing_key=key, attempts=attempts, backoff_s=backoff)
    emit(result, [Table(f"Paged incident {result['incident']} via {result['format']} to {result['target']}",
                        ["idempotency key", "attempts", "status"],
                        [[r["idempotency_key"], r["attempts"], r["status"]] for r in result["requests"]])], output)


@cli.app.command("incidents")
def incidents_cmd(
    artifact: Annotated[str | None, typer.Option(
        "--artifact", "-a", help="Only incidents on this artifact or anything upstream of it.")] = None,
    status: Annotated[str | None, typer.Option(
        "--status", help="open, acknowledged, mitigated, resolved, or active (not resolved).")] = None,
    store: StoreOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Incidents, newest first; with --artifact, the history of it and of everything upstream."""
    from steward.incidents import list_incidents
    from steward.lookup import resolve_node

    with opened(store) as st:
        result = list_incidents(st, artifact=resolve_node(st, artifact).id if artifact else None, status=status)
    rows = [[i["id"], i["severity"], i["status"], i["artifact"]["id"], i.get("relation", ""), i["title"],
             (i["resolution"] or {}).get("reason", ""), i["postmortems"]] for i in result["incidents"]]
    title = f"Incidents of {artifact} and upstream" if artifact else "Incidents"
    emit(result, [Table(title, ["id", "severity", "status", "artifact", "relation", "title", "resolution",
                                "postmortems"], rows, empty="no incidents")], fmt)


@cli.app.command("suspect")
def suspect_cmd(
    incident: Annotated[str | None, typer.Option("--incident", help="Only what this incident makes suspect.")]
    = None,
    store: StoreOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Artifacts suspect because an unresolved incident is on them or upstream of them."""
    from steward.incidents import suspects

    with opened(store) as st:
        result = suspects(st, incident=incident)
    def why(markers: list[dict[str, Any]]) -> str:
        return ", ".join(f"{m['incident']} ({m['severity']}, {m['status']}, distance {m['distance']})"
                         for m in markers)

    emit(result, [Table("Suspect artifacts (under an unresolved incident, or downstream of one)",
                        ["kind", "id", "incidents"],
                        [[s["kind"], s["id"], why(s["incidents"])] for s in result["suspects"]],
                        empty="nothing is suspect")], fmt)


def context_tables(context: dict[str, Any]) -> list[Table]:
    """The tables ``steward show`` adds for an artifact: suspect marks, incident history, playbooks."""
    if not context:
        return []
    tables = []
    if context["suspect"]:
        tables.append(Table("SUSPECT: unresolved incidents on it or upstream of it",
                            ["incident", "severity", "status", "on", "distance", "title"],
                            [[m["incident"], m["severity"], m["status"], m["root"], m["distance"], m["title"]]
                             for m in context["suspect"]]))
    tables.append(Table("Incidents of it and of everything upstream", ["id", "severity", "status", "on", "title",
                                                                          "resolution", "postmortems"],
                        [[i["id"], i["severity"], i["status"], i["artifact"]["id"], i["title"],
                          (i["resolution"] or {}).get("reason", ""), i["postmortems"]] for i in context["incidents"]],
                        empty="no incidents"))
    tables.append(Table("Playbooks", ["id", "name", "why"],
                        [[p["id"], p["name"], "; ".join(p["matched_by"])] for p in context["playbooks"]],
                        empty="no playbook applies"))
    return tables


def demo_tables(store: GraphStore, artifact: str) -> list[Table]:
    """What `steward demo` shows of incidents: the history upstream of a deployment, and its playbooks."""
    from steward.incidents.core import artifact_context

    rec = store.get_node(artifact)
    if rec is None:
        return []
    return context_tables(artifact_context(store, rec))
