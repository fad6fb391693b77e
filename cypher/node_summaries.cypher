// (id, kind, name) of every node whose kind is in $kinds (null: all); no other property is read.
MATCH (n:Node)
WHERE $kinds IS NULL OR n.kind IN $kinds
RETURN n.id AS id, n.kind AS kind, n.name AS name
