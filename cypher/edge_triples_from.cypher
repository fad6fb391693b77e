// The distinct (src, kind, dst) of the edges of the given types leaving the nodes in $src, as one
// record of three parallel lists.
UNWIND $src AS sid
MATCH (a:Node {id: sid})-[r:__TYPES__]->(b:Node)
WITH DISTINCT a.id AS s, type(r) AS k, b.id AS d
RETURN collect(s) AS src, collect(k) AS kinds, collect(d) AS dst
