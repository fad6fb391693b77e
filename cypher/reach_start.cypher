// The start of a walk: the internal ids of the nodes $ids that exist (reach_level walks from them).
UNWIND $ids AS sid
MATCH (n:Node {id: sid})
RETURN collect(id(n)) AS nids
