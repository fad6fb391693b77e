// Delete the edges $rows: [{src, kind, dst, key, eid}] that $source claimed; each one's open version
// (the relationship itself) is kept as a version node closed at $now.
UNWIND $rows AS row
MATCH (a:Node {id: row.src})-[r {key: row.key}]->(b:Node {id: row.dst})
WHERE type(r) = row.kind AND r.source = $source
CALL (row, r) {
  WITH row, properties(r) AS p
  WHERE p._valid_from IS NOT NULL
  CREATE (v:EdgeVersion {eid: row.eid, src: row.src, kind: row.kind, dst: row.dst, valid_from: p._valid_from,
                         valid_to: $now})
  FOREACH (k IN [k IN keys(p) WHERE NOT k IN ['_valid_from', '_version_seen_at']] | SET v['p.' + k] = p[k])
  SET v.`p.seen_at` = coalesce(p._version_seen_at, p.seen_at)
}
DELETE r
RETURN count(r) AS n
