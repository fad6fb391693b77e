// The edges of $kinds between the nodes in $ids (a closure found by closure_*.cypher); the caller
// walks them breadth-first for distances and one deterministic shortest path each.
UNWIND $ids AS sid
MATCH (a:Node {id: sid})-[r]->(b:Node)
WHERE type(r) IN $kinds AND b.id IN $ids
RETURN DISTINCT a.id AS src, b.id AS dst
