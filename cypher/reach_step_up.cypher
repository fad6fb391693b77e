// One level of a breadth-first walk upstream; see reach_step_down.cypher.
UNWIND $ids AS fid
MATCH (a:Node {id: fid})<-[:__TYPES__]-(b:Node)
WITH b.id AS id, min(a.id) AS parent
RETURN collect(id) AS ids, collect(parent) AS parents
