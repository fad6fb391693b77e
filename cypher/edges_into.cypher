// Edges entering the nodes in $dst, optionally of $kinds.
UNWIND $dst AS did
MATCH (a:Node)-[r]->(b:Node {id: did})
WHERE $kinds IS NULL OR type(r) IN $kinds
RETURN a.id AS src, type(r) AS kind, b.id AS dst, properties(r) AS props
