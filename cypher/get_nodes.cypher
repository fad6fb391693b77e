// The nodes among $ids that exist.
UNWIND $ids AS id
MATCH (n:Node {id: id})
RETURN n
