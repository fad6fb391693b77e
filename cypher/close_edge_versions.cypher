// History: the versions this transaction closed (edges that changed), kept as version nodes; the
// open version of an edge is the live relationship itself. $rows: [{eid, src, kind, dst, valid_from,
// valid_to, "p.<property>": ...}].
UNWIND $rows AS row
CREATE (v:EdgeVersion)
SET v = row
