// Every edge of the given types; the types are filled in from the EdgeKind allow-list, so the
// planner reads only those relationships (a type scan) instead of filtering all of them.
MATCH (a:Node)-[r:__TYPES__]->(b:Node)
RETURN a.id AS src, type(r) AS kind, b.id AS dst, properties(r) AS props
