"""The analyses, written once against :class:`~steward.store.GraphStore`.

Each returns a JSON-ready dict: that is the contract the CLI (``--format json``) and the HTTP API
share. Field names documented in the README are never renamed; new fields may be added.
"""

from steward.analysis.audit import Policy, audit
from steward.analysis.blast import blast_radius
from steward.analysis.handoff import handoff
from steward.analysis.spof import spof
from steward.analysis.upstream import upstream

__all__ = ["Policy", "audit", "blast_radius", "handoff", "spof", "upstream"]
