// The live relationships whose open version was valid at $at (it began at `_valid_from`).
MATCH (a:Node)-[r]->(b:Node)
WHERE r._valid_from <= $at
RETURN a.id AS src, type(r) AS kind, b.id AS dst, properties(r) AS v
