// Merge a batch of nodes, one row per id (the caller merges repeats within a batch). $rows: [{id,
// kind, name, props, sources, seen_at}]; kind is checked against the NodeKind allow-list before it
// gets here. Given props overwrite, others stay; a null prop removes it. The node's sources gain
// row.sources (which include the sources of the batch's edges touching it); a stub stops being one.
// History: the live node is its own open version (`_valid_from`; `_version_seen_at` when the node's
// seen_at moved on since the version opened). A node whose content changed (anything but seen_at)
// opens a new version at $now; returned with its properties before and whether it existed: the
// caller keeps the version it closes (close_node_versions). One only seen again keeps its version.
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
WITH n, before, before{.*, seen_at: 0, _valid_from: 0, _version_seen_at: 0}
                <> after{.*, seen_at: 0, _valid_from: 0, _version_seen_at: 0} AS changed
SET n._valid_from = CASE WHEN changed THEN $now ELSE before._valid_from END,
    n._version_seen_at = CASE WHEN changed THEN null
                              WHEN before.seen_at <> n.seen_at THEN coalesce(before._version_seen_at, before.seen_at)
                              ELSE before._version_seen_at END
WITH n, before, changed
WHERE changed
RETURN n.id AS id, before, before.kind IS NOT NULL AS existed
