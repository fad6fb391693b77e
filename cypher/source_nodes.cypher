// Nodes attested by $source.
MATCH (n:Node)
WHERE $source IN n.sources
RETURN n.id AS id
