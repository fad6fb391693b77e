// Merge a batch of edges, one row per identity, between nodes that exist (merge_nodes and
// merge_stubs ran first in the same transaction). $rows: [{src, dst, kind, key, eid, props}]; kinds
// are checked against the allow-list before they get here. An edge's properties are replaced by the
// latest claim. History: a new edge, or one whose source or props changed (not only seen_at), closes
// its open version at $now and opens a new one (an :EdgeVersion keyed by eid, the identity as one
// text, holding the edge's properties prefixed with "p.").
UNWIND $rows AS row
MATCH (a:Node {id: row.src})
MATCH (b:Node {id: row.dst})
MERGE (a)-[r:$(row.kind) {key: row.key}]->(b)
WITH row, r, properties(r) AS before
SET r = row.props
WITH row, before, properties(r) AS after
WHERE before{.*, seen_at: 0} <> after{.*, seen_at: 0}
CALL (row, before) {
  WITH row, before
  WHERE before.source IS NOT NULL
  MATCH (old:EdgeVersion {eid: row.eid})
  WHERE old.valid_to IS NULL
  SET old.valid_to = $now
}
CREATE (v:EdgeVersion {eid: row.eid, src: row.src, kind: row.kind, dst: row.dst, valid_from: $now})
WITH v, after
FOREACH (k IN keys(after) | SET v['p.' + k] = after[k])
