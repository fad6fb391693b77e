// (id, kind, name) of the nodes among $ids that exist (and whose kind is in $kinds; null: any),
// as one record of three parallel lists.
UNWIND $ids AS nid
MATCH (n:Node {id: nid})
WHERE $kinds IS NULL OR n.kind IN $kinds
RETURN collect(n.id) AS ids, collect(n.kind) AS kinds, collect(coalesce(n.name, '')) AS names
