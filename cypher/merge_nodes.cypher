// Merge a batch of nodes, one row per id (the caller merges repeats within a batch). $rows: [{id,
// kind, name, props, sources, seen_at}]; kind is checked against the NodeKind allow-list before it
// gets here. Given props overwrite, others stay; a null prop removes it. The node's sources gain
// row.sources (which include the sources of the batch's edges touching it); a stub stops being one.
// History: when what the node says changed (anything but seen_at), its open version closes at $now
// and a new one opens (a :NodeVersion holding the node's properties prefixed with "p.").
UNWIND $rows AS row
MERGE (n:Node {id: row.id})
  ON CREATE SET n.sources = [], n.seen_at = row.seen_at
WITH n, row, properties(n) AS before
SET n:$(row.kind),
    n.kind = row.kind,
    n.name = row.name,
    n.seen_at = CASE WHEN n.seen_at < row.seen_at THEN row.seen_at ELSE n.seen_at END,
    n.sources = n.sources + [s IN row.sources WHERE NOT s IN n.sources]
SET n += row.props
REMOVE n.stub
WITH n, before, properties(n) AS after
WHERE before{.*, seen_at: 0} <> after{.*, seen_at: 0}
CALL (n) {
  MATCH (old:NodeVersion {id: n.id})
  WHERE old.valid_to IS NULL
  SET old.valid_to = $now
}
CREATE (v:NodeVersion {id: n.id, valid_from: $now})
WITH v, after
FOREACH (k IN keys(after) | SET v['p.' + k] = after[k])
