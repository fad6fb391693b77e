// Withdraw $source from the nodes $ids; a node no source attests any more goes, with its edges.
UNWIND $ids AS id
MATCH (n:Node {id: id})
WHERE $source IN n.sources
SET n.sources = [s IN n.sources WHERE s <> $source]
WITH n, size(n.sources) = 0 AS orphan
CALL (n, orphan) {
  WITH n, orphan WHERE orphan
  DETACH DELETE n
}
RETURN sum(CASE WHEN orphan THEN 1 ELSE 0 END) AS deleted, sum(CASE WHEN orphan THEN 0 ELSE 1 END) AS detached
