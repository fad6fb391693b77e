// create_edges.cypher for edges of every kind at once (one statement per chunk, not one per kind),
// written as create_plain_edges_all.cypher writes the common edge: the relationship type from
// row.kind (checked against the EdgeKind allow-list before it gets here), the fixed fields as
// literal maps, and only the edge's own properties copied from maps. The relationship and its first
// history version end up exactly as create_edges.cypher leaves them.
// $rows: [{a, b, kind, key, source, seen_at, eid, src, dst, props, vprops}] (props: the edge's
// other properties; vprops: the same, prefixed `p.`).
UNWIND $rows AS row
MATCH (a)
WHERE id(a) = row.a
MATCH (b)
WHERE id(b) = row.b
CREATE (a)-[r:$(row.kind) {key: row.key, source: row.source, seen_at: row.seen_at}]->(b)
SET r += row.props
CREATE (v:EdgeVersion {eid: row.eid, src: row.src, kind: row.kind, dst: row.dst, valid_from: $now,
                       `p.key`: row.key, `p.source`: row.source, `p.seen_at`: row.seen_at})
SET v += row.vprops
