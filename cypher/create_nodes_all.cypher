// create_nodes.cypher for nodes of every kind at once (one statement per chunk, not one per kind):
// the kind's label is set from row.kind (checked against the NodeKind allow-list before it gets
// here), the fixed fields are written as literal maps (which the server plans without the
// map-copying SET of create_nodes.cypher) and only the node's own properties are copied from maps.
// The node and its first history version end up exactly as create_nodes.cypher leaves them.
// $rows: [{id, kind, name, sources, seen_at, props, vprops}] (props: the node's other properties,
// `stub` included; vprops: the same, prefixed `p.` as a version keeps them); $now: the version's
// valid_from. Returns the internal ids by row position.
UNWIND range(0, size($rows) - 1) AS i
WITH i, $rows[i] AS row
CREATE (n:Node:$(row.kind) {id: row.id, kind: row.kind, name: row.name, sources: row.sources, seen_at: row.seen_at})
SET n += row.props
CREATE (v:NodeVersion {id: row.id, valid_from: $now, `p.id`: row.id, `p.kind`: row.kind, `p.name`: row.name,
                       `p.sources`: row.sources, `p.seen_at`: row.seen_at})
SET v += row.vprops
RETURN collect(i) AS rows, collect(id(n)) AS nids
