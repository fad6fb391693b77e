// Commits whose code built runs upstream of a model version or deployment, newest first.
MATCH (target:Node {id: $id})<-[:BUILT|CONSUMED_BY|PRODUCED|DEPLOYED_TO*1..]-(c:Commit)
WITH DISTINCT c
OPTIONAL MATCH (p:Person)-[:AUTHORED]->(c)
RETURN c.id AS commit, c.committed_at AS at, c.subject AS subject, collect(DISTINCT p.id) AS authors
ORDER BY at DESC
