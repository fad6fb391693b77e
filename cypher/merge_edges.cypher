// Merge a batch of edges, one row per identity, between nodes that exist (merge_nodes and
// merge_stubs ran first in the same transaction). $rows: [{src, dst, kind, key, eid, props}]; kinds
// are checked against the allow-list before they get here. An edge's properties are replaced by the
// latest claim. Returns the edges that are new or whose source or props changed (not only seen_at),
// by eid: the caller opens their new versions (open_edge_versions).
UNWIND $rows AS row
MATCH (a:Node {id: row.src})
MATCH (b:Node {id: row.dst})
MERGE (a)-[r:$(row.kind) {key: row.key}]->(b)
WITH row, r, properties(r) AS before
SET r = row.props
WITH row, before, properties(r) AS after
WHERE before{.*, seen_at: 0} <> after{.*, seen_at: 0}
RETURN row.eid AS eid, before.source IS NOT NULL AS existed
