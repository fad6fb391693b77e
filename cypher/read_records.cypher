// Governance records $keys, read after lock_records in the same transaction.
UNWIND $keys AS key
MATCH (r:StewardRecord {key: key})
RETURN r.kind AS kind, r.id AS id, r.doc AS doc
