// create_edges.cypher for the common edge that has no properties of its own (only key, source,
// seen_at): the same relationship, written from literal maps, which the server plans without the
// map-copying SET steps (measurably faster on large ingests).
// $rows: [{a, b, key, source, seen_at}]; $kind: the one edge kind (__TYPES__); $now: `_valid_from`.
UNWIND $rows AS row
MATCH (a)
WHERE id(a) = row.a
MATCH (b)
WHERE id(b) = row.b
CREATE (a)-[:__TYPES__ {key: row.key, source: row.source, seen_at: row.seen_at, _valid_from: $now}]->(b)
