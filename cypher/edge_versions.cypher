// Every version of every edge from or to the node $id ($prefix: $id followed by U+001F).
CALL () {
  MATCH (v:EdgeVersion)
  WHERE v.eid STARTS WITH $prefix AND v.src = $id
  RETURN v
  UNION
  MATCH (v:EdgeVersion {dst: $id})
  RETURN v
}
RETURN properties(v) AS v
