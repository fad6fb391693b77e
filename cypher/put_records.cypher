// Replace governance records $rows: [{key, kind, id, doc}] (doc is JSON text).
UNWIND $rows AS row
MERGE (r:StewardRecord {key: row.key})
SET r.kind = row.kind, r.id = row.id, r.doc = row.doc
