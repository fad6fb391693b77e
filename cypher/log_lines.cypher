// Stored log entries with $start <= seq < $stop (no upper bound when $stop is null), by position.
MATCH (e:StewardLog)
WHERE e.seq >= $start AND ($stop IS NULL OR e.seq < $stop)
RETURN e.seq AS seq, e.entry AS entry, e.leaf_hash AS leaf_hash
ORDER BY seq
