// A store written by an earlier Steward: each open edge version node (valid_to null) moves onto its
// live relationship, as history_open_nodes does for nodes (auto-commit).
MATCH (v:EdgeVersion)
WHERE v.valid_to IS NULL
CALL (v) {
  MATCH (:Node {id: v.src})-[r {key: v.`p.key`}]->(:Node {id: v.dst})
  WHERE type(r) = v.kind
  SET r._valid_from = v.valid_from,
      r._version_seen_at = CASE WHEN v.`p.seen_at` = r.seen_at THEN null ELSE v.`p.seen_at` END
  DELETE v
} IN TRANSACTIONS OF 10000 ROWS
