// One level of a breadth-first walk upstream: reach_level_down.cypher with the relationships
// entering the frontier (`dst` holds their start nodes).
CALL () {
  UNWIND $nids AS nid
  MATCH (a)
  WHERE id(a) = nid
  RETURN collect(nid) AS fids, collect(a.id) AS names
}
CALL () {
  UNWIND $nids AS nid
  MATCH (a)<-[:__TYPES__]-(b)
  WHERE id(a) = nid
  RETURN collect(nid) AS src, collect(id(b)) AS dst
}
RETURN fids, names, src, dst
