// Deployments none of whose owners is an active person or a team with an active member.
MATCH (d:Deployment)
OPTIONAL MATCH (o)-[c:OWNS {role: 'owner'}]->(d)
OPTIONAL MATCH (m:Person)-[:MEMBER_OF]->(o:Team)
WITH d, collect(CASE WHEN o:Person AND coalesce(o.active, true) AND o.stub IS NULL THEN o.id END) +
        collect(CASE WHEN m IS NOT NULL AND coalesce(m.active, true) THEN m.id END) AS active
WHERE size(active) = 0
RETURN d.id AS deployment, d.runbook AS runbook
ORDER BY deployment
