// Edges claimed by $source.
MATCH (a:Node)-[r]->(b:Node)
WHERE r.source = $source
RETURN a.id AS src, type(r) AS kind, b.id AS dst, r.key AS key
