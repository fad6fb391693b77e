// Append log entries $rows: [{seq, entry, leaf_hash}].
UNWIND $rows AS row
CREATE (:StewardLog {seq: row.seq, entry: row.entry, leaf_hash: row.leaf_hash})
