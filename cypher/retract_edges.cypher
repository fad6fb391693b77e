// Delete the edges $rows: [{src, kind, dst, key, eid}] that $source claimed; their open versions
// close at $now.
UNWIND $rows AS row
MATCH (a:Node {id: row.src})-[r {key: row.key}]->(b:Node {id: row.dst})
WHERE type(r) = row.kind AND r.source = $source
CALL (row) {
  MATCH (old:EdgeVersion {eid: row.eid})
  WHERE old.valid_to IS NULL
  SET old.valid_to = $now
}
DELETE r
RETURN count(r) AS n
