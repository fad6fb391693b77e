// Everything downstream of $ids. RETURN DISTINCT of the end node (no path bound) lets the planner
// use a pruning breadth-first var-length expand: each node is visited once, paths are never
// enumerated. The relationship types are filled in from the EdgeKind allow-list only (var-length types cannot be
// parameters).
UNWIND $ids AS sid
MATCH (s:Node {id: sid})-[:__TYPES__*1..]->(n:Node)
RETURN DISTINCT n.id AS id
