// When the store began keeping history (null when the marker is missing: see history_first.cypher).
OPTIONAL MATCH (s:StewardState {key: 'history.since'})
RETURN s.value AS since
