// create_edges.cypher for the common edge that has no properties of its own (only key, source,
// seen_at): the same relationship and version, written from literal maps, which the server
// plans without the map-copying SET steps (measurably faster on large ingests).
// $rows: [{a, b, key, source, seen_at, eid, src, dst}]; $kind: the one edge kind (__TYPES__).
UNWIND $rows AS row
MATCH (a)
WHERE id(a) = row.a
MATCH (b)
WHERE id(b) = row.b
CREATE (a)-[:__TYPES__ {key: row.key, source: row.source, seen_at: row.seen_at}]->(b)
CREATE (:EdgeVersion {eid: row.eid, src: row.src, kind: $kind, dst: row.dst, valid_from: $now,
                      `p.key`: row.key, `p.source`: row.source, `p.seen_at`: row.seen_at})
