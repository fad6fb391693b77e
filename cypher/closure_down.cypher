// Everything downstream of $ids. RETURN DISTINCT of the end node (no path bound) lets the planner
// use a pruning breadth-first var-length expand: each node is visited once, paths are never
// enumerated. The relationship types are filled in from the EdgeKind allow-list only (var-length types cannot be
// parameters). The WITH and the unlabelled end node keep the planner from the alternative it
// picks on small graphs: scan every node, then test reachability pair by pair (VarLengthExpand(Into)).
UNWIND $ids AS sid
MATCH (s:Node {id: sid})
WITH s
MATCH (s)-[:__TYPES__*1..]->(n)
RETURN DISTINCT n.id AS id
