// One level of a breadth-first walk downstream: the successors of the frontier $ids over the
// relationship types (filled in from the EdgeKind allow-list), each with its smallest predecessor
// in the frontier. Ids only, as two parallel lists in ONE record (a record per node costs the
// client more than the server's work); the caller drops nodes it has already seen and stops at
// max_depth.
UNWIND $ids AS fid
MATCH (a:Node {id: fid})-[:__TYPES__]->(b:Node)
WITH b.id AS id, min(a.id) AS parent
RETURN collect(id) AS ids, collect(parent) AS parents
