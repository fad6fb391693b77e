// Edges of one kind with an endpoint this transaction created (create_nodes.cypher): they cannot
// exist yet, and no other transaction can see that endpoint before this one commits, so they are
// created, not merged, between internal ids, with their first history version in one pass.
// __TYPES__ is the one edge kind, from the EdgeKind allow-list. $rows: [{a, b, props, version}].
UNWIND $rows AS row
MATCH (a)
WHERE id(a) = row.a
MATCH (b)
WHERE id(b) = row.b
CREATE (a)-[r:__TYPES__]->(b)
SET r = row.props
CREATE (v:EdgeVersion)
SET v = row.version
