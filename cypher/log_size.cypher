// The next log position: one past the highest stored entry.
OPTIONAL MATCH (e:StewardLog)
WITH e ORDER BY e.seq DESC LIMIT 1
RETURN coalesce(e.seq + 1, 0) AS size
