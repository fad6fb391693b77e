// create_nodes.cypher for nodes of every kind at once (one statement per chunk, not one per kind):
// the kind's label is set from row.kind (checked against the NodeKind allow-list before it gets
// here), the fixed fields are written as literal maps (which the server plans without the
// map-copying SET of create_nodes.cypher) and only the node's own properties are copied from maps.
// The node ends up exactly as create_nodes.cypher leaves it: its first history version is the node
// itself (`_valid_from`: $now; no version node, see open_versions.cypher).
// $rows: node rows of merge_nodes.cypher / stub rows of merge_stubs.cypher ({id, kind, name, sources,
// seen_at, props}; props: the node's other properties, `stub` included, a null one simply not set);
// $now: the transaction's time. Returns the internal ids by row position.
UNWIND range(0, size($rows) - 1) AS i
WITH i, $rows[i] AS row
CREATE (n:Node:$(row.kind) {id: row.id, kind: row.kind, name: row.name, sources: row.sources, seen_at: row.seen_at,
                            _valid_from: $now})
SET n += row.props
RETURN collect(i) AS rows, collect(id(n)) AS nids
