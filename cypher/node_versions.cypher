// Every version of the node $id: the closed ones (version nodes) and the open one, which is the live
// node itself (`live`: true; its version began at `_valid_from`).
MATCH (v:NodeVersion {id: $id})
RETURN properties(v) AS v, false AS live
UNION ALL
MATCH (n:Node {id: $id})
WHERE n._valid_from IS NOT NULL
RETURN properties(n) AS v, true AS live
