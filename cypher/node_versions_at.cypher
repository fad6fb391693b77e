// The closed node versions (version nodes) valid at $at; the open ones are the live nodes
// (live_nodes_at.cypher).
MATCH (v:NodeVersion)
WHERE v.valid_from <= $at AND (v.valid_to IS NULL OR v.valid_to > $at)
RETURN properties(v) AS v
