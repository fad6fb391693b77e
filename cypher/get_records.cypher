// Governance records of $kind (only $ids when not null), by id.
MATCH (r:StewardRecord {kind: $kind})
WHERE $ids IS NULL OR r.id IN $ids
RETURN r.kind AS kind, r.id AS id, r.doc AS doc
ORDER BY id
