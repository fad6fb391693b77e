// The topology snapshot (steward.store.neo4j_topology): the relationships of ONE type (filled in
// from the EdgeKind allow-list) as two parallel lists of internal node ids; no property is read.
MATCH (a)-[:__TYPES__]->(b)
RETURN collect(id(a)) AS src, collect(id(b)) AS dst
