// Merge a batch of nodes. $rows: [{id, kind, name, props, source, seen_at}]; kind is checked
// against the NodeKind allow-list before it gets here. Given props overwrite, others stay;
// a null prop removes it. The node's sources gain row.source; a stub node stops being one.
UNWIND $rows AS row
MERGE (n:Node {id: row.id})
  ON CREATE SET n.sources = [row.source], n.seen_at = row.seen_at
SET n:$(row.kind),
    n.kind = row.kind,
    n.name = row.name,
    n.seen_at = CASE WHEN n.seen_at < row.seen_at THEN row.seen_at ELSE n.seen_at END,
    n.sources = CASE WHEN row.source IN n.sources THEN n.sources ELSE n.sources + row.source END
SET n += row.props
REMOVE n.stub
