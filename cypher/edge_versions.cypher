// Every version of every edge from or to the node $id ($prefix: $id followed by U+001F): the closed
// ones (version nodes; src, kind and dst null here, they are in v) and the open ones, which are the
// live relationships themselves (with their ends and type).
CALL () {
  MATCH (v:EdgeVersion)
  WHERE v.eid STARTS WITH $prefix AND v.src = $id
  RETURN v
  UNION
  MATCH (v:EdgeVersion {dst: $id})
  RETURN v
}
RETURN properties(v) AS v, null AS src, null AS kind, null AS dst
UNION ALL
MATCH (a:Node {id: $id})-[r]->(b:Node)
WHERE r._valid_from IS NOT NULL
RETURN properties(r) AS v, a.id AS src, type(r) AS kind, b.id AS dst
UNION ALL
MATCH (a:Node)-[r]->(b:Node {id: $id})
WHERE a <> b AND r._valid_from IS NOT NULL
RETURN properties(r) AS v, a.id AS src, type(r) AS kind, b.id AS dst
