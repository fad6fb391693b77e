// Withdraw $source from the nodes $ids; a node no source attests any more goes, with its edges.
// History: each such node's open version (the node as it was) is kept as a version node closed at
// $now; one that stays opens a new version (its sources changed: `_valid_from` = $now); one that
// goes keeps the open versions of its edges the same way.
UNWIND $ids AS id
MATCH (n:Node {id: id})
WHERE $source IN n.sources
WITH n, properties(n) AS before
SET n.sources = [s IN n.sources WHERE s <> $source]
WITH n, before, size(n.sources) = 0 AS orphan
CALL (n, before) {
  WITH n, before
  WHERE before._valid_from IS NOT NULL
  CREATE (v:NodeVersion {id: n.id, valid_from: before._valid_from, valid_to: $now})
  FOREACH (k IN [k IN keys(before) WHERE NOT k IN ['_valid_from', '_version_seen_at']] | SET v['p.' + k] = before[k])
  SET v.`p.seen_at` = coalesce(before._version_seen_at, before.seen_at)
}
CALL (n, orphan) {
  WITH n, orphan
  WHERE NOT orphan
  SET n._valid_from = $now, n._version_seen_at = null
}
CALL (n, orphan) {
  WITH n, orphan
  WHERE orphan
  CALL (n) {
    MATCH (n)-[r]-()
    WITH DISTINCT r
    WITH r, properties(r) AS p, startNode(r).id AS src, endNode(r).id AS dst
    WHERE p._valid_from IS NOT NULL
    CREATE (v:EdgeVersion {eid: src + '\u001f' + type(r) + '\u001f' + dst + '\u001f' + r.key, src: src,
                           kind: type(r), dst: dst, valid_from: p._valid_from, valid_to: $now})
    FOREACH (k IN [k IN keys(p) WHERE NOT k IN ['_valid_from', '_version_seen_at']] | SET v['p.' + k] = p[k])
    SET v.`p.seen_at` = coalesce(p._version_seen_at, p.seen_at)
  }
  DETACH DELETE n
}
RETURN sum(CASE WHEN orphan THEN 1 ELSE 0 END) AS deleted, sum(CASE WHEN orphan THEN 0 ELSE 1 END) AS detached
