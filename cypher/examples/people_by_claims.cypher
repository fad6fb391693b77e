// Who is named as owner or steward of the most artifacts, and whether they are still here.
MATCH (p:Person)-[c:OWNS]->(a:Node)
RETURN p.id AS person, coalesce(p.active, true) AS active, count(DISTINCT a) AS artifacts,
       collect(DISTINCT c.role) AS roles
ORDER BY artifacts DESC, person
