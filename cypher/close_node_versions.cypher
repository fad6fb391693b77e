// History: the versions this transaction closed (nodes that changed or went), kept as version nodes;
// the open version of a node is the live node itself. $rows: [{id, valid_from, valid_to,
// "p.<property>": ...}].
UNWIND $rows AS row
CREATE (v:NodeVersion)
SET v = row
