// Withdraw $source from the nodes $ids; a node no source attests any more goes, with its edges.
// History: each such node's open version closes at $now; one that stays opens a new version (its
// sources changed); one that goes closes the open versions of its edges too.
UNWIND $ids AS id
MATCH (n:Node {id: id})
WHERE $source IN n.sources
SET n.sources = [s IN n.sources WHERE s <> $source]
WITH n, size(n.sources) = 0 AS orphan
CALL (n) {
  MATCH (old:NodeVersion {id: n.id})
  WHERE old.valid_to IS NULL
  SET old.valid_to = $now
}
CALL (n, orphan) {
  WITH n, orphan WHERE NOT orphan
  CREATE (v:NodeVersion {id: n.id, valid_from: $now})
  WITH v, properties(n) AS after
  FOREACH (k IN keys(after) | SET v['p.' + k] = after[k])
}
CALL (n, orphan) {
  WITH n, orphan WHERE orphan
  CALL (n) {
    MATCH (n)-[r]-()
    WITH DISTINCT r
    MATCH (old:EdgeVersion {eid: startNode(r).id + '\u001f' + type(r) + '\u001f' + endNode(r).id + '\u001f' + r.key})
    WHERE old.valid_to IS NULL
    SET old.valid_to = $now
  }
  DETACH DELETE n
}
RETURN sum(CASE WHEN orphan THEN 1 ELSE 0 END) AS deleted, sum(CASE WHEN orphan THEN 0 ELSE 1 END) AS detached
