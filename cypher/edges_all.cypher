// Every edge (edges_of_kinds.cypher reads only some types).
MATCH (a:Node)-[r]->(b:Node)
WHERE $kinds IS NULL OR type(r) IN $kinds
RETURN a.id AS src, type(r) AS kind, b.id AS dst, properties(r) AS props
