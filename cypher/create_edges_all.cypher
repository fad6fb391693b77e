// create_edges.cypher for edges of every kind at once (one statement per chunk, not one per kind),
// written as create_plain_edges_all.cypher writes the common edge: the relationship type from
// row.kind (checked against the EdgeKind allow-list before it gets here), the fixed fields as
// literal maps, and only the edge's own properties copied from maps. The relationship ends up
// exactly as create_edges.cypher leaves it (`_valid_from`: $now, its open history version).
// $rows: [{a, b, kind, key, source, seen_at, props}] (props: the edge's other properties).
UNWIND $rows AS row
MATCH (a)
WHERE id(a) = row.a
MATCH (b)
WHERE id(b) = row.b
CREATE (a)-[r:$(row.kind) {key: row.key, source: row.source, seen_at: row.seen_at, _valid_from: $now}]->(b)
SET r += row.props
