// Merge a batch of nodes, one row per id (the caller merges repeats within a batch). $rows: [{id,
// kind, name, props, sources, seen_at}]; kind is checked against the NodeKind allow-list before it
// gets here. Given props overwrite, others stay; a null prop removes it. The node's sources gain
// row.sources (which include the sources of the batch's edges touching it); a stub stops being one.
// Returns the nodes whose content changed (anything but seen_at), with their properties now and
// whether they existed before: the caller opens their new versions (open_node_versions).
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
RETURN n.id AS id, after, before.kind IS NOT NULL AS existed
