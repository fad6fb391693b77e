// Everything downstream of a dataset, nearest first, with whoever claims to own it.
// steward cypher "$(cat cypher/examples/downstream_owners.cypher)" -P id='"dataset:s3://lake/raw/events"'
MATCH (root:Node {id: $id})-[:CONSUMED_BY|PRODUCED|RUN_OF|VERSION_OF|DEPLOYED_TO*1..]->(n:Node)
WITH DISTINCT n
OPTIONAL MATCH (o)-[c:OWNS]->(n)
RETURN n.id AS artifact, n.kind AS kind, collect(DISTINCT o.id + ' (' + c.role + ', ' + c.source + ')') AS owners
ORDER BY kind, artifact
