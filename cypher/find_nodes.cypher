// All nodes, or those whose kind is in $kinds (null: all).
MATCH (n:Node)
WHERE $kinds IS NULL OR n.kind IN $kinds
RETURN n
ORDER BY n.id
