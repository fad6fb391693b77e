// (id, kind, name) of every node whose kind is in $kinds (null: all); no other property is read.
// One record of three parallel lists: a client decodes a few big lists far faster than a record per node.
MATCH (n:Node)
WHERE $kinds IS NULL OR n.kind IN $kinds
RETURN collect(n.id) AS ids, collect(n.kind) AS kinds, collect(coalesce(n.name, '')) AS names
