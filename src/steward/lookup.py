"""Finding the node a user means: a full id, or an unambiguous search term."""

from __future__ import annotations

from steward.errors import InvalidInputError, NotFoundError
from steward.graph import NodeRecord
from steward.store.base import GraphStore, search_rank

__all__ = ["resolve_node"]


def resolve_node(store: GraphStore, text: str) -> NodeRecord:
    """The node whose id is ``text``; else the single best search match.

    A term is unambiguous when exactly one node matches it, or exactly one matches it exactly
    (its id, key or name). Otherwise the error lists the candidates to choose from.
    """
    text = text.strip()
    if not text:
        raise InvalidInputError("an id or search term is needed")
    rec = store.get_node(text)
    if rec is not None:
        return rec
    hits = store.search(text, limit=50)
    if not hits:
        raise NotFoundError(f"no node matches {text!r}; try `steward search` with a shorter term")
    if len(hits) == 1:
        return hits[0]
    exact = [h for h in hits if search_rank(text, h)[0] <= 1]
    if len(exact) == 1:
        return exact[0]
    shown = ", ".join(h.id for h in hits[:10])
    more = f" and {len(hits) - 10} more" if len(hits) > 10 else ""
    raise InvalidInputError(f"{text!r} is ambiguous: it matches {shown}{more}; give a full id")
