// Lock the log's head (a write on it holds the lock until the transaction ends), then the next position.
MERGE (h:StewardLogHead {id: 'log'})
SET h.appends = coalesce(h.appends, 0) + 1
WITH h
OPTIONAL MATCH (e:StewardLog)
WITH e ORDER BY e.seq DESC LIMIT 1
RETURN coalesce(e.seq + 1, 0) AS start
