// A store written by an earlier Steward: each open node version node (valid_to null) moves onto its
// live node (`_valid_from`, and `_version_seen_at` when the node was seen since) and goes (auto-commit).
MATCH (v:NodeVersion)
WHERE v.valid_to IS NULL
CALL (v) {
  MATCH (n:Node {id: v.id})
  SET n._valid_from = v.valid_from,
      n._version_seen_at = CASE WHEN v.`p.seen_at` = n.seen_at THEN null ELSE v.`p.seen_at` END
  DELETE v
} IN TRANSACTIONS OF 10000 ROWS
