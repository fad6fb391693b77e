// Edge endpoints the batch does not describe, one row per id: created as stubs if missing, and
// attested by the sources of the edges touching them. $rows: [{id, kind, name, sources, seen_at}].
// Returns the nodes whose sources changed (new stubs included), as merge_nodes does, with their
// properties before (a node that existed has a source; one just created has none yet); they open a
// new version at $now.
UNWIND $rows AS row
MERGE (n:Node {id: row.id})
  ON CREATE SET n:$(row.kind), n.kind = row.kind, n.name = row.name, n.sources = [], n.seen_at = row.seen_at,
                n.stub = true
WITH n, row, properties(n) AS before
WHERE any(s IN row.sources WHERE NOT s IN n.sources)
SET n.sources = n.sources + [s IN row.sources WHERE NOT s IN n.sources], n._valid_from = $now,
    n._version_seen_at = null
RETURN n.id AS id, before, size(before.sources) > 0 AS existed
