// The Steward ids of the internal node ids $nids (the last level of a walk stopped at max_depth).
UNWIND $nids AS nid
MATCH (a)
WHERE id(a) = nid
RETURN collect(nid) AS fids, collect(a.id) AS names
