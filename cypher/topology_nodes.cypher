// The topology snapshot (steward.store.neo4j_topology): every graph node's internal id and Steward
// id, as two parallel lists in one record (flat lists are what the driver decodes fastest).
MATCH (n:Node)
RETURN collect(id(n)) AS nids, collect(n.id) AS names
