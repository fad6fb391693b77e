// Edges leaving the nodes in $src, optionally of $kinds and into $dst.
UNWIND $src AS sid
MATCH (a:Node {id: sid})-[r]->(b:Node)
WHERE ($kinds IS NULL OR type(r) IN $kinds) AND ($dst IS NULL OR b.id IN $dst)
RETURN a.id AS src, type(r) AS kind, b.id AS dst, properties(r) AS props
