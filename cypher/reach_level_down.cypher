// One level of a breadth-first walk downstream, by internal node ids (valid inside the caller's one
// read transaction). Returns the frontier's Steward ids (`fids`, `names`: read once per node
// reached) and each relationship of the types (filled in from the EdgeKind allow-list) leaving the
// frontier as two parallel flat lists of internal ids (`src` in the frontier, `dst` beyond it):
// flat lists of integers are what the driver decodes fastest. No property of an edge or of a
// successor is read; the caller drops what it has seen and picks each new node's parent (the
// smallest Steward id among its predecessors in the frontier) in Python's string order, as ``bfs`` does.
CALL () {
  UNWIND $nids AS nid
  MATCH (a)
  WHERE id(a) = nid
  RETURN collect(nid) AS fids, collect(a.id) AS names
}
CALL () {
  UNWIND $nids AS nid
  MATCH (a)-[:__TYPES__]->(b)
  WHERE id(a) = nid
  RETURN collect(nid) AS src, collect(id(b)) AS dst
}
RETURN fids, names, src, dst
