// Everything upstream of $ids; see closure_down.cypher.
UNWIND $ids AS sid
MATCH (s:Node {id: sid})
WITH s
MATCH (s)<-[:__TYPES__*1..]-(n)
RETURN DISTINCT n.id AS id
