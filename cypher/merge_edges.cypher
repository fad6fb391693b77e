// Merge a batch of edges, one row per identity, between nodes that exist (merge_nodes and
// merge_stubs ran first in the same transaction). $rows: [{src, dst, kind, key, props}]; kinds are
// checked against the allow-list before they get here. An edge's properties are replaced by the
// latest claim.
UNWIND $rows AS row
MATCH (a:Node {id: row.src})
MATCH (b:Node {id: row.dst})
MERGE (a)-[r:$(row.kind) {key: row.key}]->(b)
SET r = row.props
