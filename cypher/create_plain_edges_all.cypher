// create_plain_edges.cypher for edges of every kind at once (one statement per chunk, not one per
// kind): the relationship type is set from row.kind (checked against the EdgeKind allow-list before
// it gets here). The relationship ends up exactly as create_plain_edges.cypher leaves it.
// $rows: [{a, b, kind, key, source, seen_at}].
UNWIND $rows AS row
MATCH (a)
WHERE id(a) = row.a
MATCH (b)
WHERE id(b) = row.b
CREATE (a)-[:$(row.kind) {key: row.key, source: row.source, seen_at: row.seen_at, _valid_from: $now}]->(b)
