// Compare-and-set: take the write lock on governance records $keys (held until the transaction ends),
// then return their docs as committed by whoever held the lock before.
UNWIND $keys AS key
MATCH (r:StewardRecord {key: key})
SET r.locked = coalesce(r.locked, 0) + 1
RETURN r.kind AS kind, r.id AS id
