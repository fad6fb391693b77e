// Merge a batch of edges, one row per identity, between nodes that exist (merge_nodes and
// merge_stubs ran first in the same transaction). $rows: [{src, dst, kind, key, eid, props}]; kinds
// are checked against the allow-list before they get here. An edge's properties are replaced by the
// latest claim. History as merge_nodes: the live relationship is its own open version; one that is
// new or whose source or props changed (not only seen_at) opens a new version at $now, and is
// returned by eid with its properties before: the caller keeps the version it closes
// (close_edge_versions).
UNWIND $rows AS row
MATCH (a:Node {id: row.src})
MATCH (b:Node {id: row.dst})
MERGE (a)-[r:$(row.kind) {key: row.key}]->(b)
WITH row, r, properties(r) AS before
SET r = row.props
WITH row, r, before, properties(r) AS after
WITH row, r, before, before{.*, seen_at: 0, _valid_from: 0, _version_seen_at: 0}
                     <> after{.*, seen_at: 0, _valid_from: 0, _version_seen_at: 0} AS changed
SET r._valid_from = CASE WHEN changed THEN $now ELSE before._valid_from END,
    r._version_seen_at = CASE WHEN changed THEN null
                              WHEN before.seen_at <> r.seen_at THEN coalesce(before._version_seen_at, before.seen_at)
                              ELSE before._version_seen_at END
WITH row, before, changed
WHERE changed
RETURN row.eid AS eid, before, before.source IS NOT NULL AS existed
