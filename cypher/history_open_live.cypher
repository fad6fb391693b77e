// History keeps a node's or edge's open version on the live node or relationship (`_valid_from`),
// not as a version node. Set once, the first time a Steward that keeps it so connects; `fresh` says
// whether this call set it (then the caller moves the open version nodes a store written by an
// earlier Steward holds onto their live nodes: history_open_nodes / history_open_edges).
MERGE (s:StewardState {key: 'history.open'})
  ON CREATE SET s.value = 'live', s.fresh = true
WITH s, coalesce(s.fresh, false) AS fresh
REMOVE s.fresh
RETURN fresh
