// (id, kind, name) of the nodes among $ids that exist (and whose kind is in $kinds; null: any).
UNWIND $ids AS nid
MATCH (n:Node {id: nid})
WHERE $kinds IS NULL OR n.kind IN $kinds
RETURN n.id AS id, n.kind AS kind, n.name AS name
