// Delete the edges $rows: [{src, kind, dst, key}] that $source claimed.
UNWIND $rows AS row
MATCH (a:Node {id: row.src})-[r {key: row.key}]->(b:Node {id: row.dst})
WHERE type(r) = row.kind AND r.source = $source
DELETE r
RETURN count(r) AS n
