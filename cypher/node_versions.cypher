// Every version of the node $id.
MATCH (v:NodeVersion {id: $id})
RETURN properties(v) AS v
