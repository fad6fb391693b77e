// The start of a write: for each row of the batch (node rows of merge_nodes.cypher, and stub rows
// {id, sources, stub: true} of merge_stubs.cypher), the node's internal id (-1: no such node) and
// whether the row would change nothing at all (`same`): the node exists, already has the row's
// sources, and for a node row also its kind, label, name, props (same values of the same types; a
// null prop absent) and a seen_at no older; and is not a stub. Rows found `same` are not written;
// the others go through merge_nodes/merge_stubs (which decide for themselves) or, for ids absent
// here, create_nodes. Anything in doubt (a null evaluates) counts as a change. Flat lists, one
// entry per row in order.
UNWIND $rows AS row
OPTIONAL MATCH (n:Node {id: row.id})
WITH n, row
RETURN collect(coalesce(id(n), -1)) AS nids,
       collect(coalesce(n IS NOT NULL AND all(s IN row.sources WHERE s IN n.sources) AND (row.stub OR (
           n.stub IS NULL AND n.kind = row.kind AND row.kind IN labels(n) AND n.name = row.name
           AND NOT n.seen_at < row.seen_at
           AND all(k IN keys(row.props) WHERE CASE WHEN row.props[k] IS NULL THEN n[k] IS NULL
                   ELSE valueType(n[k]) = valueType(row.props[k]) AND n[k] = row.props[k] END))), false)) AS same
