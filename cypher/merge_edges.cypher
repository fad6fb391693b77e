// Merge a batch of edges, creating stub endpoints that do not exist yet. $rows: [{src, src_kind,
// src_name, dst, dst_kind, dst_name, kind, key, props, seen_at, source}]; kinds are checked against
// the allow-lists before they get here. An edge's properties are replaced by the latest claim.
UNWIND $rows AS row
MERGE (a:Node {id: row.src})
  ON CREATE SET a:$(row.src_kind), a.kind = row.src_kind, a.name = row.src_name, a.sources = [], a.seen_at = row.seen_at, a.stub = true
SET a.sources = CASE WHEN row.source IN a.sources THEN a.sources ELSE a.sources + row.source END
MERGE (b:Node {id: row.dst})
  ON CREATE SET b:$(row.dst_kind), b.kind = row.dst_kind, b.name = row.dst_name, b.sources = [], b.seen_at = row.seen_at, b.stub = true
SET b.sources = CASE WHEN row.source IN b.sources THEN b.sources ELSE b.sources + row.source END
MERGE (a)-[r:$(row.kind) {key: row.key}]->(b)
SET r = row.props
