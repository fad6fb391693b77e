"""Incidents on any artifact: a frozen blast radius and paging list, suspect marks downstream, a
lifecycle with notes, assignees and links, paging through a webhook, and the playbooks that apply.

Modules: :mod:`~steward.incidents.core` (the records and their lifecycle, suspects, history),
:mod:`~steward.incidents.paging` (webhook payloads and delivery), :mod:`~steward.incidents.playbooks`
(the catalog's playbooks matched to artifacts).
"""

from steward.incidents.core import (
    KIND,
    SEVERITIES,
    STATUSES,
    IncidentStateError,
    add_link,
    add_note,
    assign,
    get_incident,
    incident_history,
    list_incidents,
    open_incident,
    suspect_index,
    suspects,
    transition,
)
from steward.incidents.paging import FORMATS, PagingError, page_incident
from steward.incidents.playbooks import matching_playbooks

__all__ = [
    "FORMATS", "KIND", "SEVERITIES", "STATUSES", "IncidentStateError", "PagingError", "add_link", "add_note",
    "assign", "get_incident", "incident_history", "list_incidents", "matching_playbooks", "open_incident",
    "page_incident", "suspect_index", "suspects", "transition",
]
