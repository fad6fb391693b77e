// Edges of one kind with an endpoint this transaction created (create_nodes.cypher): they cannot
// exist yet, and no other transaction can see that endpoint before this one commits, so they are
// created, not merged, between internal ids. Their props include `_valid_from` (the transaction's
// time): the live relationship is its own open history version.
// __TYPES__ is the one edge kind, from the EdgeKind allow-list. $rows: [{a, b, props}].
UNWIND $rows AS row
MATCH (a)
WHERE id(a) = row.a
MATCH (b)
WHERE id(b) = row.b
CREATE (a)-[r:__TYPES__]->(b)
SET r = row.props
