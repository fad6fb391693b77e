"""The demo's past incident: opened on the key dataset, worked and resolved through Steward, with a
postmortem link, so `steward incidents --artifact ...` and the artifact pages have history to show."""

from __future__ import annotations

from steward.demo import story
from steward.governance.principal import Principal
from steward.incidents import add_link, add_note, open_incident, transition
from steward.store import GraphStore

__all__ = ["record_past_incident"]


def record_past_incident(store: GraphStore) -> str | None:
    """Record the story's incident (if its artifact was ingested); returns its id."""
    spec = story.PAST_INCIDENT
    if store.get_node(spec["artifact"]) is None:
        return None
    who = Principal(actor=story.PEOPLE["grace"].id, role="editor", person=story.PEOPLE["grace"].id)
    doc = open_incident(store, spec["artifact"], title=spec["title"], severity=spec["severity"],
                        summary_text=spec["summary"], actor=who)
    transition(store, doc["id"], "ack", actor=who)
    add_note(store, doc["id"], spec["note"], actor=who)
    transition(store, doc["id"], "mitigate", actor=who, reason=spec["mitigation"])
    transition(store, doc["id"], "resolve", actor=who, reason=spec["resolution"])
    add_link(store, doc["id"], spec["postmortem"], kind="postmortem", title="Postmortem", actor=who)
    return str(doc["id"])
