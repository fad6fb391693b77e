// Edge endpoints the batch does not describe, one row per id: created as stubs if missing, and
// attested by the sources of the edges touching them. $rows: [{id, kind, name, sources, seen_at}].
// History: a node whose sources changed closes its open version at $now and opens a new one.
UNWIND $rows AS row
MERGE (n:Node {id: row.id})
  ON CREATE SET n:$(row.kind), n.kind = row.kind, n.name = row.name, n.sources = [], n.seen_at = row.seen_at,
                n.stub = true
WITH n, row
WHERE any(s IN row.sources WHERE NOT s IN n.sources)
SET n.sources = n.sources + [s IN row.sources WHERE NOT s IN n.sources]
WITH n
CALL (n) {
  MATCH (old:NodeVersion {id: n.id})
  WHERE old.valid_to IS NULL
  SET old.valid_to = $now
}
CREATE (v:NodeVersion {id: n.id, valid_from: $now})
WITH v, properties(n) AS after
FOREACH (k IN keys(after) | SET v['p.' + k] = after[k])
