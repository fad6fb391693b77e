"""Finding the node a user means: a full id, a person's alias, handle or e-mail, or an unambiguous
search term."""

from __future__ import annotations

from collections.abc import Collection

from steward.errors import InvalidInputError, NotFoundError
from steward.graph import NodeKind, NodeRecord, is_email
from steward.identity import Identities
from steward.store.base import GraphStore, search_rank

__all__ = ["resolve_node", "search"]

_NAME_MARKERS = ("@", "user:", "group:", "person:", "team:")


def _names_someone(text: str) -> bool:
    return text.lower().startswith(_NAME_MARKERS) or is_email(text)


def resolve_node(store: GraphStore, text: str) -> NodeRecord:
    """The node whose id is ``text`` (a person or team mapped to its canonical node); else the person
    or team ``text`` names (``@sroe``, ``user:sroe``, an e-mail or alias); else the single best search
    match.

    A term is unambiguous when exactly one node matches it, or exactly one matches it exactly
    (its id, key or name). Otherwise the error lists the candidates to choose from.
    """
    text = text.strip()
    if not text:
        raise InvalidInputError("an id or search term is needed")
    ids: Identities | None = None

    def identities() -> Identities:
        nonlocal ids
        if ids is None:
            ids = Identities.load(store)
        return ids

    def canonical(rec: NodeRecord) -> NodeRecord:
        if rec.kind in (NodeKind.PERSON, NodeKind.TEAM):
            cid = identities().canonical(rec.id)
            if cid != rec.id:
                return store.get_node(cid) or rec
        return rec

    rec = store.get_node(text)
    if rec is not None:
        return canonical(rec)
    if _names_someone(text):
        who = identities().lookup(text)
        if who is not None and (found := store.get_node(who)) is not None:
            return found
    hits = store.search(text, limit=50)
    if len(hits) == 1:
        return canonical(hits[0])
    exact = [h for h in hits if search_rank(text, h)[0] <= 1]
    if len(exact) == 1:
        return canonical(exact[0])
    who = identities().lookup(text)
    if who is not None and (found := store.get_node(who)) is not None:
        return found
    if not hits:
        raise NotFoundError(f"no node matches {text!r}; search with a shorter term")
    shown = ", ".join(h.id for h in hits[:10])
    more = f" and {len(hits) - 10} more" if len(hits) > 10 else ""
    raise InvalidInputError(f"{text!r} is ambiguous: it matches {shown}{more}; give a full id")


def search(store: GraphStore, text: str, *, kinds: Collection[NodeKind] | None = None,
           limit: int = 20) -> list[NodeRecord]:
    """``GraphStore.search``, with the person or team ``text`` names (alias, handle, e-mail) first."""
    hits = store.search(text, kinds=kinds, limit=limit)
    who = Identities.load(store).lookup(text)
    if who is None:
        return hits
    rec = store.get_node(who)
    if rec is None or (kinds is not None and rec.kind not in kinds):
        return hits
    return [rec, *[h for h in hits if h.id != rec.id]][:limit]
