// When the store began keeping history: set once, the first time a Steward that keeps history
// connects; `started` says whether this call set it (then the caller opens a version for everything
// present, see history_seed_nodes / history_seed_edges).
MERGE (s:StewardState {key: 'history.since'})
  ON CREATE SET s.value = $now, s.fresh = true
WITH s, coalesce(s.fresh, false) AS started
REMOVE s.fresh
RETURN started, s.value AS since
