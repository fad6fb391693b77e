// create_plain_edges.cypher for edges of every kind at once (one statement per chunk, not one per
// kind): the relationship type is set from row.kind (checked against the EdgeKind allow-list before
// it gets here). The relationship and its first history version end up exactly as
// create_plain_edges.cypher leaves them. $rows: [{a, b, kind, key, source, seen_at, eid, src, dst}].
UNWIND $rows AS row
MATCH (a)
WHERE id(a) = row.a
MATCH (b)
WHERE id(b) = row.b
CREATE (a)-[:$(row.kind) {key: row.key, source: row.source, seen_at: row.seen_at}]->(b)
CREATE (:EdgeVersion {eid: row.eid, src: row.src, kind: row.kind, dst: row.dst, valid_from: $now,
                      `p.key`: row.key, `p.source`: row.source, `p.seen_at`: row.seen_at})
