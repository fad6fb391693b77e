// The distinct (src, kind, dst) of every edge of the given types (filled in from the EdgeKind
// allow-list, so the planner scans only those relationships); no property is read. One record of
// three parallel lists.
MATCH (a:Node)-[r:__TYPES__]->(b:Node)
WITH DISTINCT a.id AS s, type(r) AS k, b.id AS d
RETURN collect(s) AS src, collect(k) AS kinds, collect(d) AS dst
