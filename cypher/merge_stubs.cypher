// Edge endpoints the batch does not describe, one row per id: created as stubs if missing, and
// attested by the sources of the edges touching them. $rows: [{id, kind, name, sources, seen_at}].
UNWIND $rows AS row
MERGE (n:Node {id: row.id})
  ON CREATE SET n:$(row.kind), n.kind = row.kind, n.name = row.name, n.sources = [], n.seen_at = row.seen_at,
                n.stub = true
WITH n, row
WHERE any(s IN row.sources WHERE NOT s IN n.sources)
SET n.sources = n.sources + [s IN row.sources WHERE NOT s IN n.sources]
