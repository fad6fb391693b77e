// Nodes of one kind that did not exist when the batch began (node_state.cypher), created with their
// whole content in one pass; the content includes `_valid_from` (the transaction's time): the live
// node is its own open history version. __LABEL__ is filled in from the NodeKind allow-list.
// $rows: [{props}] (props: every property of the new node, as merge_nodes/merge_stubs would leave
// it). A concurrent writer creating the same id first makes the unique constraint refuse this, and
// the caller runs the batch again. Returns the internal ids by row position (the edges of the batch
// are created between internal ids).
UNWIND range(0, size($rows) - 1) AS i
WITH i, $rows[i] AS row
CREATE (n:Node:__LABEL__)
SET n = row.props
RETURN collect(i) AS rows, collect(id(n)) AS nids
