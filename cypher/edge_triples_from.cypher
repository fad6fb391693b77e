// The distinct (src, kind, dst) of the edges of the given types leaving the nodes in $src.
UNWIND $src AS sid
MATCH (a:Node {id: sid})-[r:__TYPES__]->(b:Node)
RETURN DISTINCT a.id AS src, type(r) AS kind, b.id AS dst
