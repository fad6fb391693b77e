// The distinct (src, kind, dst) of every edge of the given types (filled in from the EdgeKind
// allow-list, so the planner scans only those relationships); no property is read.
MATCH (a:Node)-[r:__TYPES__]->(b:Node)
RETURN DISTINCT a.id AS src, type(r) AS kind, b.id AS dst
