// Everything upstream of $ids; see closure_down.cypher.
UNWIND $ids AS sid
MATCH (s:Node {id: sid})<-[:__TYPES__*1..]-(n:Node)
RETURN DISTINCT n.id AS id
