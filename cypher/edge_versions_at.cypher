// The closed edge versions (version nodes) valid at $at; the open ones are the live relationships
// (live_edges_at.cypher).
MATCH (v:EdgeVersion)
WHERE v.valid_from <= $at AND (v.valid_to IS NULL OR v.valid_to > $at)
RETURN properties(v) AS v
